#include "sync/slice_planner.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <future>

namespace j2s {

namespace {
constexpr std::int64_t kMinPagesPerSlice = 4;
}  // namespace

std::vector<CreatedRange> plan_slices(JiraApi& api, const SlicePlanRequest& r) {
    const std::vector<CreatedRange> single{CreatedRange{}};
    if (r.concurrency <= 1) return single;
    const std::string restriction = build_search_restriction(r.scope_jql, r.lower_bound, r.time_zone);
    const auto earliest = api.earliest_created(restriction);
    if (!earliest) return single;

    // Candidate bounds on whole minutes, strictly inside (earliest, now].
    const auto first = std::chrono::floor<std::chrono::minutes>(*earliest) + std::chrono::minutes(1);
    const auto last = std::chrono::ceil<std::chrono::minutes>(r.now);
    if (last <= first) return single;
    const int candidates = 2 * r.concurrency;
    std::vector<Timestamp> bounds;
    for (int i = 1; i <= candidates; ++i) {
        auto b = first + std::chrono::floor<std::chrono::minutes>((last - first) * i / candidates);
        if (bounds.empty() || b > bounds.back()) bounds.push_back(b);
    }
    std::vector<std::future<std::int64_t>> counting;
    for (const auto& b : bounds)
        counting.push_back(std::async(std::launch::async, [&api, &r, b] {
            return api.count_issues(build_search_restriction(r.scope_jql, r.lower_bound, r.time_zone, {std::nullopt, b}));
        }));
    std::vector<std::int64_t> below;  // issues created before each bound
    for (auto& f : counting) below.push_back(f.get());
    const std::int64_t total = below.back();

    // Each slice ends with a part-filled page, so a slice should span several pages to keep that waste small.
    const auto wanted = std::min<std::int64_t>(candidates, total / (kMinPagesPerSlice * r.page_size));
    if (wanted < 2) return single;
    std::vector<Timestamp> cuts;
    for (std::int64_t j = 1; j < wanted; ++j) {
        const double target = static_cast<double>(total) * static_cast<double>(j) / static_cast<double>(wanted);
        std::size_t best = 0;
        for (std::size_t i = 1; i < bounds.size(); ++i)
            if (std::abs(static_cast<double>(below[i]) - target) < std::abs(static_cast<double>(below[best]) - target)) best = i;
        if (below[best] > 0 && below[best] < total && (cuts.empty() || bounds[best] > cuts.back()))
            cuts.push_back(bounds[best]);
    }
    std::vector<CreatedRange> slices;
    std::optional<Timestamp> from;
    for (const auto& cut : cuts) {
        slices.push_back({from, cut});
        from = cut;
    }
    slices.push_back({from, std::nullopt});
    spdlog::info("split the scan of about {} issues into {} slices by creation time", total, slices.size());
    return slices;
}

}  // namespace j2s
