#pragma once
// Splits a scan into slices by creation time, so several cursors can page at once: Cloud's nextPageToken
// chains are sequential, so one chain can never use more than one connection.

#include <optional>
#include <string>
#include <vector>

#include "jira/jira_api.hpp"
#include "jira/search_cursor.hpp"

namespace j2s {

struct SlicePlanRequest {
    std::string scope_jql;
    std::optional<Timestamp> lower_bound;
    std::string time_zone;
    Timestamp now{};
    int concurrency = 1;
    int page_size = 100;
};

// Slices of about equal size, sized with counts at 2 x concurrency candidate boundaries spread evenly between
// the oldest issue's creation and now (1 + 2 x concurrency requests, sent concurrently). The first slice has no
// lower creation bound and the last no upper one, so together they cover the whole scope, including issues
// created while the run pages. Returns a single unbounded slice, without any request, when concurrency is 1;
// and after counting, when the scope is too small to be worth splitting (fewer than 8 pages).
std::vector<CreatedRange> plan_slices(JiraApi& api, const SlicePlanRequest& request);

}  // namespace j2s
