#pragma once
// The metrics file: Prometheus text exposition format (version 0.0.4), written at the end of every run
// for node_exporter's textfile collector (--collector.textfile.directory). Written atomically: a
// temporary file in the same folder, fsync, rename, so the collector never reads half a file.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "store/store.hpp"

namespace j2s {

struct RunMetrics {
    std::string command;            // sync | retry-dead-letters
    std::string status;             // succeeded | partial | failed
    std::string mode;               // the run's mode (sync_runs.mode), "" if no run was recorded
    int exit_code = 0;
    std::optional<std::int64_t> run_id;
    double started_at = 0;          // unix seconds
    double finished_at = 0;         // unix seconds
    RunCounters counters;
    std::int64_t throttled = 0;     // 429 responses
    std::optional<std::int64_t> dead_letters_open;
    std::optional<std::int64_t> issues_live;
    std::optional<double> watermark;  // unix seconds
};

// The exposition text. Every metric has HELP and TYPE lines; optional values are left out when unknown.
std::string render_metrics(const RunMetrics& m, double now_unix_seconds);

// Writes `text` to `path` through `path.tmp-<pid>` in the same folder and a rename. Throws j2s::Error
// naming the path on failure.
void write_file_atomically(const std::filesystem::path& path, const std::string& text);

double unix_seconds(Timestamp t);

}  // namespace j2s
