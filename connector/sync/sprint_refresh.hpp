#pragma once
// Sprints after the issue scan: a sprint's state and dates change without touching any issue (starting or
// closing one edits no issue), so every sprint that may still change (stored and not closed, or known only from
// a changelog or membership) is read again from the agile API. Cost: one request per such sprint.

#include <cstdint>
#include <string>

#include "jira/jira_api.hpp"
#include "store/store.hpp"
#include "sync/page_committer.hpp"

namespace j2s {

struct SprintRefreshResult {
    std::int64_t asked = 0;    // sprints read from Jira
    std::int64_t missing = 0;  // Jira no longer has them (404)
};

// Stores each refreshed sprint (a sprint Jira no longer has is skipped with a warning). Throws on a Jira or
// database failure, after storing what was read before it; a sprint that cannot be read is skipped and named
// in the Error thrown once the others are stored. `checkpoint_json` is committed unchanged.
SprintRefreshResult refresh_sprints(JiraApi& api, Store& store, PageCommitter& committer,
                                    const std::string& checkpoint_json);

}  // namespace j2s
