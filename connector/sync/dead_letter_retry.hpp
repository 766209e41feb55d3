#pragma once
// `retry-dead-letters`: re-fetches the issue of every open dead letter by id and runs it through the same
// pipeline as a sync page. Issues that now go through resolve their dead letter; the others count another
// attempt. Recorded as a `retry` run; the scope's watermark and checkpoint are not touched.

#include "config/config.hpp"
#include "jira/jira_api.hpp"
#include "mapping/mapping.hpp"
#include "store/store.hpp"
#include "sync/progress_observer.hpp"
#include "sync/sync_runner.hpp"

namespace j2s {

struct RetrySummary {
    RunSummary run;
    std::int64_t attempted = 0;
    std::int64_t resolved = 0;
    std::int64_t still_open = 0;
};

// `progress` (optional, not owned) hears of every committed chunk, against the dead letters to retry.
// REQUIRES: as for SyncRunner (migrated store, resolved mapping, lock held).
RetrySummary retry_dead_letters(const Config& config, const Mapping& mapping, Store& store, JiraApi& api, Clock& clock,
                                ProgressObserver* progress = nullptr);

}  // namespace j2s
