// End-to-end (issue 4): a backfill of 5,000 issues while the fake Jira fails a third of all requests: 25% 429
// (most with Retry-After and RateLimit-Reason, some with only X-RateLimit-Reset), 5% 503 with Retry-After,
// 3% 500, 2% connection resets and 1% bodies cut short, drawn from a fixed seed. The run must end with
// exactly the fake's tables, and no request may reach the site while a 429 or 503 told the client to wait.
// Both backends and both flavors. The fake's request log (started_ms / finished_ms on the fake's clock, and
// the headers each injected fault sent) is what the timing check reads.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "fake_jira/fault_mix.hpp"
#include "harness.hpp"
#include "table_checks.hpp"
#include "test_target.hpp"
#include "util/time.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};
constexpr int kIssues = 5000;
constexpr int kConcurrency = 4;
constexpr std::uint64_t kSeed = 20240305;

// The fault mix of issue 4 on every REST endpoint, as shares of all requests (one draw per request).
void inject_fault_mix(FakeJira& fake) {
    for (const auto& rule : j2s::fake::storm_fault_mix(kSeed)) fake.post("/_fake/faults", rule);
}

fs::path write_storm_config(const fs::path& dir, const FakeJira& fake, const std::string& flavor, const TestTarget& target) {
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 100;  // 50 search pages
    co.max_concurrency = kConcurrency;
    co.database_url = target.database_url();
    const fs::path path = write_config(dir, fake.base_url(), co);
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    std::string yaml = text.str();
    // A request fails for good only after 11 faults in a row: at a 36% fault rate, about 1 in 80,000.
    const std::string retries = "max_retries: 3";
    REQUIRE(yaml.find(retries) != std::string::npos);
    yaml.replace(yaml.find(retries), retries.size(), "max_retries: 10");
    std::ofstream(path) << yaml;
    return path;
}

// The earliest moment a client obeying a throttling response may send again, in ms on the fake's clock; -1 if
// the response named no wait. A Retry-After runs from when the client read the response: after the fake began
// handling the request (started_ms), and about when it stamped it finished, but a busy machine can stamp
// `finished` tens of ms after the client had the response, so started_ms is the sound base.
long long wait_over_ms(const json& response) {
    if (!response.contains("fault_headers")) return -1;
    const json& h = response["fault_headers"];
    if (h.contains("Retry-After"))
        return response["started_ms"].get<long long>() + std::stoll(h["Retry-After"].get<std::string>()) * 1000;
    if (h.contains("X-RateLimit-Reset")) {
        const auto at = parse_jira_timestamp(h["X-RateLimit-Reset"].get<std::string>());
        REQUIRE(at.has_value());
        return at->time_since_epoch().count();
    }
    return -1;
}

void backfill_under_fault_storm(const std::string& backend, const std::string& flavor) {
    CAPTURE(flavor);
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = kIssues;
    FakeJira fake(fo, dir.path());
    const auto config = write_storm_config(dir.path(), fake, flavor, *target);
    inject_fault_mix(fake);

    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv, 600);
    INFO(r.err.substr(r.err.size() > 6000 ? r.err.size() - 6000 : 0));
    REQUIRE(r.exit_code == 0);
    REQUIRE_THAT(r.err, Catch::Contains("sync succeeded: " + std::to_string(kIssues) + " issues upserted"));

    json log = fake.requests();
    std::vector<json> sorted(log.begin(), log.end());
    std::stable_sort(sorted.begin(), sorted.end(), [](const json& a, const json& b) {
        return a["started_ms"].get<long long>() < b["started_ms"].get<long long>();
    });
    // The requests of the run itself: not the site checks before it (field, myself, serverInfo), which the run's
    // counters leave out.
    const auto is_fixed = [](const json& e) {
        const std::string path = e["path"];
        for (const std::string end : {"/field", "/myself", "/serverInfo"})
            if (path.size() >= end.size() && path.compare(path.size() - end.size(), end.size(), end) == 0) return true;
        return false;
    };
    int run_requests = 0;
    std::map<std::string, int> faults;  // kind (status or reset/truncated) -> count, during the run
    std::string faulted;                 // what was faulted, for the failure message
    for (const auto& e : sorted) {
        if (is_fixed(e)) continue;
        ++run_requests;
        if (e.contains("fault")) {
            const std::string kind = e["fault"] == "status" ? std::to_string(e["status"].get<int>()) : e["fault"].get<std::string>();
            ++faults[kind];
            faulted += "\n  seq " + e["seq"].dump() + " " + e["method"].get<std::string>() + " " +
                       e["path"].get<std::string>() + " " + e["query"].dump() + ": " + kind;
        }
    }
    int total_faults = 0;
    std::string tally;
    for (const auto& [kind, n] : faults) {
        total_faults += n;
        tally += kind + ": " + std::to_string(n) + " ";
    }
    INFO(run_requests << " requests in the run, faults " << tally << faulted);
    // The storm really blew: about a third of the requests failed, a quarter were throttled.
    REQUIRE(run_requests >= 70);
    REQUIRE(total_faults * 5 >= run_requests);
    REQUIRE(faults["429"] >= 5);
    // Every fault cost exactly one retry, and nothing else did. Except: libcurl silently sends a request again
    // once when a reused keep-alive connection closes without a byte, so a reset on such a connection is
    // retried below the client, which then counts neither the request nor a retry.
    const auto counted = target->tables().rows("SELECT requests, retries FROM sync_runs ORDER BY id DESC LIMIT 1");
    REQUIRE(counted.size() == 1);
    const int counted_requests = std::stoi(counted[0].substr(0, counted[0].find('|')));
    const int retries = std::stoi(counted[0].substr(counted[0].find('|') + 1));
    const int retried_by_curl = run_requests - counted_requests;
    CAPTURE(run_requests, counted_requests, retries);
    REQUIRE(retried_by_curl >= 0);
    REQUIRE(retried_by_curl <= faults["reset"]);
    REQUIRE(retries == total_faults - retried_by_curl);
    REQUIRE_THAT(r.err, Catch::Contains(", " + std::to_string(retries) + " retries,"));

    // No request reached the site before a 429's or 503's wait was over (2 ms for the stamps' rounding).
    // Requests already on their way when the fake sent the response cannot be recalled: at most one per other
    // slot starts after `finished` and inside the wait.
    int waits_checked = 0;
    for (const auto& t : sorted) {
        const long long over = wait_over_ms(t);
        if (over < 0) continue;
        ++waits_checked;
        const long long finished = t["finished_ms"];
        int early = 0;
        for (const auto& later : sorted) {
            const long long started = later["started_ms"];
            // seq follows the order requests were answered: a lower one was sent before the 429 was answered.
            if (later["seq"].get<long long>() <= t["seq"].get<long long>() || started < finished || started >= over - 2)
                continue;
            ++early;
            INFO("throttled by seq " << t["seq"] << " (" << t["status"] << ", " << t["fault_headers"].dump()
                                     << ", finished at " << finished << ", wait over at " << over << "); seq "
                                     << later["seq"] << " " << later["path"] << " started at " << started);
            REQUIRE(early <= kConcurrency - 1);
        }
    }
    // Every injected 429 and 503 named a wait (so each was checked above).
    REQUIRE(waits_checked == std::count_if(sorted.begin(), sorted.end(), [](const json& e) {
                return e.contains("fault") && (e["status"] == 429 || e["status"] == 503);
            }));

    require_tables_match_fake(target->tables(), fake);
}

void cloud_backfill_under_fault_storm(const std::string& backend) { backfill_under_fault_storm(backend, "cloud"); }
void server_backfill_under_fault_storm(const std::string& backend) { backfill_under_fault_storm(backend, "server"); }

}  // namespace

// One test case per flavor and backend (each about a minute and a half in a Debug build), so CTest can run
// them side by side.
J2S_ON_BOTH_BACKENDS("cloud: a backfill of 5,000 issues under a seeded storm of 429, 503, 500, resets and cut bodies "
                     "ends with exactly Jira's tables and never sends a request early",
                     "[reliability][storm]", cloud_backfill_under_fault_storm)
J2S_ON_BOTH_BACKENDS("server: a backfill of 5,000 issues under a seeded storm of 429, 503, 500, resets and cut bodies "
                     "ends with exactly Jira's tables and never sends a request early",
                     "[reliability][storm]", server_backfill_under_fault_storm)
