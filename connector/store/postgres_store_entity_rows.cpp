// PostgreSQL: a page's comments, worklogs, links, sprints and sprint memberships, written inside
// commit_page's transaction with the semantics of EntityRows (store.hpp; the plan's "Store semantics" in
// detail).
//
// Each table gets one statement per page (worklogs a second one for the ids Jira reported deleted), and none
// when the page has nothing for it: the page's rows travel as one array parameter per column and unnest()
// turns them back into rows on the server, so a page costs the same number of round trips with 1 row or 1000.
//
// The upsert and the soft deletes of a table are data-modifying CTEs of that one statement. They all see the
// table as it was before the statement, and PostgreSQL does not define which write wins when two CTEs change
// the same row, so every soft delete below leaves out the rows the page itself lists: the CTEs touch disjoint
// rows, with the same result as running them one after the other.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "store/postgres_entity_rows.hpp"
#include "store/postgres_params.hpp"
#include "util/time.hpp"

namespace j2s::pg {

namespace {

// A PostgreSQL array literal ('{"a",NULL,"b\"c"}') built one element at a time. Every non-NULL element is
// double-quoted, so no text (not even "NULL" or one with braces or commas) can be misread.
class ArrayLiteral {
  public:
    void add(std::string_view v) {
        open();
        m_text += '"';
        for (const char c : v) {
            if (c == '"' || c == '\\') m_text += '\\';
            m_text += c;
        }
        m_text += '"';
    }
    void add(const std::string& v) { add(std::string_view(v)); }
    void add(std::int64_t v) { add(std::string_view(std::to_string(v))); }
    void add(bool v) { add(std::string_view(v ? "t" : "f")); }
    void add(Timestamp t) { add(std::string_view(format_utc(t))); }
    template <class T>
    void add(const std::optional<T>& v) {
        if (v) {
            add(*v);
        } else {
            open();
            m_text += "NULL";
        }
    }

    std::string text() const { return m_text + "}"; }

  private:
    void open() { m_text += m_text.size() == 1 ? "" : ","; }
    std::string m_text = "{";
};

struct Column {
    const char* name;
    const char* type;  // the column's SQL type; its array type is the parameter's
};

// The page's rows of one table, column by column.
class Columns {
  public:
    Columns(std::initializer_list<Column> columns) : m_columns(columns), m_arrays(columns.size()) {}

    template <class... V>
    void add_row(const V&... values) {
        if (sizeof...(V) != m_columns.size())
            throw std::logic_error("entity row has the wrong number of values");
        std::size_t i = 0;
        (m_arrays[i++].add(values), ...);
    }

    // `unnest($1::bigint[], $2::text[], ...) WITH ORDINALITY AS t(id, name, ..., ord)`: the rows back, with
    // their position in the page as `ord` (the later of two copies wins, as if they were written in turn).
    std::string unnest() const {
        std::string args;
        for (std::size_t i = 0; i < m_columns.size(); ++i)
            args += (i ? ", $" : "$") + std::to_string(i + 1) + "::" + m_columns[i].type + "[]";
        return "unnest(" + args + ") WITH ORDINALITY AS t(" + names() + ", ord)";
    }

    std::string names() const {
        std::string out;
        for (const auto& c : m_columns) out += std::string(out.empty() ? "" : ", ") + c.name;
        return out;
    }

    // `b = excluded.b, ...` for every column after the first `key_columns`.
    std::string set_from_excluded(std::size_t key_columns) const {
        std::string out;
        for (std::size_t i = key_columns; i < m_columns.size(); ++i)
            out +=
                std::string(out.empty() ? "" : ", ") + m_columns[i].name + " = excluded." + m_columns[i].name;
        return out;
    }

    // The parameter number that follows the arrays.
    std::string next_param(std::size_t k = 0) const { return "$" + std::to_string(m_columns.size() + 1 + k); }

    // The arrays, then `extra`, as the statement's parameters.
    std::vector<std::string> params(std::initializer_list<std::string> extra) const {
        std::vector<std::string> out;
        for (const auto& a : m_arrays) out.push_back(a.text());
        out.insert(out.end(), extra);
        return out;
    }

  private:
    std::vector<Column> m_columns;
    std::vector<ArrayLiteral> m_arrays;
};

std::int64_t count_of(const pqxx::field& f) { return f.as<std::int64_t>(); }

pqxx::row exec_row(pqxx::transaction_base& tx, const std::string& sql,
                   const std::vector<std::string>& params) {
    return tx.exec_params1(sql, pqxx::prepare::make_dynamic_params(params));
}

// Comments and worklogs: a copy replaces the stored row only if it is not older and differs (or revives it);
// the issues of `complete_for` lose their live rows that the page does not list.
void write_comments(pqxx::transaction_base& tx, const EntityRows& rows, const std::string& now,
                    EntityRowsWritten& out) {
    Columns cols{{"id", "bigint"},           {"issue_id", "bigint"},
                 {"author_id", "text"},      {"update_author_id", "text"},
                 {"created", "timestamptz"}, {"updated", "timestamptz"},
                 {"body_text", "text"},      {"raw", "jsonb"}};
    for (const auto& c : rows.comments)
        cols.add_row(c.id, c.issue_id, c.author_id, c.update_author_id, c.created, c.updated, c.body_text,
                     c.raw_json);
    const std::string at = cols.next_param(0) + "::timestamptz";
    const std::string complete = cols.next_param(1) + "::bigint[]";
    const auto r = exec_row(
        tx,
        "WITH p AS (SELECT DISTINCT ON (id) * FROM " + cols.unnest() +
            " ORDER BY id, updated DESC, ord DESC), "
            "up AS (INSERT INTO comments (" +
            cols.names() + ", synced_at, deleted_at) SELECT " + cols.names() + ", " + at +
            ", NULL FROM p ON CONFLICT (id) DO UPDATE SET " + cols.set_from_excluded(1) +
            ", synced_at = excluded.synced_at, deleted_at = NULL WHERE excluded.updated >= comments.updated "
            "AND "
            "(comments.raw IS DISTINCT FROM excluded.raw OR comments.deleted_at IS NOT NULL) RETURNING 1), "
            "gone AS (UPDATE comments c SET deleted_at = " +
            at + ", synced_at = " + at + " WHERE c.deleted_at IS NULL AND c.issue_id = ANY(" + complete +
            ") AND NOT EXISTS (SELECT 1 FROM p WHERE p.id = c.id) RETURNING 1) "
            "SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone)",
        cols.params({now, int_array(rows.comments_complete_for)}));
    out.comments += count_of(r[0]);
    out.soft_deleted += count_of(r[1]);
}

// As comments. The ids Jira reported deleted are soft-deleted by a statement of their own that runs after the
// upsert, so a worklog both listed and reported deleted by one page ends deleted, as if each were applied in
// turn; the worklog feeds send the two kinds in separate pages, so a page pays for one of the statements
// only.
void write_worklogs(pqxx::transaction_base& tx, const EntityRows& rows, const std::string& now,
                    EntityRowsWritten& out) {
    if (!rows.worklogs.empty() || !rows.worklogs_complete_for.empty()) {
        Columns cols{{"id", "bigint"},           {"issue_id", "bigint"},
                     {"author_id", "text"},      {"update_author_id", "text"},
                     {"started", "timestamptz"}, {"time_spent_seconds", "bigint"},
                     {"comment_text", "text"},   {"created", "timestamptz"},
                     {"updated", "timestamptz"}, {"raw", "jsonb"}};
        for (const auto& w : rows.worklogs)
            cols.add_row(w.id, w.issue_id, w.author_id, w.update_author_id, w.started, w.time_spent_seconds,
                         w.comment_text, w.created, w.updated, w.raw_json);
        const std::string at = cols.next_param(0) + "::timestamptz";
        const std::string complete = cols.next_param(1) + "::bigint[]";
        const auto r = exec_row(
            tx,
            "WITH p AS (SELECT DISTINCT ON (id) * FROM " + cols.unnest() +
                " ORDER BY id, updated DESC, ord DESC), "
                "up AS (INSERT INTO worklogs (" +
                cols.names() + ", synced_at, deleted_at) SELECT " + cols.names() + ", " + at +
                ", NULL FROM p ON CONFLICT (id) DO UPDATE SET " + cols.set_from_excluded(1) +
                ", synced_at = excluded.synced_at, deleted_at = NULL WHERE excluded.updated >= "
                "worklogs.updated AND "
                "(worklogs.raw IS DISTINCT FROM excluded.raw OR worklogs.deleted_at IS NOT NULL) RETURNING "
                "1), "
                "gone AS (UPDATE worklogs w SET deleted_at = " +
                at + ", synced_at = " + at + " WHERE w.deleted_at IS NULL AND w.issue_id = ANY(" + complete +
                ") AND NOT EXISTS (SELECT 1 FROM p WHERE p.id = w.id) RETURNING 1) "
                "SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone)",
            cols.params({now, int_array(rows.worklogs_complete_for)}));
        out.worklogs += count_of(r[0]);
        out.soft_deleted += count_of(r[1]);
    }
    if (!rows.worklogs_deleted.empty())
        out.soft_deleted += static_cast<std::int64_t>(
            tx.exec_params("UPDATE worklogs SET deleted_at = $1::timestamptz, synced_at = $1::timestamptz "
                           "WHERE deleted_at IS NULL AND id = ANY($2::bigint[])",
                           now, int_array(rows.worklogs_deleted))
                .affected_rows());
}

// Links have no `updated`: any difference rewrites. A link gone from a complete issue is soft-deleted
// whichever end that issue is.
void write_links(pqxx::transaction_base& tx, const EntityRows& rows, const std::string& now,
                 EntityRowsWritten& out) {
    Columns cols{{"id", "bigint"},
                 {"type_id", "text"},
                 {"type_name", "text"},
                 {"outward_text", "text"},
                 {"inward_text", "text"},
                 {"source_issue_id", "bigint"},
                 {"target_issue_id", "bigint"},
                 {"source_issue_key", "text"},
                 {"target_issue_key", "text"},
                 {"raw", "jsonb"}};
    for (const auto& l : rows.links)
        cols.add_row(l.id, l.type_id, l.type_name, l.outward_text, l.inward_text, l.source_issue_id,
                     l.target_issue_id, l.source_issue_key, l.target_issue_key, l.raw_json);
    const std::string at = cols.next_param(0) + "::timestamptz";
    const std::string complete = cols.next_param(1) + "::bigint[]";
    // The typed columns only: each endpoint issue carries the link in its own shape (outwardIssue on one,
    // inwardIssue on the other), so comparing raw would rewrite the row whenever the other issue is synced.
    std::string stored_row, new_row;
    for (const char* c : {"type_id", "type_name", "outward_text", "inward_text", "source_issue_id",
                          "target_issue_id", "source_issue_key", "target_issue_key"}) {
        stored_row += std::string(stored_row.empty() ? "" : ", ") + "issue_links." + c;
        new_row += std::string(new_row.empty() ? "" : ", ") + "excluded." + c;
    }
    const auto r = exec_row(tx,
                            "WITH p AS (SELECT DISTINCT ON (id) * FROM " + cols.unnest() +
                                " ORDER BY id, ord DESC), "
                                "up AS (INSERT INTO issue_links (" +
                                cols.names() + ", synced_at, deleted_at) SELECT " + cols.names() + ", " + at +
                                ", NULL FROM p ON CONFLICT (id) DO UPDATE SET " + cols.set_from_excluded(1) +
                                ", synced_at = excluded.synced_at, deleted_at = NULL WHERE (" + stored_row +
                                ") IS DISTINCT FROM (" + new_row +
                                ") OR issue_links.deleted_at IS NOT NULL RETURNING 1), "
                                "gone AS (UPDATE issue_links l SET deleted_at = " +
                                at + ", synced_at = " + at +
                                " WHERE l.deleted_at IS NULL AND (l.source_issue_id = ANY(" + complete +
                                ") OR l.target_issue_id = ANY(" + complete +
                                ")) AND NOT EXISTS (SELECT 1 FROM p WHERE p.id = l.id) RETURNING 1) "
                                "SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone)",
                            cols.params({now, int_array(rows.links_complete_for)}));
    out.links += count_of(r[0]);
    out.soft_deleted += count_of(r[1]);
}

void write_sprints(pqxx::transaction_base& tx, const EntityRows& rows, const std::string& now,
                   EntityRowsWritten& out) {
    Columns cols{{"id", "bigint"},
                 {"name", "text"},
                 {"state", "text"},
                 {"board_id", "bigint"},
                 {"goal", "text"},
                 {"start_date", "timestamptz"},
                 {"end_date", "timestamptz"},
                 {"complete_date", "timestamptz"},
                 {"raw", "jsonb"}};
    for (const auto& s : rows.sprints)
        cols.add_row(s.id, s.name, s.state, s.board_id, s.goal, s.start_date, s.end_date, s.complete_date,
                     s.raw_json);
    const auto r = exec_row(
        tx,
        "WITH up AS (INSERT INTO sprints (" + cols.names() + ", synced_at) SELECT " + cols.names() + ", " +
            cols.next_param() + "::timestamptz FROM (SELECT DISTINCT ON (id) * FROM " + cols.unnest() +
            " ORDER BY id, ord DESC) p ON CONFLICT (id) DO UPDATE SET " + cols.set_from_excluded(1) +
            ", synced_at = excluded.synced_at WHERE (sprints.name, sprints.state, sprints.board_id, sprints.goal, "
            "sprints.start_date, sprints.end_date, sprints.complete_date) IS DISTINCT FROM (excluded.name, excluded.state, "
            "excluded.board_id, excluded.goal, excluded.start_date, excluded.end_date, excluded.complete_date) RETURNING 1) "
            "SELECT count(*) FROM up",
        cols.params({now}));
    out.sprints += count_of(r[0]);
}

// Memberships: a field row puts the sprint in the field; a changelog row only moves added_at / removed_at
// forward (and creates the row, outside the field, if it is new). For the issues of `complete_for` every
// sprint not in their field rows leaves the field: for pairs the page has (from the changelog) in the upsert
// itself, for the others in `gone`.
void write_issue_sprints(pqxx::transaction_base& tx, const EntityRows& rows, const std::string& now,
                         EntityRowsWritten& out) {
    Columns cols{{"issue_id", "bigint"},
                 {"sprint_id", "bigint"},
                 {"from_field", "boolean"},
                 {"added_at", "timestamptz"},
                 {"removed_at", "timestamptz"}};
    for (const auto& m : rows.issue_sprints)
        cols.add_row(m.issue_id, m.sprint_id, m.from_field, m.added_at, m.removed_at);
    const std::string at = cols.next_param(0) + "::timestamptz";
    const std::string complete = cols.next_param(1) + "::bigint[]";
    // greatest() skips NULLs: the stored and the new date, whichever is known and later.
    const std::string in_field = "CASE WHEN excluded.in_field THEN true WHEN excluded.issue_id = ANY(" +
                                 complete + ") THEN false ELSE issue_sprints.in_field END";
    const std::string added = "greatest(issue_sprints.added_at, excluded.added_at)";
    const std::string removed = "greatest(issue_sprints.removed_at, excluded.removed_at)";
    const auto r = exec_row(
        tx,
        "WITH p AS (SELECT issue_id, sprint_id, bool_or(from_field) AS in_field, max(added_at) AS added_at, "
        "max(removed_at) AS removed_at FROM " +
            cols.unnest() +
            " GROUP BY issue_id, sprint_id), "
            "up AS (INSERT INTO issue_sprints (issue_id, sprint_id, in_field, added_at, removed_at, "
            "synced_at) "
            "SELECT issue_id, sprint_id, in_field, added_at, removed_at, " +
            at +
            " FROM p "
            "ON CONFLICT (issue_id, sprint_id) DO UPDATE SET in_field = " +
            in_field + ", added_at = " + added + ", removed_at = " + removed +
            ", synced_at = excluded.synced_at "
            "WHERE (issue_sprints.in_field, issue_sprints.added_at, issue_sprints.removed_at) IS DISTINCT "
            "FROM (" +
            in_field + ", " + added + ", " + removed +
            ") RETURNING 1), "
            "gone AS (UPDATE issue_sprints s SET in_field = false, synced_at = " +
            at + " WHERE s.in_field AND s.issue_id = ANY(" + complete +
            ") AND NOT EXISTS (SELECT 1 FROM p WHERE p.issue_id = s.issue_id AND p.sprint_id = s.sprint_id) "
            "RETURNING 1) "
            "SELECT (SELECT count(*) FROM up), (SELECT count(*) FROM gone)",
        cols.params({now, int_array(rows.sprints_complete_for)}));
    out.issue_sprints += count_of(r[0]) + count_of(r[1]);
}

}  // namespace

EntityRowsWritten write_entity_rows(pqxx::transaction_base& tx, const EntityRows& rows,
                                    const std::string& now) {
    EntityRowsWritten out;
    if (!rows.comments.empty() || !rows.comments_complete_for.empty()) write_comments(tx, rows, now, out);
    write_worklogs(tx, rows, now, out);  // decides per statement
    if (!rows.links.empty() || !rows.links_complete_for.empty()) write_links(tx, rows, now, out);
    if (!rows.sprints.empty()) write_sprints(tx, rows, now, out);
    if (!rows.issue_sprints.empty() || !rows.sprints_complete_for.empty())
        write_issue_sprints(tx, rows, now, out);
    return out;
}

void save_entity_state(pqxx::transaction_base& tx, const std::string& scope_key,
                       const PageCommit::EntityState& state, const std::string& now) {
    tx.exec_params(
        "INSERT INTO entity_state (scope_key, entity, state, updated_at) VALUES ($1, $2, $3, "
        "$4::timestamptz) "
        "ON CONFLICT (scope_key, entity) DO UPDATE SET state = excluded.state, updated_at = "
        "excluded.updated_at",
        scope_key, state.entity, state.state_json, now);
}

}  // namespace j2s::pg
