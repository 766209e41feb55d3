#pragma once
// Instants, Jira's timestamp formats, and JQL dates in an account's time zone.
// Everything inside the program is a UTC instant with millisecond precision; local time exists only
// at the edges (parsing Jira's offsets, writing JQL dates that Jira reads in the account's zone).

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace j2s {

using Timestamp = std::chrono::sys_time<std::chrono::milliseconds>;

// Parses Jira's `2024-03-05T14:07:12.345+0100`: offset with or without colon, or `Z`; milliseconds
// optional; also a bare `2024-03-05T14:07:12` taken as UTC. Returns nullopt on anything else.
std::optional<Timestamp> parse_jira_timestamp(std::string_view text);

// Parses `YYYY-MM-DD` (a Jira date field). Returns nullopt on anything else, including 2024-02-30.
std::optional<std::chrono::sys_days> parse_date(std::string_view text);

// `YYYY-MM-DDTHH:MM:SS.sssZ`, the storage form of timestamps.
std::string format_utc(Timestamp t);

// `YYYY-MM-DD`.
std::string format_date(std::chrono::sys_days d);

// The instant as `yyyy-MM-dd HH:mm` in the IANA zone `tz_name`, rounded down to the minute, which is
// how Jira reads a JQL date for an account in that zone. Rounding down means a query `updated >= X`
// never misses an update at or after `t` and re-reads at most the 59.999 s before it.
// Throws j2s::Error naming the zone if it is unknown.
std::string format_jql_minute(Timestamp t, const std::string& tz_name);

// The inverse used by the fake server: a JQL date (`yyyy-MM-dd HH:mm`, `yyyy/MM/dd HH:mm`,
// `yyyy-MM-dd`, `yyyy/MM/dd`) read in zone `tz_name`. Returns nullopt if malformed.
std::optional<Timestamp> parse_jql_date(std::string_view text, const std::string& tz_name);

// Jira's wire form of an instant in a zone: `2024-03-05T14:07:12.345+0100`.
std::string format_jira_timestamp(Timestamp t, const std::string& tz_name);

// Injected wherever time matters, so tests run backoff and run timing without waiting.
class Clock {
public:
    virtual ~Clock() = default;
    virtual Timestamp now() const = 0;                                // wall clock, UTC
    virtual std::chrono::steady_clock::time_point steady_now() const = 0;
    virtual void sleep_for(std::chrono::milliseconds d) = 0;
};

class SystemClock final : public Clock {
public:
    Timestamp now() const override;
    std::chrono::steady_clock::time_point steady_now() const override;
    void sleep_for(std::chrono::milliseconds d) override;
};

}  // namespace j2s
