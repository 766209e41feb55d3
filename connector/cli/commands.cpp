#include "cli/commands.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <map>
#include <set>

#include "http/curl_transport.hpp"
#include "jira/jira_api.hpp"
#include "mapping/mapping.hpp"
#include "store/store_factory.hpp"
#include "sync/dead_letter_retry.hpp"
#include "sync/remapper.hpp"
#include "sync/reconciler.hpp"
#include "cli/metrics.hpp"
#include "cli/verify.hpp"
#include "util/log_event.hpp"
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

Timestamp now_utc() { return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()); }

// "3d 4h", "2h 5m", "4m 10s", "12s".
std::string human_age(double seconds) {
    const auto s = static_cast<long long>(std::max(0.0, seconds));
    if (s >= 86400) return fmt::format("{}d {}h", s / 86400, (s % 86400) / 3600);
    if (s >= 3600) return fmt::format("{}h {}m", s / 3600, (s % 3600) / 60);
    if (s >= 60) return fmt::format("{}m {}s", s / 60, s % 60);
    return fmt::format("{}s", s);
}

}  // namespace

namespace {

// The field ids `field:` columns resolved to in earlier runs (mapped_columns.field_id), read without
// creating anything: an absent SQLite file or a database without the tables has none.
std::map<std::string, std::string> stored_field_ids(const DatabaseConfig& db) {
    if (db.url.rfind("sqlite:", 0) == 0) {
        std::string path = db.url.substr(7);
        if (path.rfind("//", 0) == 0) path = path.substr(2);
        std::error_code ec;
        if (!std::filesystem::exists(path, ec)) return {};
    }
    try {
        return open_store(db)->remembered_field_ids();
    } catch (const Error& e) {
        spdlog::debug("no remembered field ids: {}", e.what());
        return {};
    }
}

// Resolves the mapping's `field:` columns against the site's fields. A reference that no longer resolves
// by name (the field was renamed in Jira) keeps working through the id an earlier run resolved it to
// (with a warning); the database is only read for that when the names alone do not resolve, so a
// mapping error still exits 2 without touching a new database.
void resolve_with_memory(Mapping& mapping, const std::vector<JiraField>& site_fields, const DatabaseConfig& db) {
    std::vector<std::string> warnings;
    try {
        warnings = mapping.resolve_fields(site_fields);
        // Resolved by name; the remembered ids only add a warning when an id changed.
        bool has_field_columns = false;
        for (const auto& c : mapping.columns()) has_field_columns |= c.is_field();
        if (has_field_columns) {
            const auto remembered = stored_field_ids(db);
            if (!remembered.empty()) warnings = mapping.resolve_fields(site_fields, remembered);
        }
    } catch (const ConfigError&) {
        const auto remembered = stored_field_ids(db);
        if (remembered.empty()) throw;
        warnings = mapping.resolve_fields(site_fields, remembered);
    }
    for (const auto& warning : warnings) spdlog::warn("{}", warning);
}

}  // namespace

// Everything a command that writes issues needs, in the order that keeps exit 2 write-free: the mapping and
// its `field:` references are checked against the site before the database is opened.
struct PreparedRun {
    explicit PreparedRun(const Config& config) : mapping(Mapping::load(config.mapping_file)), jira(config) {
        const auto site_fields = jira.api.fields();
        resolve_with_memory(mapping, site_fields, config.database);
        store = open_store(config.database);
        lock = store->acquire_lock(scope_key(config.jira));
        for (const auto& name : store->migrate()) spdlog::info("applied migration {}", name);
        store->replace_jira_fields(site_fields);
        // Mapping changes (added, removed, retyped columns) are applied, and added/retyped columns refilled
        // from raw, before the run writes anything through the new column set.
        apply_mapping(*store, mapping, scope_key(config.jira), true);
    }
    Mapping mapping;
    JiraSession jira;
    std::unique_ptr<Store> store;
    std::unique_ptr<RunLock> lock;
};

namespace {

// Collects what the metrics file says about a run, and writes it however the command ends (except exit 4:
// then another run is going on and writes its own).
class MetricsWriter {
public:
    MetricsWriter(std::filesystem::path path, std::string command)
        : m_path(std::move(path)), m_started(now_utc()) {
        m_metrics.command = std::move(command);
    }
    void attach(Store* store, const RequestStats* stats, std::string scope) {
        m_store = store;
        m_stats = stats;
        m_scope = std::move(scope);
    }
    void write(const std::string& status, ExitCode code) noexcept {
        if (m_path.empty()) return;
        try {
            m_metrics.status = status;
            m_metrics.exit_code = static_cast<int>(code);
            capture();
            if (!m_metrics.run_id) {  // no run row (failed before it started): the command's own times
                m_metrics.started_at = unix_seconds(m_started);
                m_metrics.finished_at = unix_seconds(now_utc());
            }
            write_file_atomically(m_path, render_metrics(m_metrics, unix_seconds(now_utc())));
            log_event(spdlog::level::debug, "metrics_written", {{"path", m_path.string()}}, "metrics written to {}",
                      m_path.string());
        } catch (const std::exception& e) {
            log_event(spdlog::level::warn, "metrics_failed", {{"path", m_path.string()}, {"error", e.what()}},
                      "could not write the metrics file: {}", e.what());
        }
    }

    // Reads the run's row, counts and watermark while the store is still open, then forgets the store.
    // Call it before the store goes away (end of the command's scope, or while an error unwinds through it).
    void capture() noexcept {
        if (m_stats) m_metrics.throttled = m_stats->throttled.load();
        if (m_store) fill_from_store();
        m_store = nullptr;
        m_stats = nullptr;
    }

private:
    // The run's row in sync_runs is the source of truth for its counters and times.
    void fill_from_store() noexcept {
        try {
            const std::int64_t run_id = log_run_id();
            if (run_id > 0)
                for (const auto& r : m_store->recent_runs(20))
                    if (r.id == run_id) {
                        m_metrics.run_id = r.id;
                        m_metrics.mode = r.mode;
                        m_metrics.counters = r.counters;
                        if (auto t = parse_jira_timestamp(r.started_at)) m_metrics.started_at = unix_seconds(*t);
                        if (r.finished_at)
                            if (auto t = parse_jira_timestamp(*r.finished_at)) m_metrics.finished_at = unix_seconds(*t);
                    }
            const auto counts = m_store->counts();
            m_metrics.dead_letters_open = counts.dead_letters_open;
            m_metrics.issues_live = counts.issues_live;
            if (auto w = m_store->load_scope_state(m_scope).watermark) m_metrics.watermark = unix_seconds(*w);
        } catch (const std::exception& e) {
            spdlog::debug("metrics: could not read the run from the database: {}", e.what());
        }
    }

    std::filesystem::path m_path;
    Timestamp m_started;
    RunMetrics m_metrics;
    Store* m_store = nullptr;
    const RequestStats* m_stats = nullptr;
    std::string m_scope;
};

// Captures the metrics when the command's scope ends, normally or by an exception, before the store that
// was declared ahead of it closes.
struct CaptureOnExit {
    explicit CaptureOnExit(MetricsWriter& m) : metrics(m) {}
    ~CaptureOnExit() { metrics.capture(); }
    CaptureOnExit(const CaptureOnExit&) = delete;
    CaptureOnExit& operator=(const CaptureOnExit&) = delete;
    MetricsWriter& metrics;
};

// Runs `body` (which returns the exit code and the run's status), writing the metrics file on every
// outcome but a held lock.
template <class F>
ExitCode with_metrics(MetricsWriter& metrics, F&& body) {
    try {
        auto [code, status] = body();
        metrics.write(status, code);
        return code;
    } catch (const LockedError&) {
        throw;
    } catch (const Error& e) {
        metrics.write("failed", e.exit_code());
        throw;
    } catch (const std::exception&) {
        metrics.write("failed", ExitCode::run_failed);
        throw;
    }
}

// `api`: where expected totals are counted; nullptr for a command that knows its total itself (remap,
// retry-dead-letters).
std::unique_ptr<ProgressReporter> make_progress(const RunOutput& output, const std::string& what, JiraApi* api) {
    if (output.progress == ProgressMode::terminal) install_terminal_status_line();
    std::function<std::int64_t(const std::string&)> count;
    if (api) count = [api](const std::string& jql) { return count_issues(*api, jql); };
    return std::make_unique<ProgressReporter>(output.progress, what, terminal_status_line(), std::move(count));
}

// The counters of a run as `run_finished` events and `status --json` name them.
nlohmann::json counter_fields(const RunCounters& c) {
    return {{"issues_upserted", c.issues_upserted}, {"changelog_items_written", c.changelog_items_written},
            {"dead_lettered", c.dead_lettered},     {"soft_deleted", c.soft_deleted},
            {"requests", c.requests},               {"retries", c.retries}};
}

nlohmann::json counters_json(const RunSummary& s) {
    nlohmann::json j = counter_fields(s.counters);
    j["run_id"] = s.run_id;
    j["status"] = run_status_name(s.status);
    j["seconds"] = std::round(s.seconds * 1000) / 1000;
    if (s.entity_rows) j["entity_rows_written"] = *s.entity_rows;
    return j;
}

}  // namespace

ExitCode command_sync(const Config& config, const SyncOptions& options, const RunOutput& output) {
    MetricsWriter metrics(output.metrics_file.empty() ? config.metrics_file : output.metrics_file, "sync");
    return with_metrics(metrics, [&]() -> std::pair<ExitCode, std::string> {
        PreparedRun prepared(config);
        metrics.attach(prepared.store.get(), &prepared.jira.client.stats(), scope_key(config.jira));
        CaptureOnExit capture_on_exit(metrics);
        SyncRunner runner(config, prepared.mapping, *prepared.store, prepared.jira.api, prepared.jira.clock);
        auto progress = make_progress(output, "sync", &prepared.jira.api);
        runner.set_observer(progress.get());
        const RunSummary summary = runner.run(options);
        progress->finish();
        log_event(spdlog::level::info, "run_finished", counters_json(summary), "{}", summary_line("sync", summary));
        return {summary.status == RunStatus::partial ? ExitCode::dead_lettered : ExitCode::ok,
                run_status_name(summary.status)};
    });
}

ExitCode command_reconcile(const Config& config, bool force, const RunOutput& output) {
    // Only an explicit --metrics-file: config.metrics_file describes the nightly sync.
    MetricsWriter metrics(output.metrics_file, "reconcile");
    return with_metrics(metrics, [&]() -> std::pair<ExitCode, std::string> {
        PreparedRun prepared(config);
        metrics.attach(prepared.store.get(), &prepared.jira.client.stats(), scope_key(config.jira));
        CaptureOnExit capture_on_exit(metrics);
        auto progress = make_progress(output, "reconcile", &prepared.jira.api);
        const RunSummary summary =
            run_reconcile(config, *prepared.store, prepared.jira.api, prepared.jira.clock, force, progress.get());
        progress->finish();
        log_event(spdlog::level::info, "run_finished", counters_json(summary), "{}", summary_line("reconcile", summary));
        return {ExitCode::ok, run_status_name(summary.status)};
    });
}

ExitCode command_migrate(const Config& config) {
    // The mapping decides the mapped columns, so migrate applies its changes too (without calling Jira).
    Mapping mapping = Mapping::load(config.mapping_file);
    auto store = open_store(config.database);
    auto lock = store->acquire_lock(scope_key(config.jira));
    const auto applied = store->migrate();
    for (const auto& name : applied) spdlog::info("applied migration {}", name);
    // `field:` columns resolve from the stored field list; without it their type changes still apply,
    // only the refill from raw waits for the next sync.
    bool resolved = true;
    try {
        for (const auto& w : mapping.resolve_fields(store->jira_fields(), store->remembered_field_ids()))
            spdlog::warn("{}", w);
    } catch (const ConfigError& e) {
        resolved = false;
        spdlog::warn("cannot resolve the mapping's field: references from the stored field list ({}); column "
                     "changes are applied, refilling them waits for the next sync",
                     e.what());
    }
    const auto before = store->mapping_changes().size();
    apply_mapping(*store, mapping, scope_key(config.jira), resolved);
    if (applied.empty() && store->mapping_changes().size() == before) spdlog::info("{} is up to date", store->describe());
    return ExitCode::ok;
}

ExitCode command_remap(const Config& config, const RunOutput& output) {
    Mapping mapping = Mapping::load(config.mapping_file);
    auto store = open_store(config.database);
    // Field references resolve from the stored field list and remembered ids: remap never calls Jira.
    // Checked before anything is written, so a mapping error exits 2 with the database unchanged.
    std::vector<JiraField> fields;
    std::map<std::string, std::string> remembered;
    try {
        fields = store->jira_fields();
        remembered = store->remembered_field_ids();
    } catch (const StoreError&) {
        // Not migrated yet: no stored fields, no memory.
    }
    bool has_field_columns = false;
    for (const auto& c : mapping.columns()) has_field_columns |= c.is_field();
    if (has_field_columns && fields.empty())
        throw ConfigError(config.mapping_file.string() +
                          ": remap resolves field: references from the field list stored by sync, and the database "
                          "has none yet: run `jira2sql sync` first");
    for (const auto& w : mapping.resolve_fields(fields, remembered)) spdlog::warn("{}", w);

    auto lock = store->acquire_lock(scope_key(config.jira));
    for (const auto& name : store->migrate()) spdlog::info("applied migration {}", name);
    store->sync_mapped_columns(mapping.column_defs());
    store->remember_field_ids(mapping.resolved_field_ids());
    auto progress = make_progress(output, "remap", nullptr);
    RemapOptions options;
    options.progress = progress.get();
    const RemapSummary summary = run_remap(*store, mapping, scope_key(config.jira), options);
    progress->finish();
    const double rate = summary.seconds > 0 ? static_cast<double>(summary.issues_read) / summary.seconds : 0.0;
    log_event(spdlog::level::info, "run_finished",
              {{"run_id", summary.run_id},
               {"status", run_status_name(summary.status)},
               {"issues_upserted", summary.counters.issues_upserted},
               {"dead_lettered", summary.counters.dead_lettered},
               {"requests", 0},
               {"seconds", std::round(summary.seconds * 1000) / 1000},
               {"issues_per_second", std::round(rate)}},
              "{}", remap_summary_line(summary));
    return summary.status == RunStatus::partial ? ExitCode::dead_lettered : ExitCode::ok;
}

ExitCode command_fields(const Config& config) {
    JiraSession jira(config);
    const auto site_fields = jira.api.fields();
    Mapping mapping = Mapping::load(config.mapping_file);
    std::string unresolved;
    // The ids earlier runs resolved keep renamed fields working; the database is only read.
    const auto remembered = stored_field_ids(config.database);
    try {
        for (const auto& warning : mapping.resolve_fields(site_fields, remembered)) spdlog::warn("{}", warning);
    } catch (const ConfigError& e) {
        unresolved = e.what();
    }

    // Field id -> the mapping's columns using it, with the name the mapping gives when Jira's differs.
    std::map<std::string, std::vector<std::string>> used;
    std::map<std::string, const JiraField*> by_id;
    std::map<std::string, const JiraField*> by_name;  // unique names only (an ambiguous one marks nothing)
    std::set<std::string> shared_names;
    for (const auto& f : site_fields) {
        by_id[f.id] = &f;
        if (!by_name.emplace(f.name, &f).second) shared_names.insert(f.name);
    }
    for (const auto& n : shared_names) by_name.erase(n);
    std::set<std::string> unresolved_columns;
    std::vector<std::string> renamed;
    for (const auto& column : mapping.columns()) {
        std::optional<std::string> id = column.resolved_field_id;
        if (column.is_field() && !id) {
            // The mapping as a whole did not resolve (resolve_fields changes nothing then): look this
            // column up on its own, so the columns that do resolve are still marked.
            for (const auto& c : column.field_candidates) {
                if (by_id.count(c)) id = c;
                else if (const auto n = by_name.find(c); n != by_name.end()) id = n->second->id;
                if (id) break;
            }
            if (!id)
                if (const auto r = remembered.find(column.name); r != remembered.end() && by_id.count(r->second))
                    id = r->second;
            if (!id && column.required) unresolved_columns.insert(column.name);
        }
        if (id) {
            std::string note = column.name;
            const auto it = by_id.find(*id);
            const bool by_name_or_id = it != by_id.end() &&
                std::any_of(column.field_candidates.begin(), column.field_candidates.end(),
                            [&](const std::string& c) { return c == it->second->name || c == it->second->id; });
            if (!by_name_or_id && it != by_id.end())
                renamed.push_back(fmt::format("RENAMED     column {}: the mapping says '{}', Jira now calls {} '{}'",
                                              column.name, column.field, *id, it->second->name));
            used[*id].push_back(note);
        } else if (column.source.rfind("fields.", 0) == 0) {
            // A `source:` path into fields.X uses field X too.
            std::string source_id = column.source.substr(7);
            source_id = source_id.substr(0, source_id.find_first_of(".["));
            if (by_id.count(source_id)) used[source_id].push_back(column.name);
        }
    }

    std::cout << fmt::format("{:<2}{:<28} {:<36} {:<7} {:<24} {}\n", "", "ID", "NAME", "CUSTOM", "COLUMNS", "TYPE");
    for (const auto& f : site_fields) {
        std::string type = f.schema_type.value_or("-");
        if (f.items_type) type += "<" + *f.items_type + ">";
        if (f.custom_type) type += " (" + *f.custom_type + ")";
        std::string columns;
        if (const auto it = used.find(f.id); it != used.end())
            for (const auto& c : it->second) columns += (columns.empty() ? "" : ", ") + c;
        std::cout << fmt::format("{:<2}{:<28} {:<36} {:<7} {:<24} {}\n", used.count(f.id) ? "*" : "", f.id, f.name,
                                 f.custom ? "yes" : "no", columns.empty() ? "-" : columns, type);
    }
    std::cout << fmt::format("{} fields; * = used by {}\n", site_fields.size(), config.mapping_file.string());
    for (const auto& line : renamed) std::cout << line << "\n";
    for (const auto& column : mapping.columns())
        if (unresolved_columns.count(column.name))
            std::cout << fmt::format("UNRESOLVED  column {}: Jira has no field '{}'\n", column.name, column.field);
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

ExitCode command_retry_dead_letters(const Config& config, const RunOutput& output) {
    // Only an explicit --metrics-file: config.metrics_file describes the nightly sync.
    MetricsWriter metrics(output.metrics_file, "retry-dead-letters");
    return with_metrics(metrics, [&]() -> std::pair<ExitCode, std::string> {
        PreparedRun prepared(config);
        metrics.attach(prepared.store.get(), &prepared.jira.client.stats(), scope_key(config.jira));
        CaptureOnExit capture_on_exit(metrics);
        auto progress = make_progress(output, "retry-dead-letters", nullptr);
        const RetrySummary summary = retry_dead_letters(config, prepared.mapping, *prepared.store, prepared.jira.api,
                                                        prepared.jira.clock, progress.get());
        progress->finish();
        spdlog::info("retry-dead-letters: {} attempted, {} resolved, {} still open", summary.attempted,
                     summary.resolved, summary.still_open);
        auto fields = counters_json(summary.run);
        fields["attempted"] = summary.attempted;
        fields["resolved"] = summary.resolved;
        fields["still_open"] = summary.still_open;
        log_event(spdlog::level::info, "run_finished", fields, "{}", summary_line("retry-dead-letters", summary.run));
        return {summary.still_open > 0 ? ExitCode::dead_lettered : ExitCode::ok, run_status_name(summary.run.status)};
    });
}

ExitCode command_status(const Config& config, bool as_json) {
    auto store = open_store(config.database);
    store->migrate();
    const std::string key = scope_key(config.jira);
    const ScopeState state = store->load_scope_state(key);
    const TableCounts counts = store->counts();
    const auto runs = store->recent_runs(10);

    // What on-call asks first. A run is going on when the scope's lock is held; its `running` row says
    // since when. A `running` row without the lock is a run that was killed (the next run marks it failed).
    const std::optional<std::string> holder = store->lock_holder(key);
    const RunRow* running_row = nullptr;
    const RunRow* last_finished = nullptr;
    for (const auto& r : runs) {
        if (r.status == "running" && !running_row) running_row = &r;
        if (r.status != "running" && !last_finished) last_finished = &r;
    }
    const bool active = holder.has_value();
    const std::optional<double> watermark_age =
        state.watermark ? std::optional<double>(std::chrono::duration<double>(now_utc() - *state.watermark).count())
                        : std::nullopt;
    auto opt = [](const std::optional<std::string>& v) { return v ? nlohmann::json(*v) : nlohmann::json(nullptr); };

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
            {"running",
             {{"active", active},
              {"since", active && running_row ? nlohmann::json(running_row->started_at) : nlohmann::json(nullptr)},
              {"run_id", active && running_row ? nlohmann::json(running_row->id) : nlohmann::json(nullptr)},
              {"mode", active && running_row ? nlohmann::json(running_row->mode) : nlohmann::json(nullptr)},
              {"holder", opt(holder)},
              {"interrupted_run_id",
               !active && running_row ? nlohmann::json(running_row->id) : nlohmann::json(nullptr)}}},
            {"last_run",
             last_finished ? nlohmann::json{{"id", last_finished->id},
                                            {"mode", last_finished->mode},
                                            {"status", last_finished->status},
                                            {"succeeded", last_finished->status == "succeeded"},
                                            {"started_at", last_finished->started_at},
                                            {"finished_at", opt(last_finished->finished_at)},
                                            {"error", opt(last_finished->error)}}
                           : nlohmann::json(nullptr)},
            {"watermark_age_seconds",
             watermark_age ? nlohmann::json(std::round(*watermark_age)) : nlohmann::json(nullptr)},
            {"dead_letters_open", counts.dead_letters_open},
            {"counts",
             {{"issues", counts.issues},
              {"issues_live", counts.issues_live},
              {"changelog_items", counts.changelog_items},
              {"dead_letters_open", counts.dead_letters_open}}},
            {"runs", nlohmann::json::array()}};
        for (const auto& r : runs) {
            nlohmann::json run = counter_fields(r.counters);
            run.update({{"id", r.id},
                        {"mode", r.mode},
                        {"started_at", r.started_at},
                        {"finished_at", r.finished_at ? nlohmann::json(*r.finished_at) : nlohmann::json(nullptr)},
                        {"status", r.status},
                        {"error", r.error ? nlohmann::json(*r.error) : nlohmann::json(nullptr)}});
            out["runs"].push_back(std::move(run));
        }
        std::cout << out.dump(2) << "\n";
        return ExitCode::ok;
    }
    std::cout << "database:    " << store->describe() << "\n";
    std::cout << "scope:       " << scope_description(config.jira) << "\n";
    if (active)
        std::cout << "running:     yes"
                  << (running_row ? fmt::format(", {} run {} since {} ({} ago)", running_row->mode, running_row->id,
                                                running_row->started_at,
                                                parse_jira_timestamp(running_row->started_at)
                                                    ? human_age(std::chrono::duration<double>(
                                                                    now_utc() - *parse_jira_timestamp(running_row->started_at))
                                                                    .count())
                                                    : std::string("?"))
                                  : std::string(""))
                  << "; lock held by " << (holder->empty() ? std::string("an unknown process") : *holder) << "\n";
    else if (running_row)
        std::cout << "running:     no; run " << running_row->id << " (started " << running_row->started_at
                  << ") stopped without finishing and is marked failed by the next run\n";
    else
        std::cout << "running:     no\n";
    if (last_finished)
        std::cout << "last run:    " << last_finished->status << " (" << last_finished->mode << " run " << last_finished->id
                  << (last_finished->finished_at ? ", finished " + *last_finished->finished_at
                                                 : ", started " + last_finished->started_at)
                  << ")"
                  << (last_finished->error ? ": " + *last_finished->error : std::string("")) << "\n";
    else
        std::cout << "last run:    none\n";
    std::cout << "watermark:   "
              << (state.watermark ? format_utc(*state.watermark) + " (Jira's clock; data " + human_age(*watermark_age) + " old)"
                                  : "none: the next sync is a full backfill")
              << "\n";
    std::cout << "dead letters: " << counts.dead_letters_open << " open"
              << (counts.dead_letters_open > 0 ? " (`jira2sql dead-letters` lists them)" : "") << "\n";
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

ExitCode command_verify(const Config& config, std::int64_t tolerance, int sample) {
    if (tolerance < 0) throw ConfigError("--tolerance must be 0 or more");
    if (sample < 0) throw ConfigError("--sample must be 0 or more");
    Mapping mapping = Mapping::load(config.mapping_file);
    JiraSession jira(config);
    if (sample > 0)
        for (const auto& warning : mapping.resolve_fields(jira.api.fields())) spdlog::warn("{}", warning);
    auto store = open_store(config.database);
    store->migrate();
    const std::string time_zone = jira.api.account_time_zone();

    const auto rows = compare_project_counts(jira.api, *store, config.jira.jql, time_zone);
    const char* counted_by = config.jira.flavor == Flavor::cloud ? "approximate-count" : "search total";
    std::cout << fmt::format("{:<20} {:>10} {:>10} {:>10}\n", "PROJECT", "JIRA", "STORED", "DIFF");
    std::int64_t failing = 0, jira_total = 0, stored_total = 0;
    for (const auto& r : rows) {
        const bool bad = std::llabs(r.difference()) > tolerance;
        if (bad) ++failing;
        jira_total += r.jira;
        stored_total += r.stored;
        std::cout << fmt::format("{:<20} {:>10} {:>10} {:>+10}  {}\n", r.project, r.jira, r.stored, r.difference(),
                                 bad ? "MISMATCH" : "ok");
    }
    std::cout << fmt::format("{:<20} {:>10} {:>10} {:>+10}\n", "total", jira_total, stored_total, jira_total - stored_total);
    std::cout << fmt::format("Jira counts by {}; stored = live rows (deleted_at IS NULL); tolerance {}\n", counted_by,
                             tolerance);

    std::int64_t hard_drift = 0;
    if (sample > 0) {
        const auto watermark = store->load_scope_state(scope_key(config.jira)).watermark;
        const auto result = compare_sample(jira.api, *store, mapping, sample, watermark);
        std::set<std::int64_t> drifted, hard;
        for (const auto& d : result.drift) {
            drifted.insert(d.id);
            if (!d.changed_since_watermark) hard.insert(d.id);
        }
        hard_drift = static_cast<std::int64_t>(hard.size());
        std::cout << fmt::format("\nsample: {} issues re-fetched, {} differ ({} changed in Jira since the watermark: "
                                 "the next sync takes them)\n",
                                 result.checked, drifted.size(), drifted.size() - hard.size());
        if (!result.drift.empty()) {
            std::cout << fmt::format("{:<14} {:<22} {:<30} {:<30} {}\n", "ISSUE", "WHAT", "STORED", "JIRA", "");
            for (const auto& d : result.drift)
                std::cout << fmt::format("{:<14} {:<22} {:<30} {:<30} {}\n", d.key, d.what, d.stored, d.jira,
                                         d.changed_since_watermark ? "changed since sync" : "DRIFT");
        }
    }
    log_event(spdlog::level::info, "verify_finished",
              {{"projects", rows.size()}, {"mismatched", failing}, {"tolerance", tolerance},
               {"jira_total", jira_total}, {"stored_total", stored_total}, {"sample_drift", hard_drift}},
              "verify: {} of {} rows beyond tolerance {}; {} sampled issues drifted", failing, rows.size(), tolerance,
              hard_drift);
    return failing > 0 || hard_drift > 0 ? ExitCode::run_failed : ExitCode::ok;
}

}  // namespace j2s
