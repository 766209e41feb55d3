#pragma once
// The full comment or worklog set of an issue whose page embedded only the first of them (Jira embeds up to 100
// comments on Cloud and 20 worklogs), fetched from the issue's own endpoint.

#include <cstdint>
#include <optional>

#include "config/config.hpp"
#include "jira/jira_api.hpp"
#include "store/store.hpp"

namespace j2s {

// Appends every comment of `issue_id` to `out` with the issue in comments_complete_for, so comments it no longer
// has are soft-deleted. An empty answer (every comment deleted since the page was read, or the issue itself)
// adds nothing: the stored rows stay until a page shows the issue again. Throws on a Jira failure. When a comment
// cannot be read, nothing of the issue is added and the dead letter naming it is returned.
std::optional<DeadLetterRecord> fetch_comment_set(JiraApi& api, std::int64_t issue_id, Flavor flavor, EntityRows& out);

// The same for worklogs (worklogs_complete_for).
std::optional<DeadLetterRecord> fetch_worklog_set(JiraApi& api, std::int64_t issue_id, Flavor flavor, EntityRows& out);

}  // namespace j2s
