#pragma once
// Injected failures: /rest requests whose path matches a rule's `path_regex` (and method, if given) get the
// rule's canned response, a cut-off body or a dropped connection instead of the real answer. Thread-safe.
//
// Two kinds of rule:
// - scheduled (no `probability`): fires on the next `count` (default 1) matching requests; with `skip` N
//   the first N matching requests pass untouched first; with `every` N only every Nth matching request after
//   the skip fires (then without a count limit unless `count` is given).
// - probabilistic (`probability` p in (0, 1], `seed` s): fires on a matching request with probability p,
//   without a count limit unless `count` is given; a `skip` N leaves the rule out for its first N matches.
//
// How rules compose, per request: the scheduled rules are tried first, in the order added. The first that
// matches answers the request if it is its turn; one still in its `skip` phase lets the request through
// untouched and ends the search (a failure midway through a paged read); an `every` rule whose turn it is
// not passes the request on to the next rule. A request no scheduled rule answered gets ONE uniform draw
// u in [0, 1) if any probabilistic rule matches it: the matching probabilistic rules, in the order added, own
// consecutive intervals [0, p1), [p1, p1 + p2), ... and the one whose interval holds u answers the request
// (none when u is past their sum; intervals past 1 never fire). So the probabilities of a mix are shares of
// all the requests they match (25% 429 + 5% 503 + 3% 500 = 33% of them faulted), not of what earlier rules
// left over. The draws come from one stream per seed, that of the first matching probabilistic rule: the nth
// draw of a seed is the same in every run, so the same requests in the same order get the same faults.
// Clearing the rules restarts the streams.

#include "model.hpp"

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "rng.hpp"

namespace j2s::fake {

struct FaultRule {
    std::string path_regex;
    std::string method;  // empty: any
    int status = 500;
    int remaining = 1;   // fires left; -1: no limit
    int skip = 0;        // matching requests let through untouched before the rule starts to fire
    int every = 0;       // > 0: scheduled on every Nth matching request (after the skip)
    double probability = 0;  // > 0: probabilistic
    std::uint64_t seed = 0;
    json headers = json::object();  // name -> string value
    std::string body;               // sent as is; default: a Jira error body for the status
    int delay_ms = 0;
    bool truncate_body = false;  // promise the full length, send half, drop the connection
    bool reset = false;          // drop the connection without sending anything
    // X-RateLimit-Reset set to the fake clock's now + this many seconds, rounded up to a whole second
    // (`yyyy-MM-ddTHH:mm:ssZ`), when the response is sent.
    std::optional<double> ratelimit_reset_seconds;
    std::int64_t matched = 0;  // matching requests after the skip (for `every`)
    std::int64_t fired = 0;
    std::regex compiled;

    bool probabilistic() const { return probability > 0; }
    // What the request log calls the fault: "reset", "truncated" or "status".
    std::string kind() const { return reset ? "reset" : truncate_body ? "truncated" : "status"; }
};

class FaultRegistry {
public:
    // Parses the control API's JSON; throws std::invalid_argument with a message on bad input.
    void add(const json& spec);
    // The rule that answers this request, if any (see the top of this file); consumes one of its fires.
    std::optional<FaultRule> take(const std::string& method, const std::string& path);
    json list() const;
    void clear();

private:
    mutable std::mutex m_mutex;
    std::vector<FaultRule> m_rules;
    std::map<std::uint64_t, Rng> m_draws;  // one stream per seed

    // REQUIRES m_mutex. Copies the rule, counts the fire and removes the rule when it has none left.
    FaultRule fire(std::vector<FaultRule>::iterator rule);
};

}  // namespace j2s::fake
