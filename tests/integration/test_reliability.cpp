// End-to-end reliability (issue 4), on SQLite and PostgreSQL: the real jira2sql binary against the fake Jira
// under rate limits, gateway faults, cut-off bodies, timeouts, exhausted retries, search lag, edits made while
// a run pages, refusals (4xx) and the client-side limiter. Each scenario is written once, taking the backend,
// and registered twice: "x" [sqlite] and "postgres: x" [postgres]. Timing assertions use the fake's request
// log, whose started_ms/finished_ms are read on the fake's clock when a request arrives / after its response
// was sent.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include <date/date.h>

#include "harness.hpp"
#include "table_checks.hpp"
#include "table_reader.hpp"
#include "test_target.hpp"
#include "util/time.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

std::string search_path(const std::string& flavor) {
    return flavor == "cloud" ? "/rest/api/3/search/jql" : "/rest/api/2/search";
}
// Matches the page search of the flavor (not approximate-count).
std::string search_regex(const std::string& flavor) { return "^" + search_path(flavor) + "$"; }

// write_config() plus `jira:` keys it does not write (or writes with other values).
fs::path write_config_with(const fs::path& dir, const std::string& base_url, const ConfigOptions& options,
                           const std::vector<std::pair<std::string, std::string>>& jira_keys) {
    const fs::path path = write_config(dir, base_url, options);
    std::string text;
    {
        std::ifstream in(path);
        std::ostringstream s;
        s << in.rdbuf();
        text = s.str();
    }
    const auto jira_end = text.find("\ndatabase:");
    REQUIRE(jira_end != std::string::npos);
    for (const auto& [key, value] : jira_keys) {
        const std::string prefix = "\n  " + key + ":";
        const auto at = text.find(prefix);
        const std::string line = "\n  " + key + ": " + value;
        if (at != std::string::npos && at < text.find("\ndatabase:")) {
            text.replace(at, text.find('\n', at + 1) - at, line);
        } else {
            text.insert(text.find("\ndatabase:"), line);
        }
    }
    std::ofstream(path) << text;
    return path;
}

std::int64_t epoch_ms(Timestamp t) { return t.time_since_epoch().count(); }

std::vector<json> sorted_by_start(const json& log) {
    std::vector<json> out(log.begin(), log.end());
    std::stable_sort(out.begin(), out.end(),
                     [](const json& a, const json& b) { return a["started_ms"].get<long long>() < b["started_ms"].get<long long>(); });
    return out;
}

// A request as the log shows it: method, path, query and body.
std::string request_identity(const json& r) {
    return r["method"].get<std::string>() + " " + r["path"].get<std::string>() + " " + r["query"].dump() + " " +
           r["body"].dump();
}

// Whether `a` and `b` are the same request (a retry repeats it exactly). The fake answers an injected fault
// before it reads a POST body, so a faulted POST is logged without one: then method, path and query decide.
bool same_request(const json& a, const json& b) {
    if (a["body"].is_null() != b["body"].is_null() && a["method"] == "POST")
        return a["method"] == b["method"] && a["path"] == b["path"] && a["query"] == b["query"];
    return request_identity(a) == request_identity(b);
}

json status_json(const fs::path& config, const fs::path& dir) {
    auto r = run_jira2sql({"--config", config.string(), "status", "--json"}, dir, kEnv);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

// ---------------------------------------------------------------------------------------------------------
// 1. Retries: 429 with Retry-After / X-RateLimit-Reset, 5xx, cut-off and invalid bodies, timeouts.

void storm_with_retry_after(const std::string& backend, const std::string& flavor, int concurrency) {
    TempDir dir;
    const auto target = make_target(backend, dir.path());
    if (!target) return;
    const TableReader& db = target->tables();
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = concurrency == 1 ? 40 : 400;
    fo.latency_ms = concurrency == 1 ? 0 : 20;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = concurrency == 1 ? 10 : 20;
    co.database_url = target->database_url();
    const auto config = write_config_with(dir.path(), fake.base_url(), co,
                                          {{"max_concurrency", std::to_string(concurrency)}, {"max_retries", "5"}});
    // One request at a time: three 429s in a row. Several: one 429 among requests of other slices, which
    // must all hold off too.
    const int storm = concurrency == 1 ? 3 : 1;
    const json fault = {{"path_regex", search_regex(flavor)},
                        {"status", 429},
                        {"count", storm},
                        {"headers", {{"Retry-After", "1"}, {"RateLimit-Reason", "jira-burst-based"}}}};
    ProcessResult r;
    if (concurrency == 1) {
        fake.post("/_fake/faults", fault);  // from the first search request on
        r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    } else {
        // Once the slices page side by side: the other slices are busy when the 429 comes back.
        ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir.path());
        REQUIRE(wait_for_stored_issues(child, db, 1));
        fake.post("/_fake/faults", fault);
        r = child.wait(120);
    }
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("sync succeeded: " + std::to_string(fo.generate) + " issues upserted"));
    REQUIRE_THAT(r.err, Catch::Contains(", " + std::to_string(storm) + " retries,"));
    require_tables_match_fake(db, fake);

    const auto log = sorted_by_start(fake.requests());
    int throttled = 0;
    for (const auto& t : log) {
        if (t["status"] != 429) continue;
        ++throttled;
        const long long finished = t["finished_ms"];
        // The client's wait runs from when it had the 429, which is after the fake began handling the request
        // (started_ms) and about when the fake stamped it finished: a busy machine can stamp `finished` tens of
        // ms after the client already read the response, so the sound lower bound of the wait's end is
        // started_ms + wait (2 ms for the stamps' rounding). A client that did not wait starts at once.
        const long long wait_over = t["started_ms"].get<long long>() + 1000 - 2;
        bool retried_after_wait = false;
        int early = 0;
        std::string early_requests;
        for (const auto& later : log) {
            const long long started = later["started_ms"];
            // Requests that reached the site before the 429 was sent were on their way before the client
            // could know; they are not early.
            // (The log's seq follows the order requests were answered: one answered before the 429 was sent
            // before it, even when the millisecond stamps are equal.)
            if (started < finished || later["seq"].get<long long>() <= t["seq"].get<long long>()) continue;
            INFO("429 (seq " << t["seq"] << ") started at " << t["started_ms"] << ", finished at " << finished
                             << ", request seq " << later["seq"] << " " << later["path"] << " started at " << started);
            if (started < wait_over) {
                ++early;
                early_requests += "\n  seq " + later["seq"].dump() + " " + later["method"].get<std::string>() + " " +
                                  later["path"].get<std::string>() + " " + later["query"].dump() + " started at " +
                                  std::to_string(started) + " (429 seq " + t["seq"].dump() + " started at " +
                                  t["started_ms"].dump() + ", finished at " + std::to_string(finished) + ")";
                if (!t["body"].is_null() || t["method"] != "POST")  // else the log cannot tell requests apart
                    REQUIRE(request_identity(later) != request_identity(t));  // not the retry
            } else if (same_request(later, t)) {
                retried_after_wait = true;
            }
        }
        REQUIRE(retried_after_wait);
        // Nothing new starts during the wait, on any thread. With several requests at a time, the ones already
        // on their way when the 429 was sent cannot be recalled: at most one per other slot arrives after it
        // (a client that kept paging would send dozens in that second).
        CAPTURE(early, early_requests);
        REQUIRE(early <= concurrency - 1);
    }
    REQUIRE(throttled == storm);
    REQUIRE(db.scalar("SELECT retries FROM sync_runs ORDER BY id DESC LIMIT 1") == storm);
}

void reset_by_jira_clock(const std::string& backend, int skew_seconds) {
    TempDir dir;
    const auto target = make_target(backend, dir.path());
    if (!target) return;
    const TableReader& db = target->tables();
    FakeJiraOptions fo;
    fo.generate = 20;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.database_url = target->database_url();
    const auto config = write_config_with(dir.path(), fake.base_url(), co, {{"max_concurrency", "1"}});

    // Jira's clock runs `skew` ahead of ours and stands 4 s before a whole minute, which the 429 names as
    // the reset in Jira's own format (minute precision): the client must wait about 4 s, measured on
    // Jira's clock (its Date header), not 1 h more or 1 h less.
    const auto local_now = std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now());
    const Timestamp reset = std::chrono::ceil<std::chrono::minutes>(local_now + std::chrono::seconds(skew_seconds));
    const auto offset = reset - std::chrono::seconds(4) - local_now;
    fake.post("/_fake/clock", {{"offset_seconds", static_cast<double>(offset.count()) / 1000.0}});
    fake.post("/_fake/faults", {{"path_regex", search_regex("cloud")},
                                {"status", 429},
                                {"headers", {{"X-RateLimit-Reset", date::format("%Y-%m-%dT%H:%MZ", reset)}}}});

    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains(", 1 retries,"));
    require_tables_match_fake(db, fake);
    const auto log = sorted_by_start(fake.requests());
    const auto throttled = std::find_if(log.begin(), log.end(), [](const json& e) { return e["status"] == 429; });
    REQUIRE(throttled != log.end());
    REQUIRE((*throttled)["finished_ms"].get<long long>() < epoch_ms(reset));  // the test is meaningful
    for (auto it = std::next(throttled); it != log.end(); ++it) {
        INFO("request seq " << (*it)["seq"] << " started at " << (*it)["started_ms"] << ", reset at " << epoch_ms(reset));
        REQUIRE((*it)["started_ms"].get<long long>() >= epoch_ms(reset));
    }
}

void transient_faults_are_retried(const std::string& backend, const std::string& flavor, const std::string& kind) {
    TempDir dir;
    const auto target = make_target(backend, dir.path());
    if (!target) return;
    const TableReader& db = target->tables();
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 30;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 10;
    co.database_url = target->database_url();
    const auto config = write_config_with(dir.path(), fake.base_url(), co,
                                          {{"max_concurrency", "1"}, {"timeout_seconds", "1"}});
    json fault = {{"path_regex", search_regex(flavor)}, {"count", 2}};
    if (kind == "truncated") {
        // A complete-looking search page promised in full, half sent, then the connection drops.
        fault["status"] = 200;
        fault["truncate_body"] = true;
        fault["body"] = json{{"issues", json::array()}, {"isLast", true}, {"startAt", 0}, {"total", 0}}.dump();
    } else if (kind == "invalid-json") {
        fault["status"] = 200;
        fault["body"] = "<html>Bad gateway</html>";
    } else if (kind == "timeout") {
        // Answered after 2.5 s with an empty last page: a client that did not give up at its 1 s timeout
        // would take it and end the scan with nothing.
        fault["status"] = 200;
        fault["body"] = json{{"issues", json::array()}, {"isLast", true}, {"startAt", 0}, {"maxResults", 10}, {"total", 0}}.dump();
        fault["delay_ms"] = 2500;
        fault["count"] = 1;
    } else {
        fault["status"] = std::stoi(kind);
    }
    fake.post("/_fake/faults", fault);

    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const int expected_retries = fault["count"].get<int>();
    REQUIRE_THAT(r.err, Catch::Contains("sync succeeded: 30 issues upserted"));
    REQUIRE_THAT(r.err, Catch::Contains(", " + std::to_string(expected_retries) + " retries,"));
    require_tables_match_fake(db, fake);
    // The faulted request was sent again. (The fake cannot log a request whose client hung up: after a
    // timeout only the retry is in the log.)
    const auto searches = sorted_by_start(json(requests_to(fake, search_path(flavor))));
    if (kind != "timeout") {
        REQUIRE(searches.size() > static_cast<std::size_t>(expected_retries));
        if (std::isdigit(static_cast<unsigned char>(kind[0])))
            for (int i = 0; i < expected_retries; ++i) REQUIRE(searches[i]["status"] == std::stoi(kind));
        REQUIRE(same_request(searches[0], searches[expected_retries]));
        REQUIRE(searches[expected_retries]["status"] == 200);
    } else {
        REQUIRE_THAT(r.err, Catch::Contains("Timeout"));
    }
}

// ---------------------------------------------------------------------------------------------------------
// 2. Retries exhausted: exit 1 with the checkpoint kept, and the next run resumes.

void retries_exhausted_then_resumed(const std::string& backend, const std::string& flavor, const std::string& limit) {
    TempDir dir;
    fs::create_directories(dir.path() / "reference");
    const auto reference_target = make_target(backend, dir.path() / "reference");
    if (!reference_target) return;
    const auto target = make_target(backend, dir.path());
    const TableReader& db = target->tables();
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 300;
    fo.latency_ms = 15;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 10;
    const std::vector<std::pair<std::string, std::string>> keys =
        limit == "max_retries" ? std::vector<std::pair<std::string, std::string>>{{"max_retries", "2"}}
                               : std::vector<std::pair<std::string, std::string>>{{"max_retries", "8"}, {"max_retry_seconds", "3"}};

    ConfigOptions reference_options = co;
    reference_options.database_url = reference_target->database_url();
    const auto reference_config = write_config_with(dir.path() / "reference", fake.base_url(), reference_options, keys);
    auto reference = run_jira2sql({"--config", reference_config.string(), "sync"}, dir.path(), kEnv);
    INFO(reference.err);
    REQUIRE(reference.exit_code == 0);
    const auto expected = table_snapshot(reference_target->tables());

    co.database_url = target->database_url();
    const auto config = write_config_with(dir.path(), fake.base_url(), co, keys);
    ProcessResult failed;
    {
        ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir.path());
        REQUIRE(wait_for_stored_issues(child, db, 40));
        // From now on the site's search is down for good (and asks for a wait longer than the budget).
        fake.post("/_fake/faults", {{"path_regex", search_regex(flavor)},
                                    {"status", 503},
                                    {"count", 1000000},
                                    {"headers", {{"Retry-After", limit == "max_retries" ? "0" : "30"}}}});
        failed = child.wait(120);
    }
    INFO(failed.err);
    REQUIRE(failed.exit_code == 1);
    REQUIRE_THAT(failed.err, Catch::Contains("checkpoint is kept"));
    REQUIRE_THAT(failed.err, Catch::Contains(limit == "max_retries" ? "after 3 attempts" : "jira.max_retry_seconds"));
    // What was committed before the fault is there, exactly as Jira served it.
    const auto stored = stored_issues(db);
    REQUIRE(stored.size() >= 40);
    REQUIRE(stored.size() < 300);
    std::map<long long, std::string> served;
    for (const auto& issue : fake.issues()) served[issue["id"].get<long long>()] = expected_issue_row(issue);
    for (const auto& [id, row] : stored) REQUIRE(row == served[id]);
    // The failed run still ends with its summary line, counting what it committed and the retries it made.
    REQUIRE_THAT(failed.err, Catch::Contains("sync failed: " + std::to_string(stored.size()) + " issues upserted"));
    if (limit == "max_retries") REQUIRE(db.scalar("SELECT retries FROM sync_runs ORDER BY id DESC LIMIT 1") >= 2);
    const auto interrupted = status_json(config, dir.path());
    REQUIRE(interrupted["checkpoint"].is_object());
    REQUIRE(interrupted["watermark"].is_null());
    REQUIRE(interrupted["runs"][0]["status"] == "failed");

    fake.del("/_fake/faults");
    auto resumed = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    REQUIRE_THAT(resumed.err, Catch::Contains("resuming"));
    REQUIRE(table_snapshot(db) == expected);
    const auto after = status_json(config, dir.path());
    REQUIRE(after["checkpoint"].is_null());
    REQUIRE_FALSE(after["watermark"].is_null());
}

// ---------------------------------------------------------------------------------------------------------
// 3. Search lag: the overlap window catches changes search showed late, and re-reading costs no write.

void search_lag_is_covered_by_the_overlap(const std::string& backend, const std::string& flavor) {
    TempDir dir;
    // Two databases synced from the same site: one with an overlap wider than the lag, one without.
    struct Target {
        std::string name;
        int overlap;
        fs::path config;
        std::unique_ptr<TestTarget> target;
        const TableReader& db() const { return target->tables(); }
    };
    std::vector<Target> targets;
    targets.push_back({"overlap", 10, {}, nullptr});
    targets.push_back({"no-overlap", 0, {}, nullptr});
    for (auto& t : targets) {
        fs::create_directories(dir.path() / t.name);
        t.target = make_target(backend, dir.path() / t.name);
        if (!t.target) return;
    }
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 40;
    FakeJira fake(fo, dir.path());
    for (auto& t : targets) {
        ConfigOptions co;
        co.flavor = flavor;
        co.overlap_minutes = t.overlap;
        co.database_url = t.target->database_url();
        t.config = write_config(dir.path() / t.name, fake.base_url(), co);
    }
    auto sync = [&](const Target& t) {
        auto r = run_jira2sql({"--config", t.config.string(), "sync"}, dir.path(), kEnv);
        INFO(t.name << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        return r;
    };
    auto edit = [&](const std::string& key, const std::string& summary) {
        fake.post("/_fake/issues/" + key + "/update",
                  {{"fields", {{"summary", summary}}},
                   {"items", {{{"field", "summary"}, {"fieldtype", "jira"}, {"fromString", "before"}, {"toString", summary}}}}});
    };
    for (const auto& t : targets) sync(t);  // the backfill, at fake time 0 (no lag yet)

    const auto served = fake.issues();
    const std::string a = served[3]["key"], b = served[9]["key"], x = served[17]["key"];
    edit(a, "A edited at 0 s");
    edit(b, "B edited at 0 s");
    fake.post("/_fake/config", {{"search_lag_seconds", 300}});
    fake.post("/_fake/clock", {{"offset_seconds", 400}});
    edit(x, "X edited at 400 s");

    // At 520 s search shows A and B (older than 300 s) but not yet X.
    fake.post("/_fake/clock", {{"offset_seconds", 520}});
    for (const auto& t : targets) {
        auto r = sync(t);
        REQUIRE_THAT(r.err, Catch::Contains("sync succeeded: 2 issues upserted"));
        REQUIRE(t.db().rows("SELECT summary FROM issues WHERE key = '" + x + "'") != std::vector<std::string>{"X edited at 400 s"});
        REQUIRE(t.db().rows("SELECT summary FROM issues WHERE key = '" + a + "'") == std::vector<std::string>{"A edited at 0 s"});
    }
    const std::string others = "SELECT key, synced_at FROM issues WHERE key <> '" + x + "' ORDER BY id";
    const auto synced_before = targets[0].db().rows(others);

    // At 1000 s search shows X too. Its `updated` (400 s) is before the last run's watermark (520 s).
    fake.post("/_fake/clock", {{"offset_seconds", 1000}});
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // synced_at would differ if rewritten
    auto with_overlap = sync(targets[0]);
    auto without_overlap = sync(targets[1]);

    // 10 minutes of overlap re-read A, B and X: only X was written, A and B cost nothing.
    REQUIRE(targets[0].db().rows("SELECT summary FROM issues WHERE key = '" + x + "'") ==
            std::vector<std::string>{"X edited at 400 s"});
    REQUIRE_THAT(with_overlap.err, Catch::Contains("sync succeeded: 1 issues upserted, 1 changelog items written"));
    REQUIRE(targets[0].db().rows("SELECT issues_upserted, changelog_items_written FROM sync_runs ORDER BY id DESC LIMIT 1") ==
            std::vector<std::string>{"1|1"});
    REQUIRE(targets[0].db().rows(others) == synced_before);
    require_tables_match_fake(targets[0].db(), fake);
    // Without the overlap the update is missed: the overlap is what saved it.
    REQUIRE(targets[1].db().rows("SELECT summary FROM issues WHERE key = '" + x + "'") !=
            std::vector<std::string>{"X edited at 400 s"});
    REQUIRE_THAT(without_overlap.err, Catch::Contains("sync succeeded: 0 issues upserted"));
}

// ---------------------------------------------------------------------------------------------------------
// 4. Edits while a run pages.

void edits_while_paging(const std::string& backend, const std::string& flavor, int concurrency) {
    TempDir dir;
    const auto target = make_target(backend, dir.path());
    if (!target) return;
    const TableReader& db = target->tables();
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 300;
    fo.latency_ms = 20;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 7;
    co.database_url = target->database_url();
    const auto config = write_config_with(dir.path(), fake.base_url(), co, {{"max_concurrency", std::to_string(concurrency)}});
    std::mt19937 rng(20240305);
    std::vector<std::string> keys;
    std::map<std::string, long long> id_of;
    for (const auto& issue : fake.issues()) {
        keys.push_back(issue["key"]);
        id_of[issue["key"]] = issue["id"];
    }
    std::set<long long> deleted;
    std::set<std::string> gone_keys;
    auto pick = [&] {
        for (;;) {
            const std::string key = keys[std::uniform_int_distribution<std::size_t>(0, keys.size() - 1)(rng)];
            if (!gone_keys.count(key)) return key;
        }
    };
    // One edit of each kind per round: update (field + history), create, move to another project, delete.
    auto mutate = [&](int round) {
        const std::string when = "round " + std::to_string(round);
        fake.post("/_fake/issues/" + pick() + "/update",
                  {{"fields", {{"summary", "edited " + when}}},
                   {"items", {{{"field", "summary"}, {"fieldtype", "jira"}, {"fromString", "old"}, {"toString", when}}}}});
        const auto created = fake.post("/_fake/issues", {{"project", round % 2 ? "BETA" : "ALPHA"},
                                                         {"fields", {{"summary", "created " + when}}}});
        keys.push_back(created["key"]);
        id_of[created["key"]] = created["id"];
        const std::string moving = pick();
        const auto moved = fake.post("/_fake/issues/" + moving + "/move", {{"project", round % 2 ? "DELTA" : "GAMMA"}});
        gone_keys.insert(moving);  // edited under its new key from now on
        keys.push_back(moved["key"]);
        id_of[moved["key"]] = moved["id"];
        const std::string deleting = pick();
        gone_keys.insert(deleting);
        deleted.insert(id_of.at(deleting));
        fake.del("/_fake/issues/" + deleting);
    };
    for (int round = 0; round < 5; ++round) mutate(round);  // before the run
    const auto before_run = fake.issues();
    const std::set<long long> deleted_before_run = deleted;

    int rounds_during_run = 0;
    ProcessResult first;
    {
        ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir.path());
        REQUIRE(wait_for_stored_issues(child, db, 1));  // the scan is under way
        // A busy site, then a quieter one until the run ends: a scan ordered by `updated` re-reads what is
        // edited under it, so it only ends once it has caught up with the edits.
        while (child.running() && rounds_during_run < 200) {
            mutate(100 + rounds_during_run++);
            std::this_thread::sleep_for(std::chrono::milliseconds(rounds_during_run < 30 ? 60 : 250));
        }
        first = child.wait(120);
    }
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CAPTURE(rounds_during_run);
    REQUIRE(rounds_during_run >= 5);  // the run really was edited under its feet

    // Every issue as it was when the run started is in the tables, at that version or a newer one (edited
    // during the run), with all its histories; only issues deleted during the run may be missing.
    {
        const auto stored = stored_issues(db);
        auto items = stored_items(db);
        for (const auto& issue : before_run) {
            const long long id = issue["id"].get<long long>();
            CAPTURE(id, issue["key"]);
            if (deleted.count(id)) continue;
            REQUIRE(stored.count(id) == 1);
            const auto& row = stored.at(id);
            const std::string expected = expected_issue_row(issue);
            const auto updated_of = [](const std::string& r) {
                std::vector<std::string> parts;
                std::stringstream s(r);
                for (std::string p; std::getline(s, p, '|');) parts.push_back(p);
                return parts.at(4);
            };
            if (updated_of(row) == updated_of(expected)) REQUIRE(row == expected);
            else REQUIRE(updated_of(row) > updated_of(expected));
            const auto histories = expected_items(issue);
            for (const auto& item : histories) REQUIRE(items[id].count(item) == 1);
        }
        for (long long id : deleted_before_run) REQUIRE(stored.count(id) == 0);
    }

    auto second = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(second.err);
    REQUIRE(second.exit_code == 0);
    require_tables_match_fake(db, fake, deleted);
}

// ---------------------------------------------------------------------------------------------------------
// 5. Refusals are not retried and say what to do.

void refusals_are_not_retried(const std::string& backend) {
    TempDir dir;
    const auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJiraOptions fo;
    fo.generate = 10;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.database_url = target->database_url();
    // No request is ever sent twice (a retry would repeat one exactly).
    auto require_no_request_repeated = [&] {
        std::map<std::string, int> seen;
        for (const auto& r : fake.requests()) {
            INFO(request_identity(r));
            REQUIRE(++seen[request_identity(r)] == 1);
        }
    };

    SECTION("401: check jira.auth") {
        const auto config = write_config(dir.path(), fake.base_url(), co);
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), {{"FAKE_JIRA_TOKEN", "wrong-token"}});
        INFO(r.err);
        REQUIRE(r.exit_code == 1);
        REQUIRE_THAT(r.err, Catch::Contains("check jira.auth"));
        REQUIRE(fake.requests().size() == 1);
        REQUIRE(fake.requests()[0]["status"] == 401);
    }
    SECTION("403 on search: names the permission") {
        const auto config = write_config_with(dir.path(), fake.base_url(), co, {{"max_concurrency", "1"}});
        fake.post("/_fake/faults", {{"path_regex", search_regex("cloud")},
                                    {"status", 403},
                                    {"body", json{{"errorMessages", {"You do not have permission to browse ALPHA."}}}}});
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        INFO(r.err);
        REQUIRE(r.exit_code == 1);
        REQUIRE_THAT(r.err, Catch::Contains("Browse projects"));
        REQUIRE_THAT(r.err, Catch::Contains("You do not have permission to browse ALPHA."));
        require_no_request_repeated();
        REQUIRE(requests_to(fake, search_path("cloud")).size() == 1);
    }
    SECTION("400 from a bad scope JQL: Jira's own errorMessages") {
        co.jql = "project = = X";
        const auto config = write_config(dir.path(), fake.base_url(), co);
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        INFO(r.err);
        REQUIRE(r.exit_code == 1);
        REQUIRE_THAT(r.err, Catch::Contains("Error in the JQL Query: Expecting either a value, list or function but got '='"));
        require_no_request_repeated();
        std::size_t rejected = 0;
        for (const auto& req : fake.requests()) rejected += req["status"] == 400;
        REQUIRE(rejected == 1);
    }
    SECTION("410: the flavor server against Jira Cloud: use flavor cloud") {
        co.flavor = "server";
        const auto config = write_config_with(dir.path(), fake.base_url(), co, {{"max_concurrency", "1"}});
        auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
        INFO(r.err);
        REQUIRE(r.exit_code == 1);
        REQUIRE_THAT(r.err, Catch::Contains("use flavor: cloud"));
        require_no_request_repeated();
        REQUIRE(requests_to(fake, "/rest/api/2/search").size() == 1);
        REQUIRE(requests_to(fake, "/rest/api/2/search")[0]["status"] == 410);
    }
    // Nothing was synced. (Whether the tables exist depends on how far the run got before the refusal.)
    if (target->table_count() > 0) REQUIRE(target->tables().scalar("SELECT count(*) FROM issues") == 0);
}

// ---------------------------------------------------------------------------------------------------------
// 6. Politeness: the client-side limiter.

void limiter_holds_at_the_site(const std::string& backend, const std::string& flavor) {
    TempDir dir;
    const auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 120;
    fo.latency_ms = 30;  // every request takes a while: overlapping requests would show
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 10;
    co.database_url = target->database_url();
    const auto config = write_config_with(dir.path(), fake.base_url(), co,
                                          {{"max_concurrency", "1"}, {"max_requests_per_second", "5"}});
    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    require_tables_match_fake(target->tables(), fake);

    const auto log = sorted_by_start(fake.requests());
    REQUIRE(log.size() >= 12);
    // The fake stamps a request when it arrives, i.e. the client's send time plus a delay that varies by a
    // few ms; the limiter spaces its windows wider than a second for that, so the site's seconds hold.
    const long long window = 1000;
    for (std::size_t i = 0; i < log.size(); ++i) {
        const long long start = log[i]["started_ms"];
        std::size_t in_window = 0;
        for (std::size_t j = i; j < log.size() && log[j]["started_ms"].get<long long>() < start + window; ++j) ++in_window;
        INFO("requests starting in [" << start << ", " << start + window << ") ms: " << in_window);
        REQUIRE(in_window <= 5);
        // One at a time: each request arrived after the previous one was answered, which the fake does no
        // sooner than its 30 ms latency after it began handling it. (Its `finished` stamp is no bound: on a busy
        // machine it can be taken tens of ms after the client already had the response.) Overlapping requests
        // would start within the previous one's latency.
        if (i > 0) REQUIRE(start >= log[i - 1]["started_ms"].get<long long>() + 30 - 2);
    }
    // 5 per second: the run cannot have been faster than that.
    const long long span = log.back()["started_ms"].get<long long>() - log.front()["started_ms"].get<long long>();
    REQUIRE(span >= static_cast<long long>((log.size() - 1) / 5) * 1000);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------
// Each scenario on SQLite, then on PostgreSQL.

TEST_CASE("a 429 storm with Retry-After: the run succeeds and no request reaches the site before the wait",
          "[e2e][sqlite][reliability]") {
    const std::string flavor = GENERATE("cloud", "server");
    const int concurrency = GENERATE(1, 4);
    CAPTURE(flavor, concurrency);
    storm_with_retry_after("sqlite", flavor, concurrency);
}
TEST_CASE("postgres: a 429 storm with Retry-After: the run succeeds and no request reaches the site before the wait",
          "[e2e][postgres][reliability]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    const int concurrency = GENERATE(1, 4);
    CAPTURE(flavor, concurrency);
    storm_with_retry_after("postgres", flavor, concurrency);
}

TEST_CASE("a 429 with only X-RateLimit-Reset is obeyed by Jira's clock, even when the local clock is off by an hour",
          "[e2e][sqlite][reliability]") {
    const int skew_seconds = GENERATE(3600, -3600);
    CAPTURE(skew_seconds);
    reset_by_jira_clock("sqlite", skew_seconds);
}
TEST_CASE("postgres: a 429 with only X-RateLimit-Reset is obeyed by Jira's clock, even when the local clock is off "
          "by an hour",
          "[e2e][postgres][reliability]") {
    J2S_REQUIRE_POSTGRES();
    const int skew_seconds = GENERATE(3600, -3600);
    CAPTURE(skew_seconds);
    reset_by_jira_clock("postgres", skew_seconds);
}

TEST_CASE("502, 503, 504, a cut-off body, invalid JSON and a timeout are retried", "[e2e][sqlite][reliability]") {
    const std::string flavor = GENERATE("cloud", "server");
    const std::string kind = GENERATE("502", "503", "504", "truncated", "invalid-json", "timeout");
    CAPTURE(flavor, kind);
    transient_faults_are_retried("sqlite", flavor, kind);
}
TEST_CASE("postgres: 502, 503, 504, a cut-off body, invalid JSON and a timeout are retried",
          "[e2e][postgres][reliability]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    const std::string kind = GENERATE("502", "503", "504", "truncated", "invalid-json", "timeout");
    CAPTURE(flavor, kind);
    transient_faults_are_retried("postgres", flavor, kind);
}

TEST_CASE("retries exhausted: exit 1, committed pages stay, the next run resumes to the tables of an uninterrupted run",
          "[e2e][sqlite][reliability]") {
    const std::string flavor = GENERATE("cloud", "server");
    const std::string limit = GENERATE("max_retries", "max_retry_seconds");
    CAPTURE(flavor, limit);
    retries_exhausted_then_resumed("sqlite", flavor, limit);
}
TEST_CASE("postgres: retries exhausted: exit 1, committed pages stay, the next run resumes to the tables of an "
          "uninterrupted run",
          "[e2e][postgres][reliability]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    const std::string limit = GENERATE("max_retries", "max_retry_seconds");
    CAPTURE(flavor, limit);
    retries_exhausted_then_resumed("postgres", flavor, limit);
}

TEST_CASE("search lag: the overlap catches a change search showed late, and re-reading unchanged issues writes nothing",
          "[e2e][sqlite][reliability]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    search_lag_is_covered_by_the_overlap("sqlite", flavor);
}
TEST_CASE("postgres: search lag: the overlap catches a change search showed late, and re-reading unchanged issues "
          "writes nothing",
          "[e2e][postgres][reliability]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    search_lag_is_covered_by_the_overlap("postgres", flavor);
}

TEST_CASE("edits while a run pages: nothing changed before the run is missed, the next run catches up",
          "[e2e][sqlite][reliability]") {
    const std::string flavor = GENERATE("cloud", "server");
    const int concurrency = GENERATE(1, 4);
    CAPTURE(flavor, concurrency);
    edits_while_paging("sqlite", flavor, concurrency);
}
TEST_CASE("postgres: edits while a run pages: nothing changed before the run is missed, the next run catches up",
          "[e2e][postgres][reliability]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    const int concurrency = GENERATE(1, 4);
    CAPTURE(flavor, concurrency);
    edits_while_paging("postgres", flavor, concurrency);
}

TEST_CASE("4xx are not retried and say what to do", "[e2e][sqlite][reliability]") { refusals_are_not_retried("sqlite"); }
TEST_CASE("postgres: 4xx are not retried and say what to do", "[e2e][postgres][reliability]") {
    J2S_REQUIRE_POSTGRES();
    refusals_are_not_retried("postgres");
}

TEST_CASE("max_concurrency 1 and max_requests_per_second 5 hold at the site", "[e2e][sqlite][reliability]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    limiter_holds_at_the_site("sqlite", flavor);
}
TEST_CASE("postgres: max_concurrency 1 and max_requests_per_second 5 hold at the site", "[e2e][postgres][reliability]") {
    J2S_REQUIRE_POSTGRES();
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    limiter_holds_at_the_site("postgres", flavor);
}
