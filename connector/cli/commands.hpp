#pragma once
// One function per CLI command. Each returns the process exit code or throws j2s::Error (which carries its
// own); `main` only parses arguments and maps exceptions.

#include "config/config.hpp"
#include "sync/sync_runner.hpp"
#include "util/errors.hpp"

namespace j2s {

ExitCode command_sync(const Config& config, const SyncOptions& options);
ExitCode command_status(const Config& config, bool as_json);
ExitCode command_migrate(const Config& config);
ExitCode command_fields(const Config& config);
ExitCode command_dead_letters(const Config& config, bool include_resolved);
ExitCode command_retry_dead_letters(const Config& config);

}  // namespace j2s
