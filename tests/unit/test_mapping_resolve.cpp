#include "mapping/mapping.hpp"

#include <catch2/catch.hpp>

#include "util/errors.hpp"

using namespace j2s;
using nlohmann::json;

namespace {

JiraField field(std::string id, std::string name) {
    JiraField f;
    f.id = id;
    f.key = std::move(id);
    f.name = std::move(name);
    f.custom = f.id.rfind("customfield_", 0) == 0;
    return f;
}

const std::vector<JiraField> k_site{
    field("summary", "Summary"),
    field("customfield_10016", "Story Points"),
    field("customfield_10020", "Sprint"),
    field("customfield_10030", "Team"),
    field("customfield_10031", "Team"),  // two fields share a display name
    field("customfield_10040", "Story point estimate"),
};

Mapping one_column(const std::string& field_yaml, const std::string& extra = "") {
    return Mapping::parse("columns:\n  - name: col\n    type: text\n    field: " + field_yaml + "\n" + extra, "m.yaml");
}

std::string resolve_error(Mapping m, const std::vector<JiraField>& site = k_site,
                          const std::map<std::string, std::string>& remembered = {}) {
    try {
        m.resolve_fields(site, remembered);
    } catch (const ConfigError& e) {
        CHECK(e.exit_code() == ExitCode::usage);
        return e.what();
    }
    return "";
}

std::optional<std::string> resolved(const std::string& field_yaml) {
    Mapping m = one_column(field_yaml);
    CHECK(m.resolve_fields(k_site).empty());
    return m.columns()[0].resolved_field_id;
}

}  // namespace

TEST_CASE("resolve: by id, then by exact display name", "[mapping][resolve]") {
    CHECK(resolved("customfield_10016") == "customfield_10016");
    CHECK(resolved("summary") == "summary");
    CHECK(resolved("Story Points") == "customfield_10016");
    CHECK(resolved("Summary") == "summary");
    CHECK(resolve_error(one_column("story points")) ==
          "m.yaml:4: columns[0].field: Jira has no field named 'story points'");  // case-sensitive
}

TEST_CASE("resolve: an id wins over a display name that happens to equal it", "[mapping][resolve]") {
    const std::vector<JiraField> site{field("customfield_1", "summary"), field("summary", "Summary")};
    Mapping m = one_column("summary");
    m.resolve_fields(site);
    CHECK(m.columns()[0].resolved_field_id == "summary");
}

TEST_CASE("resolve: a missing field is a ConfigError naming file, line and name", "[mapping][resolve]") {
    CHECK(resolve_error(one_column("\"Business Value\"")) ==
          "m.yaml:4: columns[0].field: Jira has no field named 'Business Value'");
}

TEST_CASE("resolve: an ambiguous name is an error listing the ids", "[mapping][resolve]") {
    CHECK(resolve_error(one_column("Team")) ==
          "m.yaml:4: columns[0].field: field name 'Team' is ambiguous: Jira has several fields with that name "
          "(customfield_10030, customfield_10031); use one of the ids instead");
    CHECK(resolved("customfield_10031") == "customfield_10031");
}

TEST_CASE("resolve: a candidate list takes the first field the site has", "[mapping][resolve]") {
    CHECK(resolved("[\"Story Points\", \"Story point estimate\"]") == "customfield_10016");
    CHECK(resolved("[\"Nope\", \"Story point estimate\"]") == "customfield_10040");
    CHECK(resolved("[Nope, customfield_10020]") == "customfield_10020");
    CHECK(resolve_error(one_column("[Nope, Nada]")) ==
          "m.yaml:4: columns[0].field: Jira has no field named 'Nope' or 'Nada'");
    // An ambiguous candidate is an error, not a reason to silently try the next one.
    CHECK_THAT(resolve_error(one_column("[Team, Summary]")), Catch::Contains("'Team' is ambiguous"));
}

TEST_CASE("resolve: required: false keeps an unresolvable column, always NULL, with a warning", "[mapping][resolve]") {
    Mapping m = one_column("Sprint", "    required: false\n");
    const std::vector<JiraField> no_software{field("summary", "Summary")};
    const auto warnings = m.resolve_fields(no_software);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] ==
          "m.yaml:4: columns[0].field: Jira has no field named 'Sprint'; column col stays NULL (required: false)");
    CHECK_FALSE(m.columns()[0].resolved_field_id);
    CHECK(m.column_defs() == std::vector<ColumnDef>{{"col", ColumnType::text}});
    const auto row = m.apply(json::parse(R"({"fields": {"Sprint": "x", "summary": "s"}})"));
    REQUIRE(row.size() == 1);
    CHECK(std::holds_alternative<std::monostate>(row[0]));
    CHECK(m.resolved_field_ids().empty());

    // ... and resolves normally where the field exists.
    CHECK(m.resolve_fields(k_site).empty());
    CHECK(m.columns()[0].resolved_field_id == "customfield_10020");
}

TEST_CASE("resolve: a remembered id survives a rename in Jira, with a warning", "[mapping][resolve]") {
    std::vector<JiraField> renamed = k_site;
    renamed[1].name = "Story Pts";  // customfield_10016 renamed on the site
    Mapping m = one_column("\"Story Points\"");
    CHECK_THAT(resolve_error(m, renamed), Catch::Contains("no field named 'Story Points'"));  // no memory: error

    const auto warnings = m.resolve_fields(renamed, {{"col", "customfield_10016"}});
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "m.yaml:4: columns[0].field: field 'Story Points' was renamed to 'Story Pts' in Jira; "
                         "still using id customfield_10016");
    CHECK(m.columns()[0].resolved_field_id == "customfield_10016");
    CHECK(m.resolved_field_ids() == std::map<std::string, std::string>{{"col", "customfield_10016"}});
    const auto row = m.apply(json::parse(R"({"fields": {"customfield_10016": "5"}})"));
    CHECK(std::get<std::string>(row.at(0)) == "5");
}

TEST_CASE("resolve: a remembered id that no longer exists does not help", "[mapping][resolve]") {
    Mapping m = one_column("\"Gone Field\"");
    CHECK_THAT(resolve_error(m, k_site, {{"col", "customfield_99999"}}), Catch::Contains("no field named 'Gone Field'"));
}

TEST_CASE("resolve: memory for another column is ignored", "[mapping][resolve]") {
    Mapping m = one_column("\"Gone Field\"");
    CHECK_THAT(resolve_error(m, k_site, {{"other", "customfield_10016"}}), Catch::Contains("no field named"));
}

TEST_CASE("resolve: when the names resolve to another id than remembered, the mapping wins", "[mapping][resolve]") {
    Mapping m = one_column("Sprint");
    const auto warnings = m.resolve_fields(k_site, {{"col", "customfield_10016"}});
    CHECK(m.columns()[0].resolved_field_id == "customfield_10020");
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0] == "m.yaml:4: columns[0].field: field 'Sprint' now resolves to id customfield_10020 "
                         "(an earlier run used customfield_10016)");
    // Same id as remembered: silent.
    CHECK(m.resolve_fields(k_site, {{"col", "customfield_10020"}}).empty());
}

TEST_CASE("resolve: a remembered id settles an ambiguous name it belongs to", "[mapping][resolve]") {
    Mapping m = one_column("Team");
    const auto warnings = m.resolve_fields(k_site, {{"col", "customfield_10031"}});
    CHECK(m.columns()[0].resolved_field_id == "customfield_10031");
    REQUIRE(warnings.size() == 1);
    CHECK_THAT(warnings[0], Catch::Contains("still using id customfield_10031"));
    CHECK_THAT(resolve_error(m, k_site, {{"col", "customfield_10016"}}), Catch::Contains("ambiguous"));
}

TEST_CASE("resolve: an error leaves an earlier resolution in place", "[mapping][resolve]") {
    Mapping m = Mapping::parse(R"(columns:
  - {name: a, field: Sprint, type: json}
  - {name: b, field: Summary, type: text}
)", "m.yaml");
    m.resolve_fields(k_site);
    const std::vector<JiraField> partial{field("customfield_10021", "Sprint")};
    CHECK_THROWS_WITH(m.resolve_fields(partial), "m.yaml:3: columns[1].field: Jira has no field named 'Summary'");
    CHECK(m.columns()[0].resolved_field_id == "customfield_10020");
    CHECK(m.resolved_field_ids() ==
          std::map<std::string, std::string>{{"a", "customfield_10020"}, {"b", "summary"}});
}

TEST_CASE("resolve: source columns are untouched and apply needs no resolution", "[mapping][resolve]") {
    Mapping m = Mapping::parse("columns:\n  - {name: s, source: fields.summary, type: text}\n", "m.yaml");
    CHECK(std::get<std::string>(m.apply(json::parse(R"({"fields":{"summary":"x"}})")).at(0)) == "x");
    CHECK(m.resolve_fields({}).empty());
    CHECK_FALSE(m.columns()[0].resolved_field_id);
}

TEST_CASE("resolve: apply before resolve_fields on a field column is a programming error", "[mapping][resolve]") {
    const Mapping m = one_column("Sprint");
    CHECK_THROWS_AS(m.apply(json::object()), std::logic_error);
}
