#pragma once
// What the fake's request log (GET /_fake/requests) says about one run: how many requests of which kind,
// the most that were in flight at once and the most started within any one-second window, the faults the
// fake injected and the longest time nothing was in flight.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace j2s::bench {

struct RequestKinds {
    int fixed = 0;      // serverInfo, myself, field
    int search = 0;     // search pages with fields (and the embedded changelog)
    int count = 0;      // approximate-count (cloud) or a search for `total` with maxResults 0 (server)
    int earliest = 0;   // the one-issue search for the oldest `created` (slice planning)
    int census = 0;     // ids-only search pages (deletion reconciliation)
    int changelog = 0;  // changelog/bulkfetch (cloud) or issue/{id}/changelog
    int listings = 0;   // the projects and users listings (sync.entities)
    int other = 0;      // anything else (issue/bulkfetch, single issues, ...)
    int total() const { return fixed + search + count + earliest + census + changelog + listings + other; }
    std::string describe() const;  // "200 search + 17 count + ..." (zero kinds left out)
};

struct LogAnalysis {
    RequestKinds kinds;
    int failed = 0;             // responses with status >= 400
    int max_in_flight = 0;      // from [started_ms, finished_ms] of every request
    int max_started_in_1s = 0;  // starts within any window [t, t + 1000 ms)
    double span_seconds = 0;    // first start to last finish
    // The changelog calls: first start to last finish, and the most in flight at once.
    double changelog_span_seconds = 0;
    int changelog_max_in_flight = 0;
    std::vector<std::int64_t> starts;  // started_ms of every request, ascending
    // Injected faults by kind: the status ("429", "503", ...) or "reset" / "truncated" (the log's `fault`).
    std::map<std::string, int> faults;
    int fault_total() const;
    // The longest stretch with no request in flight at the site, between the first start and the last finish.
    std::int64_t longest_idle_ms = 0;
    int requests() const { return kinds.total(); }
    // The shortest time (ms) in which `count` requests started; -1 if fewer than `count` requests.
    std::int64_t tightest_span_ms(int count) const;
};

// `log` is the array GET /_fake/requests returns (only /rest requests are logged).
LogAnalysis analyze_request_log(const nlohmann::json& log);

}  // namespace j2s::bench
