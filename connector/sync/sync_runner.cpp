#include "sync/sync_runner.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "sync/entity_sync.hpp"
#include "sync/page_committer.hpp"
#include "sync/reconciler.hpp"
#include "sync/scan_executor.hpp"
#include "sync/slice_planner.hpp"
#include "sync/sprint_refresh.hpp"
#include "sync/worklog_feed_sync.hpp"
#include "util/errors.hpp"
#include "util/log_event.hpp"

namespace j2s {

namespace {

// What rides the pages. The Sprint field ids come from the fields the command stored before the run, read only
// when sprints are synced.
EntityOptions scan_entity_options(const Config& config, Store& store) {
    const bool sprints = config.sync.has(Entity::sprints);
    return entity_options(config.sync, config.jira.flavor, sprints ? store.jira_fields() : std::vector<JiraField>{});
}

}  // namespace

std::string scope_description(const JiraConfig& jira, const std::string& extra_jql) {
    std::string d = jira.base_url + " [" + flavor_name(jira.flavor) + "] " + (jira.jql.empty() ? "(all issues)" : jira.jql);
    if (!extra_jql.empty()) d += " AND (" + extra_jql + ")";
    return d;
}

std::string scope_key(const JiraConfig& jira, const std::string& extra_jql) {
    // Readable on purpose: it appears in sync_state and sync_runs, where people look for "which scope".
    return scope_description(jira, extra_jql);
}

std::string summary_line(const std::string& what, const RunSummary& s) {
    const std::string entities = s.entity_rows ? fmt::format("{} entity rows written, ", *s.entity_rows) : "";
    return fmt::format(
        "{} {}: {} issues upserted, {} changelog items written, {} dead-lettered, {} soft-deleted, {}{} requests, "
        "{} retries, {:.1f} s",
        what, run_status_name(s.status), s.counters.issues_upserted, s.counters.changelog_items_written,
        s.counters.dead_lettered, s.counters.soft_deleted, entities, s.counters.requests, s.counters.retries,
        s.seconds);
}

SyncRunner::SyncRunner(const Config& config, const Mapping& mapping, Store& store, JiraApi& api, Clock& clock)
    : m_config(config), m_mapping(mapping), m_store(store), m_api(api), m_clock(clock) {}

RunSummary SyncRunner::run(const SyncOptions& options) {
    const auto started_steady = m_clock.steady_now();
    const std::string extra = options.mode == SyncMode::jql ? options.extra_jql : "";
    const std::string key = scope_key(m_config.jira, extra);
    const std::string scope_jql = extra.empty()                ? m_config.jira.jql
                                  : m_config.jira.jql.empty() ? extra
                                                              : "(" + strip_order_by(m_config.jira.jql) + ") AND (" + extra + ")";
    const std::string time_zone = m_api.account_time_zone();
    const Timestamp jira_now = m_api.server_time();
    const auto jira_now_steady = m_clock.steady_now();
    const ScopeState state = m_store.load_scope_state(key);

    std::optional<RunCheckpoint> resume;
    // What a discarded run still owed: its issues are stored, their remaining histories, comments and worklogs
    // are not.
    RunCheckpoint inherited;
    if (state.checkpoint_json) {
        RunCheckpoint previous;
        try {
            previous = RunCheckpoint::from_json(*state.checkpoint_json);
        } catch (const Error&) {
            if (!options.restart) throw;
        }
        // `sync` finishes whatever was interrupted; `sync --full` only finishes an interrupted full run.
        if (options.restart) {
            spdlog::info("--restart: discarding the checkpoint of the interrupted run");
            inherited = previous;
        } else if (options.mode != SyncMode::full || previous.mode == SyncMode::full) {
            resume = previous;
        } else {
            spdlog::info("an interrupted {} run is superseded by this full run", sync_mode_name(previous.mode));
            inherited = previous;
        }
    }

    RunCheckpoint checkpoint;
    if (resume) {
        checkpoint = *resume;
        spdlog::info("resuming the interrupted {} run (started {} by Jira's clock)", sync_mode_name(checkpoint.mode),
                     format_utc(checkpoint.run_started));
    } else {
        checkpoint.mode = options.mode;
        checkpoint.run_started = jira_now;
        if (options.mode == SyncMode::incremental) {
            if (state.watermark)
                checkpoint.lower_bound = *state.watermark - std::chrono::minutes(m_config.sync.overlap_minutes);
            else
                checkpoint.mode = SyncMode::full;  // the first sync of a scope is its full backfill
        }
        checkpoint.changelog_pending = inherited.changelog_pending;
        checkpoint.comment_pending = inherited.comment_pending;
        checkpoint.worklog_pending = inherited.worklog_pending;
    }
    const bool backfill = !checkpoint.lower_bound;

    RunSummary summary;
    summary.resumed = resume.has_value();
    summary.run_id = m_store.start_run(key, sync_mode_name(checkpoint.mode), m_clock.now());
    set_log_run_id(summary.run_id);
    log_event(spdlog::level::info, "run_started",
              {{"mode", sync_mode_name(checkpoint.mode)},
               {"resumed", summary.resumed},
               {"scope", scope_description(m_config.jira, extra)},
               {"updated_since", backfill ? nlohmann::json(nullptr) : nlohmann::json(format_utc(*checkpoint.lower_bound))},
               {"time_zone", time_zone}},
              "{} of {} (account time zone {})",
              backfill ? std::string("full backfill")
                       : "incremental sync of issues updated since " + format_utc(*checkpoint.lower_bound),
              scope_description(m_config.jira, extra), time_zone);
    if (m_observer)
        m_observer->run_started(summary.run_id, checkpoint.mode,
                                build_search_jql(scope_jql, checkpoint.lower_bound, time_zone));
    const auto& stats = m_api.client().stats();
    const auto requests_before = stats.requests.load();
    const auto retries_before = stats.retries.load();
    auto refresh_request_counters = [&] {
        summary.counters.requests = stats.requests.load() - requests_before;
        summary.counters.retries = stats.retries.load() - retries_before;
    };

    // Rows of the entities riding the pages and of the steps after the scan; reported whichever way the run ends.
    EntityRowsWritten entity_totals;
    std::int64_t listing_rows = 0;  // projects and users
    const auto note_entity_rows = [&] {
        if (!m_config.sync.entities.empty()) summary.entity_rows = entity_rows_total(entity_totals) + listing_rows;
    };
    std::optional<ScanExecutor> executor;
    try {
        if (!checkpoint.planned()) {
            // Only a full scan is worth slicing: an incremental one reads few pages, and counting would cost
            // more requests than it saves.
            std::vector<CreatedRange> slices{CreatedRange{}};
            if (backfill && checkpoint.mode != SyncMode::jql)
                slices = plan_slices(m_api, {scope_jql, checkpoint.lower_bound, time_zone, checkpoint.run_started,
                                             m_config.jira.max_concurrency, m_config.jira.page_size});
            for (const auto& range : slices) checkpoint.slices.push_back({range, CursorState{}});
        }
        ScanContext context{m_config, m_mapping, m_store, m_api, scope_jql, key, time_zone, summary.run_id};
        context.entities = scan_entity_options(m_config, m_store);
        // On Cloud the worklog feeds bring the changes of stored issues' worklogs once they have a watermark;
        // until then (the first run with worklogs) every page's worklogs are taken.
        context.worklogs_of_stored_issues =
            !(context.entities.worklogs && m_config.jira.flavor == Flavor::cloud &&
              m_store.load_entity_state(key, kWorklogFeedEntity));
        executor.emplace(std::move(context), checkpoint, summary.counters, refresh_request_counters,
                         [this](const RunCounters& totals, std::int64_t issues_read) {
                             if (m_observer) m_observer->page_committed(issues_read, totals);
                         });
        executor->run();
        entity_totals += executor->entities_written();
    } catch (const std::exception& e) {
        if (executor) entity_totals += executor->entities_written();
        note_entity_rows();
        refresh_request_counters();
        summary.status = RunStatus::failed;
        summary.error = e.what();
        summary.seconds = std::chrono::duration<double>(m_clock.steady_now() - started_steady).count();
        try {
            m_store.finish_run(summary.run_id, key, RunStatus::failed, m_clock.now(), summary.counters, summary.error,
                               std::nullopt, false);
        } catch (const std::exception& inner) {
            spdlog::error("could not record the failed run: {}", inner.what());
        }
        // A failed run ends with its summary line too (what it did, how many retries), before the error.
        spdlog::info("{}", summary_line("sync", summary));
        throw;
    }

    refresh_request_counters();
    summary.status = summary.counters.dead_lettered > 0 ? RunStatus::partial : RunStatus::succeeded;
    summary.seconds = std::chrono::duration<double>(m_clock.steady_now() - started_steady).count();
    // The scan saw every issue updated before it started, so Jira's clock at its start is the new watermark.
    // A --jql run covers only part of the scope and never moves it.
    std::optional<Timestamp> watermark;
    if (checkpoint.mode != SyncMode::jql) watermark = checkpoint.run_started;
    // Entities (sync.entities) after the scan, never for a --jql run (a one-off over part of the scope). A
    // failed entity makes the run `partial` (exit 3) with its error, but the scan keeps its watermark.
    if (checkpoint.mode != SyncMode::jql) {
        auto entities = sync_entities(m_api, m_store, m_config.sync, m_config.jira.flavor, m_mapping.users_email());
        if (entities.projects) listing_rows += entities.projects->written;
        if (entities.users) listing_rows += entities.users->written;
        // The steps that follow the scan commit with its finished checkpoint: a crash in them resumes here.
        PageCommitter committer(m_store, summary.run_id, key, summary.counters, refresh_request_counters);
        const std::string finished_scan = checkpoint.to_json();
        const auto step = [&](Entity entity, auto&& body) {
            try {
                body();
            } catch (const std::exception& e) {
                entities.errors.push_back(std::string(entity_name(entity)) + ": " + e.what());
                spdlog::error("{} were not synced: {}", entity_name(entity), e.what());
            }
        };
        if (m_config.sync.has(Entity::worklogs) && m_config.jira.flavor == Flavor::cloud)
            step(Entity::worklogs, [&] {
                const auto feeds = sync_worklog_feeds(m_api, m_store, committer, key, finished_scan, checkpoint.run_started);
                spdlog::debug("worklog feeds: {} updated and {} deleted worklog ids read", feeds.updated_seen,
                             feeds.deleted_seen);
            });
        if (m_config.sync.has(Entity::sprints))
            step(Entity::sprints, [&] {
                const auto refreshed = refresh_sprints(m_api, m_store, committer, finished_scan);
                spdlog::debug("sprints: {} refreshed ({} no longer in Jira)", refreshed.asked - refreshed.missing,
                             refreshed.missing);
            });
        entity_totals += committer.entities_written();
        refresh_request_counters();
        for (const auto& e : entities.errors) summary.error += (summary.error.empty() ? "" : "; ") + e;
        if (!entities.errors.empty() || summary.counters.dead_lettered > 0) summary.status = RunStatus::partial;
    }
    note_entity_rows();
    // One line for the entities of the issues (the listings have theirs).
    if (m_config.sync.has(Entity::comments) || m_config.sync.has(Entity::worklogs) ||
        m_config.sync.has(Entity::links) || m_config.sync.has(Entity::sprints))
        spdlog::info("comments: {}, worklogs: {}, links: {}, sprints: {}, sprint memberships: {} written; {} soft-deleted",
                     entity_totals.comments, entity_totals.worklogs, entity_totals.links, entity_totals.sprints,
                     entity_totals.issue_sprints, entity_totals.soft_deleted);
    // Deletion reconciliation of the whole scope (never for a --jql run, which sees only part of it). If it
    // fails or a guard refuses, the run is `failed` with the error, but the completed scan keeps its
    // watermark and drops its checkpoint: the next run does not read the scope again because of it.
    if (m_config.sync.reconcile_deletes && checkpoint.mode != SyncMode::jql) {
        try {
            ReconcileOptions reconcile{scope_jql, m_config.sync.max_delete_fraction, m_config.sync.overlap_minutes};
            // Jira's clock now: the run's serverInfo reading carried forward by the local steady clock, which
            // saves the census a request of its own (a nightly run's fixed cost is a handful of requests).
            reconcile.census_started =
                jira_now + std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.steady_now() - jira_now_steady);
            reconcile.concurrency = m_config.jira.max_concurrency;
            const auto reconciled = reconcile_deletions(m_api, m_store, reconcile);
            summary.counters.soft_deleted += reconciled.soft_deleted();
            refresh_request_counters();
        } catch (const std::exception& e) {
            refresh_request_counters();
            summary.status = RunStatus::failed;
            summary.error = (summary.error.empty() ? "" : summary.error + "; ") + "deletion reconciliation: " + e.what();
            summary.seconds = std::chrono::duration<double>(m_clock.steady_now() - started_steady).count();
            try {
                m_store.finish_run(summary.run_id, key, RunStatus::failed, m_clock.now(), summary.counters,
                                   summary.error, watermark, true);
            } catch (const std::exception& inner) {
                spdlog::error("could not record the failed run: {}", inner.what());
            }
            throw;
        }
        summary.seconds = std::chrono::duration<double>(m_clock.steady_now() - started_steady).count();
    }
    m_store.finish_run(summary.run_id, key, summary.status, m_clock.now(), summary.counters, summary.error, watermark,
                       true);
    return summary;
}

}  // namespace j2s
