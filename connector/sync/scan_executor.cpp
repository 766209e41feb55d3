#include "sync/scan_executor.hpp"

#include <spdlog/spdlog.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include "sync/changelog_rows.hpp"
#include "sync/page_transformer.hpp"

namespace j2s {

namespace {

// What a reading thread hands to the writing thread.
struct WorkItem {
    std::size_t slice = 0;
    TransformedPage page;
    CursorState state_after;
    bool reader_finished = false;
    std::exception_ptr error;
};

// A bounded FIFO: readers block when the writer falls behind, which bounds memory.
class WorkQueue {
public:
    explicit WorkQueue(std::size_t capacity) : m_capacity(capacity) {}

    // False when the queue was closed (the writer gave up): the reader should stop.
    bool push(WorkItem&& item) {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_closed || m_items.size() < m_capacity || item.reader_finished || item.error; });
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
      m_observer(std::move(observer)) {}

void ScanExecutor::run() {
    const auto& config = m_context.config;
    std::vector<std::size_t> open_slices;
    for (std::size_t i = 0; i < m_checkpoint.slices.size(); ++i)
        if (!m_checkpoint.slices[i].cursor.done) open_slices.push_back(i);

    const std::size_t readers = std::min<std::size_t>(open_slices.size(), std::max(1, config.jira.max_concurrency));
    WorkQueue queue(2 * std::max<std::size_t>(readers, 1));
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
                    while (auto issues = cursor.next_page()) {
                        WorkItem item;
                        item.slice = index;
                        item.page = transform_page(std::move(*issues), m_context.mapping, config.sync.changelog);
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

    auto stop_readers = [&] {
        queue.close();
        for (auto& t : threads) t.join();
        threads.clear();
    };
    try {
        for (std::size_t active = readers; active > 0;) {
            WorkItem item = queue.pop();
            if (item.error) std::rethrow_exception(item.error);
            if (item.reader_finished) {
                --active;
                continue;
            }
            m_issues_read += static_cast<std::int64_t>(item.page.issues.size() + item.page.dead_letters.size());
            PageCommit page;
            page.issues = std::move(item.page.issues);
            page.changelog = std::move(item.page.changelog);
            page.dead_letters = std::move(item.page.dead_letters);
            for (const auto& issue : page.issues) page.clean_issue_ids.push_back(issue.id);

            // Only issues that changed since they were stored need their remaining histories: a stored copy's
            // changelog was completed before its run ended.
            if (!item.page.truncated.empty()) {
                std::vector<std::int64_t> ids;
                for (const auto& t : item.page.truncated) ids.push_back(t.id);
                const auto stored = m_context.store.stored_updated(ids);
                std::set<std::int64_t> pending(m_checkpoint.changelog_pending.begin(), m_checkpoint.changelog_pending.end());
                for (const auto& t : item.page.truncated) {
                    auto it = stored.find(t.id);
                    if ((it == stored.end() || it->second < t.updated) && pending.insert(t.id).second)
                        m_checkpoint.changelog_pending.push_back(t.id);
                }
            }
            m_checkpoint.slices[item.slice].cursor = item.state_after;
            commit(page);
            if (m_checkpoint.changelog_pending.size() >= static_cast<std::size_t>(kBulkChangelogMaxIssues))
                flush_pending_changelogs();
        }
        stop_readers();
        flush_pending_changelogs();
    } catch (...) {
        stop_readers();
        throw;
    }
}

void ScanExecutor::commit(PageCommit& page) {
    page.run_id = m_context.run_id;
    page.scope_key = m_context.scope_key;
    page.checkpoint_json = m_checkpoint.to_json();
    m_refresh();
    page.run_totals = m_counters;
    const PageResult result = m_context.store.commit_page(page);
    m_counters.issues_upserted += result.issues_written;
    m_counters.changelog_items_written += result.changelog_written;
    m_counters.dead_lettered += result.dead_lettered;
    spdlog::debug("committed {} issues ({} written), {} changelog items, {} dead letters", page.issues.size(),
                  result.issues_written, result.changelog_written, result.dead_lettered);
    if (m_observer) m_observer(m_counters, m_issues_read);
}

void ScanExecutor::flush_pending_changelogs() {
    if (m_checkpoint.changelog_pending.empty()) return;
    const auto ids = m_checkpoint.changelog_pending;
    std::set<std::int64_t> failed;
    // Each response is written as it comes, with the checkpoint unchanged (the ids stay pending): a crash
    // re-fetches the batch, and histories already written are not inserted twice.
    m_context.api.fetch_changelogs(ids, [&](std::vector<std::pair<std::int64_t, nlohmann::json>>&& histories) {
        PageCommit page;
        for (const auto& [issue_id, history] : histories) {
            if (failed.count(issue_id)) continue;
            const auto before = page.changelog.size();
            try {
                append_changelog_rows(issue_id, history, page.changelog);
            } catch (const std::exception& e) {
                page.changelog.resize(before);
                failed.insert(issue_id);
                spdlog::warn("issue {} goes to the dead letters: changelog: {}", issue_id, e.what());
                page.dead_letters.push_back({issue_id, "id " + std::to_string(issue_id), "transform",
                                             std::string("changelog: ") + e.what(), history.dump()});
            }
        }
        commit(page);
    });
    m_checkpoint.changelog_pending.clear();
    PageCommit done;
    commit(done);
}

}  // namespace j2s
