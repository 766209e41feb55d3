#include "jira/retry_policy.hpp"

#include <date/date.h>

#include <algorithm>
#include <sstream>

namespace j2s {

bool is_retryable_status(int status) {
    // 500 too: Jira answers a passing overload or a node restart with a bare 500 as often as with a 502/503.
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

std::chrono::milliseconds backoff_delay(int attempt, std::mt19937_64& rng, std::chrono::milliseconds base,
                                        std::chrono::milliseconds cap) {
    const int shift = std::clamp(attempt, 0, 30);
    const long long ceiling = std::min<long long>(cap.count(), base.count() * (1LL << std::min(shift, 20)));
    std::uniform_int_distribution<long long> pick(0, std::max<long long>(ceiling, 0));
    return std::chrono::milliseconds(pick(rng));
}

namespace {

std::optional<Timestamp> parse_http_date(const std::string& text) {
    std::istringstream in(text);
    date::sys_seconds t;
    in >> date::parse("%a, %d %b %Y %H:%M:%S GMT", t);
    if (in.fail()) return std::nullopt;
    return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
}

std::optional<Timestamp> parse_reset(const std::string& text) {
    if (auto t = parse_jira_timestamp(text)) return t;
    for (const char* format : {"%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M%z"}) {
        std::istringstream in(text);
        date::sys_seconds t;
        in >> date::parse(format, t);
        if (!in.fail()) return std::chrono::time_point_cast<std::chrono::milliseconds>(t);
    }
    return std::nullopt;
}

std::chrono::milliseconds until(Timestamp when, Timestamp now) {
    return std::max(std::chrono::milliseconds(0), std::chrono::duration_cast<std::chrono::milliseconds>(when - now));
}

}  // namespace

std::optional<std::chrono::milliseconds> server_requested_wait(const HttpResponse& response, Timestamp now) {
    // An HTTP-date Retry-After and X-RateLimit-Reset are instants on the site's clock: measure them from the
    // response's own Date, so a local clock that is off neither sends a request early nor waits an hour
    // for nothing. Date has whole seconds, which can only lengthen the wait by less than one.
    if (auto date = response.header("date"))
        if (auto site_now = parse_http_date(*date)) now = *site_now;
    if (auto value = response.header("retry-after")) {
        try {
            std::size_t used = 0;
            double seconds = std::stod(*value, &used);
            if (used == value->size() && seconds >= 0)
                return std::chrono::milliseconds(static_cast<long long>(seconds * 1000));
        } catch (const std::exception&) {
        }
        if (auto when = parse_http_date(*value)) return until(*when, now);
    }
    if (auto value = response.header("x-ratelimit-reset")) {
        if (auto when = parse_reset(*value)) return until(*when, now);
    }
    return std::nullopt;
}

}  // namespace j2s
