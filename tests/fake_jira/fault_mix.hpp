#pragma once
// The fault mix of issue 4's storm test, as POST /_fake/faults rule specs: of all /rest requests, 25% get a 429
// (20% with Retry-After: 1 and RateLimit-Reason, 5% with only X-RateLimit-Reset one second ahead), 5% a 503
// with Retry-After: 1, 3% a 500, 2% a connection reset and 1% a 200 whose body is cut in half. One draw per
// request from `seed` (see README.md, "Faults"). Shared by the integration test and the benchmark, so the
// figures the benchmark reports are those of the tested mix.

#include <nlohmann/json.hpp>

#include <cstdint>

namespace j2s::fake {

inline nlohmann::json storm_fault_mix(std::uint64_t seed) {
    using nlohmann::json;
    const auto rule = [seed](json r, double probability) {
        r["path_regex"] = "^/rest/";
        r["probability"] = probability;
        r["seed"] = seed;
        return r;
    };
    return json::array({
        rule({{"status", 429}, {"headers", {{"Retry-After", "1"}, {"RateLimit-Reason", "jira-burst-based"}}}}, 0.20),
        rule({{"status", 429}, {"ratelimit_reset_seconds", 1}, {"headers", {{"RateLimit-Reason", "jira-quota-based"}}}}, 0.05),
        rule({{"status", 503}, {"headers", {{"Retry-After", "1"}}}}, 0.05),
        rule({{"status", 500}}, 0.03),
        rule({{"reset", true}}, 0.02),
        // A search page that looks whole is promised, half of it is sent.
        rule({{"status", 200},
              {"truncate_body", true},
              {"body", json{{"issues", json::array()}, {"isLast", true}, {"startAt", 0}, {"total", 0}}.dump()}},
             0.01),
    });
}

}  // namespace j2s::fake
