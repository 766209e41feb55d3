#include "sync/changelog_batches.hpp"

#include <algorithm>

namespace j2s {

std::vector<std::vector<std::int64_t>> plan_changelog_batches(const std::vector<std::int64_t>& pending,
                                                              const std::set<std::int64_t>& in_flight,
                                                              std::size_t free_slots, bool scan_finished,
                                                              const ChangelogBatchLimits& limits) {
    std::vector<std::int64_t> waiting;
    for (auto id : pending)
        if (!in_flight.count(id)) waiting.push_back(id);
    const std::size_t max_issues = std::max<std::size_t>(1, limits.max_issues);
    std::size_t per_batch = max_issues;
    if (scan_finished && free_slots > 0 && !waiting.empty()) {
        // As many even batches as fill the free slots with none below the smallest: 30 ids with a smallest
        // of 25 are one call, not 25 + 5 (a call more for little overlap: the nightly run's request bound).
        const std::size_t smallest = std::clamp<std::size_t>(limits.min_issues, 1, max_issues);
        const std::size_t count = std::clamp<std::size_t>(waiting.size() / smallest, 1, free_slots);
        per_batch = std::min((waiting.size() + count - 1) / count, max_issues);
    }
    std::vector<std::vector<std::int64_t>> batches;
    for (std::size_t first = 0; batches.size() < free_slots && first < waiting.size(); first += per_batch) {
        const std::size_t last = std::min(waiting.size(), first + per_batch);
        // A partial batch waits for more ids while the scan may still bring them.
        if (!scan_finished && last - first < max_issues) break;
        batches.emplace_back(waiting.begin() + static_cast<std::ptrdiff_t>(first),
                             waiting.begin() + static_cast<std::ptrdiff_t>(last));
    }
    return batches;
}

}  // namespace j2s
