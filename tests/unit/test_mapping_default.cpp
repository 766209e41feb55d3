// mappings/default.yaml, the mapping most users start from: it must load, resolve against realistic
// sites (with and without Jira Software) and produce the expected row for real Jira issues.

#include "mapping/mapping.hpp"

#include <catch2/catch.hpp>

#include <map>

#include "test_mapping_fixtures.hpp"

using namespace j2s;
using nlohmann::json;

namespace {

JiraField field(const std::string& id, const std::string& name, bool custom = true) {
    JiraField f;
    f.id = id;
    f.key = id;
    f.name = name;
    f.custom = custom;
    return f;
}

// A Jira Cloud site with Jira Software, shaped like GET /rest/api/3/field (ids from the airbyte and
// DevLake recordings), including two fields that share a display name, as real sites have.
const std::vector<JiraField> k_software_site{
    field("summary", "Summary", false),         field("status", "Status", false),
    field("issuetype", "Issue Type", false),    field("description", "Description", false),
    field("customfield_10016", "Story Points"), field("customfield_10020", "Sprint"),
    field("customfield_10019", "Rank"),         field("customfield_10014", "Epic Link"),
    field("customfield_10011", "Epic Name"),    field("customfield_10018", "Parent Link"),
    field("customfield_10035", "Team"),         field("customfield_10036", "Team"),
    field("customfield_10040", "Story point estimate"),
};

// Jira Work Management only: no Sprint, no story points.
const std::vector<JiraField> k_core_site{
    field("summary", "Summary", false),
    field("status", "Status", false),
    field("customfield_10035", "Team"),
};

Mapping default_mapping() { return Mapping::load(std::filesystem::path(J2S_SOURCE_DIR) / "mappings" / "default.yaml"); }

// The row as column name -> value, so a test reads like the table an analyst sees.
std::map<std::string, SqlValue> row_of(const Mapping& m, const json& issue) {
    const auto values = m.apply(issue);
    REQUIRE(values.size() == m.columns().size());
    std::map<std::string, SqlValue> row;
    for (std::size_t i = 0; i < values.size(); ++i) row.emplace(m.columns()[i].name, values[i]);
    return row;
}

SqlValue text(const char* s) { return std::string(s); }
const SqlValue k_null = std::monostate{};

}  // namespace

TEST_CASE("default mapping: loads and declares the analyst columns", "[mapping][default]") {
    const Mapping m = default_mapping();
    std::map<std::string, ColumnType> types;
    for (const auto& def : m.column_defs()) types.emplace(def.name, def.type);
    const std::map<std::string, ColumnType> expected{
        {"summary", ColumnType::text},          {"status", ColumnType::text},
        {"status_category", ColumnType::text},  {"status_category_key", ColumnType::text},
        {"issue_type", ColumnType::text},       {"priority", ColumnType::text},
        {"resolution", ColumnType::text},       {"resolved", ColumnType::timestamp},
        {"assignee_account_id", ColumnType::text}, {"assignee_name", ColumnType::text},
        {"reporter_account_id", ColumnType::text}, {"reporter_name", ColumnType::text},
        {"labels", ColumnType::json},           {"components", ColumnType::text},
        {"fix_versions", ColumnType::text},     {"parent_key", ColumnType::text},
        {"due_date", ColumnType::date},         {"original_estimate_seconds", ColumnType::integer},
        {"time_spent_seconds", ColumnType::integer}, {"story_points", ColumnType::number},
        {"sprint_names", ColumnType::text},     {"sprint_ids", ColumnType::json},
        {"description", ColumnType::text},
    };
    CHECK(types == expected);
}

TEST_CASE("default mapping: resolves on a Jira Software site without warnings", "[mapping][default]") {
    Mapping m = default_mapping();
    CHECK(m.resolve_fields(k_software_site).empty());
    CHECK(m.resolved_field_ids() == std::map<std::string, std::string>{{"sprint_ids", "customfield_10020"},
                                                                      {"sprint_names", "customfield_10020"},
                                                                      {"story_points", "customfield_10016"}});
}

TEST_CASE("default mapping: team-managed story points are found by the second candidate", "[mapping][default]") {
    std::vector<JiraField> site = k_software_site;
    std::erase_if(site, [](const JiraField& f) { return f.name == "Story Points"; });
    Mapping m = default_mapping();
    CHECK(m.resolve_fields(site).empty());
    CHECK(m.resolved_field_ids().at("story_points") == "customfield_10040");
}

TEST_CASE("default mapping: a site without Jira Software still syncs, with NULL agile columns", "[mapping][default]") {
    Mapping m = default_mapping();
    const auto warnings = m.resolve_fields(k_core_site);
    REQUIRE(warnings.size() == 3);
    CHECK_THAT(warnings[0], Catch::Contains("default.yaml:") &&
                                Catch::Contains("no field named 'Story Points' or 'Story point estimate'"));
    CHECK_THAT(warnings[1], Catch::Contains("no field named 'Sprint'; column sprint_names stays NULL"));
    const auto row = row_of(m, test::read_fixture(test::k_devlake_fixture));
    CHECK(row.at("sprint_names") == k_null);
    CHECK(row.at("story_points") == k_null);
    CHECK(row.at("summary") != k_null);
}

TEST_CASE("default mapping: the airbyte Cloud v3 issue", "[mapping][default]") {
    Mapping m = default_mapping();
    m.resolve_fields(k_software_site);
    const json issue = test::read_fixture(test::k_airbyte_fixture).at("issues").at(0);
    const auto row = row_of(m, issue);
    const std::map<std::string, SqlValue> expected{
        {"summary", text("My Summary")},
        {"status", text("To Do")},
        {"status_category", text("To Do")},
        {"status_category_key", text("new")},
        {"issue_type", text("Epic")},
        {"priority", text("Low")},
        {"resolution", k_null},
        {"resolved", k_null},
        {"assignee_account_id", text("5fc9e78d2730d800760becc4")},
        {"assignee_name", text("integration test")},
        {"reporter_account_id", text("5fc9e78d2730d800760becc4")},
        {"reporter_name", text("integration test")},
        {"labels", text(R"(["test"])")},
        {"components", text("Component 0")},
        {"fix_versions", k_null},  // empty array
        {"parent_key", k_null},
        {"due_date", k_null},
        {"original_estimate_seconds", k_null},
        {"time_spent_seconds", k_null},
        {"story_points", k_null},  // customfield_10016 is null
        {"sprint_names", k_null},  // customfield_10020 is null
        {"sprint_ids", k_null},
        {"description", text("Test issue")},  // ADF flattened
    };
    CHECK(row == expected);
}

TEST_CASE("default mapping: the DevLake Cloud issue with a Sprint array", "[mapping][default]") {
    Mapping m = default_mapping();
    m.resolve_fields(k_software_site);
    const auto row = row_of(m, test::read_fixture(test::k_devlake_fixture));
    CHECK(row.at("status") == text("已完成"));
    CHECK(row.at("status_category_key") == text("done"));
    CHECK(row.at("issue_type") == text("任务"));
    CHECK(row.at("resolution") == text("完成"));
    CHECK(row.at("resolved") == text("2020-07-22T07:25:29.104Z"));  // +0800 -> UTC
    CHECK(row.at("assignee_account_id") == text("5ecfbd0a47d31e0c2a15fd87"));
    CHECK(row.at("labels") == text("[]"));
    CHECK(row.at("components") == k_null);
    CHECK(row.at("original_estimate_seconds") == SqlValue(std::int64_t{21600}));
    CHECK(row.at("time_spent_seconds") == SqlValue(std::int64_t{7200}));
    CHECK(row.at("sprint_names") == text("EE Sprint 9"));
    CHECK(row.at("sprint_ids") == text("[17]"));
    CHECK(row.at("description") == k_null);
}

TEST_CASE("default mapping: Server-style values and legacy sprint strings do not dead-letter", "[mapping][default]") {
    Mapping m = default_mapping();
    m.resolve_fields(k_software_site);
    const json issue = json::parse(R"({
      "id": "10002", "key": "SAMPLE-1",
      "fields": {
        "summary": "Server issue",
        "assignee": {"name": "admin", "key": "admin", "displayName": "Admin"},
        "description": "h1. Wiki markup",
        "customfield_10016": "N/A",
        "customfield_10020": ["com.atlassian.greenhopper.service.sprint.Sprint@1[id=2,rapidViewId=2,state=FUTURE,name=S2]"],
        "duedate": "2024-03-05",
        "parent": {"key": "SAMPLE-0"},
        "components": [{"name": "API"}, {"name": "UI"}],
        "fixVersions": [{"name": "1.0"}, {"name": "1.1"}]
      }
    })");
    const auto row = row_of(m, issue);
    CHECK(row.at("assignee_account_id") == k_null);  // documented: Server users have no accountId
    CHECK(row.at("assignee_name") == text("Admin"));
    CHECK(row.at("description") == text("h1. Wiki markup"));
    CHECK(row.at("story_points") == k_null);  // on_error: null
    CHECK(row.at("sprint_names") == k_null);  // legacy strings have no .name
    CHECK(row.at("sprint_ids") == text("[]"));
    CHECK(row.at("due_date") == text("2024-03-05"));
    CHECK(row.at("parent_key") == text("SAMPLE-0"));
    CHECK(row.at("components") == text("API, UI"));
    CHECK(row.at("fix_versions") == text("1.0, 1.1"));
}
