// End-to-end: the real jira2sql binary against the fake Jira process and a temporary SQLite file.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <thread>

#include "db_reader.hpp"
#include "harness.hpp"
#include "util/time.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

std::string utc(const nlohmann::json& jira_time) {
    auto t = parse_jira_timestamp(jira_time.get<std::string>());
    REQUIRE(t.has_value());
    return format_utc(*t);
}

std::string text_or_null(const nlohmann::json& j) {
    if (j.is_null()) return "NULL";
    return j.is_string() ? j.get<std::string>() : j.dump();
}

// The tables hold exactly what the fake serves: one row per issue with its identity, times and a few
// mapped columns, and one changelog row per item of every history.
void require_tables_match_fake(const std::string& db, FakeJira& fake) {
    const auto served = fake.issues();
    REQUIRE(scalar(db, "SELECT count(*) FROM issues") == static_cast<long long>(served.size()));
    std::map<std::string, std::string> stored;
    for (auto& r : rows(db, "SELECT id, key, project_key, created, updated, summary, status, deleted_at FROM issues"))
        stored[r.substr(0, r.find('|'))] = r;
    std::set<std::string> expected_items;
    for (const auto& issue : served) {
        const std::string id = std::to_string(issue["id"].get<long long>());
        const auto& f = issue["fields"];
        const std::string expected = id + "|" + issue["key"].get<std::string>() + "|" +
                                     issue["project_key"].get<std::string>() + "|" + utc(issue["created"]) + "|" +
                                     utc(issue["updated"]) + "|" + text_or_null(f["summary"]) + "|" +
                                     text_or_null(f["status"]["name"]) + "|NULL";
        REQUIRE(stored[id] == expected);
        for (const auto& h : issue["histories"]) {
            int index = 0;
            for (const auto& item : h["items"]) {
                expected_items.insert(text_or_null(h["id"]) + "|" + std::to_string(index++) + "|" + id + "|" +
                                      utc(h["created"]) + "|" + text_or_null(item["field"]) + "|" +
                                      text_or_null(item.value("fieldId", nlohmann::json())) + "|" +
                                      text_or_null(item.value("from", nlohmann::json())) + "|" +
                                      text_or_null(item.value("fromString", nlohmann::json())) + "|" +
                                      text_or_null(item.value("to", nlohmann::json())) + "|" +
                                      text_or_null(item.value("toString", nlohmann::json())));
            }
        }
    }
    const auto items = rows(db,
                            "SELECT history_id, item_index, issue_id, created, field, field_id, from_value, from_string, "
                            "to_value, to_string FROM issue_changelog");
    REQUIRE(items.size() == expected_items.size());
    REQUIRE(std::set<std::string>(items.begin(), items.end()) == expected_items);
}

// The tables minus the column that records when a row was written.
std::vector<std::string> table_snapshot(const std::string& db) {
    auto out = rows(db, "SELECT id, key, project_key, created, updated, raw, deleted_at, summary, status, story_points, "
                        "sprint_names, description FROM issues ORDER BY id");
    auto items = rows(db, "SELECT * FROM issue_changelog ORDER BY history_id, item_index");
    out.insert(out.end(), items.begin(), items.end());
    out.push_back("dead=" + std::to_string(scalar(db, "SELECT count(*) FROM dead_letters")));
    return out;
}

std::vector<nlohmann::json> requests_to(FakeJira& fake, const std::string& path) {
    std::vector<nlohmann::json> out;
    for (auto& r : fake.requests())
        if (r["path"] == path) out.push_back(r);
    return out;
}

nlohmann::json status_json(const fs::path& config, const fs::path& dir) {
    auto r = run_jira2sql({"--config", config.string(), "status", "--json"}, dir, kEnv);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("a first sync backfills the scope and the tables match Jira row by row", "[e2e][sqlite]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 400;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 50;
    co.max_concurrency = 1;  // one cursor, so the request count below is exact
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();

    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("sync succeeded: 400 issues upserted"));
    require_tables_match_fake(db, fake);

    // Histories beyond what search embeds were fetched, and only for issues that needed it.
    std::set<std::string> truncated;
    for (const auto& issue : fake.issues()) {
        const std::size_t embedded_cap = flavor == "cloud" ? 40 : 1'000'000;
        if (issue["histories"].size() > embedded_cap) truncated.insert(std::to_string(issue["id"].get<long long>()));
    }
    std::set<std::string> fetched;
    if (flavor == "cloud") {
        REQUIRE_FALSE(truncated.empty());
        for (const auto& req : requests_to(fake, "/rest/api/3/changelog/bulkfetch"))
            for (const auto& id : req["body"]["issueIdsOrKeys"]) fetched.insert(id.get<std::string>());
        REQUIRE(fetched == truncated);
        // Search pages plus one bulk call for all truncated issues: nothing per issue.
        REQUIRE(requests_to(fake, "/rest/api/3/search/jql").size() == 8);
        REQUIRE(requests_to(fake, "/rest/api/3/changelog/bulkfetch").size() <= 3);  // batched across pages
    } else {
        REQUIRE(requests_to(fake, "/rest/api/2/search").size() == 8);
    }

    // Re-running writes nothing new.
    auto again = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    REQUIRE(again.exit_code == 0);
    REQUIRE_THAT(again.err, Catch::Contains("sync succeeded: 0 issues upserted, 0 changelog items written"));
    require_tables_match_fake(db, fake);
    REQUIRE(scalar(db, "SELECT count(*) FROM sync_runs WHERE status = 'succeeded'") == 2);
}

TEST_CASE("a sliced, concurrent backfill stores the same tables with few extra requests", "[e2e][sqlite][concurrency]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 2000;
    fo.latency_ms = 5;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 50;
    co.max_concurrency = 4;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("slices by creation time"));
    require_tables_match_fake(db, fake);

    // 40 pages at least; slicing costs the planning requests (1 + 2 x concurrency) and at most one
    // part-filled page per slice.
    const std::string search_path = flavor == "cloud" ? "/rest/api/3/search/jql" : "/rest/api/2/search";
    const auto searches = requests_to(fake, search_path).size();
    const auto counts = flavor == "cloud" ? requests_to(fake, "/rest/api/3/search/approximate-count").size() : 0;
    REQUIRE(searches + counts <= 40 + 1 + 8 + 8);
    // No more requests in flight than max_concurrency at any moment.
    std::vector<std::pair<long long, int>> edges;
    for (const auto& req : fake.requests()) {
        edges.emplace_back(req["started_ms"].get<long long>(), +1);
        edges.emplace_back(req["finished_ms"].get<long long>(), -1);
    }
    std::sort(edges.begin(), edges.end(), [](auto a, auto b) { return a.first != b.first ? a.first < b.first : a.second < b.second; });
    int in_flight = 0, most = 0;
    for (const auto& [t, d] : edges) most = std::max(most, in_flight += d);
    REQUIRE(most <= 4);
    REQUIRE(most >= 2);  // it did overlap requests
}

TEST_CASE("an incremental sync picks up updated and new issues only", "[e2e][sqlite]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 150;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();
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
    REQUIRE(rows(db, "SELECT summary FROM issues WHERE key = '" + first_key + "'") == std::vector<std::string>{"Renamed ✓"});
    REQUIRE(scalar(db, "SELECT count(*) FROM issues WHERE key = '" + created["key"].get<std::string>() + "'") == 1);
    // The incremental search asked for recent updates only, and few issues came back.
    const std::string search_path = flavor == "cloud" ? "/rest/api/3/search/jql" : "/rest/api/2/search";
    auto searches = requests_to(fake, search_path);
    REQUIRE(searches.size() == 1);
    const std::string jql = flavor == "cloud" ? searches[0]["body"]["jql"].get<std::string>()
                                              : searches[0]["query"]["jql"][0].get<std::string>();
    REQUIRE_THAT(jql, Catch::Contains("updated >= \"") && !Catch::Contains("1970-01-01"));
    REQUIRE(scalar(db, "SELECT issues_upserted FROM sync_runs ORDER BY id DESC LIMIT 1") == 3);
}

TEST_CASE("an issue with 250 histories lands completely", "[e2e][sqlite]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 5;
    // The server flavor embeds everything unless capped: cap it so the per-issue endpoint is exercised too.
    if (flavor == "server") fo.extra_args = {"--embedded-changelog-cap", "100"};
    FakeJira fake(fo, dir.path());
    auto created = fake.post("/_fake/issues", {{"project", "ALPHA"}, {"fields", {{"summary", "long history"}}}});
    fake.post("/_fake/issues/" + created["key"].get<std::string>() + "/histories", {{"count", 250}});
    ConfigOptions co;
    co.flavor = flavor;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(scalar(db, "SELECT count(DISTINCT history_id) FROM issue_changelog WHERE issue_id = " +
                           std::to_string(created["id"].get<long long>())) == 250);
    require_tables_match_fake(db, fake);
}

TEST_CASE("a backfill killed with kill -9 resumes and ends with the tables of an uninterrupted run", "[e2e][sqlite][crash]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 600;
    fo.latency_ms = 15;
    FakeJira fake(fo, dir.path());

    ConfigOptions reference_options;
    reference_options.flavor = flavor;
    reference_options.page_size = 25;
    fs::create_directories(dir.path() / "reference");
    const auto reference_config = write_config(dir.path() / "reference", fake.base_url(), reference_options);
    REQUIRE(run_jira2sql({"--config", reference_config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    const auto expected = table_snapshot((dir.path() / "reference" / "jira.db").string());

    // Kill before anything was committed, after a few pages, and late in the run.
    for (int kill_after_issues : {0, 100, 450}) {
        CAPTURE(kill_after_issues);
        const fs::path run_dir = dir.path() / ("killed-" + std::to_string(kill_after_issues));
        fs::create_directories(run_dir);
        const auto config = write_config(run_dir, fake.base_url(), reference_options);
        const std::string db = (run_dir / "jira.db").string();
        {
            ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, run_dir);
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (kill_after_issues > 0 && std::chrono::steady_clock::now() < deadline) {
                if (fs::exists(db)) {
                    try {
                        if (scalar(db, "SELECT count(*) FROM issues") >= kill_after_issues) break;
                    } catch (const std::exception&) {  // tables not created yet
                    }
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
        REQUIRE(table_snapshot(db) == expected);
        const auto after = status_json(config, run_dir);
        REQUIRE(after["checkpoint"].is_null());
        REQUIRE_FALSE(after["watermark"].is_null());
    }
}

TEST_CASE("JQL dates are written in the account's time zone: nothing missed, nothing re-read", "[e2e][sqlite][tz]") {
    const std::string zone = GENERATE("America/Los_Angeles", "Asia/Kolkata");
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(zone, flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 50;
    fo.timezone = zone;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.overlap_minutes = 0;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    const auto watermark = parse_jira_timestamp(status_json(config, dir.path())["watermark"].get<std::string>());
    REQUIRE(watermark.has_value());

    const std::string key = fake.issues()[3]["key"];
    fake.post("/_fake/issues/" + key + "/update", {{"fields", {{"summary", "after the watermark"}}}});
    fake.del("/_fake/requests");
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    REQUIRE(r.exit_code == 0);
    REQUIRE(rows(db, "SELECT summary FROM issues WHERE key = '" + key + "'") ==
            std::vector<std::string>{"after the watermark"});

    const std::string search_path = flavor == "cloud" ? "/rest/api/3/search/jql" : "/rest/api/2/search";
    auto searches = requests_to(fake, search_path);
    REQUIRE(searches.size() == 1);
    const std::string jql = flavor == "cloud" ? searches[0]["body"]["jql"].get<std::string>()
                                              : searches[0]["query"]["jql"][0].get<std::string>();
    const auto quote = jql.find("updated >= \"");
    REQUIRE(quote != std::string::npos);
    const auto since = parse_jql_date(jql.substr(quote + 12, 16), zone);
    REQUIRE(since.has_value());
    // Read in the account's zone, the bound is at or before the watermark (nothing missed) and less than a
    // minute before it (nothing needlessly re-read).
    REQUIRE(*since <= *watermark);
    REQUIRE(*watermark - *since < std::chrono::minutes(1));
}

TEST_CASE("bearer auth works, refused credentials fail with exit 1 and no secret in the output", "[e2e][sqlite][auth]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = "server";
    fo.generate = 20;
    fo.bearer_token = "pat-123";
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = "server";
    co.auth_type = "bearer";
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto ok = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), {{"FAKE_JIRA_TOKEN", "pat-123"}});
    INFO(ok.err);
    REQUIRE(ok.exit_code == 0);
    REQUIRE(scalar((dir.path() / "jira.db").string(), "SELECT count(*) FROM issues") == 20);

    auto refused = run_jira2sql({"--config", config.string(), "-v", "sync"}, dir.path(), {{"FAKE_JIRA_TOKEN", "wrong-secret-xyz"}});
    REQUIRE(refused.exit_code == 1);
    REQUIRE_THAT(refused.err, Catch::Contains("check jira.auth"));
    REQUIRE_THAT(refused.err + refused.out, !Catch::Contains("wrong-secret-xyz"));
}

TEST_CASE("configuration and mapping errors exit 2 and write nothing", "[e2e][sqlite][config]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 5;
    FakeJira fake(fo, dir.path());
    const std::string db = (dir.path() / "jira.db").string();

    SECTION("an unset variable") {
        ConfigOptions co;
        co.token_env = "J2S_TEST_UNSET_VARIABLE";
        const auto config = write_config(dir.path(), fake.base_url(), co);
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        REQUIRE(r.exit_code == 2);
        REQUIRE_THAT(r.err, Catch::Contains("config.yaml:") && Catch::Contains("J2S_TEST_UNSET_VARIABLE"));
    }
    SECTION("a field the site does not have") {
        std::ofstream(dir.path() / "mapping.yaml") << "columns:\n  - name: velocity\n    field: \"Velocity Points\"\n    type: number\n";
        ConfigOptions co;
        co.mapping = (dir.path() / "mapping.yaml").string();
        const auto config = write_config(dir.path(), fake.base_url(), co);
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        REQUIRE(r.exit_code == 2);
        REQUIRE_THAT(r.err, Catch::Contains("mapping.yaml:3") && Catch::Contains("Velocity Points"));
    }
    SECTION("a malformed base_url") {
        const auto config = write_config(dir.path(), fake.base_url() + "/jira/path", ConfigOptions{});
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        REQUIRE(r.exit_code == 2);
        REQUIRE_THAT(r.err, Catch::Contains("base_url"));
    }
    REQUIRE_FALSE(fs::exists(db));
}

TEST_CASE("a value its column cannot take dead-letters the issue, the rest of the page commits, exit 3", "[e2e][sqlite][dead]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 30;
    FakeJira fake(fo, dir.path());
    const std::string bad_key = fake.issues()[2]["key"];
    fake.post("/_fake/issues/" + bad_key + "/update", {{"fields", {{"duedate", "N/A"}}}});
    ConfigOptions co;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 3);
    REQUIRE(scalar(db, "SELECT count(*) FROM issues") == 29);
    REQUIRE(rows(db, "SELECT issue_key, stage, attempts FROM dead_letters WHERE resolved_at IS NULL") ==
            std::vector<std::string>{bad_key + "|transform|1"});
    auto listed = run_jira2sql({"--config", config.string(), "dead-letters"}, dir.path(), kEnv);
    REQUIRE(listed.exit_code == 0);
    REQUIRE_THAT(listed.out, Catch::Contains(bad_key) && Catch::Contains("due_date"));

    // Failing again counts another attempt on the same row; once fixed in Jira, the next sync resolves it.
    fake.post("/_fake/issues/" + bad_key + "/update", {{"fields", {{"summary", "still bad"}}}});
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 3);
    REQUIRE(rows(db, "SELECT attempts FROM dead_letters") == std::vector<std::string>{"2"});
    fake.post("/_fake/issues/" + bad_key + "/update", {{"fields", {{"duedate", "2025-01-31"}}}});
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    REQUIRE(scalar(db, "SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL") == 0);
    REQUIRE(scalar(db, "SELECT count(*) FROM issues") == 30);
}

TEST_CASE("a second run on the same database exits 4 while the first holds the lock", "[e2e][sqlite][lock]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 300;
    fo.latency_ms = 50;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.page_size = 10;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    ChildProcess first({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir.path());
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    REQUIRE(first.running());
    auto second = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    REQUIRE(second.exit_code == 4);
    REQUIRE_THAT(second.err, Catch::Contains("pid " + std::to_string(first.pid())));
    first.kill_hard();
    // The lock died with the process.
    auto third = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(third.err);
    REQUIRE(third.exit_code == 0);
}

TEST_CASE("retry-dead-letters re-fetches open dead letters, after a mapping fix they resolve", "[e2e][sqlite][dead]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 20;
    FakeJira fake(fo, dir.path());
    const auto served = fake.issues();
    const std::string bad_key = served[4]["key"], gone_key = served[7]["key"];
    for (const auto& key : {bad_key, gone_key})
        fake.post("/_fake/issues/" + key + "/update", {{"fields", {{"duedate", "N/A"}}}});
    ConfigOptions co;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 3);
    REQUIRE(scalar(db, "SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL") == 2);

    // Unchanged mapping: retrying fails again and counts the attempt.
    auto again = run_jira2sql({"--config", config.string(), "retry-dead-letters"}, dir.path(), kEnv);
    INFO(again.err);
    REQUIRE(again.exit_code == 3);
    REQUIRE(rows(db, "SELECT DISTINCT attempts FROM dead_letters") == std::vector<std::string>{"2"});

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
    REQUIRE(rows(db, "SELECT key, due_date FROM issues WHERE key = '" + bad_key + "'") ==
            std::vector<std::string>{bad_key + "|NULL"});
    REQUIRE(rows(db, "SELECT issue_key, stage, attempts FROM dead_letters WHERE resolved_at IS NULL") ==
            std::vector<std::string>{gone_key + "|fetch|3"});
    // The retry re-read only the dead letters' issues, not the scope.
    REQUIRE(requests_to(fake, "/rest/api/3/search/jql").size() == 1);
    REQUIRE(rows(db, "SELECT mode, status FROM sync_runs ORDER BY id DESC LIMIT 1") == std::vector<std::string>{"retry|partial"});
}
