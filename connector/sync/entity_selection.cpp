#include "sync/entity_selection.hpp"

#include <algorithm>
#include <iterator>
#include <map>
#include <unordered_set>

namespace j2s {

namespace {

template <class T>
void move_append(std::vector<T>& into, std::vector<T>&& from) {
    if (into.empty()) {
        into = std::move(from);
        return;
    }
    into.insert(into.end(), std::make_move_iterator(from.begin()), std::make_move_iterator(from.end()));
    from.clear();
}

// Keeps the last row of each id, in the order of first appearance.
template <class T, class Key>
void keep_last_per_key(std::vector<T>& rows, Key key) {
    if (rows.size() < 2) return;
    std::unordered_map<decltype(key(rows[0])), std::size_t> last;
    for (std::size_t i = 0; i < rows.size(); ++i) last[key(rows[i])] = i;
    if (last.size() == rows.size()) return;
    std::vector<T> out;
    out.reserve(last.size());
    std::unordered_set<decltype(key(rows[0]))> taken;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        const auto k = key(rows[i]);
        if (taken.insert(k).second) out.push_back(std::move(rows[last[k]]));
    }
    rows = std::move(out);
}

void unique_ids(std::vector<std::int64_t>& ids) {
    if (ids.size() < 2) return;
    std::unordered_set<std::int64_t> seen;
    std::vector<std::int64_t> out;
    for (auto id : ids)
        if (seen.insert(id).second) out.push_back(id);
    ids = std::move(out);
}

std::optional<Timestamp> later(const std::optional<Timestamp>& a, const std::optional<Timestamp>& b) {
    if (!a) return b;
    if (!b) return a;
    return std::max(*a, *b);
}

}  // namespace

PageEntities select_page_entities(std::vector<IssueEntities>&& issues,
                                  const std::unordered_map<std::int64_t, Timestamp>& stored,
                                  bool worklogs_of_stored_issues) {
    PageEntities out;
    for (auto& issue : issues) {
        const auto it = stored.find(issue.issue_id);
        const bool is_stored = it != stored.end();
        if (is_stored && it->second > issue.updated) continue;
        if (is_stored && !worklogs_of_stored_issues) {
            issue.rows.worklogs.clear();
            issue.rows.worklogs_complete_for.clear();
            issue.worklogs_overflow = false;
        }
        if (issue.comments_overflow) out.comment_overflow.push_back(issue.issue_id);
        if (issue.worklogs_overflow) out.worklog_overflow.push_back(issue.issue_id);
        append_entity_rows(out.rows, std::move(issue.rows));
    }
    return out;
}

void append_entity_rows(EntityRows& into, EntityRows&& from) {
    move_append(into.comments, std::move(from.comments));
    move_append(into.comments_complete_for, std::move(from.comments_complete_for));
    move_append(into.worklogs, std::move(from.worklogs));
    move_append(into.worklogs_complete_for, std::move(from.worklogs_complete_for));
    move_append(into.worklogs_deleted, std::move(from.worklogs_deleted));
    move_append(into.links, std::move(from.links));
    move_append(into.links_complete_for, std::move(from.links_complete_for));
    move_append(into.sprints, std::move(from.sprints));
    move_append(into.issue_sprints, std::move(from.issue_sprints));
    move_append(into.sprints_complete_for, std::move(from.sprints_complete_for));
}

void dedupe_entity_rows(EntityRows& rows) {
    keep_last_per_key(rows.comments, [](const CommentRecord& r) { return r.id; });
    keep_last_per_key(rows.worklogs, [](const WorklogRecord& r) { return r.id; });
    keep_last_per_key(rows.links, [](const IssueLinkRecord& r) { return r.id; });
    keep_last_per_key(rows.sprints, [](const SprintRecord& r) { return r.id; });
    unique_ids(rows.comments_complete_for);
    unique_ids(rows.worklogs_complete_for);
    unique_ids(rows.worklogs_deleted);
    unique_ids(rows.links_complete_for);
    unique_ids(rows.sprints_complete_for);
    if (rows.issue_sprints.size() > 1) {
        std::map<std::pair<std::int64_t, std::int64_t>, std::size_t> at;
        std::vector<IssueSprintRecord> merged;
        for (auto& r : rows.issue_sprints) {
            auto [it, fresh] = at.try_emplace({r.issue_id, r.sprint_id}, merged.size());
            if (fresh) {
                merged.push_back(r);
                continue;
            }
            auto& m = merged[it->second];
            m.from_field = m.from_field || r.from_field;
            m.added_at = later(m.added_at, r.added_at);
            m.removed_at = later(m.removed_at, r.removed_at);
        }
        rows.issue_sprints = std::move(merged);
    }
}

}  // namespace j2s
