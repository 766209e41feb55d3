#include "sync/dead_letter_retry.hpp"

#include <spdlog/spdlog.h>

#include <set>
#include <unordered_map>

#include "sync/changelog_rows.hpp"
#include "sync/entity_overflow.hpp"
#include "sync/entity_rows.hpp"
#include "sync/entity_selection.hpp"
#include "sync/page_committer.hpp"
#include "sync/page_transformer.hpp"
#include "util/log_event.hpp"

namespace j2s {

namespace {

// Issues per re-fetch: a search page with every field holds at most this many on cloud.
constexpr std::size_t kIdsPerQuery = kCloudMaxPageWithFields;

std::string id_list(const std::vector<std::int64_t>& ids) {
    std::string out;
    for (auto id : ids) out += (out.empty() ? "" : ", ") + std::to_string(id);
    return out;
}

}  // namespace

RetrySummary retry_dead_letters(const Config& config, const Mapping& mapping, Store& store, JiraApi& api, Clock& clock,
                                ProgressObserver* progress) {
    const auto started = clock.steady_now();
    RetrySummary summary;
    std::vector<std::int64_t> ids;
    std::unordered_map<std::int64_t, std::string> keys;
    for (const auto& d : store.dead_letters(false))
        if (d.issue_id) {
            ids.push_back(*d.issue_id);
            keys[*d.issue_id] = d.issue_key;
        }
        else spdlog::warn("dead letter {} ({}) has no issue id and cannot be re-fetched", d.id, d.issue_key);
    summary.attempted = static_cast<std::int64_t>(ids.size());

    // A separate scope key keeps the retry's bookkeeping away from the scope's watermark and checkpoint.
    const std::string key = scope_key(config.jira) + " [retry-dead-letters]";
    summary.run.run_id = store.start_run(key, "retry", clock.now());
    set_log_run_id(summary.run.run_id);  // the run's log lines (and progress events) carry its id from here
    const auto& stats = api.client().stats();
    const auto requests_before = stats.requests.load();
    const auto retries_before = stats.retries.load();
    auto refresh = [&] {
        summary.run.counters.requests = stats.requests.load() - requests_before;
        summary.run.counters.retries = stats.retries.load() - retries_before;
    };
    if (progress) progress->progress_started("", summary.attempted);
    PageCommitter committer(store, summary.run.run_id, key, summary.run.counters, refresh);
    try {
        const TransformOptions transform{
            config.sync.changelog,
            entity_options(config.sync, config.jira.flavor,
                           config.sync.has(Entity::sprints) ? store.jira_fields() : std::vector<JiraField>{})};
        for (std::size_t first = 0; first < ids.size(); first += kIdsPerQuery) {
            std::vector<std::int64_t> chunk(ids.begin() + static_cast<std::ptrdiff_t>(first),
                                            ids.begin() + static_cast<std::ptrdiff_t>(std::min(ids.size(), first + kIdsPerQuery)));
            const std::string jql = "id in (" + id_list(chunk) + ") ORDER BY id ASC";
            std::vector<nlohmann::json> issues;
            std::optional<std::string> token;
            std::int64_t start_at = 0;
            for (;;) {
                auto page = api.search_page(jql, token, start_at, static_cast<int>(kIdsPerQuery), config.sync.changelog);
                start_at += static_cast<std::int64_t>(page.issues.size());
                for (auto& issue : page.issues.to_json()) issues.push_back(std::move(issue));
                token = page.next_page_token;
                if (page.is_last) break;
            }
            std::set<std::int64_t> found;
            for (const auto& issue : issues) found.insert(json_id(issue.at("id")));

            TransformedPage page = transform_page(std::move(issues), mapping, transform);
            PageCommit commit;
            commit.issues = std::move(page.issues);
            commit.changelog = std::move(page.changelog);
            commit.dead_letters = std::move(page.dead_letters);
            for (const auto& issue : commit.issues) commit.clean_issue_ids.push_back(issue.id);
            // Few issues: their missing histories are fetched now and committed with them.
            std::vector<std::int64_t> truncated;
            for (const auto& t : page.truncated) truncated.push_back(t.id);
            api.fetch_changelogs(truncated, [&](std::vector<std::pair<std::int64_t, nlohmann::json>>&& histories) {
                for (const auto& [issue_id, history] : histories) {
                    append_changelog_rows(issue_id, history, commit.changelog);
                    if (transform.entities.sprints)
                        for (auto& change : sprint_changes(history, issue_id, transform.entities.sprint_fields))
                            commit.entities.issue_sprints.push_back(change);
                }
            });
            // Entities as Jira has them now, whatever is stored (the re-fetched copy is the newest), with the full
            // comment and worklog sets of issues that have more than a page embeds, fetched now like the histories.
            if (!page.entities.empty()) {
                auto selected = select_page_entities(std::move(page.entities), {}, true);
                append_entity_rows(commit.entities, std::move(selected.rows));
                std::set<std::int64_t> failed;
                for (auto id : selected.comment_overflow)
                    if (auto dead = fetch_comment_set(api, id, config.jira.flavor, commit.entities)) {
                        failed.insert(id);
                        commit.dead_letters.push_back(std::move(*dead));
                    }
                for (auto id : selected.worklog_overflow)
                    if (auto dead = fetch_worklog_set(api, id, config.jira.flavor, commit.entities)) {
                        failed.insert(id);
                        commit.dead_letters.push_back(std::move(*dead));
                    }
                std::erase_if(commit.clean_issue_ids, [&](std::int64_t id) { return failed.count(id) > 0; });
            }
            for (auto id : chunk)
                if (!found.count(id))
                    commit.dead_letters.push_back({id, keys[id], "fetch",
                                                   "the issue no longer exists or the account cannot see it",
                                                   "{}"});
            committer.commit(commit, "");
            summary.resolved += static_cast<std::int64_t>(commit.clean_issue_ids.size());
            if (progress) progress->progress_advanced(static_cast<std::int64_t>(first + chunk.size()));
        }
    } catch (const std::exception& e) {
        refresh();
        if (!config.sync.entities.empty()) summary.run.entity_rows = entity_rows_total(committer.entities_written());
        summary.run.status = RunStatus::failed;
        summary.run.error = e.what();
        store.finish_run(summary.run.run_id, key, RunStatus::failed, clock.now(), summary.run.counters, e.what(),
                         std::nullopt, true);
        throw;
    }
    if (progress) progress->progress_finished(summary.attempted);
    refresh();
    if (!config.sync.entities.empty()) summary.run.entity_rows = entity_rows_total(committer.entities_written());
    summary.still_open = summary.attempted - summary.resolved;
    summary.run.status = summary.still_open > 0 ? RunStatus::partial : RunStatus::succeeded;
    summary.run.seconds = std::chrono::duration<double>(clock.steady_now() - started).count();
    store.finish_run(summary.run.run_id, key, summary.run.status, clock.now(), summary.run.counters, "", std::nullopt,
                     true);
    return summary;
}

}  // namespace j2s
