#pragma once
// One function per CLI command. Each returns the process exit code or throws j2s::Error (which carries its
// own); `main` only parses arguments and maps exceptions.

#include "config/config.hpp"
#include "sync/sync_runner.hpp"
#include "util/errors.hpp"

#include <filesystem>

#include "cli/progress.hpp"

namespace j2s {

// How a run reports itself besides its log lines.
struct RunOutput {
    ProgressMode progress = ProgressMode::off;
    std::filesystem::path metrics_file;  // --metrics-file; sync falls back to config.metrics_file
};

ExitCode command_sync(const Config& config, const SyncOptions& options, const RunOutput& output = {});
// Deletion reconciliation as its own run (mode `reconcile`); exit 1 when a guard refuses (see sync/reconciler.hpp).
ExitCode command_reconcile(const Config& config, bool force, const RunOutput& output = {});
ExitCode command_status(const Config& config, bool as_json);
ExitCode command_migrate(const Config& config);
// Recomputes every mapped column of every stored issue from its raw JSON; never calls Jira. Exit 3 when
// some issues went to the dead letters.
ExitCode command_remap(const Config& config, const RunOutput& output = {});
ExitCode command_fields(const Config& config);
ExitCode command_dead_letters(const Config& config, bool include_resolved);
ExitCode command_retry_dead_letters(const Config& config, const RunOutput& output = {});
// Exit 1 when a project's count differs by more than `tolerance` or the sample found drift that the next
// sync would not fix.
ExitCode command_verify(const Config& config, std::int64_t tolerance, int sample);

}  // namespace j2s
