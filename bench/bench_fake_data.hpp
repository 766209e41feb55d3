#pragma once
// The data the fake serves, as the bench needs it: how many histories each issue has (which decides the
// changelog requests a flavor needs) and how many changelog items there are in all (to check what was
// stored); and from it, the fewest requests a backfill of that data can take.

#include <cstdint>
#include <string>
#include <vector>

namespace j2s::bench {

struct FakeData {
    std::int64_t issues = 0;
    std::vector<int> histories;  // per issue, ascending id
    std::int64_t history_total = 0;
    std::int64_t item_total = 0;  // -1 when not known (counted in-process: items are not generated)
};

// GET /_fake/issues on the fake at `port`, streamed through a temporary file in `dir` into a SAX parser
// (20,000 issues are ~460 MB of JSON; nothing holds them all in memory).
FakeData fetch_fake_data(int port, const std::string& dir);

// The same layout computed in-process with the fake's own generator (`--generate count --seed seed`): issue
// ids and history counts do not depend on the generator's anchor time. Items are not counted (-1). Used for
// sizes whose GET /_fake/issues would be gigabytes; checked against fetch_fake_data at the smaller size.
FakeData generated_layout(bool cloud, std::int64_t count, std::uint64_t seed);

// The fewest requests a backfill of `data` can take, and of what.
struct MinimumRequests {
    std::int64_t search_pages = 0;
    std::int64_t changelog_calls = 0;
    std::int64_t fixed = 3;  // field, myself, serverInfo
    std::int64_t total() const { return search_pages + changelog_calls + fixed; }
    std::string describe() const;
};

// cloud: ceil(N / 100) search pages (100 issues per page with fields) + bulk changelog calls for the histories
// beyond the 40 embedded in the search response, max(ceil(sum of those / 10,000), ceil(truncated issues /
// 1,000)) + fixed. server: ceil(N / page cap) pages (every history embedded) + fixed.
MinimumRequests minimum_backfill(const FakeData& data, bool cloud, int server_page_cap);

// Histories a bulk changelog call returns / issues it accepts / histories embedded in a cloud search page.
constexpr int kBulkHistories = 10000;
constexpr int kBulkIssues = 1000;
constexpr int kEmbeddedHistories = 40;
constexpr int kCloudPage = 100;

}  // namespace j2s::bench
