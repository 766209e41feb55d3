#pragma once
// Which pending changelogs to fetch next, and in how many bulk calls at once. The remaining histories of
// truncated issues are fetched beside the scan, not after it in one line: while pages still come, only full
// batches go (a bulk call takes up to 1,000 issues, so fewer calls); once the scan is done, what is left is
// spread over the free request slots so the last stretch is not one call after another.

#include <cstddef>
#include <cstdint>
#include <set>
#include <vector>

#include "jira/jira_api.hpp"

namespace j2s {

struct ChangelogBatchLimits {
    std::size_t max_issues = kBulkChangelogMaxIssues;  // issues per bulk call (Jira's cap)
    std::size_t min_issues = 25;    // below this a split costs more calls than its overlap saves
};

// `pending` in checkpoint order; `in_flight` are the ids of batches already fetching; `free_slots` how many more
// batches may run now. Returns the batches to start, each a list of ids in checkpoint order.
std::vector<std::vector<std::int64_t>> plan_changelog_batches(const std::vector<std::int64_t>& pending,
                                                              const std::set<std::int64_t>& in_flight,
                                                              std::size_t free_slots, bool scan_finished,
                                                              const ChangelogBatchLimits& limits = {});

}  // namespace j2s
