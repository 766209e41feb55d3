#include <catch2/catch.hpp>

#include <fstream>

#include "sync/changelog_rows.hpp"
#include "util/errors.hpp"

using namespace j2s;

TEST_CASE("histories become one row per item, fieldId may be missing, server authors use key", "[changelog]") {
    auto history = nlohmann::json::parse(R"({
      "id": "10001", "created": "2024-03-05T14:07:12.345+0100",
      "author": {"key": "jsmith", "name": "jsmith", "displayName": "J Smith"},
      "items": [
        {"field": "status", "fieldtype": "jira", "from": "1", "fromString": "Open", "to": "3", "toString": "In Progress"},
        {"field": "Sprint", "fieldtype": "custom", "fieldId": "customfield_10020", "from": null, "fromString": "", "to": 5, "toString": "S1"}
      ]})");
    std::vector<ChangelogItemRecord> rows;
    append_changelog_rows(42, history, rows);
    REQUIRE(rows.size() == 2);
    REQUIRE(rows[0].history_id == 10001);
    REQUIRE(rows[0].item_index == 0);
    REQUIRE(rows[0].issue_id == 42);
    REQUIRE(rows[0].author_account_id == "jsmith");
    REQUIRE(rows[0].author_display_name == "J Smith");
    REQUIRE(format_utc(rows[0].created) == "2024-03-05T13:07:12.345Z");
    REQUIRE(rows[0].field == "status");
    REQUIRE_FALSE(rows[0].field_id.has_value());
    REQUIRE(rows[0].to_string == "In Progress");
    REQUIRE(rows[1].item_index == 1);
    REQUIRE(rows[1].field_id == "customfield_10020");
    REQUIRE_FALSE(rows[1].from_value.has_value());
    REQUIRE(rows[1].to_value == "5");
}

TEST_CASE("the recorded cloud changelog page converts completely", "[changelog]") {
    std::ifstream in(std::string(J2S_SOURCE_DIR) +
                     "/fixtures/real/"
                     "apache__devlake__backend__plugins__jira__e2e__raw_tables___raw_jira_api_issue_changelogs.csv.issue-13383-values.json");
    REQUIRE(in.good());
    auto values = nlohmann::json::parse(in);
    std::vector<ChangelogItemRecord> rows;
    std::size_t items = 0;
    for (const auto& h : values) {
        items += h["items"].size();
        append_changelog_rows(13383, h, rows);
    }
    REQUIRE(values.size() == 100);
    REQUIRE(rows.size() == items);
}

TEST_CASE("a history without id or time is an error for the issue", "[changelog]") {
    std::vector<ChangelogItemRecord> rows;
    REQUIRE_THROWS_AS(append_changelog_rows(1, nlohmann::json::parse(R"({"created":"2024-01-01T00:00:00.000Z","items":[]})"), rows), Error);
    REQUIRE_THROWS_AS(append_changelog_rows(1, nlohmann::json::parse(R"({"id":"5","items":[]})"), rows), Error);
}
