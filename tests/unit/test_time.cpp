#include "util/errors.hpp"
#include "util/time.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace j2s;
using namespace std::chrono_literals;

namespace {

// Builds an instant from an unambiguous literal; a typo in a test fails loudly instead of comparing
// against nullopt.
Timestamp utc(const std::string& text) {
    auto t = parse_jira_timestamp(text);
    if (!t) FAIL("bad test literal " << text);
    return *t;
}

std::string parsed_utc(const std::string& text) {
    auto t = parse_jira_timestamp(text);
    return t ? format_utc(*t) : std::string("nullopt");
}

}  // namespace

TEST_CASE("parse_jira_timestamp accepts Jira's offset forms", "[time]") {
    CHECK(parsed_utc("2024-03-05T14:07:12.345+0100") == "2024-03-05T13:07:12.345Z");
    CHECK(parsed_utc("2024-03-05T14:07:12.345+01:00") == "2024-03-05T13:07:12.345Z");
    CHECK(parsed_utc("2024-03-05T14:07:12.345Z") == "2024-03-05T14:07:12.345Z");
    CHECK(parsed_utc("2024-03-05T06:07:12.345-0800") == "2024-03-05T14:07:12.345Z");
    CHECK(parsed_utc("2024-03-05T19:37:12.345+0530") == "2024-03-05T14:07:12.345Z");
    CHECK(parsed_utc("2024-03-05T00:30:00.000+0100") == "2024-03-04T23:30:00.000Z");
}

TEST_CASE("parse_jira_timestamp: milliseconds optional, finer fractions truncated", "[time]") {
    CHECK(parsed_utc("2024-03-05T14:07:12+0100") == "2024-03-05T13:07:12.000Z");
    CHECK(parsed_utc("2024-03-05T14:07:12Z") == "2024-03-05T14:07:12.000Z");
    CHECK(parsed_utc("2024-03-05T14:07:12.1Z") == "2024-03-05T14:07:12.100Z");
    CHECK(parsed_utc("2024-03-05T14:07:12.12Z") == "2024-03-05T14:07:12.120Z");
    CHECK(parsed_utc("2024-03-05T14:07:12.123456Z") == "2024-03-05T14:07:12.123Z");
    CHECK(parsed_utc("2024-03-05T14:07:12.999999+00:00") == "2024-03-05T14:07:12.999Z");
}

TEST_CASE("parse_jira_timestamp: a bare timestamp is UTC", "[time]") {
    CHECK(parsed_utc("2024-03-05T14:07:12") == "2024-03-05T14:07:12.000Z");
    CHECK(parsed_utc("2024-03-05T14:07:12.5") == "2024-03-05T14:07:12.500Z");
}

TEST_CASE("parse_jira_timestamp rejects garbage and trailing junk", "[time]") {
    for (const char* bad : {"", "garbage", "2024-03-05", "2024-03-05 14:07:12", "2024-03-05T14:07",
                            "2024-03-05T14:07:12.345+0100x", "2024-03-05T14:07:12Z ", " 2024-03-05T14:07:12Z",
                            "2024-03-05T14:07:12.+0100", "2024-03-05T14:07:12.1234567890Z",
                            "2024-02-30T14:07:12Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
                            "2024-03-05T24:00:00Z", "2024-03-05T14:60:00Z", "2024-03-05T14:07:60Z",
                            "2024-03-05T14:07:12+01", "2024-03-05T14:07:12+01:0", "2024-03-05T14:07:12+1:00",
                            "2024-03-05T14:07:12+0160", "2024-03-05T14:07:12ZZ", "2024-3-5T14:07:12Z",
                            "2024-03-05t14:07:12Z", "abcd-03-05T14:07:12Z", "2024-03-05T14:07:12.345 +0100"}) {
        INFO(bad);
        CHECK_FALSE(parse_jira_timestamp(bad).has_value());
    }
}

TEST_CASE("parse_date / format_date", "[time]") {
    auto d = parse_date("2024-02-29");
    REQUIRE(d);
    CHECK(format_date(*d) == "2024-02-29");
    CHECK(format_date(*d + std::chrono::days{1}) == "2024-03-01");
    for (const char* bad : {"2023-02-29", "2024-02-30", "2024-2-3", "2024-02-29x", "2024/02/29", "", "x"}) {
        INFO(bad);
        CHECK_FALSE(parse_date(bad).has_value());
    }
}

TEST_CASE("format_utc writes millisecond UTC, also before the epoch", "[time]") {
    CHECK(format_utc(Timestamp{}) == "1970-01-01T00:00:00.000Z");
    CHECK(format_utc(Timestamp{-1ms}) == "1969-12-31T23:59:59.999Z");
    CHECK(format_utc(utc("2024-12-31T23:59:59.999Z")) == "2024-12-31T23:59:59.999Z");
}

TEST_CASE("format_jql_minute converts to the zone and floors to the minute", "[time]") {
    // UTC-8 in winter, UTC-7 in summer.
    CHECK(format_jql_minute(utc("2024-01-15T18:07:00.000Z"), "America/Los_Angeles") == "2024-01-15 10:07");
    CHECK(format_jql_minute(utc("2024-07-15T17:07:00.000Z"), "America/Los_Angeles") == "2024-07-15 10:07");
    // +05:30: the half-hour offset must survive.
    CHECK(format_jql_minute(utc("2024-01-15T04:37:30.000Z"), "Asia/Kolkata") == "2024-01-15 10:07");
    CHECK(format_jql_minute(utc("2024-01-15T10:07:00.000Z"), "UTC") == "2024-01-15 10:07");
    // Crossing midnight backwards into the previous year.
    CHECK(format_jql_minute(utc("2024-01-01T07:59:00.000Z"), "America/Los_Angeles") == "2023-12-31 23:59");
}

TEST_CASE("format_jql_minute floors, never rounds up", "[time]") {
    CHECK(format_jql_minute(utc("2024-01-15T18:07:59.999Z"), "America/Los_Angeles") == "2024-01-15 10:07");
    CHECK(format_jql_minute(utc("2024-01-15T04:37:59.999Z"), "Asia/Kolkata") == "2024-01-15 10:07");
    CHECK(format_jql_minute(utc("2024-01-15T10:07:59.999Z"), "UTC") == "2024-01-15 10:07");
    CHECK(format_jql_minute(utc("2024-01-15T10:08:00.000Z"), "UTC") == "2024-01-15 10:08");
    CHECK(format_jql_minute(Timestamp{-1ms}, "UTC") == "1969-12-31 23:59");
}

TEST_CASE("format_jql_minute across DST transitions", "[time]") {
    // Spring forward in Los Angeles, 2024-03-10 02:00 PST -> 03:00 PDT at 10:00Z.
    CHECK(format_jql_minute(utc("2024-03-10T09:59:59.999Z"), "America/Los_Angeles") == "2024-03-10 01:59");
    CHECK(format_jql_minute(utc("2024-03-10T10:00:00.000Z"), "America/Los_Angeles") == "2024-03-10 03:00");
    // Fall back, 2024-11-03 02:00 PDT -> 01:00 PST at 09:00Z: two instants share a wall time.
    CHECK(format_jql_minute(utc("2024-11-03T08:30:00.000Z"), "America/Los_Angeles") == "2024-11-03 01:30");
    CHECK(format_jql_minute(utc("2024-11-03T09:30:00.000Z"), "America/Los_Angeles") == "2024-11-03 01:30");
}

TEST_CASE("format_jql_minute rejects an unknown zone by name", "[time]") {
    try {
        format_jql_minute(Timestamp{}, "Mars/Olympus_Mons");
        FAIL("no exception");
    } catch (const Error& e) {
        CHECK(std::string(e.what()).find("unknown time zone 'Mars/Olympus_Mons'") != std::string::npos);
    }
    CHECK_THROWS_AS(format_jira_timestamp(Timestamp{}, "Not/AZone"), Error);
    CHECK_THROWS_AS(parse_jql_date("2024-01-01", "Not/AZone"), Error);
}

TEST_CASE("parse_jql_date reads all four JQL forms in the zone", "[time]") {
    auto la = "America/Los_Angeles";
    CHECK(format_utc(parse_jql_date("2024-01-15 10:07", la).value()) == "2024-01-15T18:07:00.000Z");
    CHECK(format_utc(parse_jql_date("2024/01/15 10:07", la).value()) == "2024-01-15T18:07:00.000Z");
    CHECK(format_utc(parse_jql_date("2024-07-15 10:07", la).value()) == "2024-07-15T17:07:00.000Z");
    CHECK(format_utc(parse_jql_date("2024-01-15", la).value()) == "2024-01-15T08:00:00.000Z");
    CHECK(format_utc(parse_jql_date("2024/01/15", "Asia/Kolkata").value()) == "2024-01-14T18:30:00.000Z");
    CHECK(format_utc(parse_jql_date("2024-01-15 10:07", "UTC").value()) == "2024-01-15T10:07:00.000Z");
}

TEST_CASE("parse_jql_date in DST overlap takes the earliest instant, in a gap the one after", "[time]") {
    auto la = "America/Los_Angeles";
    CHECK(format_utc(parse_jql_date("2024-11-03 01:30", la).value()) == "2024-11-03T08:30:00.000Z");
    CHECK(format_utc(parse_jql_date("2024-03-10 02:30", la).value()) == "2024-03-10T10:00:00.000Z");
    CHECK(format_utc(parse_jql_date("2024-03-10 03:00", la).value()) == "2024-03-10T10:00:00.000Z");
}

TEST_CASE("parse_jql_date rejects malformed dates", "[time]") {
    for (const char* bad : {"", "-5d", "2024-01-15 10:7", "2024-01-15T10:07", "2024-01-15 10:07:00",
                            "2024-02-30", "2024-01-15 24:00", "2024-01-15 10:60", "2024-01/15", "2024/01-15 10:07",
                            "2024-01-15  10:07", "2024-01-15 10:07 ", "1705312020000"}) {
        INFO(bad);
        CHECK_FALSE(parse_jql_date(bad, "UTC").has_value());
    }
}

TEST_CASE("JQL minute round trip never lands after the instant", "[time]") {
    // parse(format(t)) is the start of t's local minute: <= t, and within a minute of it except for the
    // second pass through a DST overlap, where the earliest reading is an hour (plus the minute) earlier.
    for (const char* zone : {"America/Los_Angeles", "Asia/Kolkata", "UTC", "Europe/Berlin", "Australia/Lord_Howe"}) {
        Timestamp t = utc("2024-01-01T00:00:00.000Z");
        const Timestamp end = utc("2025-01-01T00:00:00.000Z");
        while (t < end) {
            auto back = parse_jql_date(format_jql_minute(t, zone), zone);
            REQUIRE(back);
            INFO(zone << " " << format_utc(t) << " -> " << format_utc(*back));
            REQUIRE(*back <= t);
            REQUIRE(t - *back < std::chrono::hours{1} + std::chrono::minutes{1});
            t += std::chrono::minutes{17} + 13s + 77ms;
        }
    }
}

TEST_CASE("format_jira_timestamp writes the zone's offset at that instant", "[time]") {
    CHECK(format_jira_timestamp(utc("2024-03-05T22:07:12.345Z"), "America/Los_Angeles") ==
          "2024-03-05T14:07:12.345-0800");
    CHECK(format_jira_timestamp(utc("2024-07-05T21:07:12.345Z"), "America/Los_Angeles") ==
          "2024-07-05T14:07:12.345-0700");
    CHECK(format_jira_timestamp(utc("2024-03-05T08:37:12.345Z"), "Asia/Kolkata") ==
          "2024-03-05T14:07:12.345+0530");
    CHECK(format_jira_timestamp(utc("2024-03-05T14:07:12.000Z"), "UTC") == "2024-03-05T14:07:12.000+0000");
}

TEST_CASE("format_jira_timestamp round-trips through parse_jira_timestamp", "[time]") {
    for (const char* zone : {"America/Los_Angeles", "Asia/Kolkata", "UTC", "Europe/Berlin"}) {
        for (const char* s : {"2024-03-10T09:59:59.999Z", "2024-03-10T10:00:00.000Z", "2024-11-03T08:30:00.001Z",
                              "2024-11-03T09:30:00.001Z", "1999-12-31T23:59:59.500Z"}) {
            INFO(zone << " " << s);
            CHECK(parse_jira_timestamp(format_jira_timestamp(utc(s), zone)) == utc(s));
        }
    }
}

TEST_CASE("SystemClock tells time and sleeps", "[time]") {
    SystemClock clock;
    auto wall = std::chrono::system_clock::now();
    CHECK(std::chrono::abs(clock.now() - wall) < 5s);
    auto before = clock.steady_now();
    clock.sleep_for(20ms);
    CHECK(clock.steady_now() - before >= 20ms);
    clock.sleep_for(-5ms);  // a negative backoff must not hang or throw
}
