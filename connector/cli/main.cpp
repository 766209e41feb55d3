// jira2sql: copies Jira issues and their changelogs into SQL. This file only parses the command line and
// maps errors to exit codes; the commands live in cli/commands.cpp.

#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

#include "cli/commands.hpp"
#include "cli/logging.hpp"
#include "config/config.hpp"
#include "jira/search_cursor.hpp"
#include "util/errors.hpp"

#ifndef J2S_VERSION
#define J2S_VERSION "0.0.0"
#endif

int main(int argc, char** argv) {
    using namespace j2s;
    // glibc gives each reading thread its own arena and keeps what they free, so peak RSS grew with
    // max_concurrency even though the pages in flight are bounded (issue 6: a 2,000-issue run went from 96 to
    // 63 MB with two arenas). An explicit MALLOC_ARENA_MAX from the environment still wins.
    if (!std::getenv("MALLOC_ARENA_MAX")) mallopt(M_ARENA_MAX, 2);
    CLI::App app{"jira2sql: copy Jira issues and their changelogs into SQL (SQLite or PostgreSQL)"};
    app.require_subcommand(1);
    std::string config_path;
    std::string log_format = "text";
    int verbose = 0;
    bool quiet = false;
    app.add_option("--config", config_path, "configuration file (default: $JIRA2SQL_CONFIG, else ./config.yaml)");
    app.add_option("--log-format", log_format, "text or json")->check(CLI::IsMember({"text", "json"}));
    app.add_flag("-v,--verbose", verbose, "more detail (-v: every request, -vv: trace)");
    app.add_flag("-q,--quiet", quiet, "only warnings and errors");
    std::string metrics_file;
    app.add_option("--metrics-file", metrics_file,
                   "write Prometheus metrics of the run to this file at its end (sync, reconcile, retry-dead-letters); "
                   "overrides metrics_file in the config");

    SyncOptions sync_options;
    bool full = false;
    auto* sync = app.add_subcommand("sync", "incremental sync of the scope (the first run is a full backfill)");
    sync->add_flag("--full", full, "re-read every issue in scope; resumes an interrupted full run");
    sync->add_flag("--restart", sync_options.restart, "discard an interrupted run's checkpoint and start over");
    sync->add_option("--jql", sync_options.extra_jql, "one-off run restricted to (scope) AND (EXTRA); keeps the watermark");

    bool force = false;
    auto* reconcile = app.add_subcommand(
        "reconcile", "soft-delete issues that vanished from the scope (deleted, moved out, hidden); restore returning ones");
    reconcile->add_flag("--force", force, "apply even when more than sync.max_delete_fraction of the live issues vanished");

    bool status_json = false;
    auto* status = app.add_subcommand("status", "watermark, checkpoint, last runs, row counts, open dead letters");
    status->add_flag("--json", status_json, "machine-readable output");

    bool all_dead_letters = false;
    auto* dead_letters = app.add_subcommand("dead-letters", "list open dead letters (all with --all)");
    dead_letters->add_flag("--all", all_dead_letters, "include resolved ones");

    auto* retry = app.add_subcommand("retry-dead-letters",
                                     "re-fetch the issue of every open dead letter and run it through the pipeline again");
    std::int64_t tolerance = 0;
    int sample = 0;
    auto* verify = app.add_subcommand("verify", "compare Jira's issue count per project with the stored rows; exit 1 on a mismatch");
    verify->add_option("--tolerance", tolerance, "allowed difference per project (default 0)");
    verify->add_option("--sample", sample, "also re-fetch N random stored issues and compare updated and mapped columns");

    auto* migrate = app.add_subcommand("migrate", "apply pending database migrations and exit");
    auto* fields = app.add_subcommand("fields", "list the site's fields and check the mapping's field: references");
    auto* remap = app.add_subcommand("remap",
                                     "recompute the mapped columns of every stored issue from its raw JSON (no Jira calls)");
    auto* version = app.add_subcommand("version", "print the version");

    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        const int code = app.exit(e);
        return code == 0 ? 0 : static_cast<int>(ExitCode::usage);
    }

    setup_logging(log_format == "json" ? LogFormat::json : LogFormat::text, quiet ? -1 : verbose);
    // Progress: a live line on a terminal; progress events in JSON logs; nothing otherwise or with -q.
    RunOutput run_output;
    run_output.metrics_file = metrics_file;
    if (!quiet) {
        if (log_format == "json") run_output.progress = ProgressMode::json_events;
        else if (::isatty(STDERR_FILENO)) run_output.progress = ProgressMode::terminal;
    }
    if (version->parsed()) {
        std::cout << "jira2sql " << J2S_VERSION << "\n";
        return 0;
    }

    try {
        if (config_path.empty()) {
            const char* from_env = std::getenv("JIRA2SQL_CONFIG");
            config_path = from_env && *from_env ? from_env : "config.yaml";
        }
        const Config config = load_config(config_path);
        ExitCode code = ExitCode::ok;
        if (sync->parsed()) {
            if (full && !sync_options.extra_jql.empty()) throw ConfigError("--full and --jql cannot be combined");
            // strip_order_by also trims, so compare with a trimmed copy.
            const auto& extra = sync_options.extra_jql;
            const auto first = extra.find_first_not_of(" \t\r\n");
            const auto trimmed = first == std::string::npos ? "" : extra.substr(first, extra.find_last_not_of(" \t\r\n") - first + 1);
            if (strip_order_by(extra) != trimmed)
                throw ConfigError("--jql: must not contain ORDER BY (the connector orders the results itself)");
            sync_options.mode = !sync_options.extra_jql.empty() ? SyncMode::jql : full ? SyncMode::full : SyncMode::incremental;
            code = command_sync(config, sync_options, run_output);
        } else if (reconcile->parsed()) {
            code = command_reconcile(config, force, run_output);
        } else if (status->parsed()) {
            code = command_status(config, status_json);
        } else if (dead_letters->parsed()) {
            code = command_dead_letters(config, all_dead_letters);
        } else if (retry->parsed()) {
            code = command_retry_dead_letters(config, run_output);
        } else if (verify->parsed()) {
            code = command_verify(config, tolerance, sample);
        } else if (migrate->parsed()) {
            code = command_migrate(config);
        } else if (fields->parsed()) {
            code = command_fields(config);
        } else if (remap->parsed()) {
            code = command_remap(config, run_output);
        }
        return static_cast<int>(code);
    } catch (const Error& e) {
        spdlog::error("{}", e.what());
        return static_cast<int>(e.exit_code());
    } catch (const std::exception& e) {
        spdlog::error("{}", e.what());
        return static_cast<int>(ExitCode::run_failed);
    }
}
