#pragma once
// One sync run of the scope: decides where to start (watermark, interrupted checkpoint, --full, --jql),
// pages through Jira, commits each page with its checkpoint, and closes the run with a status and, when it
// earned one, a new watermark.

#include <optional>
#include <string>

#include "config/config.hpp"
#include "jira/jira_api.hpp"
#include "mapping/mapping.hpp"
#include "store/store.hpp"
#include "sync/run_checkpoint.hpp"
#include "util/time.hpp"

namespace j2s {

struct SyncOptions {
    SyncMode mode = SyncMode::incremental;
    bool restart = false;   // discard an interrupted run's checkpoint
    std::string extra_jql;  // with SyncMode::jql
};

struct RunSummary {
    std::int64_t run_id = 0;
    RunStatus status = RunStatus::running;
    RunCounters counters;
    double seconds = 0;
    std::string error;
    bool resumed = false;
    // Rows of sync.entities written (comments, worklogs, links, sprints, memberships, projects, users); nullopt
    // when the run syncs no entity.
    std::optional<std::int64_t> entity_rows;
};

// The key of a scope's row in sync_state: the site, flavor and scope JQL (plus the extra JQL of a --jql run).
std::string scope_key(const JiraConfig& jira, const std::string& extra_jql = "");
std::string scope_description(const JiraConfig& jira, const std::string& extra_jql = "");

// Watches a run from the thread that calls SyncRunner::run (the CLI's progress line and progress events).
// Every method has an empty default; an observer must not throw.
class RunObserver {
public:
    virtual ~RunObserver() = default;
    // The run is recorded (`run_id`) and about to page through `search_jql` (with its ORDER BY), which is
    // what an expected total is counted from.
    virtual void run_started(std::int64_t /*run_id*/, SyncMode /*mode*/, const std::string& /*search_jql*/) {}
    // A page was committed; `issues_read` counts the issues this process has read in the run so far.
    virtual void page_committed(std::int64_t /*issues_read*/, const RunCounters& /*totals*/) {}
};

class SyncRunner {
public:
    // REQUIRES: the store is migrated and its mapped columns match `mapping`, whose fields are resolved;
    // the caller holds the run lock.
    SyncRunner(const Config& config, const Mapping& mapping, Store& store, JiraApi& api, Clock& clock);

    // Runs to the end of the scan. Returns the summary of a run that finished (succeeded or partial); a run
    // that fails is closed as `failed` with its checkpoint kept, and the error is rethrown.
    RunSummary run(const SyncOptions& options);

    // Optional; not owned; must outlive run().
    void set_observer(RunObserver* observer) { m_observer = observer; }

private:
    const Config& m_config;
    const Mapping& m_mapping;
    Store& m_store;
    JiraApi& m_api;
    Clock& m_clock;
    RunObserver* m_observer = nullptr;
};

// "sync succeeded: 120 issues upserted, 3400 changelog items written, 0 dead-lettered, 0 soft-deleted,
// [85 entity rows written, ]3 requests, 0 retries, 1.2 s"
std::string summary_line(const std::string& what, const RunSummary& summary);

}  // namespace j2s
