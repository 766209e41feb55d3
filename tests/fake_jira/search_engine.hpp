#pragma once
// Runs a JQL query over the store: keyset pages for Cloud's /search/jql, offset pages for Server's
// /search, and counts. All functions REQUIRE the store's read lock. With `visible_until`, issues updated
// after it are left out (search lag: the index has not caught up with them yet).

#include "jql_eval.hpp"

#include <optional>
#include <string>
#include <vector>

namespace j2s::fake {

struct KeysetPage {
    std::vector<const Issue*> issues;
    SortRow last_row;  // of the last issue returned
    bool has_more = false;
};

KeysetPage search_after(const IssueStore& store, const JqlQuery& query, const JqlMatcher& matcher,
                        const std::optional<SortRow>& after, std::size_t limit,
                        std::optional<Timestamp> visible_until = std::nullopt);

struct OffsetPage {
    std::vector<const Issue*> issues;
    std::size_t total = 0;
};

OffsetPage search_offset(const IssueStore& store, const JqlQuery& query, const JqlMatcher& matcher,
                         std::size_t start_at, std::size_t limit,
                         std::optional<Timestamp> visible_until = std::nullopt);

std::size_t count_matches(const IssueStore& store, const JqlMatcher& matcher,
                          std::optional<Timestamp> visible_until = std::nullopt);

}  // namespace j2s::fake
