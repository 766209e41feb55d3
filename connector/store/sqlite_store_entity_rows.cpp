// SqliteStore: the entity rows a page carries (comments, worklogs, links, sprints, issue_sprints) and its entity
// state, written inside commit_page's transaction. The rules are Store's (store.hpp, EntityRows); the SQL below
// decides in the database whether a row changes, so an unchanged row is never rewritten and exec() counts only
// real writes.

#include <SQLiteCpp/SQLiteCpp.h>

#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "store/sqlite_store.hpp"

namespace j2s {

namespace {

// A slot per statement: prepared the first time a page needs it, then reused for the life of the store.
using Slot = std::optional<SQLite::Statement>;

constexpr const char* kUpsertComment =
    "INSERT INTO comments (id, issue_id, author_id, update_author_id, created, updated, body_text, raw, synced_at, "
    "deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET "
    "issue_id = excluded.issue_id, author_id = excluded.author_id, update_author_id = excluded.update_author_id, "
    "created = excluded.created, updated = excluded.updated, body_text = excluded.body_text, raw = excluded.raw, "
    "synced_at = excluded.synced_at, deleted_at = NULL "
    "WHERE excluded.updated >= comments.updated "
    "AND (comments.raw IS NOT excluded.raw OR comments.deleted_at IS NOT NULL)";

constexpr const char* kUpsertWorklog =
    "INSERT INTO worklogs (id, issue_id, author_id, update_author_id, started, time_spent_seconds, comment_text, "
    "created, updated, raw, synced_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) "
    "ON CONFLICT (id) DO UPDATE SET issue_id = excluded.issue_id, author_id = excluded.author_id, "
    "update_author_id = excluded.update_author_id, started = excluded.started, "
    "time_spent_seconds = excluded.time_spent_seconds, comment_text = excluded.comment_text, "
    "created = excluded.created, updated = excluded.updated, raw = excluded.raw, synced_at = excluded.synced_at, "
    "deleted_at = NULL "
    "WHERE excluded.updated >= worklogs.updated "
    "AND (worklogs.raw IS NOT excluded.raw OR worklogs.deleted_at IS NOT NULL)";

// The typed columns are compared, never raw: each endpoint issue shows the link in its own shape (outwardIssue
// on one, inwardIssue on the other), so comparing raw would rewrite the row whenever the other issue syncs; a
// key that changed (an issue moved) still reaches the row.
constexpr const char* kUpsertLink =
    "INSERT INTO issue_links (id, type_id, type_name, outward_text, inward_text, source_issue_id, target_issue_id, "
    "source_issue_key, target_issue_key, raw, synced_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL) "
    "ON CONFLICT (id) DO UPDATE SET type_id = excluded.type_id, type_name = excluded.type_name, "
    "outward_text = excluded.outward_text, inward_text = excluded.inward_text, "
    "source_issue_id = excluded.source_issue_id, target_issue_id = excluded.target_issue_id, "
    "source_issue_key = excluded.source_issue_key, target_issue_key = excluded.target_issue_key, "
    "raw = excluded.raw, synced_at = excluded.synced_at, deleted_at = NULL "
    "WHERE issue_links.deleted_at IS NOT NULL "
    "OR issue_links.type_id IS NOT excluded.type_id OR issue_links.type_name IS NOT excluded.type_name "
    "OR issue_links.outward_text IS NOT excluded.outward_text OR issue_links.inward_text IS NOT excluded.inward_text "
    "OR issue_links.source_issue_id IS NOT excluded.source_issue_id "
    "OR issue_links.target_issue_id IS NOT excluded.target_issue_id "
    "OR issue_links.source_issue_key IS NOT excluded.source_issue_key "
    "OR issue_links.target_issue_key IS NOT excluded.target_issue_key";

constexpr const char* kUpsertSprint =
    "INSERT INTO sprints (id, name, state, board_id, goal, start_date, end_date, complete_date, raw, synced_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET name = excluded.name, "
    "state = excluded.state, board_id = excluded.board_id, goal = excluded.goal, start_date = excluded.start_date, "
    "end_date = excluded.end_date, complete_date = excluded.complete_date, raw = excluded.raw, "
    "synced_at = excluded.synced_at WHERE "
    "sprints.name IS NOT excluded.name "
    "OR sprints.state IS NOT excluded.state "
    "OR sprints.board_id IS NOT excluded.board_id "
    "OR sprints.goal IS NOT excluded.goal "
    "OR sprints.start_date IS NOT excluded.start_date "
    "OR sprints.end_date IS NOT excluded.end_date "
    "OR sprints.complete_date IS NOT excluded.complete_date ";

// A field row sets in_field, a changelog row never clears it; each date keeps the later of stored and given
// (a NULL given leaves the stored one). The text timestamps order as time.
constexpr const char* kUpsertIssueSprint =
    "INSERT INTO issue_sprints (issue_id, sprint_id, in_field, added_at, removed_at, synced_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (issue_id, sprint_id) DO UPDATE SET "
    "in_field = max(issue_sprints.in_field, excluded.in_field), "
    "added_at = CASE WHEN issue_sprints.added_at IS NULL OR excluded.added_at > issue_sprints.added_at "
    "THEN coalesce(excluded.added_at, issue_sprints.added_at) ELSE issue_sprints.added_at END, "
    "removed_at = CASE WHEN issue_sprints.removed_at IS NULL OR excluded.removed_at > issue_sprints.removed_at "
    "THEN coalesce(excluded.removed_at, issue_sprints.removed_at) ELSE issue_sprints.removed_at END, "
    "synced_at = excluded.synced_at "
    "WHERE excluded.in_field > issue_sprints.in_field "
    "OR (excluded.added_at IS NOT NULL AND (issue_sprints.added_at IS NULL OR excluded.added_at > issue_sprints.added_at)) "
    "OR (excluded.removed_at IS NOT NULL "
    "AND (issue_sprints.removed_at IS NULL OR excluded.removed_at > issue_sprints.removed_at))";

void bind_text(SQLite::Statement& st, int index, const std::optional<std::string>& value) {
    if (value)
        st.bindNoCopy(index, *value);
    else
        st.bind(index);
}

void bind_time(SQLite::Statement& st, int index, const std::optional<Timestamp>& value) {
    if (value)
        st.bind(index, format_utc(*value));
    else
        st.bind(index);
}

void bind_id(SQLite::Statement& st, int index, std::int64_t value) { st.bind(index, static_cast<std::int64_t>(value)); }

using IdsByIssue = std::unordered_map<std::int64_t, std::unordered_set<std::int64_t>>;

}  // namespace

struct SqliteStore::EntityStatements {
    SQLite::Database& db;
    Slot upsert_comment, live_comments, delete_comment;
    Slot upsert_worklog, live_worklogs, delete_worklog;
    Slot upsert_link, live_links, delete_link;
    Slot upsert_sprint;
    Slot upsert_issue_sprint, in_field_sprints, leave_field;
    Slot save_state;

    explicit EntityStatements(SQLite::Database& database) : db(database) {}

    SQLite::Statement& get(Slot& slot, const char* sql) {
        if (!slot) slot.emplace(db, sql);
        return *slot;
    }

    // A statement left mid-step by an earlier failure must not hold a read lock into the next transaction.
    void reset_all() {
        for (Slot* s : {&upsert_comment, &live_comments, &delete_comment, &upsert_worklog, &live_worklogs,
                        &delete_worklog, &upsert_link, &live_links, &delete_link, &upsert_sprint,
                        &upsert_issue_sprint, &in_field_sprints, &leave_field, &save_state})
            if (*s) {
                (*s)->tryReset();
                (*s)->clearBindings();
            }
    }
};

void SqliteStore::EntityStatementsDeleter::operator()(EntityStatements* p) const { delete p; }

SqliteStore::EntityStatements& SqliteStore::entity_statements() {
    if (!m_entity) m_entity.reset(new EntityStatements(*m_db));
    return *m_entity;
}

void SqliteStore::reset_entity_statements() {
    if (m_entity) m_entity->reset_all();
}

namespace {

// Soft-deletes the live rows `live` lists for `issue_id` that are not in `keep`; returns how many.
std::int64_t soft_delete_missing(SQLite::Statement& live, SQLite::Statement& soft_delete, std::int64_t issue_id,
                                 const std::unordered_set<std::int64_t>* keep, const std::string& now) {
    std::vector<std::int64_t> gone;
    bind_id(live, 1, issue_id);
    while (live.executeStep()) {
        const std::int64_t id = live.getColumn(0).getInt64();
        if (!keep || !keep->count(id)) gone.push_back(id);
    }
    live.reset();
    std::int64_t n = 0;
    for (const std::int64_t id : gone) {
        soft_delete.bindNoCopy(1, now);
        bind_id(soft_delete, 2, id);
        n += soft_delete.exec();
        soft_delete.reset();
    }
    return n;
}

const std::unordered_set<std::int64_t>* find(const IdsByIssue& ids, std::int64_t issue_id) {
    const auto it = ids.find(issue_id);
    return it == ids.end() ? nullptr : &it->second;
}

}  // namespace

EntityRowsWritten SqliteStore::write_entity_rows(const EntityRows& rows, const std::string& now) {
    EntityRowsWritten out;
    if (rows.empty()) return out;
    EntityStatements& st = entity_statements();

    IdsByIssue page_comments;
    for (const auto& c : rows.comments) {
        page_comments[c.issue_id].insert(c.id);
        auto& s = st.get(st.upsert_comment, kUpsertComment);
        const std::string created = format_utc(c.created), updated = format_utc(c.updated);
        bind_id(s, 1, c.id);
        bind_id(s, 2, c.issue_id);
        bind_text(s, 3, c.author_id);
        bind_text(s, 4, c.update_author_id);
        s.bindNoCopy(5, created);
        s.bindNoCopy(6, updated);
        bind_text(s, 7, c.body_text);
        s.bindNoCopy(8, c.raw_json);
        s.bindNoCopy(9, now);
        out.comments += s.exec();
        s.reset();
    }
    for (const std::int64_t issue_id : rows.comments_complete_for)
        out.soft_deleted += soft_delete_missing(
            st.get(st.live_comments, "SELECT id FROM comments WHERE issue_id = ? AND deleted_at IS NULL"),
            st.get(st.delete_comment,
                   "UPDATE comments SET deleted_at = ?1, synced_at = ?1 WHERE id = ?2 AND deleted_at IS NULL"),
            issue_id, find(page_comments, issue_id), now);

    IdsByIssue page_worklogs;
    for (const auto& w : rows.worklogs) {
        page_worklogs[w.issue_id].insert(w.id);
        auto& s = st.get(st.upsert_worklog, kUpsertWorklog);
        const std::string started = format_utc(w.started), created = format_utc(w.created),
                          updated = format_utc(w.updated);
        bind_id(s, 1, w.id);
        bind_id(s, 2, w.issue_id);
        bind_text(s, 3, w.author_id);
        bind_text(s, 4, w.update_author_id);
        s.bindNoCopy(5, started);
        bind_id(s, 6, w.time_spent_seconds);
        bind_text(s, 7, w.comment_text);
        s.bindNoCopy(8, created);
        s.bindNoCopy(9, updated);
        s.bindNoCopy(10, w.raw_json);
        s.bindNoCopy(11, now);
        out.worklogs += s.exec();
        s.reset();
    }
    const char* delete_worklog_sql =
        "UPDATE worklogs SET deleted_at = ?1, synced_at = ?1 WHERE id = ?2 AND deleted_at IS NULL";
    for (const std::int64_t issue_id : rows.worklogs_complete_for)
        out.soft_deleted += soft_delete_missing(
            st.get(st.live_worklogs, "SELECT id FROM worklogs WHERE issue_id = ? AND deleted_at IS NULL"),
            st.get(st.delete_worklog, delete_worklog_sql), issue_id, find(page_worklogs, issue_id), now);
    for (const std::int64_t id : rows.worklogs_deleted) {
        auto& s = st.get(st.delete_worklog, delete_worklog_sql);
        s.bindNoCopy(1, now);
        bind_id(s, 2, id);
        out.soft_deleted += s.exec();
        s.reset();
    }

    IdsByIssue page_links;  // by either endpoint: a complete issuelinks shows the links of both directions
    for (const auto& l : rows.links) {
        page_links[l.source_issue_id].insert(l.id);
        page_links[l.target_issue_id].insert(l.id);
        auto& s = st.get(st.upsert_link, kUpsertLink);
        bind_id(s, 1, l.id);
        bind_text(s, 2, l.type_id);
        s.bindNoCopy(3, l.type_name);
        bind_text(s, 4, l.outward_text);
        bind_text(s, 5, l.inward_text);
        bind_id(s, 6, l.source_issue_id);
        bind_id(s, 7, l.target_issue_id);
        bind_text(s, 8, l.source_issue_key);
        bind_text(s, 9, l.target_issue_key);
        s.bindNoCopy(10, l.raw_json);
        s.bindNoCopy(11, now);
        out.links += s.exec();
        s.reset();
    }
    for (const std::int64_t issue_id : rows.links_complete_for)
        out.soft_deleted += soft_delete_missing(
            st.get(st.live_links,
                   "SELECT id FROM issue_links WHERE (source_issue_id = ?1 OR target_issue_id = ?1) "
                   "AND deleted_at IS NULL"),
            st.get(st.delete_link,
                   "UPDATE issue_links SET deleted_at = ?1, synced_at = ?1 WHERE id = ?2 AND deleted_at IS NULL"),
            issue_id, find(page_links, issue_id), now);

    for (const auto& sp : rows.sprints) {
        auto& s = st.get(st.upsert_sprint, kUpsertSprint);
        bind_id(s, 1, sp.id);
        s.bindNoCopy(2, sp.name);
        bind_text(s, 3, sp.state);
        if (sp.board_id)
            bind_id(s, 4, *sp.board_id);
        else
            s.bind(4);
        bind_text(s, 5, sp.goal);
        bind_time(s, 6, sp.start_date);
        bind_time(s, 7, sp.end_date);
        bind_time(s, 8, sp.complete_date);
        s.bindNoCopy(9, sp.raw_json);
        s.bindNoCopy(10, now);
        out.sprints += s.exec();
        s.reset();
    }

    IdsByIssue page_field_sprints;
    for (const auto& m : rows.issue_sprints) {
        if (m.from_field) page_field_sprints[m.issue_id].insert(m.sprint_id);
        auto& s = st.get(st.upsert_issue_sprint, kUpsertIssueSprint);
        bind_id(s, 1, m.issue_id);
        bind_id(s, 2, m.sprint_id);
        s.bind(3, m.from_field ? 1 : 0);
        bind_time(s, 4, m.added_at);
        bind_time(s, 5, m.removed_at);
        s.bindNoCopy(6, now);
        out.issue_sprints += s.exec();
        s.reset();
    }
    for (const std::int64_t issue_id : rows.sprints_complete_for) {
        auto& in_field =
            st.get(st.in_field_sprints, "SELECT sprint_id FROM issue_sprints WHERE issue_id = ? AND in_field = 1");
        const auto* keep = find(page_field_sprints, issue_id);
        std::vector<std::int64_t> left;
        bind_id(in_field, 1, issue_id);
        while (in_field.executeStep()) {
            const std::int64_t sprint_id = in_field.getColumn(0).getInt64();
            if (!keep || !keep->count(sprint_id)) left.push_back(sprint_id);
        }
        in_field.reset();
        auto& leave = st.get(st.leave_field,
                             "UPDATE issue_sprints SET in_field = 0, synced_at = ?1 "
                             "WHERE issue_id = ?2 AND sprint_id = ?3 AND in_field = 1");
        for (const std::int64_t sprint_id : left) {
            leave.bindNoCopy(1, now);
            bind_id(leave, 2, issue_id);
            bind_id(leave, 3, sprint_id);
            out.issue_sprints += leave.exec();
            leave.reset();
        }
    }
    return out;
}

void SqliteStore::save_entity_state(const std::string& scope_key, const PageCommit::EntityState& state,
                                    const std::string& now) {
    // json() refuses malformed JSON, as PostgreSQL's jsonb column does: a bad state fails the page on both.
    EntityStatements& st = entity_statements();
    auto& s = st.get(
        st.save_state,
        "INSERT INTO entity_state (scope_key, entity, state, updated_at) VALUES (?, ?, json(?), ?) "
        "ON CONFLICT (scope_key, entity) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at");
    s.bindNoCopy(1, scope_key);
    s.bindNoCopy(2, state.entity);
    s.bindNoCopy(3, state.state_json);
    s.bindNoCopy(4, now);
    s.exec();
    s.reset();
}

}  // namespace j2s
