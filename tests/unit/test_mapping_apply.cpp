#include "mapping/mapping.hpp"

#include <catch2/catch.hpp>

using namespace j2s;
using nlohmann::json;

namespace {

bool is_null(const SqlValue& v) { return std::holds_alternative<std::monostate>(v); }

template <typename T>
T as(const SqlValue& v) {
    REQUIRE(std::holds_alternative<T>(v));
    return std::get<T>(v);
}

const json k_issue = json::parse(R"({
  "id": "10001", "key": "ABC-1",
  "fields": {
    "summary": "  Fix Login  ",
    "customfield_10016": 3.5,
    "customfield_10030": {"self": "x", "value": "Platform", "id": "1"},
    "customfield_10020": [{"id": 7, "name": "Sprint 7"}, {"id": 8, "name": "Sprint 8"}],
    "points_text": "N/A",
    "count": "12",
    "due": "2024-02-30",
    "created": "2024-03-05T14:07:12.345+0100",
    "reporter": {"emailAddress": "a@example.com"},
    "fixVersions": []
  }
})");

JiraField field(const std::string& id, const std::string& name) {
    JiraField f;
    f.id = id;
    f.key = id;
    f.name = name;
    return f;
}

}  // namespace

TEST_CASE("apply: values in column order, transforms before types", "[mapping][apply]") {
    Mapping m = Mapping::parse(R"(columns:
  - {name: summary, source: fields.summary, type: text, transform: trim}
  - {name: summary_lower, source: fields.summary, type: text, transform: lower}
  - {name: points, field: "Story Points", type: number}
  - {name: team, field: Team, path: value, type: text}
  - {name: sprint_names, field: Sprint, path: "[*].name", type: text, transform: join}
  - {name: sprint_ids, field: Sprint, path: "[*].id", type: json}
  - {name: last_sprint_id, field: Sprint, path: "[1].id", type: integer}
  - {name: count, source: fields.count, type: integer}
  - {name: created_at, source: fields.created, type: timestamp}
  - {name: email_hash, source: fields.reporter.emailAddress, type: text, transform: sha256}
  - {name: fix_versions, source: "fields.fixVersions[*].name", type: text, transform: join}
  - {name: missing, source: fields.nothing.here, type: integer}
  - {name: issue_id, source: id, type: integer}
)", "m.yaml");
    m.resolve_fields({field("customfield_10016", "Story Points"), field("customfield_10030", "Team"),
                      field("customfield_10020", "Sprint")});
    const auto row = m.apply(k_issue);
    REQUIRE(row.size() == 13);
    CHECK(as<std::string>(row[0]) == "Fix Login");
    CHECK(as<std::string>(row[1]) == "  fix login  ");
    CHECK(as<double>(row[2]) == 3.5);
    CHECK(as<std::string>(row[3]) == "Platform");
    CHECK(as<std::string>(row[4]) == "Sprint 7, Sprint 8");
    CHECK(as<std::string>(row[5]) == "[7,8]");
    CHECK(as<std::int64_t>(row[6]) == 8);
    CHECK(as<std::int64_t>(row[7]) == 12);
    CHECK(as<std::string>(row[8]) == "2024-03-05T13:07:12.345Z");
    CHECK(as<std::string>(row[9]).size() == 64);
    CHECK(is_null(row[10]));  // join of an empty array
    CHECK(is_null(row[11]));
    CHECK(as<std::int64_t>(row[12]) == 10001);
}

TEST_CASE("apply: an unconvertible value is a TransformError naming the column", "[mapping][apply]") {
    const Mapping m = Mapping::parse(R"(columns:
  - {name: fine, source: fields.count, type: integer}
  - {name: points, source: fields.points_text, type: integer}
)", "m.yaml");
    try {
        m.apply(k_issue);
        FAIL("expected a TransformError");
    } catch (const TransformError& e) {
        CHECK(e.column() == "points");
        CHECK(std::string(e.what()) == "column points: cannot convert \"N/A\" to integer");
    }
}

TEST_CASE("apply: on_error: null turns a conversion failure into NULL", "[mapping][apply]") {
    const Mapping m = Mapping::parse(R"(columns:
  - {name: points, source: fields.points_text, type: number, on_error: null}
  - {name: due, source: fields.due, type: date, on_error: null}
  - {name: count, source: fields.count, type: integer, on_error: null}
)", "m.yaml");
    const auto row = m.apply(k_issue);
    REQUIRE(row.size() == 3);
    CHECK(is_null(row[0]));
    CHECK(is_null(row[1]));
    CHECK(as<std::int64_t>(row[2]) == 12);  // good values still convert
}

TEST_CASE("apply: a float where an integer is expected dead-letters (3.5 is not 3)", "[mapping][apply]") {
    Mapping m = Mapping::parse("columns:\n  - {name: p, field: customfield_10016, type: integer}\n", "m.yaml");
    m.resolve_fields({field("customfield_10016", "Story Points")});
    CHECK_THROWS_AS(m.apply(k_issue), TransformError);
}

TEST_CASE("apply: an issue that is not an object gives NULLs", "[mapping][apply]") {
    const Mapping m = Mapping::parse("columns:\n  - {name: s, source: fields.summary, type: text}\n", "m.yaml");
    CHECK(is_null(m.apply(json()).at(0)));
    CHECK(is_null(m.apply(json::array()).at(0)));
    CHECK(Mapping().apply(k_issue).empty());
}
