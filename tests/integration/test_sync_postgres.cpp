// End-to-end against PostgreSQL: the real jira2sql binary, the fake Jira process, and a throwaway
// database per test (CREATE DATABASE j2s_it_<random>, dropped afterwards) on the server of
// J2S_TEST_POSTGRES_URL. The scenarios are those of test_sync_sqlite.cpp; their bodies are duplicated
// here (that file is not refactored yet) but compare through TableReader, so they can move to one
// backend-generic body later. Every test is tagged [postgres] (CTest label `postgres`).

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <set>
#include <thread>

#include "harness.hpp"
#include "table_reader.hpp"
#include "util/time.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};
const std::string kSchema = "jira";  // write_config leaves database.schema at its default

// Fails in CI, warns and skips elsewhere, when no server is configured.
#define J2S_REQUIRE_POSTGRES()                                                          \
    do {                                                                                \
        if (const auto j2s_why = test::postgres_unavailable()) {                        \
            if (std::getenv("CI")) FAIL(*j2s_why);                                      \
            WARN("skipped: " + *j2s_why);                                               \
            return;                                                                     \
        }                                                                               \
    } while (false)

// The password of the test server's URL, which must never show up in output or tables.
std::string server_password() {
    const std::string url = test::postgres_server_url();
    const auto start = url.find("://") + 3;
    const auto at = url.find('@', start);
    const auto colon = url.find(':', start);
    if (at == std::string::npos || colon == std::string::npos || colon > at) return "";
    return url.substr(colon + 1, at - colon - 1);
}

std::string utc(const nlohmann::json& jira_time) {
    auto t = parse_jira_timestamp(jira_time.get<std::string>());
    REQUIRE(t.has_value());
    return format_utc(*t);
}

std::string text_or_null(const nlohmann::json& j) {
    if (j.is_null()) return "NULL";
    return j.is_string() ? j.get<std::string>() : j.dump();
}

void require_no_password(const std::string& text) {
    const std::string pw = server_password();
    if (!pw.empty()) REQUIRE(text.find(pw) == std::string::npos);
}

void require_tables_match_fake(const TableReader& db, FakeJira& fake) {
    const auto served = fake.issues();
    REQUIRE(db.scalar("SELECT count(*) FROM issues") == static_cast<long long>(served.size()));
    std::map<std::string, std::string> stored;
    for (auto& r : db.rows("SELECT id, key, project_key, created, updated, summary, status, deleted_at FROM issues"))
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
    const auto items = db.rows(
        "SELECT history_id, item_index, issue_id, created, field, field_id, from_value, from_string, "
        "to_value, to_string FROM issue_changelog");
    REQUIRE(items.size() == expected_items.size());
    REQUIRE(std::set<std::string>(items.begin(), items.end()) == expected_items);
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

std::vector<nlohmann::json> requests_to(FakeJira& fake, const std::string& path) {
    std::vector<nlohmann::json> out;
    for (auto& r : fake.requests())
        if (r["path"] == path) out.push_back(r);
    return out;
}

nlohmann::json status_json(const fs::path& config, const fs::path& dir) {
    auto r = run_jira2sql({"--config", config.string(), "status", "--json"}, dir, kEnv);
    REQUIRE(r.exit_code == 0);
    require_no_password(r.out);
    return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("postgres: a first sync backfills the scope and the tables match Jira row by row", "[e2e][postgres]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    test::PostgresDatabase pg("j2s_it");
    PostgresTableReader db(pg, kSchema);
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 400;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 50;
    co.max_concurrency = 1;  // one cursor, so the request count below is exact
    co.database_url = pg.url();
    const auto config = write_config(dir.path(), fake.base_url(), co);

    auto r = run_jira2sql({"--config", config.string(), "-v", "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("sync succeeded: 400 issues upserted"));
    require_no_password(r.err + r.out);
    require_tables_match_fake(db, fake);
    if (flavor == "cloud")
        REQUIRE(requests_to(fake, "/rest/api/3/search/jql").size() == 8);
    else
        REQUIRE(requests_to(fake, "/rest/api/2/search").size() == 8);

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

TEST_CASE("postgres: an incremental sync picks up updated and new issues only", "[e2e][postgres]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    test::PostgresDatabase pg("j2s_it");
    PostgresTableReader db(pg, kSchema);
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 150;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.database_url = pg.url();
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
    REQUIRE(db.rows("SELECT summary FROM issues WHERE key = '" + first_key + "'") ==
            std::vector<std::string>{"Renamed ✓"});
    REQUIRE(db.scalar("SELECT count(*) FROM issues WHERE key = '" + created["key"].get<std::string>() + "'") == 1);
    const std::string search_path = flavor == "cloud" ? "/rest/api/3/search/jql" : "/rest/api/2/search";
    auto searches = requests_to(fake, search_path);
    REQUIRE(searches.size() == 1);
    REQUIRE(db.scalar("SELECT issues_upserted FROM sync_runs ORDER BY id DESC LIMIT 1") == 3);
}

TEST_CASE("postgres: an issue with 250 histories lands completely", "[e2e][postgres]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    test::PostgresDatabase pg("j2s_it");
    PostgresTableReader db(pg, kSchema);
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 5;
    if (flavor == "server") fo.extra_args = {"--embedded-changelog-cap", "100"};
    FakeJira fake(fo, dir.path());
    auto created = fake.post("/_fake/issues", {{"project", "ALPHA"}, {"fields", {{"summary", "long history"}}}});
    fake.post("/_fake/issues/" + created["key"].get<std::string>() + "/histories", {{"count", 250}});
    ConfigOptions co;
    co.flavor = flavor;
    co.database_url = pg.url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(db.scalar("SELECT count(DISTINCT history_id) FROM issue_changelog WHERE issue_id = " +
                      std::to_string(created["id"].get<long long>())) == 250);
    require_tables_match_fake(db, fake);
}

TEST_CASE("postgres: a backfill killed with kill -9 resumes and ends with the tables of an uninterrupted run",
          "[e2e][postgres][crash]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 600;
    fo.latency_ms = 15;
    FakeJira fake(fo, dir.path());

    test::PostgresDatabase reference_pg("j2s_it");
    ConfigOptions reference_options;
    reference_options.flavor = flavor;
    reference_options.page_size = 25;
    reference_options.database_url = reference_pg.url();
    fs::create_directories(dir.path() / "reference");
    const auto reference_config = write_config(dir.path() / "reference", fake.base_url(), reference_options);
    REQUIRE(run_jira2sql({"--config", reference_config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    const auto expected = table_snapshot(PostgresTableReader(reference_pg, kSchema));

    for (int kill_after_issues : {0, 100, 450}) {
        CAPTURE(kill_after_issues);
        test::PostgresDatabase pg("j2s_it");
        PostgresTableReader db(pg, kSchema);
        const fs::path run_dir = dir.path() / ("killed-" + std::to_string(kill_after_issues));
        fs::create_directories(run_dir);
        ConfigOptions options = reference_options;
        options.database_url = pg.url();
        const auto config = write_config(run_dir, fake.base_url(), options);
        {
            ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, run_dir);
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
            while (kill_after_issues > 0 && std::chrono::steady_clock::now() < deadline) {
                try {
                    if (db.scalar("SELECT count(*) FROM issues") >= kill_after_issues) break;
                } catch (const std::exception&) {  // schema or tables not created yet
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

TEST_CASE("postgres: JQL dates are written in the account's time zone", "[e2e][postgres][tz]") {
    J2S_REQUIRE_POSTGRES();
    const std::string zone = GENERATE("America/Los_Angeles", "Asia/Kolkata");
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(zone, flavor);
    TempDir dir;
    test::PostgresDatabase pg("j2s_it");
    PostgresTableReader db(pg, kSchema);
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 50;
    fo.timezone = zone;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.overlap_minutes = 0;
    co.database_url = pg.url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    const auto watermark = parse_jira_timestamp(status_json(config, dir.path())["watermark"].get<std::string>());
    REQUIRE(watermark.has_value());

    const std::string key = fake.issues()[3]["key"];
    fake.post("/_fake/issues/" + key + "/update", {{"fields", {{"summary", "after the watermark"}}}});
    fake.del("/_fake/requests");
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    REQUIRE(r.exit_code == 0);
    REQUIRE(db.rows("SELECT summary FROM issues WHERE key = '" + key + "'") ==
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
    REQUIRE(*since <= *watermark);
    REQUIRE(*watermark - *since < std::chrono::minutes(1));
}

TEST_CASE("postgres: a second run exits 4 while the first holds the lock, and the lock dies with kill -9",
          "[e2e][postgres][lock]") {
    J2S_REQUIRE_POSTGRES();
    TempDir dir;
    test::PostgresDatabase pg("j2s_it");
    FakeJiraOptions fo;
    fo.generate = 300;
    fo.latency_ms = 50;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.page_size = 10;
    co.database_url = pg.url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    ChildProcess first({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir.path());
    std::this_thread::sleep_for(std::chrono::milliseconds(800));
    REQUIRE(first.running());
    auto second = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(second.err);
    REQUIRE(second.exit_code == 4);
    REQUIRE_THAT(second.err, Catch::Contains("pid " + std::to_string(first.pid())) &&
                                 Catch::Contains("nothing was done"));
    require_no_password(second.err);
    first.kill_hard();
    // The server sees the killed process's connection close and drops its lock; allow it a moment.
    ProcessResult third;
    for (int attempt = 0; attempt < 20; ++attempt) {
        third = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        if (third.exit_code != 4) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    INFO(third.err);
    REQUIRE(third.exit_code == 0);
}
