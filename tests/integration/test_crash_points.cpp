// Crash test (issue 4): the real jira2sql binary is killed with SIGKILL at 10 random moments of a backfill per
// backend, then run again to completion. After every kill the tables must equal those of an uninterrupted run,
// no run may be left 'running', the watermark must be set and cover every stored issue, and the next incremental
// run must find nothing to write.
//
// A moment is drawn from a seeded RNG: after a number of stored issues, after a number of requests the fake has
// answered, or after a number of changelog requests (the phase after the last search page, in which the
// histories embedded search results left out are fetched). The seed is printed with every failure; set
// J2S_CRASH_SEED to replay a run. Moments alternate between the cloud flavor (changelog bulk fetch) and the
// server flavor with a capped embedded changelog (per-issue changelog pages).

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <thread>

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
constexpr int kIssues = 800;
constexpr int kPageSize = 20;
constexpr int kMoments = 10;
// Issues given a changelog far longer than search embeds (besides the generator's ~3%), so the changelog
// phase takes several requests on either flavor.
constexpr int kLongChangelogIssues = 30;
constexpr int kLongChangelogHistories = 300;

json status_json(const fs::path& config, const fs::path& dir) {
    auto r = run_jira2sql({"--config", config.string(), "status", "--json"}, dir, kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
}

bool is_changelog_request(const std::string& flavor, const json& request) {
    const std::string path = request["path"];
    if (flavor == "cloud") return path == "/rest/api/3/changelog/bulkfetch";
    return path.rfind("/rest/api/2/issue/", 0) == 0 && path.size() > 10 && path.substr(path.size() - 10) == "/changelog";
}

std::size_t changelog_requests(const std::string& flavor, const json& log) {
    std::size_t n = 0;
    for (const auto& r : log) n += is_changelog_request(flavor, r);
    return n;
}

// One flavor's site and what an uninterrupted backfill of it produces.
struct Site {
    std::string flavor;
    std::unique_ptr<FakeJira> fake;
    std::unique_ptr<TestTarget> reference;
    std::vector<std::string> expected;  // table_snapshot of the uninterrupted run
    std::size_t requests = 0;           // requests the uninterrupted run sent
    std::size_t changelog_requests = 0;
    Timestamp newest_update{};

    ConfigOptions options(const std::string& database_url) const {
        ConfigOptions co;
        co.flavor = flavor;
        co.page_size = kPageSize;
        co.database_url = database_url;
        return co;
    }
};

std::unique_ptr<Site> make_site(const std::string& backend, const std::string& flavor, const fs::path& dir) {
    auto site = std::make_unique<Site>();
    site->flavor = flavor;
    const fs::path site_dir = dir / flavor;
    fs::create_directories(site_dir / "reference");
    site->reference = make_target(backend, site_dir / "reference");
    if (!site->reference) return nullptr;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = kIssues;
    fo.latency_ms = 10;  // a run lasts long enough for every moment to be caught before it ends
    // Server embeds every history unless capped: cap it so the per-issue changelog endpoint is used.
    if (flavor == "server") fo.extra_args = {"--embedded-changelog-cap", "100"};
    site->fake = std::make_unique<FakeJira>(fo, site_dir);
    const auto issues = site->fake->issues();
    for (int i = 0; i < kLongChangelogIssues; ++i) {
        const std::string key = issues[static_cast<std::size_t>(i) * issues.size() / kLongChangelogIssues]["key"];
        site->fake->post("/_fake/issues/" + key + "/histories", {{"count", kLongChangelogHistories}});
    }
    for (const auto& issue : site->fake->issues())
        site->newest_update = std::max(site->newest_update, *parse_jira_timestamp(issue["updated"].get<std::string>()));

    // Bulk changelog responses of 2,000 histories, so that these ~9,000 make several calls for crashes to fall between.
    site->fake->post("/_fake/config", {{"changelog_page_cap", 2000}});
    site->fake->del("/_fake/requests");
    const auto config = write_config(site_dir / "reference", site->fake->base_url(),
                                     site->options(site->reference->database_url()));
    auto r = run_jira2sql({"--config", config.string(), "sync"}, site_dir, kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    require_tables_match_fake(site->reference->tables(), *site->fake);
    site->expected = table_snapshot(site->reference->tables());
    const auto log = site->fake->requests();
    site->requests = log.size();
    site->changelog_requests = changelog_requests(flavor, log);
    CAPTURE(flavor, site->requests, site->changelog_requests);
    // Enough of each for the moments below to fall inside the run.
    REQUIRE(site->requests >= 40);
    REQUIRE(site->changelog_requests >= 4);
    return site;
}

enum class Moment { issues_stored, requests_answered, changelog_requests_answered };

const char* moment_name(Moment m) {
    switch (m) {
        case Moment::issues_stored: return "issues stored";
        case Moment::requests_answered: return "requests answered";
        case Moment::changelog_requests_answered: return "changelog requests answered";
    }
    return "?";
}

// Whether the run `child` is doing has reached the moment.
bool reached(Moment kind, long long count, const Site& site, const TableReader& db) {
    switch (kind) {
        case Moment::issues_stored: return issues_so_far(db) >= count;
        case Moment::requests_answered: return static_cast<long long>(site.fake->requests().size()) >= count;
        case Moment::changelog_requests_answered:
            return static_cast<long long>(changelog_requests(site.flavor, site.fake->requests())) >= count;
    }
    return false;
}

void kill_and_resume(const std::string& backend, Site& site, const fs::path& dir, Moment kind, long long count) {
    const auto target = make_target(backend, dir);
    const TableReader& db = target->tables();
    const auto config = write_config(dir, site.fake->base_url(), site.options(target->database_url()));
    site.fake->del("/_fake/requests");
    {
        ChildProcess child({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir);
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while (child.running() && std::chrono::steady_clock::now() < deadline && !reached(kind, count, site, db))
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        INFO("the run must still be going at the moment chosen (else the moment is past its end)");
        REQUIRE(child.running());
        child.kill_hard();
    }
    const long long stored_at_kill = issues_so_far(db);
    CAPTURE(stored_at_kill);

    // The killed run left no watermark; a checkpoint if it had committed anything.
    bool had_checkpoint = false;
    bool had_run_row = false;
    if (target->table_count() > 0) {
        const auto interrupted = status_json(config, dir);
        REQUIRE(interrupted["watermark"].is_null());
        had_checkpoint = interrupted["checkpoint"].is_object();
        had_run_row = db.scalar("SELECT count(*) FROM sync_runs") > 0;
        if (had_run_row) REQUIRE(db.rows("SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1") ==
                                 std::vector<std::string>{"running"});
        if (stored_at_kill > 0) REQUIRE(had_checkpoint);
    }

    auto resumed = run_jira2sql({"--config", config.string(), "sync"}, dir, kEnv);
    INFO(resumed.err);
    REQUIRE(resumed.exit_code == 0);
    if (had_checkpoint) REQUIRE_THAT(resumed.err, Catch::Contains("resuming the interrupted full run"));

    // The tables of an uninterrupted run (which match the site row by row: make_site checked).
    REQUIRE(table_snapshot(db) == site.expected);

    // No run is left 'running': the killed one is marked failed, the resumed one succeeded.
    REQUIRE(db.scalar("SELECT count(*) FROM sync_runs WHERE status = 'running'") == 0);
    REQUIRE(db.rows("SELECT status FROM sync_runs ORDER BY id DESC LIMIT 1") == std::vector<std::string>{"succeeded"});
    if (had_run_row) REQUIRE(db.scalar("SELECT count(*) FROM sync_runs WHERE status = 'failed'") == 1);
    const auto after = status_json(config, dir);
    REQUIRE(after["checkpoint"].is_null());
    REQUIRE(after["watermark"].is_string());
    const auto watermark = parse_jira_timestamp(after["watermark"].get<std::string>());
    REQUIRE(watermark.has_value());
    REQUIRE(*watermark >= site.newest_update);  // covers every stored issue, so none is read again as new

    // Nothing was left half-written for the next run to catch up on.
    auto next = run_jira2sql({"--config", config.string(), "sync"}, dir, kEnv);
    INFO(next.err);
    REQUIRE(next.exit_code == 0);
    REQUIRE_THAT(next.err, Catch::Contains("sync succeeded: 0 issues upserted, 0 changelog items written"));
    REQUIRE(db.rows("SELECT mode, status, issues_upserted, changelog_items_written FROM sync_runs ORDER BY id DESC "
                    "LIMIT 1") == std::vector<std::string>{"incremental|succeeded|0|0"});
}

std::uint64_t base_seed() {
    if (const char* fixed = std::getenv("J2S_CRASH_SEED"); fixed && *fixed) return std::stoull(fixed);
    return std::random_device{}();
}

void kill_at_random_moments(const std::string& backend) {
    TempDir dir;
    const std::uint64_t seed = base_seed();
    INFO("crash moments drawn with J2S_CRASH_SEED=" << seed);
    std::map<std::string, std::unique_ptr<Site>> sites;
    for (const std::string flavor : {"cloud", "server"}) {
        sites[flavor] = make_site(backend, flavor, dir.path());
        if (!sites[flavor]) return;  // PostgreSQL not configured
    }
    std::mt19937_64 rng(seed);
    for (int i = 0; i < kMoments; ++i) {
        Site& site = *sites[i % 2 == 0 ? "cloud" : "server"];
        const auto kind = static_cast<Moment>(i % 3);
        long long count = 0;
        switch (kind) {
            // Up to all of them: then only the changelog phase and the end of the run remain.
            case Moment::issues_stored: count = std::uniform_int_distribution<long long>(0, kIssues)(rng); break;
            // Two requests short of the end at most, so the run is still going.
            case Moment::requests_answered:
                count = std::uniform_int_distribution<long long>(1, static_cast<long long>(site.requests) - 2)(rng);
                break;
            // Within the changelog phase, up to the last but one request.
            case Moment::changelog_requests_answered:
                count = std::uniform_int_distribution<long long>(1, static_cast<long long>(site.changelog_requests) - 1)(rng);
                break;
        }
        INFO("moment " << i << ": " << site.flavor << ", killed after " << count << " " << moment_name(kind) << " (of "
                       << (kind == Moment::issues_stored        ? static_cast<std::size_t>(kIssues)
                           : kind == Moment::requests_answered ? site.requests
                                                               : site.changelog_requests)
                       << " in an uninterrupted run)");
        const fs::path run_dir = dir.path() / ("moment-" + std::to_string(i));
        fs::create_directories(run_dir);
        kill_and_resume(backend, site, run_dir, kind, count);
    }
}

}  // namespace

TEST_CASE("kill -9 at 10 random moments of a backfill: each resumed run ends with the tables of an uninterrupted run",
          "[e2e][sqlite][crash]") {
    kill_at_random_moments("sqlite");
}

TEST_CASE("postgres: kill -9 at 10 random moments of a backfill: each resumed run ends with the tables of an "
          "uninterrupted run",
          "[e2e][postgres][crash]") {
    J2S_REQUIRE_POSTGRES();
    kill_at_random_moments("postgres");
}
