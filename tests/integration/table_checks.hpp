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

// ---- comments, worklogs, issue links, sprints and issue_sprints (issue 8) --------------------------------
namespace j2s::it {

// The rows the entity tables should hold for what the fake serves, keyed by id (issue_sprints by
// "issue_id|sprint_id"), each rendered as `stored_entity_rows` renders its columns:
//   comments:      id, issue_id, author_id, update_author_id, created, updated, body_text
//   worklogs:      id, issue_id, author_id, update_author_id, started, time_spent_seconds, comment_text, created,
//                  updated
//   issue_links:   id, type_id, type_name, outward_text, inward_text, source_issue_id, target_issue_id,
//                  source_issue_key, target_issue_key
//   sprints:       id, name, state, board_id, goal, start_date, end_date, complete_date
//   issue_sprints: issue_id, sprint_id, in_field, added_at, removed_at
// Person ids are accountId (cloud) or key (server); ADF text (cloud) is flattened as mapping/adf_to_text.hpp documents.
struct EntityRowSet {
    std::map<std::string, std::string> comments, worklogs, links, sprints, issue_sprints;
};

// The Sprint custom field of the fake site (README: customfield_10020).
inline constexpr const char* kFakeSprintField = "customfield_10020";

// What the fake serves now: its live comments, worklogs and links (GET /_fake/comments, /worklogs, /links),
// the issue_sprints its issues' Sprint fields and Sprint changelog items imply (in_field: the field holds it;
// added_at/removed_at: the newest history adding/removing it), and every sprint those name, as the agile API
// serves it (GET /rest/agile/1.0/sprint/{id}, authenticated as `email`/`token`: these requests enter the
// fake's request log, so read the log first).
EntityRowSet expected_entity_rows(FakeJira& fake, bool cloud, const std::string& email = "demo@example.com",
                                  const std::string& token = "demo-token");
// The sprint ids the fake's issues name in their Sprint field with state "closed" (their details cannot change,
// so a sync need not ask the agile API for them).
std::set<long long> closed_sprints_in_fields(const nlohmann::json& issues);
// The rows of the entity tables in the same forms; `live_only` leaves out soft-deleted comments, worklogs and links.
EntityRowSet stored_entity_rows(const TableReader& db, bool live_only = true);

// The entity tables' live rows equal what the fake serves, table by table and row by row (the first
// differences are named on failure).
void require_entity_tables_match_fake(const TableReader& db, FakeJira& fake, bool cloud);
// Two row sets are equal, table by table; `what` names them on failure.
void require_same_entity_rows(const EntityRowSet& expected, const EntityRowSet& stored, const std::string& what);

// Ids (as text) of the soft-deleted rows of `table` (comments, worklogs or issue_links), ascending.
std::vector<std::string> soft_deleted_ids(const TableReader& db, const std::string& table);

// "table:key -> synced_at" of every row of the entity tables (issue_sprints keyed by issue_id|sprint_id): what
// a run rewrote shows as a changed value.
std::map<std::string, std::string> entity_synced_at(const TableReader& db);

// Every row of the entity tables minus synced_at (deleted_at as live/deleted) and entity_state's keys: equal
// snapshots mean equal tables, whenever each was written.
std::vector<std::string> entity_snapshot(const TableReader& db);

// Logged requests whose path matches `path_regex` (std::regex_search), in the order the fake received them.
std::vector<nlohmann::json> requests_matching(const nlohmann::json& log, const std::string& path_regex);

}  // namespace j2s::it
