// Recovery of a sync with every entity enabled (issue 8), on SQLite and PostgreSQL:
// - kill -9 during the issue scan, the fetch of comments and worklogs past the embedded caps, the sprint
// refresh
//   and (Cloud) the worklog feeds: the next run ends with exactly the tables of an uninterrupted run;
// - the sprint refresh or the worklog feed failing for good leaves the run partial (exit 3) with the issues
// and
//   the other entities stored, and the next clean run completes the failed entity.
// A kill lands at a chosen step by holding one request of that step in the fake (a fault answered only after
// a long delay) and killing once the fake has begun holding it: no timing guess.

#include <catch2/catch.hpp>
#include <chrono>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "entity_site.hpp"
#include "harness.hpp"
#include "table_checks.hpp"
#include "test_target.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

ConfigOptions entity_config(const std::string& flavor, const std::string& database_url) {
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 20;
    co.database_url = database_url;
    co.extra_yaml = kAllEntities;
    return co;
}

// A step of the run: the (skip + 1)-th request whose path matches is held until the run is killed.
struct Moment {
    const char* step;
    std::string path_regex;
    int skip;
};

std::vector<Moment> moments(bool cloud) {
    std::vector<Moment> out{
        {"the issue scan", cloud ? "^/rest/api/3/search/jql$" : "^/rest/api/2/search$", 3},
        {"the comment and worklog pages past the embedded caps",
         "^/rest/api/[23]/issue/[^/]+/(comment|worklog)$", 1},
        {"the sprint refresh", "^/rest/agile/1\\.0/sprint/", 1},
    };
    if (cloud) out.push_back({"the worklog feeds", "^/rest/api/3/worklog/(updated|deleted)$", 1});
    return out;
}

// Holds the request of `m` (answered after 25 s, by then the run is gone) and kills the run once the fake
// holds it.
void kill_at(FakeJira& fake, const Moment& m, const fs::path& config, const fs::path& dir) {
    fake.post("/_fake/faults", {{"path_regex", m.path_regex},
                                {"status", 503},
                                {"skip", m.skip},
                                {"count", 1},
                                {"delay_ms", 25000},
                                {"headers", {{"Retry-After", "0"}}}});
    ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEntityEnv, dir);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    bool held = false;
    while (!held && child.running() && std::chrono::steady_clock::now() < deadline) {
        held = fake.get("/_fake/faults").empty();  // a rule leaves the list when its last count fires
        if (!held) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    INFO("the run must reach " << m.step << " (" << m.path_regex << ", request " << m.skip + 1 << ")");
    REQUIRE(held);
    REQUIRE(child.running());
    child.kill_hard();
    fake.del("/_fake/faults");
}

void kill_during_each_step(const std::string& backend, const std::string& flavor) {
    const bool cloud = flavor == "cloud";
    TempDir dir;
    fs::create_directories(dir.path() / "reference");
    auto reference = make_target(backend, dir.path() / "reference");
    if (!reference) return;
    FakeJira fake({.flavor = flavor, .generate = 120}, dir.path());
    // Several issues past the caps, so that step has requests before and after the one held.
    IssuePicker picker(fake);
    for (int i = 0; i < 4; ++i) {
        const json issue = picker.pick(0, 20);
        top_up_comments(fake, issue["key"], picker.comments(issue["id"]), 130);
        top_up_worklogs(fake, issue["key"], picker.worklogs(issue["id"]), 25);
    }
    set_site_clock_ahead(fake, 1);

    const auto ref_config = write_config(dir.path() / "reference", fake.base_url(),
                                         entity_config(flavor, reference->database_url()));
    auto r = sync_run(dir.path() / "reference", ref_config);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    require_tables_match_fake(reference->tables(), fake);
    require_entity_tables_match_fake(reference->tables(), fake, cloud);
    const auto expected_issues = table_snapshot(reference->tables());
    const auto expected_entities = entity_snapshot(reference->tables());

    int i = 0;
    for (const auto& m : moments(cloud)) {
        INFO("killed during " << m.step);
        const fs::path run_dir = dir.path() / ("moment-" + std::to_string(i++));
        fs::create_directories(run_dir);
        const auto target = make_target(backend, run_dir);
        const auto config =
            write_config(run_dir, fake.base_url(), entity_config(flavor, target->database_url()));
        kill_at(fake, m, config, run_dir);

        auto resumed = sync_run(run_dir, config);
        INFO(resumed.err);
        REQUIRE(resumed.exit_code == 0);
        const TableReader& db = target->tables();
        REQUIRE(table_snapshot(db) == expected_issues);
        REQUIRE(entity_snapshot(db) == expected_entities);
        REQUIRE(db.scalar("SELECT count(*) FROM sync_runs WHERE status = 'running'") == 0);
        REQUIRE(db.rows("SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1") ==
                std::vector<std::string>{"succeeded"});
    }
}

void kill_cloud(const std::string& backend) { kill_during_each_step(backend, "cloud"); }
void kill_server(const std::string& backend) { kill_during_each_step(backend, "server"); }

// The comment, worklog and link rows of two row sets (sprints and issue_sprints left out).
EntityRowSet issue_bound(EntityRowSet rows) {
    rows.sprints.clear();
    rows.issue_sprints.clear();
    return rows;
}

void failed_sprint_refresh(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJira fake({.generate = 60}, dir.path());
    const auto config =
        write_config(dir.path(), fake.base_url(), entity_config("cloud", target->database_url()));
    const TableReader& db = target->tables();
    // More failures than the harness's max_retries (3) allows: the agile API fails for good.
    fake.post("/_fake/faults", {{"path_regex", "^/rest/agile/1\\.0/sprint/"},
                                {"status", 503},
                                {"count", 1000},
                                {"headers", {{"Retry-After", "0"}}}});

    auto r = sync_run(dir.path(), config);
    INFO(r.err);
    CHECK(r.exit_code == 3);
    // The issues, their comments, worklogs and links and the sprints their fields name are stored.
    require_tables_match_fake(db, fake);
    fake.del("/_fake/faults");
    const auto expected = expected_entity_rows(fake, true);
    const auto stored = stored_entity_rows(db);
    require_same_entity_rows(issue_bound(expected), issue_bound(stored),
                             "after a failed sprint refresh, comments, worklogs and links");
    std::set<std::string> in_fields;
    for (const auto& issue : fake.issues())
        if (const json field = issue["fields"].value(kFakeSprintField, json()); field.is_array())
            for (const auto& s : field) in_fields.insert(std::to_string(s["id"].get<long long>()));
    std::set<std::string> stored_sprints;
    for (const auto& [id, row] : stored.sprints) stored_sprints.insert(id);
    CHECK(stored_sprints == in_fields);
    CHECK(db.rows("SELECT mode, status FROM sync_runs ORDER BY id") ==
          std::vector<std::string>{"full|partial"});
    CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE error LIKE '%sprint%'") == 1);
    CHECK(db.scalar("SELECT count(*) FROM sync_state WHERE watermark IS NOT NULL AND checkpoint IS NULL") ==
          1);

    // The agile API recovers: the next run is incremental and completes the sprints.
    r = sync_run(dir.path(), config);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    require_entity_tables_match_fake(db, fake, true);
    CHECK(db.rows("SELECT mode, status FROM sync_runs ORDER BY id") ==
          std::vector<std::string>{"full|partial", "incremental|succeeded"});
}

void failed_worklog_feed(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJira fake({.generate = 60}, dir.path());
    set_site_clock_ahead(fake, 1);
    const auto config =
        write_config(dir.path(), fake.base_url(), entity_config("cloud", target->database_url()));
    const TableReader& db = target->tables();
    auto r = sync_run(dir.path(), config);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto state_before = db.rows("SELECT scope_key, state FROM entity_state WHERE entity = 'worklogs'");
    REQUIRE(state_before.size() == 1);

    // A worklog and a comment change; the worklog feed then fails for good.
    IssuePicker picker(fake);
    const json issue = picker.pick(0, 20, 1, 20);
    std::string worklog;
    for (const auto& w : fake.get("/_fake/worklogs"))
        if (w["issueId"] == std::to_string(issue["id"].get<long long>())) worklog = w["id"];
    const auto row_before =
        db.rows("SELECT time_spent_seconds, comment_text FROM worklogs WHERE id = " + worklog);
    REQUIRE(row_before.size() == 1);
    put_json(fake, "/_fake/issues/" + issue["key"].get<std::string>() + "/worklogs/" + worklog,
             {{"timeSpentSeconds", 32400}, {"comment", "Corrected by the test"}});
    fake.post("/_fake/issues/" + picker.pick(0, 20)["key"].get<std::string>() + "/comments",
              {{"body", "Still on it"}});
    set_site_clock_ahead(fake, 2);
    fake.post("/_fake/faults", {{"path_regex", "^/rest/api/3/worklog/updated$"},
                                {"status", 503},
                                {"count", 1000},
                                {"headers", {{"Retry-After", "0"}}}});

    r = sync_run(dir.path(), config);
    INFO(r.err);
    CHECK(r.exit_code == 3);
    fake.del("/_fake/faults");
    require_tables_match_fake(db, fake);
    const auto expected = expected_entity_rows(fake, true);
    const auto stored = stored_entity_rows(db);
    CHECK(stored.comments == expected.comments);
    CHECK(stored.links == expected.links);
    CHECK(stored.issue_sprints == expected.issue_sprints);
    // The worklog step kept its state: the row is as before and the feed will be read from where it was.
    CHECK(db.rows("SELECT time_spent_seconds, comment_text FROM worklogs WHERE id = " + worklog) ==
          row_before);
    CHECK(db.rows("SELECT scope_key, state FROM entity_state WHERE entity = 'worklogs'") == state_before);
    CHECK(db.rows("SELECT mode, status FROM sync_runs ORDER BY id DESC LIMIT 1") ==
          std::vector<std::string>{"incremental|partial"});
    CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE error LIKE '%worklog%'") == 1);

    r = sync_run(dir.path(), config);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    require_entity_tables_match_fake(db, fake, true);
    CHECK(db.rows("SELECT time_spent_seconds FROM worklogs WHERE id = " + worklog) ==
          std::vector<std::string>{"32400"});
}

}  // namespace

J2S_ON_BOTH_BACKENDS(
    "entities: kill -9 during each step of a cloud run with every entity: the rerun ends with the tables of "
    "an uninterrupted run",
    "[entities][crash]", kill_cloud)
J2S_ON_BOTH_BACKENDS(
    "entities: kill -9 during each step of a server run with every entity: the rerun ends with the tables of "
    "an uninterrupted run",
    "[entities][crash]", kill_server)
J2S_ON_BOTH_BACKENDS(
    "entities: a failing sprint refresh leaves the run partial with everything else stored and the next run "
    "completes it",
    "[entities]", failed_sprint_refresh)
J2S_ON_BOTH_BACKENDS(
    "entities: a failing worklog feed leaves the run partial with its watermark kept and the next run "
    "completes it",
    "[entities]", failed_worklog_feed)
