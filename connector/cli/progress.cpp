#include "cli/progress.hpp"

#include <unistd.h>

#include <cmath>
#include <memory>

#include <fmt/format.h>

#include "jira/search_cursor.hpp"
#include "util/log_event.hpp"

namespace j2s {

namespace {
constexpr std::string_view kEraseLine = "\r\x1b[2K";
}  // namespace

void StatusLine::show(const std::string& text) {
    std::lock_guard lock(m_mutex);
    m_text = text;
    std::string out(kEraseLine);
    out += text;
    m_write(out);
}

void StatusLine::clear() {
    std::lock_guard lock(m_mutex);
    if (m_text.empty()) return;
    m_text.clear();
    m_write(kEraseLine);
}

void StatusLine::write_log(std::string_view log_text) {
    std::lock_guard lock(m_mutex);
    if (m_text.empty()) {
        m_write(log_text);
        return;
    }
    std::string out(kEraseLine);
    out += log_text;
    out += m_text;
    m_write(out);
}

bool StatusLine::visible() const {
    std::lock_guard lock(m_mutex);
    return !m_text.empty();
}

namespace {
std::unique_ptr<StatusLine>& terminal_line_slot() {
    static std::unique_ptr<StatusLine> line;
    return line;
}
}  // namespace

StatusLine* terminal_status_line() { return terminal_line_slot().get(); }

void install_terminal_status_line() {
    if (terminal_line_slot() || !::isatty(STDERR_FILENO)) return;
    terminal_line_slot() = std::make_unique<StatusLine>([](std::string_view text) {
        // One write per call: the erase, the log line and the redraw reach the terminal together.
        const char* p = text.data();
        std::size_t left = text.size();
        while (left > 0) {
            const ssize_t n = ::write(STDERR_FILENO, p, left);
            if (n <= 0) return;
            p += n;
            left -= static_cast<std::size_t>(n);
        }
    });
}

std::string group_thousands(std::int64_t n) {
    std::string digits = std::to_string(n < 0 ? -n : n);
    std::string out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string format_duration(double seconds) {
    if (!(seconds >= 0) || !std::isfinite(seconds)) seconds = 0;
    const auto total = static_cast<long long>(seconds);
    const long long h = total / 3600, m = (total / 60) % 60, s = total % 60;
    if (h > 0) return fmt::format("{}:{:02}:{:02}", h, m, s);
    return fmt::format("{}:{:02}", m, s);
}

std::string render_progress(const std::string& what, std::int64_t done, std::optional<std::int64_t> total,
                            double elapsed_seconds) {
    const double rate = elapsed_seconds > 0 ? static_cast<double>(done) / elapsed_seconds : 0;
    std::string out = what + ": " + group_thousands(done);
    if (total) {
        // Jira's count is approximate and the scope changes while it runs: never claim more than 100%.
        const std::int64_t shown_total = std::max(*total, done);
        const int percent = shown_total > 0 ? static_cast<int>(100.0 * static_cast<double>(done) / static_cast<double>(shown_total)) : 100;
        out += " / " + group_thousands(shown_total) + fmt::format(" issues ({}%)", percent);
    } else {
        out += " issues";
    }
    out += fmt::format(" | {:.0f} issues/s | elapsed {}", rate, format_duration(elapsed_seconds));
    if (total && rate > 0) {
        const double left = static_cast<double>(std::max<std::int64_t>(*total - done, 0)) / rate;
        out += " | ETA " + format_duration(left);
    }
    return out;
}

std::int64_t count_issues(JiraApi& api, const std::string& jql) {
    JiraClient& client = api.client();
    const std::string query = strip_order_by(jql);
    if (client.flavor() == Flavor::cloud) {
        const auto answer = client.post(client.api_prefix() + "/search/approximate-count", {{"jql", query}});
        return answer.at("count").get<std::int64_t>();
    }
    const auto answer = client.get(client.api_prefix() + "/search", {{"jql", query}, {"maxResults", "1"}, {"fields", "id"}});
    return answer.at("total").get<std::int64_t>();
}

ProgressReporter::ProgressReporter(ProgressMode mode, std::string what, StatusLine* line,
                                   std::function<std::int64_t(const std::string&)> count, SteadyNow now,
                                   std::chrono::milliseconds redraw_interval, std::chrono::milliseconds event_interval)
    : m_mode(mode == ProgressMode::terminal && !line ? ProgressMode::off : mode),
      m_what(std::move(what)),
      m_line(line),
      m_count(std::move(count)),
      m_now(std::move(now)),
      m_redraw_interval(redraw_interval),
      m_event_interval(event_interval) {
    m_started = m_now();
}

ProgressReporter::~ProgressReporter() {
    finish();
    if (m_pending_total.valid()) m_pending_total.wait();
}

void ProgressReporter::run_started(std::int64_t, SyncMode, const std::string& search_jql) {
    progress_started(search_jql, std::nullopt);
}

void ProgressReporter::page_committed(std::int64_t issues_read, const RunCounters&) { progress_advanced(issues_read); }

void ProgressReporter::progress_started(const std::string& count_jql, std::optional<std::int64_t> known_total) {
    m_started = m_now();
    m_done = 0;
    if (known_total && !m_total) m_total = known_total;
    if (m_mode == ProgressMode::off) return;
    if (!count_jql.empty() && m_count && !m_total && !m_pending_total.valid()) {
        auto count = m_count;
        m_pending_total = std::async(std::launch::async, [count, count_jql] { return count(count_jql); });
    }
    report(true);
}

void ProgressReporter::progress_advanced(std::int64_t done) {
    m_done = done;
    report(false);
}

void ProgressReporter::progress_finished(std::int64_t done) {
    m_done = done;
    m_total = done;
    // Drawn however soon after the last redraw: the line then says the counted work is done, while the
    // command finishes the rest (reconcile classifies what vanished, remap closes its run).
    report(true);
}

void ProgressReporter::set_total(std::int64_t total) { m_total = total; }

std::optional<std::int64_t> ProgressReporter::total() {
    if (m_total || m_total_failed || !m_pending_total.valid()) return m_total;
    if (m_pending_total.wait_for(std::chrono::seconds(0)) != std::future_status::ready) return std::nullopt;
    try {
        m_total = m_pending_total.get();
    } catch (const std::exception& e) {
        m_total_failed = true;
        log_event(spdlog::level::debug, "progress_total_unavailable", {{"error", e.what()}},
                  "progress: the expected total is not available: {}", e.what());
    }
    return m_total;
}

void ProgressReporter::report(bool force) {
    if (m_mode == ProgressMode::off) return;
    const auto now = m_now();
    const double elapsed = std::chrono::duration<double>(now - m_started).count();
    if (m_mode == ProgressMode::terminal) {
        const auto expected = total();
        // The update that reaches the expected total is always drawn, however soon after the last one, so
        // the line ends at the total rather than wherever the last redraw happened to catch it (a sync run
        // has no progress_finished).
        const bool completes = expected && m_done >= *expected && !m_drawn_complete;
        if (!force && !completes && m_reported_once && now - m_last_report < m_redraw_interval) return;
        m_last_report = now;
        m_reported_once = true;
        if (expected && m_done >= *expected) m_drawn_complete = true;
        m_line->show(render_progress(m_what, m_done, expected, elapsed));
        return;
    }
    if (!force && m_reported_once && now - m_last_report < m_event_interval) return;
    // JSON events: the first one only after a full interval, so a short run logs none.
    if (force || now - m_started < m_event_interval) return;
    m_last_report = now;
    m_reported_once = true;
    const auto expected = total();
    const double rate = elapsed > 0 ? static_cast<double>(m_done) / elapsed : 0;
    nlohmann::json fields = {{"command", m_what},
                             {"issues_done", m_done},
                             {"issues_expected", expected ? nlohmann::json(*expected) : nlohmann::json(nullptr)},
                             {"issues_per_second", std::round(rate * 10) / 10},
                             {"elapsed_seconds", std::round(elapsed * 10) / 10}};
    if (expected && rate > 0)
        fields["eta_seconds"] = std::round(static_cast<double>(std::max<std::int64_t>(*expected - m_done, 0)) / rate);
    log_event(spdlog::level::info, "progress", fields, "{}", render_progress(m_what, m_done, expected, elapsed));
}

void ProgressReporter::finish() {
    if (m_mode == ProgressMode::terminal && m_line) m_line->clear();
}

}  // namespace j2s
