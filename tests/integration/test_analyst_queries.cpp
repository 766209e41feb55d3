// The README's and schema/queries/' analyst queries, run on both backends after a sync of the fake Jira, with
// results checked against values computed from the data the fake serves.

#include <catch2/catch.hpp>

#include <date/date.h>

#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "harness.hpp"
#include "test_target.hpp"
#include "util/time.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

std::string query_file(const std::string& name) {
    std::ifstream in(source_dir() + "/schema/queries/" + name);
    REQUIRE(in.good());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string utc(const std::string& jira_time) {
    auto t = parse_jira_timestamp(jira_time);
    REQUIRE(t.has_value());
    return format_utc(*t);
}

std::string monday_of(const std::string& jira_time) {
    const auto day = date::floor<date::days>(*parse_jira_timestamp(jira_time));
    const date::weekday wd{day};
    const auto monday = day - (wd - date::Monday);
    return date::format("%F", monday);
}

}  // namespace

TEST_CASE("the example analyst queries answer correctly on both backends", "[e2e][queries][postgres]") {
    const std::string backend = GENERATE("sqlite", "postgres");
    CAPTURE(backend);
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJiraOptions fo;
    fo.generate = 300;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto served = fake.issues();

    // Open issues by status.
    std::map<std::string, long long> open;
    for (const auto& i : served)
        if (i["fields"]["status"]["statusCategory"]["key"] != "done") ++open[i["fields"]["status"]["name"]];
    std::vector<std::pair<long long, std::string>> ordered;
    for (const auto& [status, n] : open) ordered.emplace_back(-n, status);
    std::sort(ordered.begin(), ordered.end());
    std::vector<std::string> expected_open;
    for (const auto& [n, status] : ordered) expected_open.push_back(status + "|" + std::to_string(-n));
    REQUIRE_FALSE(expected_open.empty());
    REQUIRE(target->tables().rows(query_file("open_issues_by_status.sql")) == expected_open);

    // Status transitions of the issue with the most of them.
    std::string key;
    std::vector<std::string> expected_transitions;
    for (const auto& i : served) {
        std::vector<std::string> transitions;
        for (const auto& h : i["histories"])
            for (const auto& item : h["items"])
                if (item["field"] == "status")
                    transitions.push_back(utc(h["created"]) + "|" + item["fromString"].get<std::string>() + "|" +
                                          item["toString"].get<std::string>());
        if (transitions.size() > expected_transitions.size()) {
            expected_transitions = transitions;
            key = i["key"];
        }
    }
    REQUIRE(expected_transitions.size() >= 2);
    std::string transitions_sql = query_file("status_transitions_of_an_issue.sql");
    transitions_sql.replace(transitions_sql.find("'ALPHA-1'"), 9, "'" + key + "'");
    std::vector<std::string> got;
    for (const auto& row : target->tables().rows(transitions_sql)) {
        // changed_at | author | from | to: the author is not in the expectation
        const auto first = row.find('|'), second = row.find('|', first + 1);
        got.push_back(row.substr(0, first) + row.substr(second));
    }
    REQUIRE(got == expected_transitions);

    // Issues resolved per week.
    std::map<std::string, long long> per_week;
    for (const auto& i : served)
        if (i["fields"]["resolutiondate"].is_string()) ++per_week[monday_of(i["fields"]["resolutiondate"])];
    std::vector<std::string> expected_weeks;
    for (const auto& [week, n] : per_week) expected_weeks.push_back(week + "|" + std::to_string(n));
    REQUIRE_FALSE(expected_weeks.empty());
    REQUIRE(target->tables().rows(query_file(backend + "/issues_resolved_per_week.sql")) == expected_weeks);
}

TEST_CASE("the status views follow the changelog on both backends: transitions and time in each status",
          "[e2e][views][postgres]") {
    const std::string backend = GENERATE("sqlite", "postgres");
    CAPTURE(backend);
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJiraOptions fo;
    fo.generate = 3;
    FakeJira fake(fo, dir.path());
    // The issue is created an hour ago, moves on after 30 minutes, and is done now: two stays of 1,800 s.
    fake.post("/_fake/clock", {{"offset_seconds", -3600}});
    const std::string key = fake.post("/_fake/issues", {{"project", "ALPHA"}, {"fields", {{"summary", "flow"}}}})["key"];
    auto move_status = [&](int offset, const std::string& from, const std::string& to) {
        fake.post("/_fake/clock", {{"offset_seconds", offset}});
        fake.post("/_fake/issues/" + key + "/update",
                  {{"fields", {{"status", {{"name", to}}}}},
                   {"items", {{{"field", "status"}, {"fieldtype", "jira"}, {"fromString", from}, {"toString", to}}}}});
    };
    move_status(-1800, "To Do", "In Progress");
    move_status(0, "In Progress", "Done");
    ConfigOptions co;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    const auto& db = target->tables();
    REQUIRE(db.rows("SELECT from_status, to_status FROM issue_status_changes WHERE key = '" + key +
                    "' ORDER BY changed_at") == std::vector<std::string>{"To Do|In Progress", "In Progress|Done"});
    const auto stays = db.rows(
        "SELECT t.status, CAST(t.seconds AS BIGINT), CASE WHEN t.left_at IS NULL THEN 1 ELSE 0 END "
        "FROM issue_time_in_status t JOIN issues i ON i.id = t.issue_id WHERE i.key = '" + key +
        "' ORDER BY t.entered_at");
    REQUIRE(stays.size() == 3);
    auto seconds_of = [](const std::string& row) {
        const auto first = row.find('|');
        return std::stoll(row.substr(first + 1, row.find('|', first + 1) - first - 1));
    };
    CHECK(stays[0].rfind("To Do|", 0) == 0);
    CHECK(std::abs(seconds_of(stays[0]) - 1800) <= 5);
    CHECK(stays[1].rfind("In Progress|", 0) == 0);
    CHECK(std::abs(seconds_of(stays[1]) - 1800) <= 5);
    CHECK(stays[2] == "Done|NULL|1");
}

TEST_CASE("postgres: a connection lost mid-run fails the run with exit 1, the next run completes it",
          "[e2e][postgres][connection]") {
    TempDir dir;
    auto target = make_target("postgres", dir.path());
    if (!target) return;
    const auto& pg = static_cast<const PostgresTarget&>(*target).database();
    FakeJiraOptions fo;
    fo.generate = 600;
    fo.latency_ms = 20;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.database_url = target->database_url();
    co.page_size = 25;
    co.max_concurrency = 1;
    const auto config = write_config(dir.path(), fake.base_url(), co);

    ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir.path());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        try {
            if (target->tables().scalar("SELECT count(*) FROM issues") >= 100) break;
        } catch (const std::exception&) {  // schema not there yet
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    // What a server restart does to the run's sessions.
    pg.exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()", "public");
    const auto failed = child.wait(60);
    INFO(failed.err);
    REQUIRE(failed.exit_code == 1);
    REQUIRE_THAT(failed.err, Catch::Contains("database error"));
    REQUIRE_THAT(failed.err, !Catch::Contains("j2s-test-pw"));

    auto resumed = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    REQUIRE_THAT(resumed.err, Catch::Contains("resuming"));
    long long histories_items = 0;
    for (const auto& i : fake.issues())
        for (const auto& h : i["histories"]) histories_items += static_cast<long long>(h["items"].size());
    REQUIRE(target->tables().scalar("SELECT count(*) FROM issues") == 600);
    REQUIRE(target->tables().scalar("SELECT count(*) FROM issue_changelog") == histories_items);
}
