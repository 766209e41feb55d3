// End-to-end: the real jira2sql binary against the fake Jira process, on both backends. Each scenario is written
// once against a TestTarget (a SQLite file in the test's folder, or a throwaway PostgreSQL database on the server
// of J2S_TEST_POSTGRES_URL) and registered twice: "x" [sqlite] and "postgres: x" [postgres].

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "harness.hpp"
#include "table_checks.hpp"
#include "test_target.hpp"
#include "util/time.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

// The password of the PostgreSQL test server's URL, which must never show up in output or tables.
std::string server_password() {
    if (test::postgres_unavailable()) return "";
    const std::string url = test::postgres_server_url();
    const auto start = url.find("://") + 3;
    const auto at = url.find('@', start);
    const auto colon = url.find(':', start);
    if (at == std::string::npos || colon == std::string::npos || colon > at) return "";
    return url.substr(colon + 1, at - colon - 1);
}

void require_no_password(const std::string& text) {
    const std::string pw = server_password();
    if (!pw.empty()) REQUIRE(text.find(pw) == std::string::npos);
}

nlohmann::json status_json(const fs::path& config, const fs::path& dir) {
    auto r = run_jira2sql({"--config", config.string(), "status", "--json"}, dir, kEnv);
    REQUIRE(r.exit_code == 0);
    require_no_password(r.out);
    return nlohmann::json::parse(r.out);
}

std::string search_path_of(const std::string& flavor) {
    return flavor == "cloud" ? "/rest/api/3/search/jql" : "/rest/api/2/search";
}

std::string jql_of(const nlohmann::json& search, const std::string& flavor) {
    return flavor == "cloud" ? search["body"]["jql"].get<std::string>() : search["query"]["jql"][0].get<std::string>();
}

void first_sync_backfills(const std::string& backend) {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    auto target = make_target(backend, dir.path());
    const auto& db = target->tables();
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 400;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 50;
    co.max_concurrency = 1;  // one cursor, so the request count below is exact
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);

    auto r = run_jira2sql({"--config", config.string(), "-v", "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("sync succeeded: 400 issues upserted"));
    require_no_password(r.err + r.out);
    require_tables_match_fake(db, fake);

    // Histories beyond what search embeds were fetched, and only for issues that needed it.
    if (flavor == "cloud") {
        std::set<std::string> truncated, fetched;
        for (const auto& issue : fake.issues())
            if (issue["histories"].size() > 40) truncated.insert(std::to_string(issue["id"].get<long long>()));
        REQUIRE_FALSE(truncated.empty());
        for (const auto& req : requests_to(fake, "/rest/api/3/changelog/bulkfetch"))
            for (const auto& id : req["body"]["issueIdsOrKeys"]) fetched.insert(id.get<std::string>());
        REQUIRE(fetched == truncated);
        // Search pages plus bulk calls batched across pages: nothing per issue.
        REQUIRE(requests_to(fake, "/rest/api/3/changelog/bulkfetch").size() <= 3);
    }
    REQUIRE(requests_to(fake, search_path_of(flavor)).size() == 8);

    // Re-running writes nothing new.
    auto again = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    REQUIRE(again.exit_code == 0);
    REQUIRE_THAT(again.err, Catch::Contains("sync succeeded: 0 issues upserted, 0 changelog items written"));
    require_tables_match_fake(db, fake);
    REQUIRE(db.scalar("SELECT count(*) FROM sync_runs WHERE status = 'succeeded'") == 2);
    // Analysts' views work on the loaded data.
    REQUIRE(db.scalar("SELECT count(*) FROM issues_live") == 400);
    REQUIRE(db.scalar("SELECT count(*) FROM issue_status_changes") ==
            db.scalar("SELECT count(*) FROM issue_changelog WHERE field = 'status'"));
    REQUIRE(db.scalar("SELECT count(*) FROM issue_time_in_status WHERE left_at IS NULL") == 400);
    for (const auto& line : db.rows("SELECT coalesce(error, '') FROM sync_runs")) require_no_password(line);
}

// The most requests of `requests` (entries of the fake's log) that were in flight at one moment.
int most_in_flight(const std::vector<nlohmann::json>& requests) {
    std::vector<std::pair<long long, int>> edges;
    for (const auto& req : requests) {
        edges.emplace_back(req["started_ms"].get<long long>(), +1);
        edges.emplace_back(req["finished_ms"].get<long long>(), -1);
    }
    // A request ending at the moment another starts does not overlap it.
    std::sort(edges.begin(), edges.end(), [](auto a, auto b) { return a.first != b.first ? a.first < b.first : a.second < b.second; });
    int in_flight = 0, most = 0;
    for (const auto& [t, d] : edges) most = std::max(most, in_flight += d);
    return most;
}

void sliced_concurrent_backfill(const std::string& backend) {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    auto target = make_target(backend, dir.path());
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 2000;
    fo.latency_ms = 5;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 50;
    co.max_concurrency = 4;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("slices by creation time"));
    require_tables_match_fake(target->tables(), fake);

    // 40 pages at least; slicing costs the planning requests (1 + 2 x concurrency) and at most one
    // part-filled page per slice.
    const auto searches = requests_to(fake, search_path_of(flavor)).size();
    const auto counts = flavor == "cloud" ? requests_to(fake, "/rest/api/3/search/approximate-count").size() : 0;
    REQUIRE(searches + counts <= 40 + 1 + 8 + 8);
    // No more requests in flight than max_concurrency at any moment.
    const int most = most_in_flight(fake.requests());
    REQUIRE(most <= 4);
    REQUIRE(most >= 2);  // it did overlap requests

    // The remaining histories of truncated issues are fetched by several bulk calls at once, not one after
    // another once the scan is done, and each truncated issue is asked for once.
    if (flavor == "cloud") {
        const auto bulk = requests_to(fake, "/rest/api/3/changelog/bulkfetch");
        std::multiset<std::string> asked;
        for (const auto& req : bulk)
            if (!req["body"].contains("nextPageToken"))
                for (const auto& id : req["body"]["issueIdsOrKeys"]) asked.insert(id.get<std::string>());
        const int most_bulk = most_in_flight(bulk);
        INFO(bulk.size() << " bulk changelog calls for " << asked.size() << " issues");
        CHECK(most_bulk >= 2);
        std::set<std::string> truncated;
        for (const auto& issue : fake.issues())
            if (issue["histories"].size() > 40) truncated.insert(std::to_string(issue["id"].get<long long>()));
        CHECK(std::set<std::string>(asked.begin(), asked.end()) == truncated);
        CHECK(asked.size() == truncated.size());
    }
}

void incremental_sync(const std::string& backend) {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    auto target = make_target(backend, dir.path());
    const auto& db = target->tables();
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 150;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);

    const auto served = fake.issues();
    const std::string first_key = served[0]["key"], second_key = served[1]["key"];
    fake.post("/_fake/issues/" + first_key + "/update",
              {{"fields", {{"summary", "Renamed ✓"}}},
               {"items", {{{"field", "summary"}, {"fieldtype", "jira"}, {"fromString", "old"}, {"toString", "Renamed ✓"}}}}});
    fake.post("/_fake/issues/" + second_key + "/histories", {{"count", 3}});
    auto created = fake.post("/_fake/issues", {{"project", "BETA"}, {"fields", {{"summary", "Brand new"}}}});
    fake.del("/_fake/requests");

    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("incremental sync"));
    require_tables_match_fake(db, fake);
    REQUIRE(db.rows("SELECT summary FROM issues WHERE key = '" + first_key + "'") == std::vector<std::string>{"Renamed ✓"});
    REQUIRE(db.scalar("SELECT count(*) FROM issues WHERE key = '" + created["key"].get<std::string>() + "'") == 1);
    // The incremental search asked for recent updates only, and few issues came back.
    auto searches = requests_to(fake, search_path_of(flavor));
    REQUIRE(searches.size() == 1);
    REQUIRE_THAT(jql_of(searches[0], flavor), Catch::Contains("updated >= \"") && !Catch::Contains("1970-01-01"));
    REQUIRE(db.scalar("SELECT issues_upserted FROM sync_runs ORDER BY id DESC LIMIT 1") == 3);
}

void long_history_lands(const std::string& backend) {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    auto target = make_target(backend, dir.path());
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 5;
    // The server flavor embeds everything unless capped: cap it so the per-issue endpoint is exercised too.
    if (flavor == "server") fo.extra_args = {"--embedded-changelog-cap", "100"};
    FakeJira fake(fo, dir.path());
    auto created = fake.post("/_fake/issues", {{"project", "ALPHA"}, {"fields", {{"summary", "long history"}}}});
    // On cloud, more than one part of a bulk changelog response (1,000 histories) and fewer than a response holds
    // (10,000): one call, handed on in parts, must store them all.
    const int histories = flavor == "cloud" ? 4500 : 250;
    fake.post("/_fake/issues/" + created["key"].get<std::string>() + "/histories", {{"count", histories}});
    ConfigOptions co;
    co.flavor = flavor;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(target->tables().scalar("SELECT count(DISTINCT history_id) FROM issue_changelog WHERE issue_id = " +
                                    std::to_string(created["id"].get<long long>())) == histories);
    require_tables_match_fake(target->tables(), fake);
    if (flavor == "cloud") REQUIRE(requests_to(fake, "/rest/api/3/changelog/bulkfetch").size() == 1);
}

void killed_backfill_resumes(const std::string& backend) {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 600;
    fo.latency_ms = 15;
    FakeJira fake(fo, dir.path());

    fs::create_directories(dir.path() / "reference");
    auto reference = make_target(backend, dir.path() / "reference");
    ConfigOptions options;
    options.flavor = flavor;
    options.page_size = 25;
    options.database_url = reference->database_url();
    const auto reference_config = write_config(dir.path() / "reference", fake.base_url(), options);
    REQUIRE(run_jira2sql({"--config", reference_config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    const auto expected = table_snapshot(reference->tables());

    // Kill before anything was committed, after a few pages, and late in the run.
    for (int kill_after_issues : {0, 100, 450}) {
        CAPTURE(kill_after_issues);
        const fs::path run_dir = dir.path() / ("killed-" + std::to_string(kill_after_issues));
        fs::create_directories(run_dir);
        auto target = make_target(backend, run_dir);
        options.database_url = target->database_url();
        const auto config = write_config(run_dir, fake.base_url(), options);
        {
            ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, run_dir);
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (kill_after_issues > 0 && std::chrono::steady_clock::now() < deadline) {
                try {
                    if (target->tables().scalar("SELECT count(*) FROM issues") >= kill_after_issues) break;
                } catch (const std::exception&) {  // the database or its tables are not created yet
                }
                std::this_thread::sleep_for(std::chrono::milliseconds(5));
            }
            REQUIRE(child.running());
            child.kill_hard();
        }
        if (kill_after_issues > 0) {
            const auto interrupted = status_json(config, run_dir);
            REQUIRE(interrupted["checkpoint"].is_object());
            REQUIRE(interrupted["watermark"].is_null());
        }

        auto resumed = run_jira2sql({"--config", config.string(), "sync"}, run_dir, kEnv);
        INFO(resumed.err);
        REQUIRE(resumed.exit_code == 0);
        if (kill_after_issues > 0) REQUIRE_THAT(resumed.err, Catch::Contains("resuming the interrupted full run"));
        REQUIRE(table_snapshot(target->tables()) == expected);
        const auto after = status_json(config, run_dir);
        REQUIRE(after["checkpoint"].is_null());
        REQUIRE_FALSE(after["watermark"].is_null());
    }
}

void jql_dates_in_account_zone(const std::string& backend) {
    const std::string zone = GENERATE("America/Los_Angeles", "Asia/Kolkata");
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(zone, flavor);
    TempDir dir;
    auto target = make_target(backend, dir.path());
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 50;
    fo.timezone = zone;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.overlap_minutes = 0;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    const auto watermark = parse_jira_timestamp(status_json(config, dir.path())["watermark"].get<std::string>());
    REQUIRE(watermark.has_value());

    const std::string key = fake.issues()[3]["key"];
    fake.post("/_fake/issues/" + key + "/update", {{"fields", {{"summary", "after the watermark"}}}});
    fake.del("/_fake/requests");
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    REQUIRE(r.exit_code == 0);
    REQUIRE(target->tables().rows("SELECT summary FROM issues WHERE key = '" + key + "'") ==
            std::vector<std::string>{"after the watermark"});

    auto searches = requests_to(fake, search_path_of(flavor));
    REQUIRE(searches.size() == 1);
    const std::string jql = jql_of(searches[0], flavor);
    const auto quote = jql.find("updated >= \"");
    REQUIRE(quote != std::string::npos);
    const auto since = parse_jql_date(jql.substr(quote + 12, 16), zone);
    REQUIRE(since.has_value());
    // Read in the account's zone, the bound is at or before the watermark (nothing missed) and less than a
    // minute before it (nothing needlessly re-read).
    REQUIRE(*since <= *watermark);
    REQUIRE(*watermark - *since < std::chrono::minutes(1));
}

void bearer_auth_and_refused_credentials(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    FakeJiraOptions fo;
    fo.flavor = "server";
    fo.generate = 20;
    fo.bearer_token = "pat-123";
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = "server";
    co.auth_type = "bearer";
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto ok = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), {{"FAKE_JIRA_TOKEN", "pat-123"}});
    INFO(ok.err);
    REQUIRE(ok.exit_code == 0);
    REQUIRE(target->tables().scalar("SELECT count(*) FROM issues") == 20);

    auto refused = run_jira2sql({"--config", config.string(), "-v", "sync"}, dir.path(), {{"FAKE_JIRA_TOKEN", "wrong-secret-xyz"}});
    REQUIRE(refused.exit_code == 1);
    REQUIRE_THAT(refused.err, Catch::Contains("check jira.auth"));
    REQUIRE_THAT(refused.err + refused.out, !Catch::Contains("wrong-secret-xyz"));
    require_no_password(refused.err + refused.out);
}

void configuration_errors_write_nothing(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    FakeJiraOptions fo;
    fo.generate = 5;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.database_url = target->database_url();

    SECTION("an unset variable") {
        co.token_env = "J2S_TEST_UNSET_VARIABLE";
        const auto config = write_config(dir.path(), fake.base_url(), co);
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        REQUIRE(r.exit_code == 2);
        REQUIRE_THAT(r.err, Catch::Contains("config.yaml:") && Catch::Contains("J2S_TEST_UNSET_VARIABLE"));
    }
    SECTION("a field the site does not have") {
        std::ofstream(dir.path() / "mapping.yaml") << "columns:\n  - name: velocity\n    field: \"Velocity Points\"\n    type: number\n";
        co.mapping = (dir.path() / "mapping.yaml").string();
        const auto config = write_config(dir.path(), fake.base_url(), co);
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        REQUIRE(r.exit_code == 2);
        REQUIRE_THAT(r.err, Catch::Contains("mapping.yaml:3") && Catch::Contains("Velocity Points"));
    }
    SECTION("a malformed base_url") {
        const auto config = write_config(dir.path(), fake.base_url() + "/jira/path", co);
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        REQUIRE(r.exit_code == 2);
        REQUIRE_THAT(r.err, Catch::Contains("base_url"));
    }
    REQUIRE(target->table_count() == 0);
}

void unfit_value_dead_letters(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    const auto& db = target->tables();
    FakeJiraOptions fo;
    fo.generate = 30;
    FakeJira fake(fo, dir.path());
    const std::string bad_key = fake.issues()[2]["key"];
    fake.post("/_fake/issues/" + bad_key + "/update", {{"fields", {{"duedate", "N/A"}}}});
    ConfigOptions co;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 3);
    REQUIRE(db.scalar("SELECT count(*) FROM issues") == 29);
    REQUIRE(db.rows("SELECT issue_key, stage, attempts FROM dead_letters WHERE resolved_at IS NULL") ==
            std::vector<std::string>{bad_key + "|transform|1"});
    auto listed = run_jira2sql({"--config", config.string(), "dead-letters"}, dir.path(), kEnv);
    REQUIRE(listed.exit_code == 0);
    REQUIRE_THAT(listed.out, Catch::Contains(bad_key) && Catch::Contains("due_date"));

    // Failing again counts another attempt on the same row; once fixed in Jira, the next sync resolves it.
    fake.post("/_fake/issues/" + bad_key + "/update", {{"fields", {{"summary", "still bad"}}}});
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 3);
    REQUIRE(db.rows("SELECT attempts FROM dead_letters") == std::vector<std::string>{"2"});
    fake.post("/_fake/issues/" + bad_key + "/update", {{"fields", {{"duedate", "2025-01-31"}}}});
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    REQUIRE(db.scalar("SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL") == 0);
    REQUIRE(db.scalar("SELECT count(*) FROM issues") == 30);
}

void second_run_is_locked_out(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    FakeJiraOptions fo;
    fo.generate = 300;
    fo.latency_ms = 50;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.page_size = 10;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    ChildProcess first({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir.path());
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    REQUIRE(first.running());
    auto second = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(second.err);
    REQUIRE(second.exit_code == 4);
    REQUIRE_THAT(second.err, Catch::Contains("pid " + std::to_string(first.pid())) && Catch::Contains("nothing was done"));
    require_no_password(second.err);
    first.kill_hard();
    // The lock dies with the process (PostgreSQL notices the closed connection a moment later).
    ProcessResult third;
    for (int attempt = 0; attempt < 20; ++attempt) {
        third = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        if (third.exit_code != 4) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO(third.err);
    REQUIRE(third.exit_code == 0);
}

void retry_dead_letters_after_a_fix(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    const auto& db = target->tables();
    FakeJiraOptions fo;
    fo.generate = 20;
    FakeJira fake(fo, dir.path());
    const auto served = fake.issues();
    const std::string bad_key = served[4]["key"], gone_key = served[7]["key"];
    for (const auto& key : {bad_key, gone_key})
        fake.post("/_fake/issues/" + key + "/update", {{"fields", {{"duedate", "N/A"}}}});
    ConfigOptions co;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 3);
    REQUIRE(db.scalar("SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL") == 2);

    // Unchanged mapping: retrying fails again and counts the attempt.
    auto again = run_jira2sql({"--config", config.string(), "retry-dead-letters"}, dir.path(), kEnv);
    INFO(again.err);
    REQUIRE(again.exit_code == 3);
    REQUIRE(db.rows("SELECT DISTINCT attempts FROM dead_letters") == std::vector<std::string>{"2"});

    // The mapping tolerates the junk now; one issue was deleted in Jira meanwhile.
    std::ifstream in(source_dir() + "/mappings/default.yaml");
    std::string mapping((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string due = "    source: fields.duedate\n    type: date\n";
    REQUIRE(mapping.find(due) != std::string::npos);
    mapping.replace(mapping.find(due), due.size(), due + "    on_error: null\n");
    std::ofstream(dir.path() / "fixed.yaml") << mapping;
    co.mapping = (dir.path() / "fixed.yaml").string();
    const auto fixed_config = write_config(dir.path(), fake.base_url(), co);
    fake.del("/_fake/issues/" + gone_key);
    fake.del("/_fake/requests");

    auto retried = run_jira2sql({"--config", fixed_config.string(), "retry-dead-letters"}, dir.path(), kEnv);
    INFO(retried.err);
    REQUIRE(retried.exit_code == 3);  // the deleted issue cannot be fetched
    REQUIRE_THAT(retried.err, Catch::Contains("2 attempted, 1 resolved, 1 still open"));
    REQUIRE(db.rows("SELECT key, due_date FROM issues WHERE key = '" + bad_key + "'") ==
            std::vector<std::string>{bad_key + "|NULL"});
    REQUIRE(db.rows("SELECT issue_key, stage, attempts FROM dead_letters WHERE resolved_at IS NULL") ==
            std::vector<std::string>{gone_key + "|fetch|3"});
    // The retry re-read only the dead letters' issues, not the scope.
    REQUIRE(requests_to(fake, "/rest/api/3/search/jql").size() == 1);
    REQUIRE(db.rows("SELECT mode, status FROM sync_runs ORDER BY id DESC LIMIT 1") == std::vector<std::string>{"retry|partial"});
}

}  // namespace

// The read-ahead budget (scan_executor.cpp, 2,000 issues): with large Server pages (700 issues here, three
// slices of four pages) at most two pages are being read or waiting for the writer at once, whatever
// max_concurrency allows, so memory no longer grows with it (sixteen queued 1,000-issue pages were a whole
// 10,000-issue site in memory).
void large_pages_bounded_read_ahead(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    FakeJiraOptions fo;
    fo.flavor = "server";
    fo.generate = 8400;
    fo.latency_ms = 40;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = "server";
    co.page_size = 700;
    co.max_concurrency = 8;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    require_tables_match_fake(target->tables(), fake);

    std::vector<nlohmann::json> page_requests;
    for (const auto& req : requests_to(fake, "/rest/api/2/search")) {
        const auto& q = req["query"];
        // Pages ask 700, or 701 from the second on (one issue of overlap to check the anchor).
        if (!q.contains("expand") || !q.contains("maxResults") || std::stoi(q["maxResults"][0].get<std::string>()) < 700)
            continue;
        page_requests.push_back(req);
    }
    const std::size_t pages = page_requests.size();
    const int most = most_in_flight(page_requests);
    INFO(pages << " page requests");
    REQUIRE_THAT(r.err, Catch::Contains("into 3 slices"));
    REQUIRE(pages >= 12);
    CHECK(most <= 2);
}

J2S_ON_BOTH_BACKENDS("a first sync backfills the scope and the tables match Jira row by row", "", first_sync_backfills)
TEST_CASE("large server pages: at most two are read ahead of the writer at once", "[concurrency]") {
    large_pages_bounded_read_ahead("sqlite");
}
J2S_ON_BOTH_BACKENDS("a sliced, concurrent backfill stores the same tables with few extra requests", "[concurrency]",
                     sliced_concurrent_backfill)
J2S_ON_BOTH_BACKENDS("an incremental sync picks up updated and new issues only", "", incremental_sync)
J2S_ON_BOTH_BACKENDS("an issue with thousands of histories lands completely", "", long_history_lands)
J2S_ON_BOTH_BACKENDS("a backfill killed with kill -9 resumes and ends with the tables of an uninterrupted run", "[crash]",
                     killed_backfill_resumes)
J2S_ON_BOTH_BACKENDS("JQL dates are written in the account's time zone: nothing missed, nothing re-read", "[tz]",
                     jql_dates_in_account_zone)
J2S_ON_BOTH_BACKENDS("bearer auth works, refused credentials fail with exit 1 and no secret in the output", "[auth]",
                     bearer_auth_and_refused_credentials)
J2S_ON_BOTH_BACKENDS("configuration and mapping errors exit 2 and write nothing", "[config]",
                     configuration_errors_write_nothing)
J2S_ON_BOTH_BACKENDS("a value its column cannot take dead-letters the issue, the rest of the page commits, exit 3", "[dead]",
                     unfit_value_dead_letters)
J2S_ON_BOTH_BACKENDS("a second run on the same database exits 4 while the first holds the lock, and the lock dies with kill -9",
                     "[lock]", second_run_is_locked_out)
J2S_ON_BOTH_BACKENDS("retry-dead-letters re-fetches open dead letters, after a mapping fix they resolve", "[dead]",
                     retry_dead_letters_after_a_fix)
