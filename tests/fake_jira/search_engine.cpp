#include "search_engine.hpp"

#include <algorithm>

namespace j2s::fake {

namespace {
struct Row {
    const Issue* issue;
    SortRow values;
};

// The matching rows (after `after`, if given) with only the first `keep` of them in sorted order:
// partial sorting keeps a 5000-row page over 200,000 issues cheap.
std::vector<Row> ranked(const IssueStore& store, const std::vector<SortKey>& order, const JqlMatcher& matcher,
                        const std::optional<SortRow>& after, std::size_t keep, std::size_t* total,
                        std::optional<Timestamp> visible_until) {
    std::vector<Row> rows;
    for (const Issue& issue : store.all()) {
        if (visible_until && issue.updated > *visible_until) continue;
        if (!matcher.matches(issue)) continue;
        SortRow values = sort_row(issue, order, store);
        if (after && compare_rows(values, *after, order) <= 0) continue;
        rows.push_back({&issue, std::move(values)});
    }
    if (total) *total = rows.size();
    auto less = [&](const Row& a, const Row& b) { return compare_rows(a.values, b.values, order) < 0; };
    keep = std::min(keep, rows.size());
    std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(keep), rows.end(), less);
    rows.resize(keep);
    return rows;
}
}  // namespace

KeysetPage search_after(const IssueStore& store, const JqlQuery& query, const JqlMatcher& matcher,
                        const std::optional<SortRow>& after, std::size_t limit,
                        std::optional<Timestamp> visible_until) {
    const auto order = effective_order(query);
    auto rows = ranked(store, order, matcher, after, limit + 1, nullptr, visible_until);
    KeysetPage page;
    page.has_more = rows.size() > limit;
    if (page.has_more) rows.pop_back();
    for (auto& r : rows) page.issues.push_back(r.issue);
    if (!rows.empty()) page.last_row = rows.back().values;
    return page;
}

OffsetPage search_offset(const IssueStore& store, const JqlQuery& query, const JqlMatcher& matcher,
                         std::size_t start_at, std::size_t limit, std::optional<Timestamp> visible_until) {
    const auto order = effective_order(query);
    OffsetPage page;
    auto rows = ranked(store, order, matcher, std::nullopt, start_at + limit, &page.total, visible_until);
    for (std::size_t i = start_at; i < rows.size(); ++i) page.issues.push_back(rows[i].issue);
    return page;
}

std::size_t count_matches(const IssueStore& store, const JqlMatcher& matcher, std::optional<Timestamp> visible_until) {
    return static_cast<std::size_t>(std::count_if(store.all().begin(), store.all().end(), [&](const Issue& i) {
        return (!visible_until || i.updated <= *visible_until) && matcher.matches(i);
    }));
}

}  // namespace j2s::fake
