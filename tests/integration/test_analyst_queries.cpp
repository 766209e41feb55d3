// The README's and schema/queries/' analyst queries, run on both backends after a sync of the fake Jira, with
// results checked against values computed from the data the fake serves.

#include <catch2/catch.hpp>

#include <date/date.h>
#include <httplib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <optional>
#include <set>
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

// ---- the five entity queries (issue 8) --------------------------------------------------------------------
//
// The expected answers are computed here from what the fake site holds, read through its control API (and the
// agile API for sprint dates), without the connector: comments, worklogs, the issues with their Sprint field and
// changelogs, the users.

namespace {

using nlohmann::json;

const char* const kEveryEntity = "  entities: [projects, users, comments, worklogs, sprints, links]\n";
const char* const kSprintField = "customfield_10020";  // the fake's Sprint field (custom type gh-sprint)

Timestamp instant(const json& jira_time) {
    const auto t = parse_jira_timestamp(jira_time.get<std::string>());
    REQUIRE(t.has_value());
    return *t;
}

// The issue id in a comment's `self` (.../issue/{id}/comment/{commentId}): comments carry no issueId.
long long issue_of_comment(const json& comment) {
    const std::string self = comment["self"].get<std::string>();
    const auto at = self.find("/issue/");
    REQUIRE(at != std::string::npos);
    return std::stoll(self.substr(at + 7));
}

// The ids of a Sprint changelog value: "12, 13", "12" or "" (or null).
std::set<long long> sprint_ids_of(const json& value) {
    std::set<long long> out;
    if (!value.is_string()) return out;
    std::stringstream in(value.get<std::string>());
    std::string part;
    while (std::getline(in, part, ','))
        if (part.find_first_not_of(' ') != std::string::npos) out.insert(std::stoll(part));
    return out;
}

struct SiteSprint {
    std::string name, state;
    std::optional<Timestamp> start, end;
};

// An issue's membership of a sprint, as the plan defines issue_sprints: in the Sprint field now, and the last
// changelog history that added / removed it.
struct Membership {
    bool in_field = false;
    std::optional<Timestamp> added, removed;
};

struct Site {
    json issues;                                           // live issues, ascending id
    std::map<long long, std::vector<Timestamp>> comment_times;  // issue id -> `created` of its live comments
    json worklogs;                                          // live worklogs
    std::map<std::string, std::string> user_names;          // accountId -> displayName
    std::map<long long, SiteSprint> sprints;
    std::map<std::pair<long long, long long>, Membership> memberships;  // (issue id, sprint id)
};

json agile_sprint(const FakeJira& fake, long long id) {
    httplib::Client client("127.0.0.1", fake.port());
    client.set_basic_auth("demo@example.com", "demo-token");
    const auto r = client.Get(("/rest/agile/1.0/sprint/" + std::to_string(id)).c_str());
    REQUIRE(r);
    INFO("sprint " << id);
    REQUIRE(r->status == 200);
    return json::parse(r->body);
}

Site read_site(FakeJira& fake) {
    Site site;
    site.issues = fake.issues();
    for (const auto& c : fake.get("/_fake/comments")) site.comment_times[issue_of_comment(c)].push_back(instant(c["created"]));
    site.worklogs = fake.get("/_fake/worklogs");
    for (const auto& u : fake.get("/_fake/users")) site.user_names[u["accountId"].get<std::string>()] = u["displayName"].get<std::string>();
    for (const auto& issue : site.issues) {
        const long long id = issue["id"];
        const auto& field = issue["fields"][kSprintField];
        if (field.is_array())
            for (const auto& s : field) site.memberships[{id, s["id"].get<long long>()}].in_field = true;
        for (const auto& h : issue["histories"])
            for (const auto& item : h["items"]) {
                if (item["field"] != "Sprint") continue;
                const auto from = sprint_ids_of(item["from"]), to = sprint_ids_of(item["to"]);
                const Timestamp at = instant(h["created"]);
                for (long long s : to)
                    if (!from.count(s)) {
                        auto& added = site.memberships[{id, s}].added;
                        added = std::max(added.value_or(at), at);
                    }
                for (long long s : from)
                    if (!to.count(s)) {
                        auto& removed = site.memberships[{id, s}].removed;
                        removed = std::max(removed.value_or(at), at);
                    }
            }
    }
    for (const auto& [key, membership] : site.memberships) {
        const long long sprint = key.second;
        if (site.sprints.count(sprint)) continue;
        const json s = agile_sprint(fake, sprint);
        SiteSprint& out = site.sprints[sprint];
        out.name = s["name"].get<std::string>();
        out.state = s["state"].get<std::string>();
        if (s.contains("startDate")) out.start = instant(s["startDate"]);
        if (s.contains("endDate")) out.end = instant(s["endDate"]);
    }
    return site;
}

// A result row whose last column is a rounded number: the other columns are compared as text, the number within
// `tolerance` of the exact value (the backends round and print decimals differently: 42.2 and 42.20).
struct ApproxRow {
    std::string fixed;
    double number = 0;
    double tolerance = 0;
};

void require_rows(const std::vector<std::string>& got, const std::vector<ApproxRow>& expected) {
    REQUIRE(got.size() == expected.size());
    for (std::size_t i = 0; i < got.size(); ++i) {
        const auto bar = got[i].rfind('|');
        INFO("row " << i << ": " << got[i]);
        REQUIRE(got[i].substr(0, bar) == expected[i].fixed);
        // The slack covers floating-point error before rounding (SQLite's julianday() is good to ~1e-9 days).
        CHECK(std::abs(std::stod(got[i].substr(bar + 1)) - expected[i].number) <= expected[i].tolerance + 1e-6);
    }
}

std::vector<std::string> fixed_columns(const std::vector<ApproxRow>& rows) {
    std::vector<std::string> out;
    for (const auto& r : rows) out.push_back(r.fixed);
    return out;
}

// sprint_id|sprint|state|issues|seconds_logged, then hours_logged: worklogs started in the sprint's window on
// issues that were ever in the sprint.
std::vector<ApproxRow> expected_time_per_sprint(const Site& site) {
    std::map<long long, std::set<long long>> members;  // sprint -> issues
    for (const auto& [key, m] : site.memberships) members[key.second].insert(key.first);
    std::vector<ApproxRow> out;
    for (const auto& [id, sprint] : site.sprints) {
        if (!sprint.start || !sprint.end) continue;
        long long seconds = 0;
        std::set<long long> issues;
        for (const auto& w : site.worklogs) {
            const long long issue = std::stoll(w["issueId"].get<std::string>());
            const Timestamp started = instant(w["started"]);
            if (members[id].count(issue) && started >= *sprint.start && started < *sprint.end) {
                seconds += w["timeSpentSeconds"].get<long long>();
                issues.insert(issue);
            }
        }
        if (issues.empty()) continue;
        out.push_back({std::to_string(id) + "|" + sprint.name + "|" + sprint.state + "|" + std::to_string(issues.size()) +
                           "|" + std::to_string(seconds),
                       seconds / 3600.0, 0.05});
    }
    return out;
}

// key|issue_type|resolved|comments_before_resolution for every resolved issue, ascending id.
std::vector<std::string> expected_comments_before_resolution(const Site& site) {
    std::vector<std::string> out;
    for (const auto& issue : site.issues) {
        const auto& f = issue["fields"];
        if (!f["resolutiondate"].is_string()) continue;
        const Timestamp resolved = instant(f["resolutiondate"]);
        long long before = 0;
        if (const auto c = site.comment_times.find(issue["id"].get<long long>()); c != site.comment_times.end())
            before = std::count_if(c->second.begin(), c->second.end(), [&](Timestamp t) { return t < resolved; });
        out.push_back(issue["key"].get<std::string>() + "|" + f["issuetype"]["name"].get<std::string>() + "|" +
                      format_utc(resolved) + "|" + std::to_string(before));
    }
    return out;
}

// week_start|assignee|resolved_issues, sorted as text (the query's tie order depends on the collation).
std::vector<std::string> expected_per_assignee_per_week(const Site& site) {
    std::map<std::pair<std::string, std::string>, long long> counts;  // (week, account id) -> issues
    std::map<std::string, std::string> names;
    for (const auto& issue : site.issues) {
        const auto& f = issue["fields"];
        if (!f["resolutiondate"].is_string()) continue;
        std::string account, name = "(unassigned)";
        if (f["assignee"].is_object()) {
            account = f["assignee"]["accountId"].get<std::string>();
            const auto known = site.user_names.find(account);
            name = known != site.user_names.end() ? known->second : f["assignee"]["displayName"].get<std::string>();
        }
        names[account] = name;
        ++counts[{monday_of(f["resolutiondate"]), account}];
    }
    std::vector<std::string> out;
    for (const auto& [key, n] : counts) out.push_back(key.first + "|" + names[key.second] + "|" + std::to_string(n));
    std::sort(out.begin(), out.end());
    return out;
}

// key|issue_type|started_at|done_at, then cycle_days, for the issues done now, ascending id.
std::vector<ApproxRow> expected_cycle_times(const Site& site) {
    std::vector<ApproxRow> out;
    for (const auto& issue : site.issues) {
        const auto& f = issue["fields"];
        if (f["status"]["statusCategory"]["key"] != "done") continue;
        std::optional<Timestamp> started, done;
        for (const auto& h : issue["histories"])
            for (const auto& item : h["items"]) {
                if (item["field"] != "status") continue;
                const Timestamp at = instant(h["created"]);
                if (item["toString"] == "In Progress") started = std::min(started.value_or(at), at);
                if (item["toString"] == "Done") done = std::max(done.value_or(at), at);
            }
        if (!started || !done || *done <= *started) continue;
        out.push_back({issue["key"].get<std::string>() + "|" + f["issuetype"]["name"].get<std::string>() + "|" +
                           format_utc(*started) + "|" + format_utc(*done),
                       static_cast<double>((*done - *started).count()) / 86'400'000.0, 0.005});
    }
    return out;
}

// sprint_id|sprint|start_date|issues_now|added_after_start|removed_after_start for the started sprints.
std::vector<std::string> expected_scope_change(const Site& site) {
    struct Counts {
        long long now = 0, added = 0, removed = 0;
    };
    std::map<long long, Counts> per_sprint;
    for (const auto& [key, m] : site.memberships) {
        const auto& sprint = site.sprints.at(key.second);
        if (!sprint.start) continue;
        Counts& c = per_sprint[key.second];
        c.now += m.in_field;
        c.added += m.added && *m.added > *sprint.start;
        c.removed += m.removed && *m.removed > *sprint.start;
    }
    std::vector<std::string> out;
    for (const auto& [id, c] : per_sprint) {
        const auto& sprint = site.sprints.at(id);
        out.push_back(std::to_string(id) + "|" + sprint.name + "|" + format_utc(*sprint.start) + "|" +
                      std::to_string(c.now) + "|" + std::to_string(c.added) + "|" + std::to_string(c.removed));
    }
    return out;
}

// Runs the five queries and compares each with the site's answer.
void check_entity_queries(const TableReader& db, const std::string& backend, const Site& site) {
    {
        INFO("time_logged_per_sprint.sql");
        const auto expected = expected_time_per_sprint(site);
        REQUIRE(expected.size() >= 3);
        require_rows(db.rows(query_file("time_logged_per_sprint.sql")), expected);
    }
    {
        INFO("comments_before_resolution.sql");
        const auto expected = expected_comments_before_resolution(site);
        REQUIRE(std::any_of(expected.begin(), expected.end(), [](const std::string& r) { return r.back() != '0'; }));
        CHECK(db.rows(query_file("comments_before_resolution.sql")) == expected);
    }
    {
        INFO(backend + "/issues_per_assignee_per_week.sql");
        auto got = db.rows(query_file(backend + "/issues_per_assignee_per_week.sql"));
        // The order the query promises, on the columns whose order does not depend on the collation: weeks
        // ascending, then the busiest assignee first.
        for (std::size_t i = 1; i < got.size(); ++i) {
            const auto week = [](const std::string& r) { return r.substr(0, r.find('|')); };
            const auto count = [](const std::string& r) { return std::stoll(r.substr(r.rfind('|') + 1)); };
            INFO(got[i - 1] << " before " << got[i]);
            CHECK((week(got[i - 1]) < week(got[i]) || (week(got[i - 1]) == week(got[i]) && count(got[i - 1]) >= count(got[i]))));
        }
        std::sort(got.begin(), got.end());
        const auto expected = expected_per_assignee_per_week(site);
        REQUIRE(expected.size() >= 10);
        CHECK(got == expected);
    }
    {
        INFO(backend + "/cycle_time.sql");
        const auto expected = expected_cycle_times(site);
        REQUIRE(expected.size() >= 10);
        require_rows(db.rows(query_file(backend + "/cycle_time.sql")), expected);
    }
    {
        INFO("sprint_scope_change.sql");
        const auto expected = expected_scope_change(site);
        REQUIRE(std::any_of(expected.begin(), expected.end(), [](const std::string& r) { return r.back() != '0'; }));
        CHECK(db.rows(query_file("sprint_scope_change.sql")) == expected);
    }
}

// A live comment written before its issue was resolved: deleting it must lower that issue's count.
std::pair<long long, long long> comment_before_a_resolution(FakeJira& fake) {
    std::map<long long, Timestamp> resolved;
    for (const auto& issue : fake.issues())
        if (issue["fields"]["resolutiondate"].is_string()) resolved[issue["id"]] = instant(issue["fields"]["resolutiondate"]);
    for (const auto& c : fake.get("/_fake/comments")) {
        const auto r = resolved.find(issue_of_comment(c));
        if (r != resolved.end() && instant(c["created"]) < r->second)
            return {r->first, std::stoll(c["id"].get<std::string>())};
    }
    FAIL("no comment written before a resolution");
    return {};
}

// A live worklog that counts for a sprint in time_logged_per_sprint.sql.
std::pair<long long, long long> worklog_in_a_sprint(const Site& site) {
    for (const auto& w : site.worklogs) {
        const long long issue = std::stoll(w["issueId"].get<std::string>());
        const Timestamp started = instant(w["started"]);
        for (const auto& [key, m] : site.memberships) {
            const auto& sprint = site.sprints.at(key.second);
            if (key.first == issue && sprint.start && sprint.end && started >= *sprint.start && started < *sprint.end)
                return {issue, std::stoll(w["id"].get<std::string>())};
        }
    }
    FAIL("no worklog inside a sprint");
    return {};
}

// Backfill with every entity, check the queries; then delete a comment and a worklog that count, sync again
// (incremental) and check that the queries leave the deleted rows out.
void entity_queries_scenario(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJiraOptions fo;
    fo.generate = 300;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.database_url = target->database_url();
    co.extra_yaml = kEveryEntity;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto backfill = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(backfill.err);
    REQUIRE(backfill.exit_code == 0);
    const Site before = read_site(fake);
    {
        INFO("after the backfill");
        check_entity_queries(target->tables(), backend, before);
    }

    const auto [comment_issue, comment] = comment_before_a_resolution(fake);
    const auto [worklog_issue, worklog] = worklog_in_a_sprint(before);
    fake.del("/_fake/issues/" + std::to_string(comment_issue) + "/comments/" + std::to_string(comment));
    fake.del("/_fake/issues/" + std::to_string(worklog_issue) + "/worklogs/" + std::to_string(worklog));
    // Cloud's worklog feeds leave out the last minute: move Jira's clock past it so the deletion is reported.
    fake.post("/_fake/clock", {{"offset_seconds", 120}});
    auto incremental = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(incremental.err);
    REQUIRE(incremental.exit_code == 0);
    const Site after = read_site(fake);
    REQUIRE(expected_comments_before_resolution(after) != expected_comments_before_resolution(before));
    REQUIRE(fixed_columns(expected_time_per_sprint(after)) != fixed_columns(expected_time_per_sprint(before)));
    INFO("after deleting comment " << comment << " and worklog " << worklog);
    check_entity_queries(target->tables(), backend, after);
}

}  // namespace

J2S_ON_BOTH_BACKENDS("the five entity analyst queries answer correctly after a sync of every entity and after deletions",
                     "[queries][entities]", entity_queries_scenario)

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
