#include "sync/worklog_feed_sync.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "sync/entity_rows.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

// Jira's feeds leave out the last minute; two more cover a clock that is a little ahead of the one the scan read.
constexpr std::int64_t kFirstFeedMarginMs = 120'000;

std::int64_t epoch_ms(Timestamp t) { return t.time_since_epoch().count(); }

std::optional<std::int64_t> issue_id_of(const nlohmann::json& worklog) {
    try {
        if (auto it = worklog.find("issueId"); it != worklog.end()) return json_id(*it);
    } catch (const Error&) {
    }
    return std::nullopt;
}

// The worklogs among `ids` whose issue is stored; one that cannot be read dead-letters its issue.
std::vector<WorklogRecord> stored_issues_worklogs(JiraApi& api, Store& store, const std::vector<std::int64_t>& ids,
                                                  std::vector<DeadLetterRecord>& dead_letters) {
    const std::vector<nlohmann::json> listed = api.worklog_list(ids);
    std::set<std::int64_t> issue_ids;
    for (const auto& w : listed)
        if (auto id = issue_id_of(w)) issue_ids.insert(*id);
    if (issue_ids.empty()) return {};
    const auto known_list = store.known_issue_ids({issue_ids.begin(), issue_ids.end()});
    const std::set<std::int64_t> known(known_list.begin(), known_list.end());

    std::vector<WorklogRecord> rows;
    for (const auto& w : listed) {
        const auto issue_id = issue_id_of(w);
        if (!issue_id) {
            spdlog::warn("worklog feed: skipping a worklog without a readable issueId: {}", w.dump().substr(0, 200));
            continue;
        }
        if (!known.count(*issue_id)) continue;  // an issue outside the scope
        try {
            rows.push_back(worklog_record(w, *issue_id, Flavor::cloud));
        } catch (const std::exception& e) {
            spdlog::warn("issue {} goes to the dead letters: worklogs: {}", *issue_id, e.what());
            dead_letters.push_back({*issue_id, "id " + std::to_string(*issue_id), "transform",
                                    std::string("worklogs: ") + e.what(), w.dump()});
        }
    }
    return rows;
}

// Where the next page starts. After a full page: its `until`, inclusive, since the page may have cut a
// millisecond in two (its newest entry comes again, which is harmless). After the last page: one past its
// `until`, so a run with no change reads no entry again; nothing can still land at `until` because the feed
// leaves out the most recent minute. A feed that reports more pages without moving on (a full page of entries
// of one millisecond) steps one millisecond, rather than asking for the same page forever.
std::int64_t next_since(std::int64_t since, const WorklogFeedPage& page, const char* feed) {
    if (page.last_page && !page.ids.empty() && page.until >= since) return page.until + 1;
    if (page.until > since) return page.until;
    if (page.last_page) return since;
    spdlog::warn("worklog feed {}: a full page did not move past {} ms; stepping one millisecond", feed, since);
    return since + 1;
}

}  // namespace

std::string WorklogFeedState::to_json() const {
    return nlohmann::json{{"updated_since", updated_since_ms}, {"deleted_since", deleted_since_ms}}.dump();
}

WorklogFeedState WorklogFeedState::from_json(const std::string& text) {
    const auto j = nlohmann::json::parse(text, nullptr, false);
    const auto number = [&](const char* name) {
        if (!j.is_object() || !j.contains(name) || !j[name].is_number_integer())
            throw Error("the stored worklog feed state has no " + std::string(name) + ": " + text);
        return j[name].get<std::int64_t>();
    };
    return {number("updated_since"), number("deleted_since")};
}

WorklogFeedState initial_worklog_feed_state(Timestamp run_started) {
    const auto since = epoch_ms(run_started) - kFirstFeedMarginMs;
    return {since, since};
}

WorklogFeedResult sync_worklog_feeds(JiraApi& api, Store& store, PageCommitter& committer,
                                     const std::string& scope_key, const std::string& checkpoint_json,
                                     Timestamp run_started) {
    std::optional<std::string> saved = store.load_entity_state(scope_key, kWorklogFeedEntity);
    WorklogFeedState state = saved ? WorklogFeedState::from_json(*saved) : initial_worklog_feed_state(run_started);
    WorklogFeedResult result;
    // Commits what a page brought and the watermark it reached; a page that brought nothing and moved nothing
    // is not written (but the first state of a scope always is, or the next run would start later).
    const auto commit = [&](PageCommit& page) {
        std::string state_json = state.to_json();
        if (page.entities.empty() && page.dead_letters.empty() && saved == state_json) return;
        page.entity_state = PageCommit::EntityState{kWorklogFeedEntity, state_json};
        committer.commit(page, checkpoint_json);
        saved = std::move(state_json);
    };

    for (;;) {
        const auto feed = api.worklog_updated(state.updated_since_ms);
        result.updated_seen += static_cast<std::int64_t>(feed.ids.size());
        PageCommit page;
        if (!feed.ids.empty()) page.entities.worklogs = stored_issues_worklogs(api, store, feed.ids, page.dead_letters);
        state.updated_since_ms = next_since(state.updated_since_ms, feed, "updated");
        commit(page);
        if (feed.last_page) break;
    }
    for (;;) {
        const auto feed = api.worklog_deleted(state.deleted_since_ms);
        result.deleted_seen += static_cast<std::int64_t>(feed.ids.size());
        PageCommit page;
        page.entities.worklogs_deleted = feed.ids;  // ids not stored are ignored by the store
        state.deleted_since_ms = next_since(state.deleted_since_ms, feed, "deleted");
        commit(page);
        if (feed.last_page) break;
    }
    return result;
}

}  // namespace j2s
