#pragma once
// When to retry a Jira request and how long to wait. Pure functions, so backoff is unit-tested without
// sleeping.

#include <chrono>
#include <optional>
#include <random>

#include "http/http_transport.hpp"
#include "util/time.hpp"

namespace j2s {

// Statuses that heal by themselves: rate limiting, server errors and gateway trouble.
bool is_retryable_status(int status);

// Exponential backoff with full jitter: uniform in [0, min(cap, base * 2^attempt)], attempt counting from 0.
std::chrono::milliseconds backoff_delay(int attempt, std::mt19937_64& rng,
                                        std::chrono::milliseconds base = std::chrono::milliseconds(1000),
                                        std::chrono::milliseconds cap = std::chrono::milliseconds(30000));

// The wait the server asked for: `Retry-After` in seconds or as an HTTP date, else `X-RateLimit-Reset`
// (ISO-8601, e.g. 2024-03-05T14:07Z). nullopt when the response names no wait. The dates are measured from
// the response's `Date` header when it has one (the site's clock), else from `now`.
std::optional<std::chrono::milliseconds> server_requested_wait(const HttpResponse& response, Timestamp now);

}  // namespace j2s
