// The progress line against a fake terminal (a string and an injected clock).

#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "cli/progress.hpp"
#include "util/log_event.hpp"

using namespace j2s;
using namespace std::chrono_literals;

namespace {

struct FakeTerminal {
    std::string written;
    StatusLine line{[this](std::string_view t) { written += t; }};
    // What a terminal would show: \r returns to column 0, ESC[2K erases the line.
    std::vector<std::string> screen() const {
        std::vector<std::string> lines{""};
        for (std::size_t i = 0; i < written.size(); ++i) {
            if (written.compare(i, 4, "\x1b[2K") == 0) {
                lines.back().clear();
                i += 3;
            } else if (written[i] == '\r') {
                // the next write overwrites the line (always preceded by an erase here)
            } else if (written[i] == '\n') {
                lines.emplace_back();
            } else {
                lines.back() += written[i];
            }
        }
        return lines;
    }
};

struct FakeClock {
    std::chrono::steady_clock::time_point t{std::chrono::seconds(1000)};
    ProgressReporter::SteadyNow fn() {
        return [this] { return t; };
    }
};

}  // namespace

TEST_CASE("the progress text shows done of total, rate, elapsed and ETA", "[progress]") {
    CHECK(render_progress("sync", 1200, 10000, 3.0) == "sync: 1,200 / 10,000 issues (12%) | 400 issues/s | elapsed 0:03 | ETA 0:22");
    CHECK(render_progress("sync", 1200, std::nullopt, 3.0) == "sync: 1,200 issues | 400 issues/s | elapsed 0:03");
    // Jira's approximate count may be below what was read: never above 100%, no negative ETA.
    CHECK(render_progress("sync", 110, 100, 10.0) == "sync: 110 / 110 issues (100%) | 11 issues/s | elapsed 0:10 | ETA 0:00");
    CHECK(render_progress("sync", 0, 500, 0.0) == "sync: 0 / 500 issues (0%) | 0 issues/s | elapsed 0:00");
    CHECK(format_duration(3725) == "1:02:05");
    CHECK(group_thousands(1234567) == "1,234,567");
}

TEST_CASE("the live line is redrawn in place, at most every interval, and cleared at the end", "[progress]") {
    FakeTerminal term;
    FakeClock clock;
    {
        ProgressReporter p(ProgressMode::terminal, "sync", &term.line, nullptr, clock.fn(), 250ms, 5s);
        p.set_total(1000);
        p.run_started(1, SyncMode::full, "project = A");
        CHECK(term.screen().back() == "sync: 0 / 1,000 issues (0%) | 0 issues/s | elapsed 0:00");
        clock.t += 2s;
        p.page_committed(100, {});
        CHECK(term.screen().back() == "sync: 100 / 1,000 issues (10%) | 50 issues/s | elapsed 0:02 | ETA 0:18");
        const auto before = term.written.size();
        clock.t += 100ms;  // too soon: not redrawn
        p.page_committed(200, {});
        CHECK(term.written.size() == before);
        clock.t += 200ms;
        p.page_committed(300, {});
        CHECK_THAT(term.screen().back(), Catch::StartsWith("sync: 300 / 1,000 issues (30%)"));
        CHECK(term.screen().size() == 1);  // one line, redrawn in place
    }
    CHECK(term.screen() == std::vector<std::string>{""});  // erased at the end
}

TEST_CASE("a log line is written above the live line, never into it", "[progress]") {
    FakeTerminal term;
    term.line.show("sync: 5 issues");
    term.line.write_log("2024-01-01T00:00:00.000Z info hello\n");
    CHECK(term.screen() == std::vector<std::string>{"2024-01-01T00:00:00.000Z info hello", "sync: 5 issues"});
    term.line.clear();
    term.line.write_log("second\n");
    CHECK(term.screen() == std::vector<std::string>{"2024-01-01T00:00:00.000Z info hello", "second", ""});
}

TEST_CASE("the expected total is counted in the background, a failure leaves no total", "[progress]") {
    FakeTerminal term;
    FakeClock clock;
    ProgressReporter ok(ProgressMode::terminal, "sync", &term.line, [](const std::string& jql) {
        CHECK(jql == "project = A ORDER BY updated ASC");
        return std::int64_t{40};
    }, clock.fn(), 0ms, 5s);
    ok.run_started(1, SyncMode::full, "project = A ORDER BY updated ASC");
    for (int i = 0; i < 2000 && term.screen().back().find("/ 40") == std::string::npos; ++i) {
        std::this_thread::sleep_for(5ms);
        clock.t += 1s;
        ok.page_committed(10, {});
    }
    CHECK_THAT(term.screen().back(), Catch::Contains("10 / 40 issues (25%)"));

    FakeTerminal term2;
    ProgressReporter failing(ProgressMode::terminal, "sync", &term2.line,
                             [](const std::string&) -> std::int64_t { throw std::runtime_error("HTTP 400"); }, clock.fn(), 0ms, 5s);
    failing.run_started(1, SyncMode::full, "x");
    std::this_thread::sleep_for(20ms);
    clock.t += 1s;
    failing.page_committed(10, {});
    CHECK(term2.screen().back() == "sync: 10 issues | 10 issues/s | elapsed 0:01");
}

TEST_CASE("with JSON logs, a progress event every interval and no terminal output", "[progress]") {
    std::ostringstream out;
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(out);
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    logger->set_pattern("%v");
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(logger);
    FakeClock clock;
    {
        ProgressReporter p(ProgressMode::json_events, "sync", nullptr, nullptr, clock.fn(), 250ms, 5s);
        p.set_total(100);
        p.run_started(1, SyncMode::full, "x");
        clock.t += 1s;
        p.page_committed(10, {});  // before the first interval: nothing
        CHECK(out.str().empty());
        clock.t += 5s;
        p.page_committed(60, {});
        clock.t += 1s;
        p.page_committed(70, {});  // within the interval: nothing more
    }
    spdlog::set_default_logger(previous);
    CHECK(out.str() == "sync: 60 / 100 issues (60%) | 10 issues/s | elapsed 0:06 | ETA 0:04\n");
}

TEST_CASE("progress is off without a terminal", "[progress]") {
    FakeClock clock;
    ProgressReporter p(ProgressMode::terminal, "sync", nullptr, nullptr, clock.fn());
    p.run_started(1, SyncMode::full, "x");
    p.page_committed(10, {});
    SUCCEED("no status line: nothing to draw on, and nothing crashed");
}
