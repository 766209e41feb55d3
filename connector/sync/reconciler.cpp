#include "sync/reconciler.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <iterator>
#include <mutex>
#include <thread>

#include "jira/search_cursor.hpp"
#include "util/log_event.hpp"

namespace j2s {

namespace {

// Server: ask for this many ids per page; the site answers with its cap (default 1,000) and says so.
constexpr int kServerCensusRequest = 10000;

// `work(item)` for every item, on up to `threads` threads; the first exception is rethrown once all stopped.
template <class Item, class Work>
void run_concurrently(const std::vector<Item>& items, int threads, const Work& work) {
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::exception_ptr error;
    std::mutex error_mutex;
    std::vector<std::thread> pool;
    const auto count = std::min<std::size_t>(items.size(), static_cast<std::size_t>(std::max(1, threads)));
    for (std::size_t t = 0; t < count; ++t)
        pool.emplace_back([&] {
            for (std::size_t i; !failed && (i = next++) < items.size();) {
                try {
                    work(items[i]);
                } catch (...) {
                    std::lock_guard lock(error_mutex);
                    if (!error) error = std::current_exception();
                    failed = true;
                }
            }
        });
    for (auto& thread : pool) thread.join();
    if (error) std::rethrow_exception(error);
}

void sort_unique(std::vector<std::int64_t>& ids) {
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
}

}  // namespace

CensusDiff diff_census(const std::vector<std::int64_t>& census, const std::vector<std::int64_t>& live,
                       const std::vector<std::int64_t>& soft_deleted) {
    CensusDiff out;
    std::set_difference(live.begin(), live.end(), census.begin(), census.end(), std::back_inserter(out.vanished));
    std::set_intersection(soft_deleted.begin(), soft_deleted.end(), census.begin(), census.end(),
                          std::back_inserter(out.returned));
    return out;
}

bool delete_guard_trips(std::size_t vanished, std::size_t live, double max_fraction) {
    if (vanished == 0 || live == 0) return false;
    return static_cast<double>(vanished) > max_fraction * static_cast<double>(live);
}

std::string census_jql(const std::string& scope_jql) {
    return build_search_restriction(scope_jql, std::nullopt, "UTC") + " ORDER BY created ASC";
}

VanishedClassification classify_vanished(const std::vector<std::int64_t>& vanished,
                                         const std::unordered_map<std::int64_t, std::optional<Timestamp>>& existing,
                                         const std::vector<std::int64_t>& matching_scope, Timestamp recent_since) {
    VanishedClassification out;
    for (const auto id : vanished) {
        const auto it = existing.find(id);
        if (it == existing.end()) {
            out.deleted.push_back(id);
        } else if (std::binary_search(matching_scope.begin(), matching_scope.end(), id)) {
            out.still_in_scope.push_back(id);
        } else if (!it->second || *it->second >= recent_since) {
            out.deferred.push_back(id);
        } else {
            out.out_of_scope.push_back(id);
        }
    }
    return out;
}

std::vector<std::int64_t> take_census(JiraApi& api, const std::string& scope_jql, std::int64_t* requests,
                                      ProgressObserver* progress, int concurrency) {
    const std::string jql = census_jql(scope_jql);
    std::vector<std::int64_t> ids;
    std::int64_t pages = 0;
    if (progress) progress->progress_started(jql, std::nullopt);
    if (api.client().flavor() == Flavor::cloud) {
        std::optional<std::string> token;
        for (;;) {
            auto page = api.search_ids_page(jql, token, 0, kCloudMaxIdsPage);
            ++pages;
            for (std::size_t i = 0; i < page.issues.size(); ++i) ids.push_back(page.issues.id(i));
            if (progress) progress->progress_advanced(static_cast<std::int64_t>(ids.size()));
            if (page.is_last || !page.next_page_token) break;
            if (page.next_page_token == token)
                throw Error("the census did not advance (Jira returned the same page token twice); nothing was "
                            "soft-deleted");
            token = page.next_page_token;
        }
    } else {
        std::mutex mutex;  // guards ids, pages and progress while pages come in at once
        auto read_page = [&](std::int64_t start_at) {
            auto page = api.search_ids_page(jql, std::nullopt, start_at, kServerCensusRequest);
            std::lock_guard lock(mutex);
            ++pages;
            for (std::size_t i = 0; i < page.issues.size(); ++i) ids.push_back(page.issues.id(i));
            if (progress) progress->progress_advanced(static_cast<std::int64_t>(ids.size()));
            return page;
        };
        auto page = read_page(0);
        std::int64_t start_at = static_cast<std::int64_t>(page.issues.size());
        // The site's page size and the total are known now: the other pages can be asked for at once.
        const std::int64_t page_size = std::max<std::int64_t>(1, page.max_results);
        if (!page.is_last && concurrency > 1 && page_size == start_at) {
            std::vector<std::int64_t> starts;
            for (auto at = start_at; at < page.total; at += page_size) starts.push_back(at);
            std::int64_t newest_total = page.total;
            run_concurrently(starts, concurrency, [&](std::int64_t at) {
                const auto total = read_page(at).total;
                std::lock_guard lock(mutex);
                newest_total = std::max(newest_total, total);
            });
            // Past the first total only when the scope grew meanwhile.
            start_at = page.total;
            page.is_last = start_at >= newest_total;
        }
        while (!page.is_last) {
            page = read_page(start_at);
            start_at += static_cast<std::int64_t>(page.issues.size());
        }
    }
    if (requests) *requests = pages;
    if (progress) progress->progress_finished(static_cast<std::int64_t>(ids.size()));
    sort_unique(ids);
    return ids;
}

ReconcileResult reconcile_deletions(JiraApi& api, Store& store, const ReconcileOptions& options) {
    ReconcileResult result;
    const Timestamp census_started = options.census_started ? *options.census_started : api.server_time();
    const auto census =
        take_census(api, options.scope_jql, &result.census_requests, options.progress, options.concurrency);
    result.census = static_cast<std::int64_t>(census.size());
    const StoredIssueIds stored = store.stored_issue_ids();
    result.live_before = static_cast<std::int64_t>(stored.live.size());
    const CensusDiff diff = diff_census(census, stored.live, stored.soft_deleted);
    result.vanished = static_cast<std::int64_t>(diff.vanished.size());
    log_event(spdlog::level::info, "census",
              {{"census", result.census}, {"requests", result.census_requests}, {"live", result.live_before},
               {"vanished", result.vanished}, {"returned", diff.returned.size()}},
              "census: {} issues in scope ({} requests); {} stored live, {} vanished, {} soft-deleted back in scope",
              result.census, result.census_requests, result.live_before, result.vanished, diff.returned.size());

    if (census.empty() && !stored.live.empty())
        throw ReconcileRefused(fmt::format(
            "the census of the scope returned no issues while {} are stored live; nothing was soft-deleted. An empty "
            "census is what a wrong token, a lost project permission or a broken scope JQL looks like, so it never "
            "deletes anything, not even with --force. Check jira.jql and the account's access",
            stored.live.size()));
    if (delete_guard_trips(diff.vanished.size(), stored.live.size(), options.max_delete_fraction)) {
        const std::string message = fmt::format(
            "{} of {} live issues ({:.1f}%) vanished from the scope, more than sync.max_delete_fraction ({:.1f}%)",
            diff.vanished.size(), stored.live.size(),
            100.0 * static_cast<double>(diff.vanished.size()) / static_cast<double>(stored.live.size()),
            100.0 * options.max_delete_fraction);
        if (!options.force)
            throw ReconcileRefused(message +
                                   "; nothing was soft-deleted. If the scope really shrank this much (issues deleted, "
                                   "projects moved or the JQL changed on purpose), run `jira2sql reconcile --force` "
                                   "once to apply it, or raise sync.max_delete_fraction");
        spdlog::warn("{}; applying it anyway (--force)", message);
    }

    ReconcileChanges changes;
    changes.deleted_at = census_started;
    changes.restored = diff.returned;
    if (!diff.vanished.empty()) {
        std::unordered_map<std::int64_t, std::optional<Timestamp>> existing;
        for (const auto& issue : api.fetch_issues_by_id(diff.vanished, {"id", "key", "project", "updated"}))
            existing[json_id(issue.at("id"))] = issue_updated(issue);
        std::vector<std::int64_t> present;
        for (const auto& entry : existing) present.push_back(entry.first);
        sort_unique(present);
        const std::string restriction = build_search_restriction(options.scope_jql, std::nullopt, "UTC");
        const auto matching = present.empty() ? std::vector<std::int64_t>{} : api.ids_matching(restriction, present);
        const auto recent_since = census_started - std::chrono::minutes(options.search_lag_minutes);
        auto classified = classify_vanished(diff.vanished, existing, matching, recent_since);
        result.still_in_scope = static_cast<std::int64_t>(classified.still_in_scope.size());
        result.deferred = static_cast<std::int64_t>(classified.deferred.size());
        if (!classified.still_in_scope.empty())
            spdlog::info("{} issues missing from the census still match the scope (pages shifted while it ran); they "
                         "stay live",
                         classified.still_in_scope.size());
        if (!classified.deferred.empty())
            spdlog::info("{} issues left the scope within the last {} minutes (sync.overlap_minutes, search lag); "
                         "the next reconciliation decides",
                         classified.deferred.size(), options.search_lag_minutes);
        changes.deleted = std::move(classified.deleted);
        changes.out_of_scope = std::move(classified.out_of_scope);
    }

    const ReconcileApplied applied = store.apply_reconciliation(changes);
    // What the transaction changed: rows another writer soft-deleted or restored meanwhile are not counted.
    result.deleted = applied.deleted;
    result.out_of_scope = applied.out_of_scope;
    result.restored = applied.restored;
    log_event(spdlog::level::info, "reconciled",
              {{"deleted", result.deleted}, {"out_of_scope", result.out_of_scope}, {"restored", result.restored},
               {"still_in_scope", result.still_in_scope}, {"deferred", result.deferred}},
              "reconciliation: {} soft-deleted ({} deleted, {} out of scope), {} restored", result.soft_deleted(),
              result.deleted, result.out_of_scope, result.restored);
    return result;
}

RunSummary run_reconcile(const Config& config, Store& store, JiraApi& api, Clock& clock, bool force,
                         ProgressObserver* progress) {
    const auto started_steady = clock.steady_now();
    const std::string key = scope_key(config.jira);
    RunSummary summary;
    summary.run_id = store.start_run(key, "reconcile", clock.now());
    set_log_run_id(summary.run_id);
    const auto& stats = api.client().stats();
    const auto requests_before = stats.requests.load();
    const auto retries_before = stats.retries.load();
    const auto finish = [&](RunStatus status, const std::string& error) {
        summary.counters.requests = stats.requests.load() - requests_before;
        summary.counters.retries = stats.retries.load() - retries_before;
        summary.status = status;
        summary.error = error;
        summary.seconds = std::chrono::duration<double>(clock.steady_now() - started_steady).count();
        store.finish_run(summary.run_id, key, status, clock.now(), summary.counters, error, std::nullopt, false);
    };
    log_event(spdlog::level::info, "run_started", {{"mode", "reconcile"}, {"scope", scope_description(config.jira)}},
              "deletion reconciliation of {}", scope_description(config.jira));
    try {
        const auto result = reconcile_deletions(
            api, store,
            {config.jira.jql, config.sync.max_delete_fraction, config.sync.overlap_minutes, force, progress,
             std::nullopt, config.jira.max_concurrency});
        summary.counters.soft_deleted = result.soft_deleted();
    } catch (const std::exception& e) {
        try {
            finish(RunStatus::failed, e.what());
        } catch (const std::exception& inner) {
            spdlog::error("could not record the failed run: {}", inner.what());
        }
        throw;
    }
    finish(RunStatus::succeeded, "");
    return summary;
}

}  // namespace j2s
