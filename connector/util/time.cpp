#include "util/time.hpp"

#include "util/errors.hpp"

#include <date/date.h>
#include <date/tz.h>

#include <cstdio>
#include <thread>

namespace j2s {

namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

// Reads exactly `count` ASCII digits at `pos`; the strict fixed-width reading is what rejects
// `2024-3-5` and friends without a regex.
bool read_digits(std::string_view s, std::size_t pos, std::size_t count, int& out) {
    if (pos + count > s.size()) return false;
    int value = 0;
    for (std::size_t i = pos; i < pos + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        value = value * 10 + (s[i] - '0');
    }
    out = value;
    return true;
}

// `YYYY?MM?DD` with the given separator; validates the calendar date (no 2024-02-30).
std::optional<date::year_month_day> read_ymd(std::string_view s, char sep) {
    int y = 0, m = 0, d = 0;
    if (s.size() < 10 || !read_digits(s, 0, 4, y) || s[4] != sep || !read_digits(s, 5, 2, m) ||
        s[7] != sep || !read_digits(s, 8, 2, d))
        return std::nullopt;
    date::year_month_day ymd{date::year{y}, date::month{static_cast<unsigned>(m)},
                             date::day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    return ymd;
}

const date::time_zone* find_zone(const std::string& tz_name) {
    try {
        return date::locate_zone(tz_name);
    } catch (const std::exception&) {
        throw Error("unknown time zone '" + tz_name +
                    "' (expected an IANA name such as Europe/Berlin or America/Los_Angeles)");
    }
}

// Splits a millisecond instant (or local time) into its civil fields without going through
// the locale-dependent date::format.
struct Civil {
    date::year_month_day ymd;
    long long hour, minute, second, millis;
};

template <class Clock>
Civil to_civil(std::chrono::time_point<Clock, milliseconds> t) {
    auto day = date::floor<date::days>(t);
    auto since_midnight = t - day;
    date::hh_mm_ss<milliseconds> hms{since_midnight};
    return Civil{date::year_month_day{day}, hms.hours().count(), hms.minutes().count(),
                 hms.seconds().count(), hms.subseconds().count()};
}

}  // namespace

std::optional<Timestamp> parse_jira_timestamp(std::string_view text) {
    auto ymd = read_ymd(text, '-');
    if (!ymd || text.size() < 19 || text[10] != 'T') return std::nullopt;
    int h = 0, mi = 0, s = 0;
    if (!read_digits(text, 11, 2, h) || text[13] != ':' || !read_digits(text, 14, 2, mi) ||
        text[16] != ':' || !read_digits(text, 17, 2, s))
        return std::nullopt;
    if (h > 23 || mi > 59 || s > 59) return std::nullopt;

    std::size_t pos = 19;
    long long ms = 0;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        std::size_t digits = 0;
        int scale = 100;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
            // Jira sends milliseconds; finer fractions (some proxies and exports) are truncated.
            if (digits < 3) ms += (text[pos] - '0') * scale, scale /= 10;
            ++digits, ++pos;
        }
        if (digits == 0 || digits > 9) return std::nullopt;
    }

    minutes offset{0};
    if (pos < text.size()) {
        char sign = text[pos];
        if (sign == 'Z') {
            ++pos;
        } else if (sign == '+' || sign == '-') {
            int oh = 0, om = 0;
            if (!read_digits(text, pos + 1, 2, oh)) return std::nullopt;
            pos += 3;
            if (pos < text.size() && text[pos] == ':') ++pos;
            if (!read_digits(text, pos, 2, om)) return std::nullopt;
            pos += 2;
            if (oh > 18 || om > 59) return std::nullopt;
            offset = hours{oh} + minutes{om};
            if (sign == '-') offset = -offset;
        } else {
            return std::nullopt;
        }
    }
    if (pos != text.size()) return std::nullopt;

    auto local = date::sys_days{*ymd} + hours{h} + minutes{mi} + seconds{s} + milliseconds{ms};
    return Timestamp{local - offset};
}

std::optional<std::chrono::sys_days> parse_date(std::string_view text) {
    if (text.size() != 10) return std::nullopt;
    auto ymd = read_ymd(text, '-');
    if (!ymd) return std::nullopt;
    return std::chrono::sys_days{date::sys_days{*ymd}.time_since_epoch()};
}

std::string format_utc(Timestamp t) {
    Civil c = to_civil(t);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", int(c.ymd.year()),
                  unsigned(c.ymd.month()), unsigned(c.ymd.day()), c.hour, c.minute, c.second, c.millis);
    return buf;
}

std::string format_date(std::chrono::sys_days d) {
    date::year_month_day ymd{date::sys_days{date::days{d.time_since_epoch().count()}}};
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", int(ymd.year()), unsigned(ymd.month()),
                  unsigned(ymd.day()));
    return buf;
}

std::string format_jql_minute(Timestamp t, const std::string& tz_name) {
    const date::time_zone* zone = find_zone(tz_name);
    // Floor, not round: see the header; floor on the local time_point is correct before 1970 too.
    auto local = date::floor<minutes>(zone->to_local(t));
    Civil c = to_civil(date::local_time<milliseconds>{local});
    char buf[32];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02u %02lld:%02lld", int(c.ymd.year()),
                  unsigned(c.ymd.month()), unsigned(c.ymd.day()), c.hour, c.minute);
    return buf;
}

std::optional<Timestamp> parse_jql_date(std::string_view text, const std::string& tz_name) {
    if (text.size() != 10 && text.size() != 16) return std::nullopt;
    char sep = text.size() >= 5 ? text[4] : '\0';
    if (sep != '-' && sep != '/') return std::nullopt;
    auto ymd = read_ymd(text, sep);
    if (!ymd) return std::nullopt;
    int h = 0, mi = 0;
    if (text.size() == 16) {
        if (text[10] != ' ' || !read_digits(text, 11, 2, h) || text[13] != ':' ||
            !read_digits(text, 14, 2, mi) || h > 23 || mi > 59)
            return std::nullopt;
    }
    const date::time_zone* zone = find_zone(tz_name);
    auto local = date::local_days{*ymd} + hours{h} + minutes{mi};
    auto info = zone->get_info(local);
    date::sys_seconds instant;
    switch (info.result) {
        case date::local_info::unique:
            instant = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
            break;
        case date::local_info::ambiguous:
            // The wall time happens twice; the earlier one makes `updated >= X` read more, not less.
            instant = date::sys_seconds{local.time_since_epoch()} - info.first.offset;
            break;
        case date::local_info::nonexistent:
            // The wall time was skipped; the first instant after the gap is the transition itself.
            instant = info.second.begin;
            break;
    }
    return Timestamp{instant};
}

std::string format_jira_timestamp(Timestamp t, const std::string& tz_name) {
    const date::time_zone* zone = find_zone(tz_name);
    // Historic LMT offsets carry seconds; Jira's wire form has minutes, so the offset is truncated
    // to the minute and the local time shifted consistently with it, keeping the text round-trippable.
    auto offset = date::floor<minutes>(zone->get_info(t).offset);
    auto local = date::local_time<milliseconds>{t.time_since_epoch() + offset};
    Civil c = to_civil(local);
    long long off = offset.count();
    char sign = off < 0 ? '-' : '+';
    if (off < 0) off = -off;
    char buf[48];
    std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02lld:%02lld:%02lld.%03lld%c%02lld%02lld",
                  int(c.ymd.year()), unsigned(c.ymd.month()), unsigned(c.ymd.day()), c.hour, c.minute,
                  c.second, c.millis, sign, off / 60, off % 60);
    return buf;
}

Timestamp SystemClock::now() const {
    return std::chrono::time_point_cast<milliseconds>(std::chrono::system_clock::now());
}

std::chrono::steady_clock::time_point SystemClock::steady_now() const {
    return std::chrono::steady_clock::now();
}

void SystemClock::sleep_for(std::chrono::milliseconds d) {
    if (d > milliseconds::zero()) std::this_thread::sleep_for(d);
}

}  // namespace j2s
