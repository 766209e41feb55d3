#pragma once
// Reads every unfinished slice of a scan and writes what it reads: up to `max_concurrency` threads page
// through slices (each with its own cursor) and transform their pages, while this thread alone writes, so
// fetching, transforming and loading overlap and the database sees one writer.
//
// Issues whose embedded changelog is truncated are stored at once and their remaining histories are fetched
// in bulk (up to 1,000 issues per call, which keeps changelog requests near the minimum) on threads beside the
// readers: full batches while the scan runs, the rest spread over the free slots once it is done
// (sync/changelog_batches.hpp). The pending ids travel in the checkpoint, committed with the page that stored
// the issue and dropped with the batch that wrote their histories, so a crash loses none.
// Entities riding the pages (sync/issue_entities.hpp) are committed with their issue; an issue whose page
// embedded only the first of its comments or worklogs is queued the same way (comment_pending,
// worklog_pending) and its full set fetched after the scan, one request (or a few) per issue.

#include <functional>
#include <map>
#include <set>
#include <string>

#include "config/config.hpp"
#include "jira/jira_api.hpp"
#include "mapping/mapping.hpp"
#include "store/store.hpp"
#include "sync/issue_entities.hpp"
#include "sync/page_committer.hpp"
#include "sync/page_transformer.hpp"
#include "sync/run_checkpoint.hpp"

namespace j2s {

struct ScanContext {
    const Config& config;
    const Mapping& mapping;
    Store& store;
    JiraApi& api;
    std::string scope_jql;
    std::string scope_key;
    std::string time_zone;
    std::int64_t run_id = 0;
    EntityOptions entities;                  // none enabled: issues and changelogs only
    bool worklogs_of_stored_issues = true;   // see select_page_entities
};

// Called on the writing thread after each commit with the run's counters so far and the number of issues read.
using ScanObserver = std::function<void(const RunCounters& counters, std::int64_t issues_read)>;

class ScanExecutor {
public:
    // `counters` accumulate what is written; `refresh_request_counters` updates its requests/retries.
    ScanExecutor(ScanContext context, RunCheckpoint& checkpoint, RunCounters& counters,
                 std::function<void()> refresh_request_counters, ScanObserver observer = {});

    // Returns when every slice is read and written and no changelog, comment or worklog set is pending. Throws
    // on the first error (Jira or database); what was committed before stays, with its checkpoint.
    void run();

    // Entity rows written so far.
    const EntityRowsWritten& entities_written() const { return m_committer.entities_written(); }

private:
    void commit(PageCommit& page);
    void take_entities_and_pending(TransformedPage& page, PageCommit& commit);
    void write_histories(std::vector<std::pair<std::int64_t, nlohmann::json>>&& histories);
    void finish_batch(std::size_t number);
    void drain_overflow();

    ScanContext m_context;
    RunCheckpoint& m_checkpoint;
    RunCounters& m_counters;
    std::function<void()> m_refresh;
    ScanObserver m_observer;
    PageCommitter m_committer;
    std::int64_t m_issues_read = 0;
    // Bulk changelog fetches under way, by number. Their ids stay in changelog_pending, so a crash fetches them
    // again, until the batch is read and written.
    std::map<std::size_t, std::vector<std::int64_t>> m_batches;
    std::set<std::int64_t> m_batch_ids;
    std::size_t m_next_batch = 0;
    std::set<std::int64_t> m_changelog_failed;  // dead-lettered: their later histories are skipped
};

}  // namespace j2s
