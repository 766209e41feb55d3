// End-to-end (issue 4, item 6): edits made while a run pages. The fake applies an update, a create, a delete and
// a move exactly when the k-th search page of the run is requested (a trigger, see tests/fake_jira/README.md),
// in the middle of a backfill and of an incremental run, on both backends and flavors, with one cursor and with
// four slices paging side by side. The contract: every change made before the run started is in the tables when
// the run ends; every change made during it is in the tables after the next run. Deletions reach the tables
// through reconciliation (`reconcile`, or sync with reconcile_deletes), as the README says; write_config leaves
// reconcile_deletes off, so the test reconciles explicitly at the end.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "harness.hpp"
#include "table_checks.hpp"
#include "test_target.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};
constexpr int kPageSize = 10;

// Search requests a backfill makes before its first page: with several slices, planning asks for the oldest
// issue (a search) and counts (Server: searches with maxResults 0; Cloud: approximate-count, not a search). An
// incremental run is not sliced.
int planning_searches(const std::string& flavor, int concurrency) {
    if (concurrency == 1) return 0;
    return flavor == "server" ? 1 + 2 * concurrency : 1;
}

struct Run {
    ProcessResult result;
    json trigger;  // as GET /_fake/triggers shows it after the run
};

class Scenario {
public:
    Scenario(const std::string& backend, const std::string& flavor, int concurrency)
        : m_flavor(flavor), m_concurrency(concurrency) {
        m_target = make_target(backend, m_dir.path());
        if (!m_target) return;
        FakeJiraOptions fo;
        fo.flavor = flavor;
        fo.generate = 300;
        m_fake = std::make_unique<FakeJira>(fo, m_dir.path());
        ConfigOptions co;
        co.flavor = flavor;
        co.page_size = kPageSize;
        co.max_concurrency = concurrency;
        co.database_url = m_target->database_url();
        m_config = write_config(m_dir.path(), m_fake->base_url(), co);
    }
    bool ready() const { return m_target != nullptr; }
    FakeJira& fake() { return *m_fake; }
    const TableReader& db() const { return m_target->tables(); }

    ProcessResult jira2sql(const std::string& command) {
        auto r = run_jira2sql({"--config", m_config.string(), command}, m_dir.path(), kEnv);
        INFO(command << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        return r;
    }

    // One edit of each kind through the control API, before a run. Returns the id of the deleted issue.
    long long edit_before_run(const json& issues, std::size_t at, const std::string& tag) {
        fake().post("/_fake/issues/" + issues[at]["key"].get<std::string>() + "/update",
                    {{"fields", {{"summary", "updated " + tag}}},
                     {"items", {{{"field", "summary"}, {"fromString", "old"}, {"toString", "updated " + tag}}}}});
        fake().post("/_fake/issues", {{"project", "BETA"}, {"fields", {{"summary", "created " + tag}}}});
        fake().post("/_fake/issues/" + issues[at + 1]["key"].get<std::string>() + "/move", {{"project", "DELTA"}});
        fake().del("/_fake/issues/" + issues[at + 2]["key"].get<std::string>());
        return issues[at + 2]["id"].get<long long>();
    }

    // Runs sync with a trigger that, at the k-th search page, updates, moves and deletes the given issues and
    // creates one.
    Run sync_with_edits_at_page(int k, const std::string& update, const std::string& move, const std::string& del) {
        fake().del("/_fake/triggers");
        fake().post("/_fake/triggers",
                    {{"on_search_page", k},
                     {"actions",
                      {{{"op", "update"}, {"issue", update}, {"fields", {{"summary", "updated mid-scan"}}},
                        {"items", {{{"field", "summary"}, {"fromString", "old"}, {"toString", "updated mid-scan"}}}}},
                       {{"op", "create"}, {"project", "GAMMA"}, {"fields", {{"summary", "created mid-scan"}}}},
                       {{"op", "move"}, {"issue", move}, {"project", "EPSILON"}},
                       {{"op", "delete"}, {"issue", del}}}}});
        Run run;
        run.result = jira2sql("sync");
        const json triggers = fake().get("/_fake/triggers");
        REQUIRE(triggers.size() == 1);
        run.trigger = triggers[0];
        return run;
    }

    // Every issue as `before_run` shows it is stored at that version or a newer one, with all its histories;
    // only issues deleted during the run (`deleted_during`) may be missing.
    void require_run_start_state_stored(const json& before_run, long long deleted_during) {
        std::map<long long, std::string> stored;
        for (auto& r : db().rows("SELECT id, key, project_key, created, updated, summary, status FROM issues"))
            stored[std::stoll(r.substr(0, r.find('|')))] = r;
        std::map<long long, std::set<std::string>> histories;
        for (auto& r : db().rows("SELECT DISTINCT issue_id, history_id FROM issue_changelog"))
            histories[std::stoll(r.substr(0, r.find('|')))].insert(r.substr(r.find('|') + 1));
        for (const auto& issue : before_run) {
            const long long id = issue["id"].get<long long>();
            if (id == deleted_during) continue;
            CAPTURE(id, issue["key"]);
            REQUIRE(stored.count(id) == 1);
            const std::string expected_updated = utc(issue["updated"]);
            const std::string& row = stored.at(id);
            // id|key|project_key|created|updated|...: the 5th column.
            std::size_t at = 0;
            for (int i = 0; i < 4; ++i) at = row.find('|', at) + 1;
            const std::string updated = row.substr(at, row.find('|', at) - at);
            if (updated == expected_updated) {
                const auto& f = issue["fields"];
                REQUIRE(row == std::to_string(id) + "|" + issue["key"].get<std::string>() + "|" +
                                   issue["project_key"].get<std::string>() + "|" + utc(issue["created"]) + "|" +
                                   expected_updated + "|" + text_or_null(f["summary"]) + "|" +
                                   text_or_null(f["status"]["name"]));
            } else {
                REQUIRE(updated > expected_updated);  // edited during the run and read after the edit
            }
            for (const auto& h : issue["histories"]) REQUIRE(histories[id].count(text_or_null(h["id"])) == 1);
        }
    }

    // After the next run (and reconciliation) the tables are exactly the fake's; the issues deleted are
    // soft-deleted, not gone.
    void require_caught_up(const std::set<long long>& deleted) {
        jira2sql("sync");
        require_tables_match_fake(db(), fake(), deleted);
        jira2sql("reconcile");
        require_tables_match_fake(db(), fake(), deleted);
        for (long long id : deleted) {
            const auto rows = db().rows("SELECT deleted_reason FROM issues WHERE id = " + std::to_string(id));
            if (!rows.empty()) REQUIRE(rows == std::vector<std::string>{"deleted"});  // never read: never stored
        }
        REQUIRE(db().scalar("SELECT count(*) FROM issues_live") == static_cast<long long>(fake().issues().size()));
    }

    // The trigger fired, in the middle of the scan: several search pages came after it.
    static void require_fired_mid_scan(const Run& run, int k) {
        INFO(run.trigger.dump());
        REQUIRE(run.trigger["fired"] == true);
        for (const auto& result : run.trigger["results"]) REQUIRE_FALSE(result.contains("error"));
        REQUIRE(run.trigger["seen"].get<int>() >= k + 3);
    }

    const std::string& flavor() const { return m_flavor; }
    int concurrency() const { return m_concurrency; }

private:
    TempDir m_dir;
    std::string m_flavor;
    int m_concurrency;
    std::unique_ptr<TestTarget> m_target;
    std::unique_ptr<FakeJira> m_fake;
    fs::path m_config;
};

// The keys of the `n` issues with the oldest `updated` (a scan ordered by `updated` reads them first).
std::vector<std::string> oldest_updated(const json& issues, std::size_t n) {
    std::vector<json> sorted(issues.begin(), issues.end());
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const json& a, const json& b) { return utc(a["updated"]) < utc(b["updated"]); });
    std::vector<std::string> out;
    for (std::size_t i = 0; i < n && i < sorted.size(); ++i) out.push_back(sorted[i]["key"]);
    return out;
}

long long id_of(const json& issues, const std::string& key) {
    for (const auto& issue : issues)
        if (issue["key"] == key) return issue["id"].get<long long>();
    FAIL("no issue " << key);
    return -1;
}

void edits_at_page_k_of_a_backfill(const std::string& backend) {
    const std::string flavor = GENERATE("cloud", "server");
    const int concurrency = GENERATE(1, 4);
    CAPTURE(flavor, concurrency);
    Scenario s(backend, flavor, concurrency);
    if (!s.ready()) return;
    const long long deleted_before = s.edit_before_run(s.fake().issues(), 40, "before the backfill");
    const json before_run = s.fake().issues();
    // The issues read first (before page k), so the edits move and remove rows behind the cursors: Server's
    // offsets shift under them.
    const auto first = oldest_updated(before_run, 3);
    const long long deleted_during = id_of(before_run, first[2]);
    // 300 issues are 30 pages of 10: page k = 10 is well inside the scan, however it is sliced.
    const int k = planning_searches(flavor, concurrency) + 10;
    const Run run = s.sync_with_edits_at_page(k, first[0], first[1], first[2]);
    REQUIRE_THAT(run.result.err, Catch::Contains("sync succeeded"));
    Scenario::require_fired_mid_scan(run, k);
    s.require_run_start_state_stored(before_run, deleted_during);
    REQUIRE(s.db().scalar("SELECT count(*) FROM issues WHERE id = " + std::to_string(deleted_before)) == 0);
    s.require_caught_up({deleted_during});
}

void edits_at_page_k_of_an_incremental_run(const std::string& backend) {
    const std::string flavor = GENERATE("cloud", "server");
    const int concurrency = GENERATE(1, 4);
    CAPTURE(flavor, concurrency);
    Scenario s(backend, flavor, concurrency);
    if (!s.ready()) return;
    s.jira2sql("sync");
    require_tables_match_fake(s.db(), s.fake());

    // 100 issues changed since the backfill (10 pages for the incremental run), oldest change first, plus one
    // edit of each kind.
    const json issues = s.fake().issues();
    std::vector<std::string> changed;
    for (std::size_t i = 0; i < 100; ++i) {
        changed.push_back(issues[i * 2]["key"]);
        s.fake().post("/_fake/issues/" + changed.back() + "/histories", {{"count", 1}});
    }
    const long long deleted_before = s.edit_before_run(issues, 201, "before the incremental run");
    const json before_run = s.fake().issues();
    const int k = 4;
    // The first changes are read first: the edits hit rows the cursors have passed.
    const Run run = s.sync_with_edits_at_page(k, changed[0], changed[1], changed[2]);
    REQUIRE_THAT(run.result.err, Catch::Contains("sync succeeded"));
    Scenario::require_fired_mid_scan(run, k);
    const long long deleted_during = id_of(before_run, changed[2]);
    s.require_run_start_state_stored(before_run, deleted_during);
    s.require_caught_up({deleted_before, deleted_during});
}

}  // namespace

J2S_ON_BOTH_BACKENDS("edits at the k-th search page of a backfill: nothing changed before the run is missed, the next run "
                     "catches up",
                     "[reliability][midscan]", edits_at_page_k_of_a_backfill)
J2S_ON_BOTH_BACKENDS("edits at the k-th search page of an incremental run: nothing changed before the run is missed, the "
                     "next run catches up",
                     "[reliability][midscan]", edits_at_page_k_of_an_incremental_run)
