#pragma once
// Progress of a long run, for people at a terminal and for log collectors.
//
// - On a terminal (stderr is a tty, not -q, text logs): one live line, redrawn in place at most
//   `redraw_interval` apart ("\r" + erase line), erased before any log line is written (the log sink goes
//   through the same StatusLine) and at the end of the run.
// - With --log-format json: a `progress` event every `event_interval` instead (level info), whatever
//   stderr is; its `command` field names the command (`sync`, `reconcile`, `remap`, ...).
// - Otherwise nothing.
//
// The expected total comes from Jira (cloud: approximate-count; server: `total` of a search), counted on a
// background thread so the run never waits for it; until it arrives (or if it fails) the line shows no
// total and no ETA. A command that knows its total itself (remap: the stored rows left; retry-dead-letters:
// the open dead letters) passes it instead.

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "jira/jira_api.hpp"
#include "sync/progress_observer.hpp"
#include "sync/sync_runner.hpp"

namespace j2s {

// One line at the bottom of a terminal that log lines scroll above. Thread-safe.
class StatusLine {
public:
    using Writer = std::function<void(std::string_view)>;
    explicit StatusLine(Writer write) : m_write(std::move(write)) {}

    // Shows `text` in place of the current line.
    void show(const std::string& text);
    // Erases the line; nothing is shown until the next show().
    void clear();
    // Erases the line, writes `log_text` (complete lines), and draws the line again below it.
    void write_log(std::string_view log_text);
    bool visible() const;

private:
    mutable std::mutex m_mutex;
    Writer m_write;
    std::string m_text;  // what is shown; empty = nothing
};

// The process's status line on stderr, when stderr is a terminal: the log sink and the progress reporter
// share it. nullptr until install_terminal_status_line() ran (and always when stderr is not a tty).
StatusLine* terminal_status_line();
void install_terminal_status_line();

// "1,234" style grouping.
std::string group_thousands(std::int64_t n);
// "0:07", "12:03", "1:02:03".
std::string format_duration(double seconds);

// The progress line's text: what, done of total, rate, elapsed, ETA.
//   "sync: 1,200 / 10,000 issues (12%) | 410 issues/s | elapsed 0:03 | ETA 0:21"
//   "sync: 1,200 issues | 410 issues/s | elapsed 0:03"                         (total unknown)
std::string render_progress(const std::string& what, std::int64_t done, std::optional<std::int64_t> total,
                            double elapsed_seconds);

// How many issues `jql` matches (any ORDER BY is removed first). cloud: POST .../search/approximate-count;
// server: `total` of GET /rest/api/2/search with maxResults=1 and only the id field. Throws JiraApiError.
std::int64_t count_issues(JiraApi& api, const std::string& jql);

enum class ProgressMode { off, terminal, json_events };

// Watches a sync run (RunObserver) or another command's work (ProgressObserver): one renderer for both.
class ProgressReporter final : public RunObserver, public ProgressObserver {
public:
    using SteadyNow = std::function<std::chrono::steady_clock::time_point()>;
    // `what` names the command. `count` returns the expected total of a query (normally count_issues); empty:
    // no total unless one is given.
    ProgressReporter(ProgressMode mode, std::string what, StatusLine* line,
                     std::function<std::int64_t(const std::string&)> count, SteadyNow now = std::chrono::steady_clock::now,
                     std::chrono::milliseconds redraw_interval = std::chrono::milliseconds(250),
                     std::chrono::milliseconds event_interval = std::chrono::seconds(5));
    ~ProgressReporter() override;  // erases the line; waits for a count in flight

    void run_started(std::int64_t run_id, SyncMode mode, const std::string& search_jql) override;
    void page_committed(std::int64_t issues_read, const RunCounters& totals) override;
    void progress_started(const std::string& count_jql, std::optional<std::int64_t> known_total) override;
    void progress_advanced(std::int64_t done) override;
    void progress_finished(std::int64_t done) override;
    // Sets the expected total directly (tests; a caller that knows it).
    void set_total(std::int64_t total);
    // Erases the line (end of the run, or before a final summary).
    void finish();

private:
    void report(bool force);
    std::optional<std::int64_t> total();

    ProgressMode m_mode;
    std::string m_what;
    StatusLine* m_line;
    std::function<std::int64_t(const std::string&)> m_count;
    SteadyNow m_now;
    std::chrono::milliseconds m_redraw_interval, m_event_interval;
    std::chrono::steady_clock::time_point m_started{}, m_last_report{};
    bool m_reported_once = false;
    bool m_drawn_complete = false;  // the line has shown done >= the expected total
    std::int64_t m_done = 0;
    std::future<std::int64_t> m_pending_total;
    std::optional<std::int64_t> m_total;
    bool m_total_failed = false;
};

}  // namespace j2s
