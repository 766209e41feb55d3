#include "sync/scan_executor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

#include "sync/changelog_batches.hpp"
#include "sync/changelog_rows.hpp"
#include "sync/entity_overflow.hpp"
#include "sync/entity_rows.hpp"
#include "sync/entity_selection.hpp"

namespace j2s {

namespace {

// What a reading thread hands to the writing thread.
struct WorkItem {
    std::size_t slice = 0;
    TransformedPage page;
    CursorState state_after;
    bool reader_finished = false;
    std::exception_ptr error;
    // From a bulk changelog fetch: one response's histories, or `batch_finished` once the batch is read.
    std::optional<std::size_t> batch;
    std::vector<std::pair<std::int64_t, nlohmann::json>> histories;
    bool batch_finished = false;

    bool is_control() const { return reader_finished || batch_finished || error; }
    std::size_t reserved = 0;  // the read budget this page holds (WorkQueue::reserve)
};

// Issues read but not yet written, at most: a page's worth is reserved before a reader asks for it and
// released once the writer has committed it. Counting pages did not bound memory: with Server's
// 1,000-issue pages sixteen queued pages (plus one in each reader's hands) were the whole 10,000-issue site,
// and once parsing got fast the readers did fill them (peak RSS 383 -> 600 MB). Twenty 100-issue Cloud pages
// keep eight readers busy; with 1,000-issue pages two are read at once, which on two cores is still more
// than the writer takes.
constexpr std::size_t kReadAheadIssues = 2000;

// Thrown inside a changelog fetch when the writer gave up, to end the fetch.
struct FetchCancelled {};

// A bounded FIFO: readers block when the writer falls behind, which bounds memory.
class WorkQueue {
public:
    WorkQueue(std::size_t capacity, std::size_t budget) : m_capacity(capacity), m_budget(budget) {}

    // Blocks until `issues` more fit in the read budget (always true when nothing is reserved, so a page
    // larger than the budget still flows). False when the queue was closed: the reader should stop.
    bool reserve(std::size_t issues) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_closed || m_reserved == 0 || m_reserved + issues <= m_budget; });
        if (m_closed) return false;
        m_reserved += issues;
        return true;
    }
    void release(std::size_t issues) {
        std::lock_guard lock(m_mutex);
        m_reserved -= std::min(issues, m_reserved);
        m_changed.notify_all();
    }

    // False when the queue was closed (the writer gave up): the reader should stop.
    bool push(WorkItem&& item) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_closed || m_items.size() < m_capacity || item.is_control(); });
        if (m_closed) return false;
        m_items.push_back(std::move(item));
        m_changed.notify_all();
        return true;
    }
    WorkItem pop() {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return !m_items.empty(); });
        WorkItem item = std::move(m_items.front());
        m_items.pop_front();
        m_changed.notify_all();
        return item;
    }
    void close() {
        std::lock_guard lock(m_mutex);
        m_closed = true;
        m_changed.notify_all();
    }
    bool closed() {
        std::lock_guard lock(m_mutex);
        return m_closed;
    }

private:
    std::size_t m_capacity;
    std::size_t m_budget;
    std::size_t m_reserved = 0;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<WorkItem> m_items;
    bool m_closed = false;
};

}  // namespace

ScanExecutor::ScanExecutor(ScanContext context, RunCheckpoint& checkpoint, RunCounters& counters,
                           std::function<void()> refresh_request_counters, ScanObserver observer)
    : m_context(std::move(context)),
      m_checkpoint(checkpoint),
      m_counters(counters),
      m_refresh(std::move(refresh_request_counters)),
      m_observer(std::move(observer)),
      m_committer(m_context.store, m_context.run_id, m_context.scope_key, m_counters, m_refresh) {}

void ScanExecutor::run() {
    const auto& config = m_context.config;
    const TransformOptions transform{config.sync.changelog, m_context.entities};
    std::vector<std::size_t> open_slices;
    for (std::size_t i = 0; i < m_checkpoint.slices.size(); ++i)
        if (!m_checkpoint.slices[i].cursor.done) open_slices.push_back(i);

    const std::size_t readers = std::min<std::size_t>(open_slices.size(), std::max(1, config.jira.max_concurrency));
    // Cloud serves at most 100 issues a page whatever page_size asks.
    const auto page_issues = static_cast<std::size_t>(std::max(
        1, m_context.api.client().flavor() == Flavor::cloud ? std::min(config.jira.page_size, kCloudMaxPageWithFields)
                                                             : config.jira.page_size));
    WorkQueue queue(2 * std::max<std::size_t>(readers, 1), std::max(kReadAheadIssues, page_issues));
    std::atomic<std::size_t> next_slice{0};
    std::vector<std::thread> threads;
    for (std::size_t r = 0; r < readers; ++r) {
        threads.emplace_back([&] {
            try {
                for (std::size_t n; (n = next_slice++) < open_slices.size();) {
                    const std::size_t index = open_slices[n];
                    const auto& slice = m_checkpoint.slices[index];
                    std::optional<CursorState> resume;
                    if (!slice.cursor.jql.empty()) resume = slice.cursor;
                    SearchCursor cursor(m_context.api, m_context.scope_jql, m_checkpoint.lower_bound,
                                        m_context.time_zone, config.jira.page_size, config.sync.changelog, resume,
                                        slice.range);
                    for (;;) {
                        if (!queue.reserve(page_issues)) return;
                        auto issues = cursor.next_page();
                        if (!issues) {
                            queue.release(page_issues);
                            break;
                        }
                        WorkItem item;
                        item.reserved = page_issues;
                        item.slice = index;
                        item.page = transform_page(std::move(*issues), m_context.mapping, transform);
                        item.state_after = cursor.state();
                        if (!queue.push(std::move(item))) return;
                    }
                }
                WorkItem done;
                done.reader_finished = true;
                queue.push(std::move(done));
            } catch (...) {
                WorkItem failed;
                failed.error = std::current_exception();
                queue.push(std::move(failed));
            }
        });
    }

    // Bulk changelog fetches run on threads of their own beside the readers (the client's limiter bounds what is
    // in flight overall); their responses come through the same queue and are written by this thread. Two at
    // most (one with max_concurrency 1-3): each holds a parsed response of up to 10,000 histories (simdjson's
    // buffers, several times the body), and a 20,000-issue Cloud backfill peaked at 263 MB RSS with four
    // against 222 MB with two, in the same wall time (the writer, not the fetching, is the limit).
    const std::size_t batch_slots =
        std::clamp<std::size_t>(static_cast<std::size_t>(std::max(1, config.jira.max_concurrency)) / 2, 1, 2);
    auto start_batches = [&](bool scan_finished) {
        for (auto& ids : plan_changelog_batches(m_checkpoint.changelog_pending, m_batch_ids,
                                                batch_slots - m_batches.size(), scan_finished)) {
            const std::size_t number = m_next_batch++;
            m_batch_ids.insert(ids.begin(), ids.end());
            threads.emplace_back([this, &queue, number, ids] {
                try {
                    m_context.api.fetch_changelogs(ids, [&](std::vector<std::pair<std::int64_t, nlohmann::json>>&& histories) {
                        WorkItem item;
                        item.batch = number;
                        item.histories = std::move(histories);
                        if (!queue.push(std::move(item))) throw FetchCancelled{};
                    });
                    WorkItem done;
                    done.batch = number;
                    done.batch_finished = true;
                    queue.push(std::move(done));
                } catch (const FetchCancelled&) {
                } catch (...) {
                    WorkItem failed;
                    failed.error = std::current_exception();
                    queue.push(std::move(failed));
                }
            });
            m_batches.emplace(number, std::move(ids));
        }
    };

    auto stop_readers = [&] {
        queue.close();
        for (auto& t : threads) t.join();
        threads.clear();
    };
    try {
        std::size_t active = readers;
        if (active == 0) start_batches(true);  // a resumed run whose slices are all read
        while (active > 0 || !m_batches.empty()) {
            WorkItem item = queue.pop();
            if (item.error) std::rethrow_exception(item.error);
            if (item.batch) {
                if (item.batch_finished) finish_batch(*item.batch);
                else write_histories(std::move(item.histories));
                start_batches(active == 0);
                continue;
            }
            if (item.reader_finished) {
                if (--active == 0) start_batches(true);
                continue;
            }
            m_issues_read += static_cast<std::int64_t>(item.page.issues.size() + item.page.dead_letters.size());
            PageCommit page;
            page.issues = std::move(item.page.issues);
            page.changelog = std::move(item.page.changelog);
            page.dead_letters = std::move(item.page.dead_letters);
            for (const auto& issue : page.issues) page.clean_issue_ids.push_back(issue.id);

            take_entities_and_pending(item.page, page);
            m_checkpoint.slices[item.slice].cursor = item.state_after;
            commit(page);
            queue.release(item.reserved);
            start_batches(false);
        }
        stop_readers();
        drain_overflow();
    } catch (...) {
        stop_readers();
        throw;
    }
}

void ScanExecutor::take_entities_and_pending(TransformedPage& transformed, PageCommit& page) {
    if (transformed.truncated.empty() && transformed.entities.empty()) return;
    // One look at the stored copies serves both: only issues that changed since they were stored need their
    // remaining histories (a stored copy's changelog was completed before its run ended), and an issue whose
    // page copy is older than the stored one brings no entity rows.
    std::vector<std::int64_t> ids;  // every issue with entities, else the truncated ones (a subset of those)
    if (transformed.entities.empty())
        for (const auto& t : transformed.truncated) ids.push_back(t.id);
    for (const auto& e : transformed.entities) ids.push_back(e.issue_id);
    const auto stored = m_context.store.stored_updated(ids);

    std::set<std::int64_t> pending(m_checkpoint.changelog_pending.begin(), m_checkpoint.changelog_pending.end());
    for (const auto& t : transformed.truncated) {
        auto it = stored.find(t.id);
        if ((it == stored.end() || it->second < t.updated) && pending.insert(t.id).second)
            m_checkpoint.changelog_pending.push_back(t.id);
    }
    if (transformed.entities.empty()) return;
    auto selected = select_page_entities(std::move(transformed.entities), stored, m_context.worklogs_of_stored_issues);
    page.entities = std::move(selected.rows);
    const auto queue = [](std::vector<std::int64_t>& into, const std::vector<std::int64_t>& overflow) {
        std::set<std::int64_t> known(into.begin(), into.end());
        for (auto id : overflow)
            if (known.insert(id).second) into.push_back(id);
    };
    queue(m_checkpoint.comment_pending, selected.comment_overflow);
    queue(m_checkpoint.worklog_pending, selected.worklog_overflow);
}

void ScanExecutor::commit(PageCommit& page) {
    m_committer.commit(page, m_checkpoint.to_json());
    if (m_observer) m_observer(m_counters, m_issues_read);
}

void ScanExecutor::write_histories(std::vector<std::pair<std::int64_t, nlohmann::json>>&& histories) {
    // Written as they come with the checkpoint unchanged (the batch's ids stay pending until it is done): a
    // crash fetches the batch again, and histories already written are not inserted twice.
    PageCommit page;
    for (const auto& [issue_id, history] : histories) {
        if (m_changelog_failed.count(issue_id)) continue;
        const auto before = page.changelog.size();
        const auto memberships_before = page.entities.issue_sprints.size();
        try {
            append_changelog_rows(issue_id, history, page.changelog);
            // The Sprint items of histories the page did not embed: the rest of the issue's sprint history.
            if (m_context.entities.sprints)
                for (auto& change : sprint_changes(history, issue_id, m_context.entities.sprint_fields))
                    page.entities.issue_sprints.push_back(change);
        } catch (const std::exception& e) {
            page.changelog.resize(before);
            page.entities.issue_sprints.resize(memberships_before);
            m_changelog_failed.insert(issue_id);
            spdlog::warn("issue {} goes to the dead letters: changelog: {}", issue_id, e.what());
            page.dead_letters.push_back({issue_id, "id " + std::to_string(issue_id), "transform",
                                         std::string("changelog: ") + e.what(), history.dump()});
        }
    }
    commit(page);
}

void ScanExecutor::finish_batch(std::size_t number) {
    const auto batch = m_batches.find(number);
    if (batch == m_batches.end()) return;
    const std::set<std::int64_t> done(batch->second.begin(), batch->second.end());
    auto& pending = m_checkpoint.changelog_pending;
    pending.erase(std::remove_if(pending.begin(), pending.end(), [&](std::int64_t id) { return done.count(id) > 0; }),
                  pending.end());
    for (auto id : done) m_batch_ids.erase(id);
    m_batches.erase(batch);
    PageCommit page;  // the checkpoint without the batch's ids
    commit(page);
}

void ScanExecutor::drain_overflow() {
    // Issues per commit: each needs its own request(s), so a crash re-fetches at most this many.
    constexpr std::size_t kIssuesPerCommit = 20;
    const auto drain = [&](std::vector<std::int64_t>& pending, auto fetch) {
        while (!pending.empty()) {
            const std::size_t n = std::min(pending.size(), kIssuesPerCommit);
            PageCommit page;
            for (std::size_t i = 0; i < n; ++i)
                if (auto dead = fetch(m_context.api, pending[i], m_context.entities.flavor, page.entities))
                    page.dead_letters.push_back(std::move(*dead));
            // The ids leave the checkpoint in the commit that writes their sets.
            pending.erase(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(n));
            commit(page);
        }
    };
    drain(m_checkpoint.comment_pending, fetch_comment_set);
    drain(m_checkpoint.worklog_pending, fetch_worklog_set);
}

}  // namespace j2s
