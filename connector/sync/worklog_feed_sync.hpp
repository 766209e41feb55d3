#pragma once
// Cloud worklogs after the issue scan: Atlassian's change feeds /worklog/updated and /worklog/deleted from the
// scope's watermarks (entity_state 'worklogs' = {"updated_since": ms, "deleted_since": ms}), each page followed
// to lastPage and committed with the watermark it reached, so a failure or a kill resumes from the last page
// written. Updated ids are read with /worklog/list; only worklogs of stored issues are kept (the feeds cover the
// whole site). Cost: one request per feed page plus one list per non-empty updated page.

#include <cstdint>
#include <optional>
#include <string>

#include "config/config.hpp"
#include "jira/jira_api.hpp"
#include "store/store.hpp"
#include "sync/page_committer.hpp"
#include "util/time.hpp"

namespace j2s {

inline constexpr const char* kWorklogFeedEntity = "worklogs";

struct WorklogFeedState {
    std::int64_t updated_since_ms = 0;
    std::int64_t deleted_since_ms = 0;
    std::string to_json() const;
    // Throws j2s::Error on a text that is not such a state.
    static WorklogFeedState from_json(const std::string& text);
};

// Where the feeds start when the scope has no watermark yet: before `run_started` (Jira's clock when the scan
// began) by a margin, since the scan's pages carried every worklog older than that.
WorklogFeedState initial_worklog_feed_state(Timestamp run_started);

struct WorklogFeedResult {
    std::int64_t updated_seen = 0;   // ids the updated feed listed
    std::int64_t deleted_seen = 0;   // ids the deleted feed listed
};

// Follows both feeds to their last page. Throws on the first failure (Jira or database); the pages committed
// before it keep their watermark. `checkpoint_json` is the run's (finished) scan checkpoint, committed unchanged.
WorklogFeedResult sync_worklog_feeds(JiraApi& api, Store& store, PageCommitter& committer,
                                     const std::string& scope_key, const std::string& checkpoint_json,
                                     Timestamp run_started);

}  // namespace j2s
