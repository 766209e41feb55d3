#include "cli/commands.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <iostream>
#include <set>

#include "http/curl_transport.hpp"
#include "jira/jira_api.hpp"
#include "mapping/mapping.hpp"
#include "store/store_factory.hpp"
#include "sync/dead_letter_retry.hpp"
#include "util/time.hpp"

namespace j2s {

namespace {

// The Jira side of a command: transport, clock, client and endpoints, alive together.
struct JiraSession {
    explicit JiraSession(const Config& config)
        : transport(config.jira.timeout_seconds, config.jira.ca_file), client(config.jira, transport, clock), api(client) {}
    CurlTransport transport;
    SystemClock clock;
    JiraClient client;
    JiraApi api;
};

std::string or_dash(const std::optional<std::string>& s) { return s ? *s : "-"; }

}  // namespace

// Everything a command that writes issues needs, in the order that keeps exit 2 write-free: the mapping and
// its `field:` references are checked against the site before the database is opened.
struct PreparedRun {
    explicit PreparedRun(const Config& config) : mapping(Mapping::load(config.mapping_file)), jira(config) {
        const auto site_fields = jira.api.fields();
        for (const auto& warning : mapping.resolve_fields(site_fields)) spdlog::warn("{}", warning);
        store = open_store(config.database);
        lock = store->acquire_lock(scope_key(config.jira));
        for (const auto& name : store->migrate()) spdlog::info("applied migration {}", name);
        store->replace_jira_fields(site_fields);
        store->sync_mapped_columns(mapping.column_defs());
    }
    Mapping mapping;
    JiraSession jira;
    std::unique_ptr<Store> store;
    std::unique_ptr<RunLock> lock;
};

ExitCode command_sync(const Config& config, const SyncOptions& options) {
    PreparedRun prepared(config);
    if (config.sync.reconcile_deletes)
        spdlog::warn("sync.reconcile_deletes: deletion reconciliation is not part of this version yet; issues "
                     "deleted in Jira stay live in the tables (set it to false to silence this warning)");
    SyncRunner runner(config, prepared.mapping, *prepared.store, prepared.jira.api, prepared.jira.clock);
    const RunSummary summary = runner.run(options);
    spdlog::info("{}", summary_line("sync", summary));
    return summary.status == RunStatus::partial ? ExitCode::dead_lettered : ExitCode::ok;
}

ExitCode command_migrate(const Config& config) {
    auto store = open_store(config.database);
    auto lock = store->acquire_lock(scope_key(config.jira));
    const auto applied = store->migrate();
    for (const auto& name : applied) spdlog::info("applied migration {}", name);
    if (applied.empty()) spdlog::info("{} is up to date", store->describe());
    return ExitCode::ok;
}

ExitCode command_fields(const Config& config) {
    JiraSession jira(config);
    const auto site_fields = jira.api.fields();
    Mapping mapping = Mapping::load(config.mapping_file);
    std::string unresolved;
    try {
        for (const auto& warning : mapping.resolve_fields(site_fields)) spdlog::warn("{}", warning);
    } catch (const ConfigError& e) {
        unresolved = e.what();
    }
    std::set<std::string> used;
    for (const auto& column : mapping.columns())
        if (column.resolved_field_id) used.insert(*column.resolved_field_id);

    std::cout << fmt::format("{:<2}{:<28} {:<36} {:<7} {}\n", "", "ID", "NAME", "CUSTOM", "TYPE");
    for (const auto& f : site_fields) {
        std::string type = f.schema_type.value_or("-");
        if (f.items_type) type += "<" + *f.items_type + ">";
        if (f.custom_type) type += " (" + *f.custom_type + ")";
        std::cout << fmt::format("{:<2}{:<28} {:<36} {:<7} {}\n", used.count(f.id) ? "*" : "", f.id, f.name,
                                 f.custom ? "yes" : "no", type);
    }
    std::cout << fmt::format("{} fields; * = used by {}\n", site_fields.size(), config.mapping_file.string());
    if (!unresolved.empty()) throw ConfigError(unresolved);
    return ExitCode::ok;
}

ExitCode command_dead_letters(const Config& config, bool include_resolved) {
    auto store = open_store(config.database);
    store->migrate();
    const auto rows = store->dead_letters(include_resolved);
    std::cout << fmt::format("{:<6} {:<14} {:<10} {:<8} {:<25} {}\n", "ID", "ISSUE", "STAGE", "ATTEMPTS",
                             include_resolved ? "RESOLVED" : "LAST FAILED", "ERROR");
    for (const auto& d : rows)
        std::cout << fmt::format("{:<6} {:<14} {:<10} {:<8} {:<25} {}\n", d.id, d.issue_key, d.stage, d.attempts,
                                 include_resolved ? d.resolved_at.value_or("open") : d.last_failed_at, d.error);
    std::cout << rows.size() << (include_resolved ? " dead letters\n" : " open dead letters\n");
    return ExitCode::ok;
}

ExitCode command_retry_dead_letters(const Config& config) {
    PreparedRun prepared(config);
    const RetrySummary summary =
        retry_dead_letters(config, prepared.mapping, *prepared.store, prepared.jira.api, prepared.jira.clock);
    spdlog::info("retry-dead-letters: {} attempted, {} resolved, {} still open", summary.attempted, summary.resolved,
                 summary.still_open);
    spdlog::info("{}", summary_line("retry-dead-letters", summary.run));
    return summary.still_open > 0 ? ExitCode::dead_lettered : ExitCode::ok;
}

ExitCode command_status(const Config& config, bool as_json) {
    auto store = open_store(config.database);
    store->migrate();
    const std::string key = scope_key(config.jira);
    const ScopeState state = store->load_scope_state(key);
    const TableCounts counts = store->counts();
    const auto runs = store->recent_runs(10);

    nlohmann::json checkpoint = nullptr;
    if (state.checkpoint_json) {
        auto parsed = nlohmann::json::parse(*state.checkpoint_json, nullptr, false);
        checkpoint = parsed.is_discarded() ? nlohmann::json(*state.checkpoint_json) : parsed;
    }
    if (as_json) {
        nlohmann::json out = {
            {"database", store->describe()},
            {"scope", scope_description(config.jira)},
            {"watermark", state.watermark ? nlohmann::json(format_utc(*state.watermark)) : nlohmann::json(nullptr)},
            {"checkpoint", checkpoint},
            {"counts",
             {{"issues", counts.issues},
              {"issues_live", counts.issues_live},
              {"changelog_items", counts.changelog_items},
              {"dead_letters_open", counts.dead_letters_open}}},
            {"runs", nlohmann::json::array()}};
        for (const auto& r : runs) {
            out["runs"].push_back({{"id", r.id},
                                   {"mode", r.mode},
                                   {"started_at", r.started_at},
                                   {"finished_at", r.finished_at ? nlohmann::json(*r.finished_at) : nlohmann::json(nullptr)},
                                   {"status", r.status},
                                   {"issues_upserted", r.counters.issues_upserted},
                                   {"changelog_items_written", r.counters.changelog_items_written},
                                   {"dead_lettered", r.counters.dead_lettered},
                                   {"soft_deleted", r.counters.soft_deleted},
                                   {"requests", r.counters.requests},
                                   {"retries", r.counters.retries},
                                   {"error", r.error ? nlohmann::json(*r.error) : nlohmann::json(nullptr)}});
        }
        std::cout << out.dump(2) << "\n";
        return ExitCode::ok;
    }
    std::cout << "database:    " << store->describe() << "\n";
    std::cout << "scope:       " << scope_description(config.jira) << "\n";
    std::cout << "watermark:   "
              << (state.watermark ? format_utc(*state.watermark) + " (Jira's clock)" : "none: the next sync is a full backfill")
              << "\n";
    if (checkpoint.is_object())
        std::cout << "checkpoint:  interrupted " << checkpoint.value("mode", "?") << " run started "
                  << checkpoint.value("run_started", "?") << "; `jira2sql sync` resumes it, `sync --restart` discards it\n";
    else
        std::cout << "checkpoint:  none\n";
    std::cout << fmt::format("issues:      {} ({} live), changelog items: {}, open dead letters: {}\n", counts.issues,
                             counts.issues_live, counts.changelog_items, counts.dead_letters_open);
    std::cout << "last runs:\n";
    std::cout << fmt::format("  {:>5} {:<12} {:<25} {:<10} {:>9} {:>10} {:>5} {:>9} {:>7}  {}\n", "ID", "MODE", "STARTED",
                             "STATUS", "UPSERTED", "CHANGELOG", "DEAD", "REQUESTS", "RETRIES", "ERROR");
    for (const auto& r : runs)
        std::cout << fmt::format("  {:>5} {:<12} {:<25} {:<10} {:>9} {:>10} {:>5} {:>9} {:>7}  {}\n", r.id, r.mode,
                                 r.started_at, r.status, r.counters.issues_upserted, r.counters.changelog_items_written,
                                 r.counters.dead_lettered, r.counters.requests, r.counters.retries, or_dash(r.error));
    return ExitCode::ok;
}

}  // namespace j2s
