// End-to-end comments, worklogs, issue links, sprints and issue_sprints (issue 8): the real jira2sql against
// the fake Jira with sync.entities naming them all, on SQLite and PostgreSQL, Cloud and Server.
// - A backfill stores exactly the site's live entities, row by row, and asks for more than the issue pages
//   carry only for issues over the embedded caps (Cloud: 100 comments; both: 20 worklogs) and for sprints
//   whose details may still change.
// - After comments, worklogs and links are added, edited and deleted and an issue moves to another sprint,
// the
//   next run makes the tables equal the site again: deleted rows are soft-deleted and stay, nothing untouched
//   is rewritten; on Cloud worklog changes come through /worklog/updated and /worklog/deleted.
// - A run after no change rewrites nothing and makes only the fixed per-run requests, the worklog feeds and
// one
//   request per sprint not closed.

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "entity_site.hpp"
#include "harness.hpp"
#include "table_checks.hpp"
#include "test_target.hpp"

using namespace j2s;
using namespace j2s::it;
using nlohmann::json;

namespace {

std::string api(bool cloud) { return cloud ? "/rest/api/3" : "/rest/api/2"; }

// issue id -> number of requests to the per-issue endpoint `what` (comment or worklog).
std::map<long long, long long> per_issue_requests(const json& log, bool cloud, const std::string& what,
                                                  const json& issues) {
    std::map<long long, long long> out;
    for (const auto& r : requests_matching(log, "^" + api(cloud) + "/issue/[^/]+/" + what + "$"))
        ++out[requested_issue_id(r, issues)];
    return out;
}

// The sprint ids of GET /rest/agile/1.0/sprint/{id} requests -> how often each was asked.
std::map<long long, long long> sprint_requests(const json& log) {
    std::map<long long, long long> out;
    for (const auto& r : requests_matching(log, "^/rest/agile/1\\.0/sprint/[0-9]+$"))
        ++out[std::stoll(r["path"].get<std::string>().substr(std::string("/rest/agile/1.0/sprint/").size()))];
    return out;
}

// "key x count" lines, which Catch prints (it does not print maps).
std::vector<std::string> lines(const std::map<long long, long long>& counts) {
    std::vector<std::string> out;
    for (const auto& [k, n] : counts) out.push_back(std::to_string(k) + " x " + std::to_string(n));
    return out;
}

std::string describe(const json& log) {
    std::map<std::string, int> paths;
    for (const auto& r : log) ++paths[r["method"].get<std::string>() + " " + r["path"].get<std::string>()];
    std::string out;
    for (const auto& [p, n] : paths) out += "\n  " + std::to_string(n) + " x " + p;
    return out;
}

// The issues' raw copies leave out what has a table of its own.
void require_raw_without_comments_and_worklogs(const TableReader& db) {
    for (const auto& raw : db.rows("SELECT raw FROM issues")) {
        const json issue = json::parse(raw);
        INFO(issue.value("key", ""));
        REQUIRE_FALSE(issue["fields"].contains("comment"));
        REQUIRE_FALSE(issue["fields"].contains("worklog"));
    }
}

// The Sprint field value of another issue of the same board that names a different sprint than `sprint`.
json other_sprint_of_board(const json& issues, const json& sprint) {
    for (const auto& issue : issues) {
        const json field = issue["fields"].value(kFakeSprintField, json());
        if (!field.is_array()) continue;
        for (const auto& s : field)
            if (s["boardId"] == sprint["boardId"] && s["id"] != sprint["id"]) return s;
    }
    return nullptr;
}

struct Edits {
    std::string added_comment, edited_comment;
    std::vector<std::string> deleted_comments;
    std::string added_worklog, edited_worklog, deleted_worklog;
    std::string added_link, deleted_link;
    long long moved_issue = 0, moved_from = 0, moved_to = 0;
};

// Adds, edits and deletes comments and worklogs, adds and removes a link and moves an issue between sprints,
// through the fake's control API, on issues the embedded sets cover whole (besides the one over the comment
// cap).
Edits edit_site(FakeJira& fake, const CapIssues& caps, bool cloud) {
    IssuePicker picker(fake);
    for (const json* i : {&caps.over_comments, &caps.at_comments, &caps.over_worklogs, &caps.at_worklogs})
        picker.exclude((*i)["id"]);
    const auto users = fake.get("/_fake/users");
    const std::string editor = users[3][cloud ? "accountId" : "name"];
    Edits e;

    const json with_comment = picker.pick(0, 20);
    e.added_comment = fake.post("/_fake/issues/" + with_comment["key"].get<std::string>() + "/comments",
                                {{"body", "Added by the test\nwith a second line"}})["comments"][0]["id"];

    const auto comments = fake.get("/_fake/comments");
    auto comment_of = [&](long long issue_id, bool last) {
        std::vector<std::string> ids;
        for (const auto& c : comments)
            if (c["self"].get<std::string>().find("/issue/" + std::to_string(issue_id) + "/") !=
                std::string::npos)
                ids.push_back(c["id"]);
        REQUIRE_FALSE(ids.empty());
        return last ? ids.back() : ids.front();
    };
    const json edited = picker.pick(1, 20);
    e.edited_comment = comment_of(edited["id"], false);
    put_json(fake, "/_fake/issues/" + edited["key"].get<std::string>() + "/comments/" + e.edited_comment,
             {{"body", "Edited by the test"}, {"author", editor}});
    const json losing = picker.pick(2, 20);
    e.deleted_comments.push_back(comment_of(losing["id"], true));
    fake.del("/_fake/issues/" + losing["key"].get<std::string>() + "/comments/" + e.deleted_comments.back());
    e.deleted_comments.push_back(comment_of(caps.over_comments["id"], false));
    fake.del("/_fake/issues/" + caps.over_comments["key"].get<std::string>() + "/comments/" +
             e.deleted_comments.back());

    const json with_worklog = picker.pick(0, 20, 0, 5);
    e.added_worklog =
        fake.post("/_fake/issues/" + with_worklog["key"].get<std::string>() + "/worklogs",
                  {{"timeSpentSeconds", 5400}, {"comment", "Logged by the test"}})["worklogs"][0]["id"];
    const auto worklogs = fake.get("/_fake/worklogs");
    auto worklog_of = [&](long long issue_id) {
        for (const auto& w : worklogs)
            if (w["issueId"] == std::to_string(issue_id)) return w["id"].get<std::string>();
        FAIL("no worklog on issue " << issue_id);
        return std::string();
    };
    const json edited_w = picker.pick(0, 20, 1, 5);
    e.edited_worklog = worklog_of(edited_w["id"]);
    put_json(fake, "/_fake/issues/" + edited_w["key"].get<std::string>() + "/worklogs/" + e.edited_worklog,
             {{"timeSpentSeconds", 7200}, {"comment", "Re-estimated by the test"}, {"author", editor}});
    const json deleted_w = picker.pick(0, 20, 1, 5);
    e.deleted_worklog = worklog_of(deleted_w["id"]);
    fake.del("/_fake/issues/" + deleted_w["key"].get<std::string>() + "/worklogs/" + e.deleted_worklog);

    const json from = picker.pick(0, 20), to = picker.pick(0, 20);
    e.added_link = std::to_string(
        fake.post("/_fake/links", {{"type", "Blocks"}, {"from", from["key"]}, {"to", to["key"]}})["id"]
            .get<long long>());
    const auto links = fake.get("/_fake/links");
    REQUIRE(links.size() >= 2);
    e.deleted_link = std::to_string(links[0]["id"].get<long long>());
    fake.del("/_fake/links/" + e.deleted_link);

    // An issue in one sprint moves to another sprint of its board, as Jira records it: the field and a
    // history.
    for (const auto& issue : picker.issues()) {
        const json field = issue["fields"].value(kFakeSprintField, json());
        if (!field.is_array() || field.size() != 1) continue;
        const json target = other_sprint_of_board(picker.issues(), field[0]);
        if (target.is_null()) continue;
        e.moved_issue = issue["id"];
        e.moved_from = field[0]["id"];
        e.moved_to = target["id"];
        const auto id_of = [](const json& s) { return std::to_string(s["id"].get<long long>()); };
        fake.post("/_fake/issues/" + issue["key"].get<std::string>() + "/update",
                  {{"fields", {{kFakeSprintField, json::array({target})}}},
                   {"items", json::array({{{"field", "Sprint"},
                                           {"fieldtype", "custom"},
                                           {"fieldId", kFakeSprintField},
                                           {"from", id_of(field[0])},
                                           {"fromString", field[0]["name"]},
                                           {"to", id_of(target)},
                                           {"toString", target["name"]}}})}});
        break;
    }
    REQUIRE(e.moved_issue != 0);
    return e;
}

void backfill_then_follow_edits(const std::string& backend, const std::string& flavor) {
    const bool cloud = flavor == "cloud";
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJira fake({.flavor = flavor, .generate = 150}, dir.path());
    IssuePicker picker(fake);
    const CapIssues caps = add_cap_issues(fake, picker);
    set_site_clock_ahead(fake, 1);
    fake.del("/_fake/requests");
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 50;
    co.database_url = target->database_url();
    co.extra_yaml = kAllEntities;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const TableReader& db = target->tables();

    // ---- backfill ----
    auto r = sync_run(dir.path(), config);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    json log = fake.requests();
    INFO("requests of the run:" << describe(log));
    const json issues = fake.issues();
    require_tables_match_fake(db, fake);
    require_raw_without_comments_and_worklogs(db);

    // More than the issue pages carry is asked only for the issues over a cap, once per page of the rest.
    const auto comments = comments_per_issue(fake);
    const auto worklogs = worklogs_per_issue(fake);
    std::map<long long, long long> over_comment_cap, over_worklog_cap;
    for (const auto& [id, n] : comments)
        if (cloud && n > 100) over_comment_cap[id] = n;
    for (const auto& [id, n] : worklogs)
        if (n > 20) over_worklog_cap[id] = n;
    REQUIRE(worklogs.at(caps.at_worklogs["id"]) == 20);
    REQUIRE(comments.at(caps.at_comments["id"]) == 100);
    const auto comment_requests = per_issue_requests(log, cloud, "comment", issues);
    std::set<long long> asked, expected_asked;
    for (const auto& [id, n] : comment_requests) asked.insert(id);
    for (const auto& [id, n] : over_comment_cap) expected_asked.insert(id);
    CHECK(asked == expected_asked);
    for (const auto& [id, n] : comment_requests) {
        CAPTURE(id, n, comments.at(id));
        CHECK(n >= (comments.at(id) - 100 + 99) / 100);
        CHECK(n <= (comments.at(id) + 99) / 100);
    }
    std::map<long long, long long> expected_worklog_requests;
    for (const auto& [id, n] : over_worklog_cap) expected_worklog_requests[id] = 1;
    CHECK(lines(per_issue_requests(log, cloud, "worklog", issues)) == lines(expected_worklog_requests));
    if (cloud) {
        // The feeds start at the run (the pages carried everything older): nothing is in them yet.
        CHECK(requests_to(fake, "/rest/api/3/worklog/updated").size() == 1);
        CHECK(requests_to(fake, "/rest/api/3/worklog/deleted").size() == 1);
        CHECK(requests_to(fake, "/rest/api/3/worklog/list").empty());
        CHECK(db.scalar("SELECT count(*) FROM entity_state WHERE entity = 'worklogs'") == 1);
    } else {
        CHECK(requests_matching(log, "/worklog/(updated|deleted|list)$").empty());
    }

    // The agile API is asked once for each sprint not known closed from a Sprint field.
    const auto expected = expected_entity_rows(fake, cloud);
    const auto closed = closed_sprints_in_fields(issues);
    std::map<long long, long long> expected_sprint_requests;
    for (const auto& [id, row] : expected.sprints)
        if (!closed.count(std::stoll(id))) expected_sprint_requests[std::stoll(id)] = 1;
    CHECK(lines(sprint_requests(log)) == lines(expected_sprint_requests));

    require_same_entity_rows(expected, stored_entity_rows(db),
                             "after the backfill, the entity tables and the site");
    // Every kind of row is exercised: the generated site has links, sprints from fields and from histories.
    REQUIRE(expected.links.size() >= 5);
    REQUIRE(expected.issue_sprints.size() >= 20);
    REQUIRE(expected.sprints.size() > closed.size());
    CHECK(stored_entity_rows(db, false).comments.size() == expected.comments.size());
    CHECK(db.scalar("SELECT count(*) FROM comments WHERE body_text LIKE '%\"type\"%'") == 0);

    // ---- edits, then an incremental run ----
    const auto synced_before = entity_synced_at(db);
    const Edits e = edit_site(fake, caps, cloud);
    set_site_clock_ahead(fake, 2);
    fake.del("/_fake/requests");
    r = sync_run(dir.path(), config);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    log = fake.requests();
    INFO("requests of the incremental run:" << describe(log));
    require_tables_match_fake(db, fake);
    require_entity_tables_match_fake(db, fake, cloud);

    // Deleted rows stay, marked; nothing else is.
    auto sorted = e.deleted_comments;
    std::sort(sorted.begin(), sorted.end());
    CHECK(soft_deleted_ids(db, "comments") == sorted);
    CHECK(soft_deleted_ids(db, "worklogs") == std::vector<std::string>{e.deleted_worklog});
    CHECK(soft_deleted_ids(db, "issue_links") == std::vector<std::string>{e.deleted_link});

    // The moved issue left its sprint (still a row: it was in it) and is in the new one, each dated by the
    // history.
    CHECK(db.rows("SELECT sprint_id, CASE WHEN in_field THEN 1 ELSE 0 END, CASE WHEN removed_at IS NULL THEN "
                  "0 ELSE 1 END "
                  "FROM issue_sprints WHERE issue_id = " +
                  std::to_string(e.moved_issue) + " AND sprint_id = " + std::to_string(e.moved_from)) ==
          std::vector<std::string>{std::to_string(e.moved_from) + "|0|1"});
    CHECK(db.rows("SELECT sprint_id, CASE WHEN in_field THEN 1 ELSE 0 END, CASE WHEN added_at IS NULL THEN 0 "
                  "ELSE 1 END "
                  "FROM issue_sprints WHERE issue_id = " +
                  std::to_string(e.moved_issue) + " AND sprint_id = " + std::to_string(e.moved_to)) ==
          std::vector<std::string>{std::to_string(e.moved_to) + "|1|1"});

    // What changed is rewritten; nothing else is.
    const auto synced_after = entity_synced_at(db);
    std::set<std::string> changed{"comments:" + e.edited_comment, "worklogs:" + e.edited_worklog};
    std::set<std::string> deleted{"worklogs:" + e.deleted_worklog, "issue_links:" + e.deleted_link};
    for (const auto& id : e.deleted_comments) deleted.insert("comments:" + id);
    const std::string moved_prefix = "issue_sprints:" + std::to_string(e.moved_issue) + "|";
    for (const auto& [key, at] : synced_before) {
        CAPTURE(key);
        REQUIRE(synced_after.count(key) == 1);
        if (deleted.count(key) || key.rfind(moved_prefix, 0) == 0) continue;
        if (changed.count(key))
            CHECK(synced_after.at(key) != at);
        else
            CHECK(synced_after.at(key) == at);
    }
    CHECK(synced_after.count("comments:" + e.added_comment) == 1);
    CHECK(synced_after.count("worklogs:" + e.added_worklog) == 1);
    CHECK(synced_after.count("issue_links:" + e.added_link) == 1);

    // Only the issue over the comment cap (it lost a comment, so its whole set is read again) costs extra
    // pages.
    std::set<long long> comment_issues;
    for (const auto& [id, n] : per_issue_requests(log, cloud, "comment", fake.issues()))
        comment_issues.insert(id);
    CHECK(comment_issues ==
          (cloud ? std::set<long long>{caps.over_comments["id"].get<long long>()} : std::set<long long>{}));
    CHECK(per_issue_requests(log, cloud, "worklog", fake.issues()).empty());
    if (cloud) {
        CHECK(requests_to(fake, "/rest/api/3/worklog/updated").size() >= 1);
        CHECK(requests_to(fake, "/rest/api/3/worklog/deleted").size() >= 1);
        std::set<std::string> listed;
        for (const auto& req : requests_to(fake, "/rest/api/3/worklog/list")) {
            const json body =
                req["body"].is_string() ? json::parse(req["body"].get<std::string>()) : req["body"];
            for (const auto& id : body["ids"]) listed.insert(std::to_string(id.get<long long>()));
        }
        INFO("worklog ids listed: " << json(listed).dump());
        CHECK(listed.count(e.added_worklog) == 1);
        CHECK(listed.count(e.edited_worklog) == 1);
    } else {
        CHECK(requests_matching(log, "/worklog/(updated|deleted|list)$").empty());
    }

    // ---- no change: nothing rewritten, and only the fixed requests, the feeds and the open sprints ----
    set_site_clock_ahead(fake, 3);
    fake.del("/_fake/requests");
    const auto before_idle = entity_synced_at(db);
    r = sync_run(dir.path(), config);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    log = fake.requests();
    INFO("requests of the run after no change:" << describe(log));
    CHECK(entity_synced_at(db) == before_idle);
    std::map<long long, long long> open_sprints;
    for (const auto& id : db.rows("SELECT id FROM sprints WHERE state IS NULL OR state <> 'closed'"))
        open_sprints[std::stoll(id)] = 1;
    CHECK_FALSE(open_sprints.empty());
    CHECK(lines(sprint_requests(log)) == lines(open_sprints));
    std::vector<std::string> other;  // the requests besides the sprint refresh, as "path" in the log's order
    for (const auto& req : log) {
        const std::string path = req["path"];
        if (path.rfind("/rest/agile/1.0/sprint/", 0) != 0) other.push_back(path);
    }
    std::sort(other.begin(), other.end());
    if (cloud) {
        // Issues alone: serverInfo, myself, field, one search page; the listings: projects, users; the feeds.
        const std::vector<std::string> fixed{"/rest/api/3/field",           "/rest/api/3/myself",
                                             "/rest/api/3/project/search",  "/rest/api/3/search/jql",
                                             "/rest/api/3/serverInfo",      "/rest/api/3/users/search",
                                             "/rest/api/3/worklog/deleted", "/rest/api/3/worklog/updated"};
        CHECK(other == fixed);
        CHECK(log.size() == fixed.size() + open_sprints.size());
    } else {
        for (const auto& path : other) {
            INFO(path);
            CHECK(path.find("/comment") == std::string::npos);
            CHECK(path.find("/worklog") == std::string::npos);
        }
    }
}

void cloud_entities(const std::string& backend) { backfill_then_follow_edits(backend, "cloud"); }
void server_entities(const std::string& backend) { backfill_then_follow_edits(backend, "server"); }

}  // namespace

J2S_ON_BOTH_BACKENDS(
    "entities: a cloud backfill stores every comment, worklog, link and sprint and later runs follow edits "
    "and deletes",
    "[entities]", cloud_entities)
J2S_ON_BOTH_BACKENDS(
    "entities: a server backfill stores every comment, worklog, link and sprint and later runs follow edits "
    "and deletes",
    "[entities]", server_entities)
