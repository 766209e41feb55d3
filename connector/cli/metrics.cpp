#include "cli/metrics.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "util/errors.hpp"

namespace j2s {

namespace {

std::string number(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
    if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{:.0f}", v);
    return fmt::format("{:.3f}", v);
}

void metric(std::string& out, const std::string& name, const std::string& help, double value) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " gauge\n" + name + " " + number(value) + "\n";
}

}  // namespace

double unix_seconds(Timestamp t) {
    return std::chrono::duration<double>(t.time_since_epoch()).count();
}

std::string render_metrics(const RunMetrics& m, double now) {
    std::string out;
    const std::string command = m.command == "retry-dead-letters" ? "retry_dead_letters" : "sync";
    // One file per command, so the labels only say what the run was.
    out += "# HELP jira2sql_last_run_status Outcome of the last run: 1 for its status, 0 for the others.\n"
           "# TYPE jira2sql_last_run_status gauge\n";
    for (const char* s : {"succeeded", "partial", "failed"})
        out += fmt::format("jira2sql_last_run_status{{command=\"{}\",status=\"{}\"}} {}\n", command, s, m.status == s ? 1 : 0);
    metric(out, "jira2sql_last_run_success", "1 if the last run finished (succeeded, or partial with dead letters), 0 if it failed.",
           m.status == "failed" ? 0 : 1);
    metric(out, "jira2sql_last_run_exit_code", "Exit code of the last run (0 ok, 1 failed, 2 usage/config, 3 dead letters).",
           m.exit_code);
    if (m.run_id) metric(out, "jira2sql_last_run_id", "sync_runs.id of the last run.", static_cast<double>(*m.run_id));
    metric(out, "jira2sql_last_run_start_timestamp_seconds", "When the last run started (unix time).", m.started_at);
    metric(out, "jira2sql_last_run_end_timestamp_seconds", "When the last run ended (unix time).", m.finished_at);
    metric(out, "jira2sql_last_run_duration_seconds", "Duration of the last run.", std::max(0.0, m.finished_at - m.started_at));
    const auto& c = m.counters;
    metric(out, "jira2sql_last_run_issues_upserted", "Issues inserted or updated by the last run.", static_cast<double>(c.issues_upserted));
    metric(out, "jira2sql_last_run_changelog_items_written", "Changelog items inserted by the last run.",
           static_cast<double>(c.changelog_items_written));
    metric(out, "jira2sql_last_run_dead_lettered", "Issues sent to dead_letters by the last run.", static_cast<double>(c.dead_lettered));
    metric(out, "jira2sql_last_run_soft_deleted", "Issues soft-deleted by the last run.", static_cast<double>(c.soft_deleted));
    metric(out, "jira2sql_last_run_requests", "HTTP requests to Jira by the last run, retries included.", static_cast<double>(c.requests));
    metric(out, "jira2sql_last_run_retries", "Retried requests in the last run.", static_cast<double>(c.retries));
    metric(out, "jira2sql_last_run_throttled_responses", "HTTP 429 responses received by the last run.", static_cast<double>(m.throttled));
    if (m.dead_letters_open)
        metric(out, "jira2sql_dead_letters_open", "Open (unresolved) dead letters after the last run.",
               static_cast<double>(*m.dead_letters_open));
    if (m.issues_live) metric(out, "jira2sql_issues_live", "Live (not soft-deleted) issues stored.", static_cast<double>(*m.issues_live));
    if (m.watermark) {
        metric(out, "jira2sql_watermark_timestamp_seconds", "The scope's watermark (Jira's clock, unix time).", *m.watermark);
        metric(out, "jira2sql_watermark_lag_seconds", "How far the watermark lags behind now when the file was written.",
               std::max(0.0, now - *m.watermark));
    }
    return out;
}

void write_file_atomically(const std::filesystem::path& path, const std::string& text) {
    const std::filesystem::path tmp = path.string() + ".tmp-" + std::to_string(::getpid());
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) throw Error("cannot write the metrics file " + tmp.string() + ": " + std::strerror(errno));
    const char* p = text.data();
    std::size_t left = text.size();
    while (left > 0) {
        const ssize_t n = ::write(fd, p, left);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            const int err = errno;
            ::close(fd);
            ::unlink(tmp.c_str());
            throw Error("cannot write the metrics file " + tmp.string() + ": " + std::strerror(err));
        }
        p += n;
        left -= static_cast<std::size_t>(n);
    }
    ::fsync(fd);
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        const int err = errno;
        ::unlink(tmp.c_str());
        throw Error("cannot rename " + tmp.string() + " to " + path.string() + ": " + std::strerror(err));
    }
}

}  // namespace j2s
