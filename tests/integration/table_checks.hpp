#pragma once
// Checks end-to-end scenarios share, whatever the backend: the synced tables against what the fake Jira serves,
// a snapshot to compare two databases, and the fake's request log filtered by path.

#include <map>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness.hpp"
#include "table_reader.hpp"

namespace j2s::it {

// `jira_time` (a Jira timestamp string) as the tables store it: UTC `YYYY-MM-DDTHH:MM:SS.sssZ`.
std::string utc(const nlohmann::json& jira_time);
// A JSON value as TableReader renders its column: "NULL", the string itself, or the JSON text.
std::string text_or_null(const nlohmann::json& j);

// An issue as the fake serves it, as `stored_issues` renders its row: id, key, project, created, updated, summary,
// status, deleted_at (NULL).
std::string expected_issue_row(const nlohmann::json& issue);
// One changelog row per item of every history of `issue`, as `stored_items` renders issue_changelog rows.
std::set<std::string> expected_items(const nlohmann::json& issue);
// issue id -> its row in the form of expected_issue_row.
std::map<long long, std::string> stored_issues(const TableReader& db);
// issue id -> its stored changelog rows in the form of expected_items.
std::map<long long, std::set<std::string>> stored_items(const TableReader& db);

// The tables hold exactly the issues the fake serves, row by row and changelog item by item. Rows and items of
// issues in `deleted` may remain (reconciliation is a separate command), nothing else may.
void require_tables_match_fake(const TableReader& db, FakeJira& fake, const std::set<long long>& deleted = {});

// Every table row minus the column recording when it was written: equal snapshots mean equal tables.
std::vector<std::string> table_snapshot(const TableReader& db);

// The logged requests to exactly `path`, in the order the fake received them.
std::vector<nlohmann::json> requests_to(FakeJira& fake, const std::string& path);

}  // namespace j2s::it
