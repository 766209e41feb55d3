#include "table_checks.hpp"

#include <catch2/catch.hpp>

#include <map>

#include "util/time.hpp"

namespace j2s::it {

using nlohmann::json;

std::string utc(const json& jira_time) {
    auto t = parse_jira_timestamp(jira_time.get<std::string>());
    REQUIRE(t.has_value());
    return format_utc(*t);
}

std::string text_or_null(const json& j) {
    if (j.is_null()) return "NULL";
    return j.is_string() ? j.get<std::string>() : j.dump();
}

namespace {
// The columns expected_issue_row and expected_items render, in their order.
const char* const kIssueColumns = "id, key, project_key, created, updated, summary, status, deleted_at";
const char* const kItemColumns =
    "history_id, item_index, issue_id, created, field, field_id, from_value, from_string, to_value, to_string";
}  // namespace

std::string expected_issue_row(const json& issue) {
    const auto& f = issue["fields"];
    return std::to_string(issue["id"].get<long long>()) + "|" + issue["key"].get<std::string>() + "|" +
           issue["project_key"].get<std::string>() + "|" + utc(issue["created"]) + "|" + utc(issue["updated"]) + "|" +
           text_or_null(f["summary"]) + "|" + text_or_null(f["status"]["name"]) + "|NULL";
}

std::set<std::string> expected_items(const json& issue) {
    std::set<std::string> out;
    const std::string id = std::to_string(issue["id"].get<long long>());
    for (const auto& h : issue["histories"]) {
        int index = 0;
        for (const auto& item : h["items"])
            out.insert(text_or_null(h["id"]) + "|" + std::to_string(index++) + "|" + id + "|" + utc(h["created"]) + "|" +
                       text_or_null(item["field"]) + "|" + text_or_null(item.value("fieldId", json())) + "|" +
                       text_or_null(item.value("from", json())) + "|" + text_or_null(item.value("fromString", json())) +
                       "|" + text_or_null(item.value("to", json())) + "|" + text_or_null(item.value("toString", json())));
    }
    return out;
}

std::map<long long, std::string> stored_issues(const TableReader& db) {
    std::map<long long, std::string> out;
    for (auto& r : db.rows(std::string("SELECT ") + kIssueColumns + " FROM issues"))
        out[std::stoll(r.substr(0, r.find('|')))] = r;
    return out;
}

std::map<long long, std::set<std::string>> stored_items(const TableReader& db) {
    std::map<long long, std::set<std::string>> out;
    for (auto& r : db.rows(std::string("SELECT ") + kItemColumns + " FROM issue_changelog")) {
        const auto first = r.find('|'), second = r.find('|', first + 1);
        out[std::stoll(r.substr(second + 1, r.find('|', second + 1) - second - 1))].insert(r);
    }
    return out;
}

void require_tables_match_fake(const TableReader& db, FakeJira& fake, const std::set<long long>& deleted) {
    const auto served = fake.issues();
    auto stored = stored_issues(db);
    auto items = stored_items(db);
    for (const auto& issue : served) {
        const long long id = issue["id"].get<long long>();
        CAPTURE(id);
        REQUIRE(stored.count(id) == 1);
        REQUIRE(stored[id] == expected_issue_row(issue));
        REQUIRE(items[id] == expected_items(issue));
        stored.erase(id);
        items.erase(id);
    }
    for (const auto& [id, row] : stored) {
        INFO("a row the fake does not serve: " << row);
        REQUIRE(deleted.count(id) == 1);
    }
    for (const auto& [id, set] : items) {
        INFO("changelog rows of issue " << id << ", which the fake does not serve");
        REQUIRE(deleted.count(id) == 1);
    }
}

std::vector<std::string> table_snapshot(const TableReader& db) {
    auto out = db.rows(
        "SELECT id, key, project_key, created, updated, raw, deleted_at, summary, status, story_points, "
        "sprint_names, description FROM issues ORDER BY id");
    auto items = db.rows("SELECT * FROM issue_changelog ORDER BY history_id, item_index");
    out.insert(out.end(), items.begin(), items.end());
    out.push_back("dead=" + std::to_string(db.scalar("SELECT count(*) FROM dead_letters")));
    return out;
}

std::vector<json> requests_to(FakeJira& fake, const std::string& path) {
    std::vector<json> out;
    for (auto& r : fake.requests())
        if (r["path"] == path) out.push_back(r);
    return out;
}

}  // namespace j2s::it
