#include "mapping/mapping.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>

#include "util/errors.hpp"

using namespace j2s;

namespace {

Mapping parse(const std::string& yaml) { return Mapping::parse(yaml, "m.yaml"); }

// The ConfigError message parse() gives for `yaml`, or "" if it parsed.
std::string error_of(const std::string& yaml) {
    try {
        parse(yaml);
    } catch (const ConfigError& e) {
        CHECK(e.exit_code() == ExitCode::usage);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("mapping parse: the contract's example file", "[mapping]") {
    const Mapping m = parse(R"(columns:
  - name: summary                 # column name
    source: fields.summary
    type: text
  - name: story_points
    field: "Story Points"
    type: number
  - name: team
    field: "Team"
    path: value
    type: text
  - name: labels
    source: fields.labels
    type: json
  - name: description
    source: fields.description
    type: text
    transform: adf_to_text
  - name: reporter_email_hash
    source: fields.reporter.emailAddress
    type: text
    transform: sha256
  - name: fix_versions
    source: fields.fixVersions[*].name
    type: text
    transform: join
  - name: due
    source: fields.duedate
    type: date
    on_error: null
)");
    const auto& c = m.columns();
    REQUIRE(c.size() == 8);
    CHECK(m.file_name() == "m.yaml");
    CHECK(c[0].name == "summary");
    CHECK(c[0].source == "fields.summary");
    CHECK(c[0].line == 2);
    CHECK_FALSE(c[0].is_field());
    CHECK(c[1].field == "Story Points");
    CHECK(c[1].field_candidates == std::vector<std::string>{"Story Points"});
    CHECK(c[1].type == ColumnType::number);
    CHECK(c[1].field_line == 6);
    CHECK(c[1].required);
    CHECK(c[2].path == "value");
    CHECK(c[3].type == ColumnType::json);
    CHECK(c[4].transform == Transform::adf_to_text);
    CHECK(c[5].transform == Transform::sha256);
    CHECK(c[6].transform == Transform::join);
    CHECK(c[6].on_error == OnError::dead_letter);
    CHECK(c[7].type == ColumnType::date);
    CHECK(c[7].on_error == OnError::null);
    CHECK(m.column_defs() == std::vector<ColumnDef>{{"summary", ColumnType::text},
                                                   {"story_points", ColumnType::number},
                                                   {"team", ColumnType::text},
                                                   {"labels", ColumnType::json},
                                                   {"description", ColumnType::text},
                                                   {"reporter_email_hash", ColumnType::text},
                                                   {"fix_versions", ColumnType::text},
                                                   {"due", ColumnType::date}});
}

TEST_CASE("mapping parse: extensions and spellings", "[mapping]") {
    const Mapping m = parse(R"(columns:
  - {name: sp, field: ["Story Points", "Story point estimate"], type: number, required: false}
  - {name: a, source: fields.a, type: text, on_error: "null"}
  - {name: b, source: fields.b, type: text, on_error: dead_letter}
  - {name: c, field: customfield_10016, type: integer, required: true}
)");
    const auto& c = m.columns();
    REQUIRE(c.size() == 4);
    CHECK(c[0].field_candidates == std::vector<std::string>{"Story Points", "Story point estimate"});
    CHECK(c[0].field == "Story Points");
    CHECK_FALSE(c[0].required);
    CHECK(c[1].on_error == OnError::null);
    CHECK(c[2].on_error == OnError::dead_letter);
    CHECK(c[3].required);
}

TEST_CASE("mapping parse: an empty column list is valid", "[mapping]") {
    CHECK(parse("columns: []\n").columns().empty());
    CHECK(parse("columns:\n").columns().empty());
    CHECK(parse("columns: []\n").column_defs().empty());
}

TEST_CASE("mapping parse: the top level must be a columns list", "[mapping]") {
    CHECK(error_of("") == "m.yaml: expected a top-level 'columns:' list");
    CHECK(error_of("- name: a\n") == "m.yaml:1: expected a top-level 'columns:' list");
    CHECK(error_of("{}\n") == "m.yaml:1: expected a top-level 'columns:' list");
    CHECK(error_of("columns: []\ncolums: []\n") ==
          "m.yaml:2: colums: unknown key (the top-level keys are 'columns' and 'users')");
    CHECK(error_of("columns: []\ncolumns:\n  - {name: a, source: a, type: text}\n") == "m.yaml:2: columns: duplicate key");
    CHECK(error_of("columns:\n  name: a\n") == "m.yaml:2: columns: expected a list of columns");
    CHECK(error_of("columns: 5\n") == "m.yaml:1: columns: expected a list of columns");
}

TEST_CASE("mapping parse: invalid YAML names the line and its key", "[mapping]") {
    CHECK(error_of("columns:\n  - name: a\n    type: [text\n") ==
          "m.yaml:3: columns[0].type: invalid YAML: the '[' on this line is never closed (missing ']')");
    // yaml-cpp would take the rest of the file as the name; the open quote is named where it starts.
    CHECK(error_of("columns:\n  - name: \"a\n    source: fields.a\n    type: text\n") ==
          "m.yaml:2: columns[0].name: invalid YAML: a quoted value starts on this line but its closing quote is missing");
    CHECK_THAT(error_of("columns:\n  - {name: a, source: a, type: text}\n  - name: b\n     type: text\n"),
               Catch::StartsWith("m.yaml:4: columns[1].name.type: invalid YAML: "));
}

TEST_CASE("mapping parse: every validation error names file, line and key", "[mapping]") {
    const std::string head = "columns:\n  - {name: ok, source: fields.ok, type: text}\n";  // line 2 = columns[0]
    struct Case {
        std::string column;  // YAML on line 3, columns[1]
        std::string expected;
    };
    const std::vector<Case> cases{
        {"  - {name: x, source: fields.x, type: strng}",
         "m.yaml:3: columns[1].type: unknown type 'strng' (expected text, integer, number, boolean, timestamp, "
         "date, json)"},
        {"  - {name: x, source: fields.x}",
         "m.yaml:3: columns[1]: missing 'type' (expected text, integer, number, boolean, timestamp, date, json)"},
        {"  - {source: fields.x, type: text}", "m.yaml:3: columns[1]: missing 'name'"},
        {"  - {name: Bad, source: fields.x, type: text}",
         "m.yaml:3: columns[1].name: invalid column name 'Bad' (expected [a-z_][a-z0-9_]{0,62})"},
        {"  - {name: 1x, source: fields.x, type: text}",
         "m.yaml:3: columns[1].name: invalid column name '1x' (expected [a-z_][a-z0-9_]{0,62})"},
        {"  - {name: a-b, source: fields.x, type: text}",
         "m.yaml:3: columns[1].name: invalid column name 'a-b' (expected [a-z_][a-z0-9_]{0,62})"},
        {"  - {name: '" + std::string(64, 'a') + "', source: fields.x, type: text}",
         "m.yaml:3: columns[1].name: invalid column name '" + std::string(64, 'a') +
             "' (expected [a-z_][a-z0-9_]{0,62})"},
        {"  - {name: ok, source: fields.x, type: text}", "m.yaml:3: columns[1].name: duplicate column name 'ok'"},
        {"  - {name: updated, source: fields.x, type: text}",
         "m.yaml:3: columns[1].name: 'updated' is a fixed column of issues and cannot be mapped"},
        {"  - {name: x, source: fields.x, field: Summary, type: text}",
         "m.yaml:3: columns[1].field: a column has either 'source' or 'field', not both"},
        {"  - {name: x, type: text}", "m.yaml:3: columns[1]: missing 'source' or 'field'"},
        {"  - {name: x, source: fields.x, path: value, type: text}",
         "m.yaml:3: columns[1].path: 'path' is only allowed with 'field'"},
        {"  - {name: x, source: fields.x, required: false, type: text}",
         "m.yaml:3: columns[1].required: 'required' is only allowed with 'field'"},
        {"  - {name: x, field: Team, required: maybe, type: text}",
         "m.yaml:3: columns[1].required: expected true or false"},
        {"  - {name: x, source: fields.x, type: text, transform: rot13}",
         "m.yaml:3: columns[1].transform: unknown transform 'rot13' (expected adf_to_text, sha256, join, lower, "
         "upper, trim)"},
        {"  - {name: x, source: fields.x, type: text, on_error: skip}",
         "m.yaml:3: columns[1].on_error: unknown on_error 'skip' (expected dead_letter or null)"},
        {"  - {name: x, source: fields.x, type: text, colour: red}",
         "m.yaml:3: columns[1].colour: unknown key (expected name, type, source, field, path, transform, on_error, "
         "required)"},
        {"  - {name: x, source: fields.x, type: text, type: json}", "m.yaml:3: columns[1].type: duplicate key"},
        {"  - {name: x, source: 'fields..x', type: text}",
         "m.yaml:3: columns[1].source: malformed path 'fields..x': empty key at position 8"},
        {"  - {name: x, field: Team, path: 'value[', type: text}",
         "m.yaml:3: columns[1].path: malformed path 'value[': unclosed '[' at position 6"},
        {"  - {name: x, source: '', type: text}", "m.yaml:3: columns[1].source: the path must not be empty"},
        {"  - {name: x, source: , type: text}", "m.yaml:3: columns[1].source: expected a value"},
        {"  - {name: x, source: [a], type: text}", "m.yaml:3: columns[1].source: expected a string"},
        {"  - {name: x, field: [], type: text}",
         "m.yaml:3: columns[1].field: expected a field name or a non-empty list of names"},
        {"  - {name: x, field: '', type: text}", "m.yaml:3: columns[1].field: a field name must not be empty"},
        {"  - {name: x, field: [Team, {a: b}], type: text}", "m.yaml:3: columns[1].field: expected a string"},
        {"  - just a string", "m.yaml:3: columns[1]: expected a mapping with name, type and source or field"},
    };
    for (const auto& c : cases) {
        INFO(c.column);
        CHECK(error_of(head + c.column + "\n") == c.expected);
    }
}

TEST_CASE("mapping parse: every fixed column is reserved", "[mapping]") {
    for (const auto& name : fixed_issue_columns()) {
        INFO(name);
        CHECK_THAT(error_of("columns:\n  - {name: " + name + ", source: fields.x, type: text}\n"),
                   Catch::Contains("is a fixed column"));
    }
    CHECK(fixed_issue_columns().size() == 9);
}

TEST_CASE("mapping parse: the error line is the offending key's line in block style", "[mapping]") {
    const std::string yaml = R"(columns:
  - name: summary
    source: fields.summary
    type: text
  - name: points
    source: fields.points
    transform: join
    type: numbr
)";
    CHECK_THAT(error_of(yaml), Catch::StartsWith("m.yaml:8: columns[1].type: unknown type 'numbr'"));
}

TEST_CASE("mapping load: reads a file and names it in errors", "[mapping]") {
    const auto dir = std::filesystem::temp_directory_path() / "j2s_test_mapping_load";
    std::filesystem::create_directories(dir);
    const auto good = dir / "good.yaml";
    const auto bad = dir / "bad.yaml";
    std::ofstream(good) << "columns:\n  - {name: s, source: fields.summary, type: text}\n";
    std::ofstream(bad) << "columns:\n  - {name: s, source: fields.summary, type: txt}\n";
    CHECK(Mapping::load(good).columns().size() == 1);
    CHECK(Mapping::load(good).file_name() == good.string());
    CHECK_THROWS_WITH(Mapping::load(bad), Catch::StartsWith(bad.string() + ":2: columns[0].type: unknown type"));
    CHECK_THROWS_AS(Mapping::load(dir / "missing.yaml"), ConfigError);
    std::filesystem::remove_all(dir);
}
