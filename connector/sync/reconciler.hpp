#pragma once
// Deletion reconciliation: finds stored issues that vanished from the scope and soft-deletes them, and
// restores soft-deleted ones that are back. Run by `reconcile` and at the end of `sync` when
// sync.reconcile_deletes is true.
//
// 1. Census: every id of the scope, ids only, in the largest pages the flavor allows (cloud: search/jql
//    with fields ["id"], 5,000 per page, nextPageToken chain; server: /rest/api/2/search fields=id at the
//    site's cap, read back from the response). Memory: one sorted vector of ids. Cost on cloud:
//    ceil(N / 5000) requests (20 for 100,000 issues), plus serverInfo for Jira's clock when run alone.
// 2. Diff with the stored ids: vanished = live and not in the census; restored = soft-deleted and in it.
// 3. Guards, before any further request or write: a census with no ids while live rows exist never deletes
//    (not even with --force: it is what a bad token, a lost permission or a broken JQL looks like); more than
//    sync.max_delete_fraction of the live rows vanishing refuses unless --force. Both exit 1.
// 4. Classification of the vanished ids only, 100 per request: cloud POST issue/bulkfetch (server: search
//    `id in (...)` without the scope). Not returned: `deleted` (gone, or hidden from the account, which
//    Jira cannot tell apart). Returned: checked against the scope once more (`(scope) AND id in (...)`);
//    still matching means the census missed it while pages shifted, and it stays live; otherwise
//    `out_of_scope`, unless it was updated within sync.overlap_minutes of the census (search lag: the
//    search index may not show it yet), which leaves it live until the next reconciliation.
// 5. One transaction writes the soft deletes (deleted_at = Jira's clock at the start of the census) and
//    the restorations. A failure anywhere before it writes nothing.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/config.hpp"
#include "jira/jira_api.hpp"
#include "store/store.hpp"
#include "sync/progress_observer.hpp"
#include "sync/sync_runner.hpp"
#include "util/errors.hpp"
#include "util/time.hpp"

namespace j2s {

// The reconciliation refused to write (delete guard, empty census): exit 1.
class ReconcileRefused : public Error {
public:
    explicit ReconcileRefused(const std::string& message) : Error(message, ExitCode::run_failed) {}
};

// --- pure logic (unit-tested) ---

struct CensusDiff {
    std::vector<std::int64_t> vanished;  // live rows the census does not list
    std::vector<std::int64_t> returned;  // soft-deleted rows the census lists again
};
// All three inputs sorted ascending without duplicates.
CensusDiff diff_census(const std::vector<std::int64_t>& census, const std::vector<std::int64_t>& live,
                       const std::vector<std::int64_t>& soft_deleted);

// Whether soft-deleting `vanished` of `live` rows exceeds `max_fraction` (strictly more than the fraction).
bool delete_guard_trips(std::size_t vanished, std::size_t live, double max_fraction);

// The census query: the scope exactly as sync reads it (bounded, so cloud accepts an empty scope), ordered
// by an immutable key so keyset pages cannot skip rows.
std::string census_jql(const std::string& scope_jql);

struct VanishedClassification {
    std::vector<std::int64_t> deleted;         // not returned by the fetch by id
    std::vector<std::int64_t> out_of_scope;    // returned, no longer matching the scope
    std::vector<std::int64_t> still_in_scope;  // returned and matching: missed by the census, stays live
    std::vector<std::int64_t> deferred;        // left the scope too recently to be sure (search lag)
};
// `existing`: id -> `updated` (nullopt if unreadable) of the vanished ids the fetch by id returned;
// `matching_scope`: the ids among them that still match the scope. Updated at or after `recent_since` is
// deferred.
VanishedClassification classify_vanished(const std::vector<std::int64_t>& vanished,
                                         const std::unordered_map<std::int64_t, std::optional<Timestamp>>& existing,
                                         const std::vector<std::int64_t>& matching_scope, Timestamp recent_since);

// --- the run ---

struct ReconcileOptions {
    std::string scope_jql;
    double max_delete_fraction = 0.2;
    int search_lag_minutes = 15;  // sync.overlap_minutes
    bool force = false;
    // Told how far the census has got (its total: the census query, counted by Jira). Optional; not owned.
    ProgressObserver* progress = nullptr;
    // Jira's clock at the start of the census, when the caller knows it (sync carries its serverInfo reading
    // forward); unset: read from serverInfo.
    std::optional<Timestamp> census_started;
    // Server census pages fetched at once (jira.max_concurrency); Cloud's page tokens are a chain, read in turn.
    int concurrency = 1;
};

struct ReconcileResult {
    std::int64_t census = 0;           // ids in the census
    std::int64_t census_requests = 0;  // search requests the census took
    std::int64_t live_before = 0;
    std::int64_t vanished = 0;
    std::int64_t deleted = 0;          // newly soft-deleted as 'deleted'
    std::int64_t out_of_scope = 0;     // newly soft-deleted as 'out_of_scope'
    std::int64_t still_in_scope = 0;
    std::int64_t deferred = 0;
    std::int64_t restored = 0;
    std::int64_t soft_deleted() const { return deleted + out_of_scope; }
};

// Every id of the scope, sorted ascending, without duplicates. `requests` receives the search requests made;
// `progress` (optional) hears of every page. On Server the pages after the first (which gives the total) are
// fetched `concurrency` at a time; an id that a shift of the results hides from the census is not lost, since
// step 3 asks Jira about every stored id the census missed.
std::vector<std::int64_t> take_census(JiraApi& api, const std::string& scope_jql, std::int64_t* requests = nullptr,
                                      ProgressObserver* progress = nullptr, int concurrency = 1);

// Steps 1-5 above. Throws ReconcileRefused when a guard trips, JiraApiError/Error/StoreError on failure;
// nothing is written then.
ReconcileResult reconcile_deletions(JiraApi& api, Store& store, const ReconcileOptions& options);

// The `reconcile` command's run: a sync_runs row of mode `reconcile` around reconcile_deletions, closed as
// `succeeded` (soft_deleted counted) or `failed` (the error rethrown). Touches neither watermark nor checkpoint.
// `progress` (optional, not owned) follows the census.
// REQUIRES: the store is migrated and the caller holds the run lock.
RunSummary run_reconcile(const Config& config, Store& store, JiraApi& api, Clock& clock, bool force,
                         ProgressObserver* progress = nullptr);

}  // namespace j2s
