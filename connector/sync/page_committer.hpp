#pragma once
// Commits what a run writes (a page of issues, an overflow fetch, a feed page, refreshed sprints) with the run's
// checkpoint and counters, and keeps the run's totals. Used by one thread at a time.

#include <cstdint>
#include <functional>
#include <string>

#include "store/store.hpp"

namespace j2s {

class PageCommitter {
public:
    // `counters` are the run's and accumulate what is written; `refresh_request_counters` brings their
    // requests/retries up to date before each commit records them.
    PageCommitter(Store& store, std::int64_t run_id, std::string scope_key, RunCounters& counters,
                  std::function<void()> refresh_request_counters);

    // Fills in the run id, scope key, `checkpoint_json` and counters, collapses duplicate entity rows, commits.
    PageResult commit(PageCommit& page, const std::string& checkpoint_json);

    // Entity rows written through this committer so far.
    const EntityRowsWritten& entities_written() const { return m_entities; }

private:
    Store& m_store;
    std::int64_t m_run_id;
    std::string m_scope_key;
    RunCounters& m_counters;
    std::function<void()> m_refresh;
    EntityRowsWritten m_entities;
};

// Rows of every entity table in `w`, soft deletions not counted.
std::int64_t entity_rows_total(const EntityRowsWritten& w);

}  // namespace j2s
