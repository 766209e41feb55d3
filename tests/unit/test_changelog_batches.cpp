// Which pending changelogs go in which bulk call, and when (sync/changelog_batches.hpp).

#include <catch2/catch.hpp>

#include <numeric>

#include "sync/changelog_batches.hpp"

using namespace j2s;

namespace {

std::vector<std::int64_t> ids(std::int64_t from, std::int64_t count) {
    std::vector<std::int64_t> v(static_cast<std::size_t>(count));
    std::iota(v.begin(), v.end(), from);
    return v;
}

std::size_t total(const std::vector<std::vector<std::int64_t>>& batches) {
    std::size_t n = 0;
    for (const auto& b : batches) n += b.size();
    return n;
}

}  // namespace

TEST_CASE("changelog batches: while the scan runs only full batches start, in checkpoint order") {
    const ChangelogBatchLimits limits{10, 3};
    CHECK(plan_changelog_batches(ids(1, 9), {}, 4, false, limits).empty());
    const auto batches = plan_changelog_batches(ids(1, 25), {}, 4, false, limits);
    REQUIRE(batches.size() == 2);
    CHECK(batches[0] == ids(1, 10));
    CHECK(batches[1] == ids(11, 10));
}

TEST_CASE("changelog batches: ids already being fetched are not fetched twice") {
    const ChangelogBatchLimits limits{10, 3};
    const std::set<std::int64_t> in_flight{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const auto batches = plan_changelog_batches(ids(1, 20), in_flight, 4, false, limits);
    REQUIRE(batches.size() == 1);
    CHECK(batches[0] == ids(11, 10));
    CHECK(plan_changelog_batches(ids(1, 10), in_flight, 4, true, limits).empty());
}

TEST_CASE("changelog batches: no free slot starts nothing") {
    CHECK(plan_changelog_batches(ids(1, 50), {}, 0, false, {10, 3}).empty());
    CHECK(plan_changelog_batches(ids(1, 50), {}, 0, true, {10, 3}).empty());
}

TEST_CASE("changelog batches: after the scan the rest is spread evenly over the free slots") {
    const ChangelogBatchLimits limits{10, 3};
    const auto batches = plan_changelog_batches(ids(1, 16), {}, 4, true, limits);
    REQUIRE(batches.size() == 4);
    for (const auto& b : batches) CHECK(b.size() == 4);
    CHECK(total(batches) == 16);
    CHECK(batches.front().front() == 1);
    CHECK(batches.back().back() == 16);
}

TEST_CASE("changelog batches: a split never goes below the smallest batch nor above the bulk cap") {
    const ChangelogBatchLimits limits{10, 3};
    // 5 ids over 4 slots would be batches of 2: with a floor of 3, one batch (3 + 2 would leave one below it).
    auto batches = plan_changelog_batches(ids(1, 5), {}, 4, true, limits);
    REQUIRE(batches.size() == 1);
    CHECK(batches[0] == ids(1, 5));
    // 7 ids: two batches of 4 and 3, none below the floor.
    batches = plan_changelog_batches(ids(1, 7), {}, 4, true, limits);
    REQUIRE(batches.size() == 2);
    CHECK(batches[0].size() == 4);
    CHECK(batches[1].size() == 3);
    // 100 ids over 2 slots: two full batches now, the rest when they finish.
    batches = plan_changelog_batches(ids(1, 100), {}, 2, true, limits);
    REQUIRE(batches.size() == 2);
    CHECK(batches[0].size() == 10);
    CHECK(batches[1].size() == 10);
    // One slot takes everything up to the cap: with max_concurrency 1 nothing is split.
    batches = plan_changelog_batches(ids(1, 7), {}, 1, true, limits);
    REQUIRE(batches.size() == 1);
    CHECK(batches[0] == ids(1, 7));
}
