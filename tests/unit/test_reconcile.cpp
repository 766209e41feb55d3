// The pure parts of deletion reconciliation: the census diff, the delete guard, the census query and the
// classification of vanished ids.

#include <catch2/catch.hpp>

#include "sync/reconciler.hpp"

using namespace j2s;
using Ids = std::vector<std::int64_t>;

TEST_CASE("diff_census: live ids missing from the census vanish, soft-deleted ids in it return", "[reconcile]") {
    const Ids census{1, 2, 4, 7, 9};
    const Ids live{1, 2, 3, 5, 9};
    const Ids soft_deleted{4, 6, 8};
    const auto d = diff_census(census, live, soft_deleted);
    CHECK(d.vanished == Ids{3, 5});
    CHECK(d.returned == Ids{4});
}

TEST_CASE("diff_census: edge cases", "[reconcile]") {
    CHECK(diff_census({}, {}, {}).vanished.empty());
    CHECK(diff_census({}, {1, 2}, {}).vanished == Ids{1, 2});
    CHECK(diff_census({1, 2}, {}, {1}).returned == Ids{1});
    // Ids of the census that were never stored (created after the scan) are neither.
    const auto d = diff_census({1, 2, 3}, {1}, {});
    CHECK(d.vanished.empty());
    CHECK(d.returned.empty());
    // Large ids keep their order.
    CHECK(diff_census({10000000000LL}, {5, 10000000000LL}, {}).vanished == Ids{5});
}

TEST_CASE("delete guard trips only above the fraction", "[reconcile]") {
    CHECK_FALSE(delete_guard_trips(0, 100, 0.2));
    CHECK_FALSE(delete_guard_trips(20, 100, 0.2));  // exactly the fraction is allowed
    CHECK(delete_guard_trips(21, 100, 0.2));
    CHECK(delete_guard_trips(50, 100, 0.2));
    CHECK_FALSE(delete_guard_trips(5, 0, 0.2));     // nothing live: nothing to protect
    CHECK(delete_guard_trips(1, 100, 0.0));          // 0 allows no deletion at all
    CHECK_FALSE(delete_guard_trips(100, 100, 1.0));  // 1 allows everything
}

TEST_CASE("census_jql: the scope as sync reads it, bounded, ordered by creation", "[reconcile]") {
    CHECK(census_jql("project in (ALPHA, BETA)") ==
          "(project in (ALPHA, BETA)) AND updated >= \"1970-01-01 00:00\" ORDER BY created ASC");
    CHECK(census_jql("") == "updated >= \"1970-01-01 00:00\" ORDER BY created ASC");
    // The scope's own ORDER BY is replaced.
    CHECK(census_jql("project = ALPHA ORDER BY key DESC") ==
          "(project = ALPHA) AND updated >= \"1970-01-01 00:00\" ORDER BY created ASC");
}

TEST_CASE("classify_vanished: gone, out of scope, still in scope, too recent", "[reconcile]") {
    const auto t = [](const char* s) { return *parse_jira_timestamp(s); };
    const Timestamp recent_since = t("2024-05-01T12:00:00.000+0000");
    std::unordered_map<std::int64_t, std::optional<Timestamp>> existing{
        {2, t("2024-04-01T00:00:00.000+0000")},   // moved out a month ago
        {3, t("2024-04-01T00:00:00.000+0000")},   // still matches: the census missed it
        {4, t("2024-05-01T12:00:00.000+0000")},   // left the scope just now: search lag, decide later
        {5, std::nullopt},                        // no readable updated: not sure, decide later
    };
    const auto c = classify_vanished({1, 2, 3, 4, 5, 6}, existing, {3}, recent_since);
    CHECK(c.deleted == Ids{1, 6});
    CHECK(c.out_of_scope == Ids{2});
    CHECK(c.still_in_scope == Ids{3});
    CHECK(c.deferred == Ids{4, 5});
}
