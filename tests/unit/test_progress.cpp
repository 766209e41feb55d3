// The progress line against a fake terminal (a string and an injected clock).

#include <catch2/catch.hpp>

#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/ostream_sink.h>

#include <mutex>
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

// Keeps the event name and fields of every line logged through log_event (read in the logging thread,
// where log_event publishes them).
class EventSink final : public spdlog::sinks::base_sink<std::mutex> {
public:
    std::vector<std::pair<std::string, nlohmann::json>> events;

protected:
    void sink_it_(const spdlog::details::log_msg&) override {
        const auto& context = current_log_event();
        events.emplace_back(context.event ? context.event : "log", context.fields ? *context.fields : nlohmann::json());
    }
    void flush_() override {}
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
    // The count may answer before or after the first draw: wait for a draw of 10 done with the total.
    for (int i = 0; i < 2000 && term.screen().back().find("10 / 40") == std::string::npos; ++i) {
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

TEST_CASE("a command that knows its total passes it, and the update reaching it is always drawn", "[progress]") {
    FakeTerminal term;
    FakeClock clock;
    ProgressReporter p(ProgressMode::terminal, "remap", &term.line,
                       [](const std::string&) -> std::int64_t { FAIL("a known total is not counted"); return 0; },
                       clock.fn(), 250ms, 5s);
    p.progress_started("", 300);
    CHECK(term.screen().back() == "remap: 0 / 300 issues (0%) | 0 issues/s | elapsed 0:00");
    clock.t += 1s;
    p.progress_advanced(100);
    CHECK(term.screen().back() == "remap: 100 / 300 issues (33%) | 100 issues/s | elapsed 0:01 | ETA 0:02");
    const auto before = term.written.size();
    clock.t += 100ms;
    p.progress_advanced(200);  // too soon: not redrawn
    CHECK(term.written.size() == before);
    clock.t += 100ms;
    p.progress_advanced(300);  // as soon, but it completes the work: drawn
    CHECK(term.screen().back() == "remap: 300 / 300 issues (100%) | 250 issues/s | elapsed 0:01 | ETA 0:00");
    CHECK(term.screen().size() == 1);
}

TEST_CASE("a command's work counted by a query gets its total from Jira", "[progress]") {
    FakeTerminal term;
    FakeClock clock;
    ProgressReporter p(ProgressMode::terminal, "reconcile", &term.line, [](const std::string& jql) {
        CHECK(jql == "project = A ORDER BY created ASC");
        return std::int64_t{40};
    }, clock.fn(), 0ms, 5s);
    p.progress_started("project = A ORDER BY created ASC", std::nullopt);
    for (int i = 0; i < 2000 && term.screen().back().find("10 / 40") == std::string::npos; ++i) {
        std::this_thread::sleep_for(5ms);
        clock.t += 1s;
        p.progress_advanced(10);
    }
    CHECK_THAT(term.screen().back(), Catch::StartsWith("reconcile: 10 / 40 issues (25%)"));
}

TEST_CASE("a progress event names the command and carries done, expected, rate, elapsed and ETA", "[progress]") {
    auto sink = std::make_shared<EventSink>();
    auto logger = std::make_shared<spdlog::logger>("test", sink);
    auto previous = spdlog::default_logger();
    spdlog::set_default_logger(logger);
    FakeClock clock;
    {
        ProgressReporter p(ProgressMode::json_events, "retry-dead-letters", nullptr, nullptr, clock.fn(), 250ms, 5s);
        p.progress_started("", 500);
        clock.t += 8s;
        p.progress_advanced(200);
    }
    spdlog::set_default_logger(previous);
    REQUIRE(sink->events.size() == 1);
    CHECK(sink->events[0].first == "progress");
    CHECK(sink->events[0].second == nlohmann::json{{"command", "retry-dead-letters"},
                                                   {"issues_done", 200},
                                                   {"issues_expected", 500},
                                                   {"issues_per_second", 25.0},
                                                   {"elapsed_seconds", 8.0},
                                                   {"eta_seconds", 12.0}});
}

TEST_CASE("finished work is drawn at once as done of an exact total", "[progress]") {
    FakeTerminal term;
    FakeClock clock;
    // The census finished before Jira's count arrived (no count here at all): the line still ends at the total.
    ProgressReporter unknown(ProgressMode::terminal, "reconcile", &term.line, nullptr, clock.fn(), 250ms, 5s);
    unknown.progress_started("", std::nullopt);
    CHECK(term.screen().back() == "reconcile: 0 issues | 0 issues/s | elapsed 0:00");
    clock.t += 100ms;
    unknown.progress_advanced(2500);  // too soon: not redrawn
    CHECK(term.screen().back() == "reconcile: 0 issues | 0 issues/s | elapsed 0:00");
    clock.t += 100ms;
    unknown.progress_finished(2500);
    CHECK(term.screen().back() == "reconcile: 2,500 / 2,500 issues (100%) | 12500 issues/s | elapsed 0:00 | ETA 0:00");

    // An estimate above what there was: the end shows what there was, not 99%.
    FakeTerminal term2;
    ProgressReporter estimated(ProgressMode::terminal, "remap", &term2.line, nullptr, clock.fn(), 250ms, 5s);
    estimated.progress_started("", 2510);
    clock.t += 1s;
    estimated.progress_finished(2500);
    CHECK(term2.screen().back() == "remap: 2,500 / 2,500 issues (100%) | 2500 issues/s | elapsed 0:01 | ETA 0:00");
}
