#include "store/sqlite_store.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <type_traits>
#include <variant>

#include "store/file_lock.hpp"
#include "store/migrations.hpp"
#include "store/sqlite_params.hpp"
#include "util/errors.hpp"
#include "util/sha256.hpp"

namespace j2s {

namespace {

constexpr int kBusyTimeoutMs = 5000;
constexpr std::size_t kIdChunk = 500;  // well under SQLite's bound-parameter limit
constexpr const char* kInterrupted = "interrupted (the process stopped before the run finished)";

Timestamp now_utc() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

std::string quoted(const std::string& identifier) { return "\"" + identifier + "\""; }

void bind_optional(SQLite::Statement& st, int index, const std::optional<std::string>& value) {
    if (value)
        st.bindNoCopy(index, *value);
    else
        st.bind(index);
}

void bind_nullable_text(SQLite::Statement& st, int index, const std::string& value) {
    if (value.empty())
        st.bind(index);
    else
        st.bindNoCopy(index, value);
}

std::optional<std::string> optional_text(const SQLite::Column& c) {
    if (c.isNull()) return std::nullopt;
    return c.getString();
}

Timestamp parse_stored_timestamp(const std::string& text, const char* what) {
    const auto t = parse_jira_timestamp(text);
    if (!t) throw StoreError(std::string("unreadable ") + what + " '" + text + "' in the database");
    return *t;
}

std::string host_name() {
    char buf[256] = {};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown host";
    return buf;
}

}  // namespace

// Statements commit_page runs for every row, prepared once per shape of the issues table.
struct SqliteStore::PageStatements {
    SQLite::Statement upsert_issue;
    SQLite::Statement insert_changelog;
    SQLite::Statement bump_dead_letter_by_id;
    SQLite::Statement bump_dead_letter_by_key;
    SQLite::Statement insert_dead_letter;
    SQLite::Statement resolve_dead_letters;
    SQLite::Statement save_checkpoint;
    SQLite::Statement update_run;

    PageStatements(SQLite::Database& db, const std::string& upsert_sql)
        : upsert_issue(db, upsert_sql),
          insert_changelog(
              db,
              "INSERT INTO issue_changelog (history_id, item_index, issue_id, author_account_id, "
              "author_display_name, created, field, field_id, field_type, from_value, from_string, "
              "to_value, to_string) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?) "
              "ON CONFLICT (history_id, item_index) DO NOTHING"),
          bump_dead_letter_by_id(
              db,
              "UPDATE dead_letters SET attempts = attempts + 1, issue_key = ?1, stage = ?2, "
              "error = ?3, payload = ?4, last_failed_at = ?5 "
              "WHERE issue_id = ?6 AND resolved_at IS NULL"),
          bump_dead_letter_by_key(db,
                                  "UPDATE dead_letters SET attempts = attempts + 1, stage = ?2, error = ?3, "
                                  "payload = ?4, last_failed_at = ?5 "
                                  "WHERE issue_key = ?1 AND issue_id IS NULL AND resolved_at IS NULL"),
          insert_dead_letter(
              db,
              "INSERT INTO dead_letters (issue_id, issue_key, stage, error, payload, attempts, "
              "first_failed_at, last_failed_at) VALUES (?,?,?,?,?,1,?,?)"),
          resolve_dead_letters(
              db, "UPDATE dead_letters SET resolved_at = ?1 WHERE issue_id = ?2 AND resolved_at IS NULL"),
          save_checkpoint(
              db,
              "INSERT INTO sync_state (scope_key, scope, checkpoint, updated_at) VALUES (?1, ?1, ?2, ?3) "
              "ON CONFLICT (scope_key) DO UPDATE SET checkpoint = excluded.checkpoint, "
              "updated_at = excluded.updated_at"),
          update_run(
              db,
              "UPDATE sync_runs SET issues_upserted = ?, changelog_items_written = ?, dead_lettered = ?, "
              "soft_deleted = ?, requests = ?, retries = ? WHERE id = ?") {}
};

namespace {

// Runs `body`, turning a SQLite failure into a StoreError that says what was being done and where.
// The transaction `body` opened rolls back as its RAII guard unwinds.
template <class F>
auto guarded(const std::string& where, const char* what, F&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const StoreError&) {
        throw;
    } catch (const SQLite::Exception& e) {
        throw StoreError(std::string(what) + " on " + where + " failed: " + e.what());
    } catch (const std::bad_alloc&) {
        throw;
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw StoreError(std::string(what) + " on " + where + " failed: " + e.what());
    }
}

void bind_counters(SQLite::Statement& st, int first, const RunCounters& c) {
    st.bind(first + 0, static_cast<std::int64_t>(c.issues_upserted));
    st.bind(first + 1, static_cast<std::int64_t>(c.changelog_items_written));
    st.bind(first + 2, static_cast<std::int64_t>(c.dead_lettered));
    st.bind(first + 3, static_cast<std::int64_t>(c.soft_deleted));
    st.bind(first + 4, static_cast<std::int64_t>(c.requests));
    st.bind(first + 5, static_cast<std::int64_t>(c.retries));
}

RunCounters read_counters(SQLite::Statement& st, int first) {
    RunCounters c;
    c.issues_upserted = st.getColumn(first + 0).getInt64();
    c.changelog_items_written = st.getColumn(first + 1).getInt64();
    c.dead_lettered = st.getColumn(first + 2).getInt64();
    c.soft_deleted = st.getColumn(first + 3).getInt64();
    c.requests = st.getColumn(first + 4).getInt64();
    c.retries = st.getColumn(first + 5).getInt64();
    return c;
}

// An UPSERT that writes only when the incoming copy is newer. A soft-deleted row is revived by any copy
// (the issue is evidently back), but its data is only replaced by a copy at least as new as the stored one.
std::string build_upsert_sql(const std::vector<std::string>& mapped) {
    std::vector<std::string> data_columns{"key", "project_key", "created", "updated"};
    for (const auto& m : mapped) data_columns.push_back(quoted(m));
    data_columns.push_back("raw");

    std::string columns = "id";
    std::string values = "?";
    for (const auto& c : data_columns) {
        columns += ", " + c;
        values += ", ?";
    }
    columns += ", deleted_at, deleted_reason, synced_at";
    values += ", NULL, NULL, ?";

    std::string sets;
    for (const auto& c : data_columns)
        sets += c + " = CASE WHEN excluded.updated >= issues.updated THEN excluded." + c + " ELSE issues." +
                c + " END, ";
    sets += "deleted_at = NULL, deleted_reason = NULL, synced_at = excluded.synced_at";

    return "INSERT INTO issues (" + columns + ") VALUES (" + values + ") ON CONFLICT (id) DO UPDATE SET " +
           sets + " WHERE excluded.updated > issues.updated OR issues.deleted_at IS NOT NULL";
}

}  // namespace

SqliteStore::SqliteStore(std::filesystem::path path) : m_path(std::move(path)) {
    const auto folder = m_path.has_parent_path() ? m_path.parent_path() : std::filesystem::path(".");
    std::error_code ec;
    if (!std::filesystem::is_directory(folder, ec))
        throw StoreError("cannot open SQLite database " + m_path.string() + ": the folder " +
                         folder.string() + " does not exist (jira2sql does not create it)");
    guarded(describe(), "opening the database", [&] {
        m_db = std::make_unique<SQLite::Database>(m_path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE,
                                                  kBusyTimeoutMs);
        // Reading the header here turns "not a database" into an error at open rather than mid-run.
        const std::string mode = m_db->execAndGet("PRAGMA journal_mode = WAL").getString();
        if (mode != "wal")
            spdlog::warn("{}: WAL journal mode is unavailable (got '{}'); readers may block the sync",
                         describe(), mode);
        m_db->exec("PRAGMA synchronous = NORMAL");
        m_db->exec("PRAGMA foreign_keys = ON");
    });
}

SqliteStore::~SqliteStore() = default;

std::string SqliteStore::describe() const { return "sqlite:" + m_path.string(); }

std::vector<std::string> SqliteStore::migrate() {
    return guarded(describe(), "migrating", [&] {
        m_db->exec(
            "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "checksum TEXT NOT NULL, applied_at TEXT NOT NULL)");
        const auto available = migrations_for_dialect("sqlite");
        std::vector<std::string> applied_names;
        // One migration per transaction; the plan is re-read under the write lock each time, so two
        // processes migrating at once apply each migration exactly once.
        for (;;) {
            SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
            std::vector<AppliedMigration> applied;
            SQLite::Statement q(*m_db,
                                "SELECT version, name, checksum FROM schema_migrations ORDER BY version");
            while (q.executeStep())
                applied.push_back(
                    {q.getColumn(0).getInt(), q.getColumn(1).getString(), q.getColumn(2).getString()});
            const auto pending = plan_migrations(applied, available);
            if (pending.empty()) {
                tx.commit();
                break;
            }
            const Migration& m = pending.front();
            try {
                m_db->exec(m.sql);
            } catch (const SQLite::Exception& e) {
                throw StoreError("migration " + m.file_name + " failed on " + describe() + ": " + e.what());
            }
            SQLite::Statement ins(
                *m_db,
                "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?,?,?,?)");
            ins.bind(1, m.version);
            ins.bind(2, m.name);
            ins.bind(3, m.checksum);
            ins.bind(4, format_utc(now_utc()));
            ins.exec();
            tx.commit();
            spdlog::debug("applied migration {} to {}", m.file_name, describe());
            applied_names.push_back(m.file_name);
        }
        return applied_names;
    });
}

// The change itself is in sqlite_store_mapping.cpp (apply_mapped_columns); here only what needs the page
// statements' definition.
std::vector<MappingChange> SqliteStore::sync_mapped_columns(const std::vector<ColumnDef>& columns) {
    m_page.reset();  // statements compiled against the old table shape must not outlive it
    auto changes = apply_mapped_columns(columns);
    m_mapped_columns.clear();
    for (const auto& c : columns) m_mapped_columns.push_back(c.name);
    return changes;
}

std::filesystem::path SqliteStore::lock_path(const std::string& scope_key) const {
    return m_path.string() + "." + sha256_hex(scope_key).substr(0, 12) + ".lock";
}

std::unique_ptr<RunLock> SqliteStore::acquire_lock(const std::string& scope_key) {
    const std::string me = "pid " + std::to_string(::getpid()) + " on " + host_name() + " since " +
                           format_utc(now_utc()) + ", scope " + scope_key;
    std::string holder;
    auto lock = try_lock_file(lock_path(scope_key), me, holder);
    if (!lock)
        throw LockedError("another jira2sql run holds the lock on " + describe() + " (" +
                          (holder.empty() ? std::string("holder unknown") : holder) + "); nothing was done");
    return lock;
}

ScopeState SqliteStore::load_scope_state(const std::string& scope_key) {
    return guarded(describe(), "reading the sync state", [&] {
        ScopeState state;
        SQLite::Statement q(*m_db, "SELECT watermark, checkpoint FROM sync_state WHERE scope_key = ?");
        q.bind(1, scope_key);
        if (q.executeStep()) {
            if (!q.getColumn(0).isNull())
                state.watermark = parse_stored_timestamp(q.getColumn(0).getString(), "watermark");
            state.checkpoint_json = optional_text(q.getColumn(1));
        }
        return state;
    });
}

std::int64_t SqliteStore::start_run(const std::string& scope_key, const std::string& mode,
                                    Timestamp started_at) {
    return guarded(describe(), "starting a run", [&] {
        SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement stale(
            *m_db,
            "UPDATE sync_runs SET status = 'failed', error = ? WHERE scope_key = ? AND status = 'running'");
        stale.bind(1, kInterrupted);
        stale.bind(2, scope_key);
        if (const int n = stale.exec(); n > 0)
            spdlog::warn("{} earlier run(s) of this scope stopped without finishing; marked failed", n);
        SQLite::Statement ins(
            *m_db, "INSERT INTO sync_runs (scope_key, mode, started_at, status) VALUES (?, ?, ?, 'running')");
        ins.bind(1, scope_key);
        ins.bind(2, mode);
        ins.bind(3, format_utc(started_at));
        ins.exec();
        const std::int64_t id = m_db->getLastInsertRowid();
        tx.commit();
        return id;
    });
}

SqliteStore::PageStatements& SqliteStore::page_statements() {
    if (!m_page) m_page = std::make_unique<PageStatements>(*m_db, build_upsert_sql(m_mapped_columns));
    return *m_page;
}

PageResult SqliteStore::commit_page(const PageCommit& page) {
    for (const auto& issue : page.issues)
        if (issue.mapped.size() != m_mapped_columns.size())
            throw StoreError("issue " + issue.key + " has " + std::to_string(issue.mapped.size()) +
                             " mapped values but " + std::to_string(m_mapped_columns.size()) +
                             " mapped columns are set up (sync_mapped_columns must run first)");

    return guarded(describe(), "committing a page", [&] {
        PageStatements& st = page_statements();
        // Resetting first keeps a statement left mid-step by an earlier failure from holding a read lock.
        for (SQLite::Statement* s :
             {&st.upsert_issue, &st.insert_changelog, &st.bump_dead_letter_by_id, &st.bump_dead_letter_by_key,
              &st.insert_dead_letter, &st.resolve_dead_letters, &st.save_checkpoint, &st.update_run}) {
            s->tryReset();
            s->clearBindings();
        }
        reset_entity_statements();
        SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        sqlite3* raw = m_db->getHandle();
        const std::string now = format_utc(now_utc());
        PageResult result;

        for (const auto& issue : page.issues) {
            auto& s = st.upsert_issue;
            const std::string created = format_utc(issue.created);
            const std::string updated = format_utc(issue.updated);
            int i = 1;
            s.bind(i++, static_cast<std::int64_t>(issue.id));
            s.bindNoCopy(i++, issue.key);
            s.bindNoCopy(i++, issue.project_key);
            s.bindNoCopy(i++, created);
            s.bindNoCopy(i++, updated);
            for (const auto& v : issue.mapped) sqlite::bind_value(s, i++, v);
            s.bindNoCopy(i++, issue.raw_json);
            s.bindNoCopy(i++, now);
            s.exec();
            result.issues_written += sqlite3_changes(raw);
            s.reset();
        }

        for (const auto& c : page.changelog) {
            auto& s = st.insert_changelog;
            const std::string created = format_utc(c.created);
            s.bind(1, static_cast<std::int64_t>(c.history_id));
            s.bind(2, c.item_index);
            s.bind(3, static_cast<std::int64_t>(c.issue_id));
            bind_optional(s, 4, c.author_account_id);
            bind_optional(s, 5, c.author_display_name);
            s.bindNoCopy(6, created);
            s.bindNoCopy(7, c.field);
            bind_optional(s, 8, c.field_id);
            bind_optional(s, 9, c.field_type);
            bind_optional(s, 10, c.from_value);
            bind_optional(s, 11, c.from_string);
            bind_optional(s, 12, c.to_value);
            bind_optional(s, 13, c.to_string);
            s.exec();
            result.changelog_written += sqlite3_changes(raw);
            s.reset();
        }

        result.entities = write_entity_rows(page.entities, now);
        if (page.entity_state) save_entity_state(page.scope_key, *page.entity_state, now);

        // Clean issues resolve before this page's failures are recorded, so an issue reported both ways
        // stays open: a failure is never hidden.
        for (const std::int64_t id : page.clean_issue_ids) {
            auto& s = st.resolve_dead_letters;
            s.bindNoCopy(1, now);
            s.bind(2, static_cast<std::int64_t>(id));
            s.exec();
            s.reset();
        }

        for (const auto& d : page.dead_letters) {
            auto& bump = d.issue_id ? st.bump_dead_letter_by_id : st.bump_dead_letter_by_key;
            bump.bindNoCopy(1, d.issue_key);
            bump.bindNoCopy(2, d.stage);
            bump.bindNoCopy(3, d.error);
            bump.bindNoCopy(4, d.payload);
            bump.bindNoCopy(5, now);
            if (d.issue_id) bump.bind(6, static_cast<std::int64_t>(*d.issue_id));
            const int bumped = bump.exec();
            bump.reset();
            if (bumped == 0) {
                auto& s = st.insert_dead_letter;
                if (d.issue_id)
                    s.bind(1, static_cast<std::int64_t>(*d.issue_id));
                else
                    s.bind(1);
                s.bindNoCopy(2, d.issue_key);
                s.bindNoCopy(3, d.stage);
                s.bindNoCopy(4, d.error);
                s.bindNoCopy(5, d.payload);
                s.bindNoCopy(6, now);
                s.bindNoCopy(7, now);
                s.exec();
                s.reset();
            }
            ++result.dead_lettered;
        }

        {
            auto& s = st.save_checkpoint;
            s.bindNoCopy(1, page.scope_key);
            bind_nullable_text(s, 2, page.checkpoint_json);
            s.bindNoCopy(3, now);
            s.exec();
            s.reset();
        }
        {
            auto& s = st.update_run;
            RunCounters totals = page.run_totals;
            totals.issues_upserted += result.issues_written;
            totals.changelog_items_written += result.changelog_written;
            totals.dead_lettered += result.dead_lettered;
            bind_counters(s, 1, totals);
            s.bind(7, static_cast<std::int64_t>(page.run_id));
            const int n = s.exec();
            s.reset();
            if (n != 1)
                throw StoreError("run " + std::to_string(page.run_id) + " does not exist in " + describe());
        }
        tx.commit();
        return result;
    });
}

void SqliteStore::finish_run(std::int64_t run_id, const std::string& scope_key, RunStatus status,
                             Timestamp finished_at, const RunCounters& counters, const std::string& error,
                             std::optional<Timestamp> new_watermark, bool clear_checkpoint) {
    guarded(describe(), "finishing the run", [&] {
        SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::string finished = format_utc(finished_at);
        SQLite::Statement run(
            *m_db,
            "UPDATE sync_runs SET status = ?, finished_at = ?, error = ?, issues_upserted = ?, "
            "changelog_items_written = ?, dead_lettered = ?, soft_deleted = ?, requests = ?, "
            "retries = ? WHERE id = ?");
        run.bind(1, run_status_name(status));
        run.bind(2, finished);
        bind_nullable_text(run, 3, error);
        bind_counters(run, 4, counters);
        run.bind(10, static_cast<std::int64_t>(run_id));
        if (run.exec() != 1)
            throw StoreError("run " + std::to_string(run_id) + " does not exist in " + describe());

        if (new_watermark || clear_checkpoint) {
            const std::string now = format_utc(now_utc());
            SQLite::Statement ensure(
                *m_db,
                "INSERT INTO sync_state (scope_key, scope, updated_at) VALUES (?1, ?1, ?2) "
                "ON CONFLICT (scope_key) DO UPDATE SET updated_at = excluded.updated_at");
            ensure.bind(1, scope_key);
            ensure.bind(2, now);
            ensure.exec();
            if (new_watermark) {
                SQLite::Statement w(*m_db, "UPDATE sync_state SET watermark = ? WHERE scope_key = ?");
                w.bind(1, format_utc(*new_watermark));
                w.bind(2, scope_key);
                w.exec();
            }
            if (clear_checkpoint) {
                SQLite::Statement c(*m_db, "UPDATE sync_state SET checkpoint = NULL WHERE scope_key = ?");
                c.bind(1, scope_key);
                c.exec();
            }
        }
        tx.commit();
    });
}

std::unordered_map<std::int64_t, Timestamp> SqliteStore::stored_updated(
    const std::vector<std::int64_t>& ids) {
    return guarded(describe(), "reading stored issues", [&] {
        std::unordered_map<std::int64_t, Timestamp> out;
        for (std::size_t start = 0; start < ids.size(); start += kIdChunk) {
            const std::size_t n = std::min(kIdChunk, ids.size() - start);
            std::string sql = "SELECT id, updated FROM issues WHERE id IN (?";
            for (std::size_t i = 1; i < n; ++i) sql += ",?";
            sql += ")";
            SQLite::Statement q(*m_db, sql);
            for (std::size_t i = 0; i < n; ++i)
                q.bind(static_cast<int>(i + 1), static_cast<std::int64_t>(ids[start + i]));
            while (q.executeStep())
                out[q.getColumn(0).getInt64()] =
                    parse_stored_timestamp(q.getColumn(1).getString(), "issues.updated");
        }
        return out;
    });
}

void SqliteStore::replace_jira_fields(const std::vector<JiraField>& fields) {
    guarded(describe(), "saving the field list", [&] {
        SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        m_db->exec("DELETE FROM jira_fields");
        // A site listing one id twice should not fail a sync; the last entry wins.
        SQLite::Statement ins(
            *m_db,
            "INSERT OR REPLACE INTO jira_fields (id, key, name, custom, schema_type, items_type, "
            "custom_type) VALUES (?,?,?,?,?,?,?)");
        for (const auto& f : fields) {
            ins.bindNoCopy(1, f.id);
            ins.bindNoCopy(2, f.key);
            ins.bindNoCopy(3, f.name);
            ins.bind(4, f.custom ? 1 : 0);
            bind_optional(ins, 5, f.schema_type);
            bind_optional(ins, 6, f.items_type);
            bind_optional(ins, 7, f.custom_type);
            ins.exec();
            ins.reset();
        }
        tx.commit();
    });
}

std::vector<JiraField> SqliteStore::jira_fields() {
    return guarded(describe(), "reading the field list", [&] {
        std::vector<JiraField> out;
        SQLite::Statement q(*m_db,
                            "SELECT id, key, name, custom, schema_type, items_type, custom_type FROM "
                            "jira_fields ORDER BY id");
        while (q.executeStep()) {
            JiraField f;
            f.id = q.getColumn(0).getString();
            f.key = q.getColumn(1).getString();
            f.name = q.getColumn(2).getString();
            f.custom = q.getColumn(3).getInt() != 0;
            f.schema_type = optional_text(q.getColumn(4));
            f.items_type = optional_text(q.getColumn(5));
            f.custom_type = optional_text(q.getColumn(6));
            out.push_back(std::move(f));
        }
        return out;
    });
}

std::vector<DeadLetterRow> SqliteStore::dead_letters(bool include_resolved) {
    return guarded(describe(), "reading dead letters", [&] {
        std::vector<DeadLetterRow> out;
        SQLite::Statement q(
            *m_db,
            "SELECT id, issue_id, issue_key, stage, error, payload, attempts, first_failed_at, "
            "last_failed_at, resolved_at FROM dead_letters WHERE ?1 OR resolved_at IS NULL ORDER BY id");
        q.bind(1, include_resolved ? 1 : 0);
        while (q.executeStep()) {
            DeadLetterRow r;
            r.id = q.getColumn(0).getInt64();
            if (!q.getColumn(1).isNull()) r.issue_id = q.getColumn(1).getInt64();
            r.issue_key = q.getColumn(2).getString();
            r.stage = q.getColumn(3).getString();
            r.error = q.getColumn(4).getString();
            r.payload = q.getColumn(5).getString();
            r.attempts = q.getColumn(6).getInt64();
            r.first_failed_at = q.getColumn(7).getString();
            r.last_failed_at = q.getColumn(8).getString();
            r.resolved_at = optional_text(q.getColumn(9));
            out.push_back(std::move(r));
        }
        return out;
    });
}

std::vector<RunRow> SqliteStore::recent_runs(int limit) {
    return guarded(describe(), "reading runs", [&] {
        std::vector<RunRow> out;
        SQLite::Statement q(*m_db,
                            "SELECT id, mode, started_at, finished_at, status, issues_upserted, "
                            "changelog_items_written, dead_lettered, soft_deleted, requests, retries, error "
                            "FROM sync_runs ORDER BY id DESC LIMIT ?");
        q.bind(1, std::max(limit, 0));
        while (q.executeStep()) {
            RunRow r;
            r.id = q.getColumn(0).getInt64();
            r.mode = q.getColumn(1).getString();
            r.started_at = q.getColumn(2).getString();
            r.finished_at = optional_text(q.getColumn(3));
            r.status = q.getColumn(4).getString();
            r.counters = read_counters(q, 5);
            r.error = optional_text(q.getColumn(11));
            out.push_back(std::move(r));
        }
        return out;
    });
}

TableCounts SqliteStore::counts() {
    return guarded(describe(), "counting rows", [&] {
        SQLite::Statement q(
            *m_db,
            "SELECT (SELECT count(*) FROM issues), (SELECT count(*) FROM issues WHERE deleted_at IS NULL), "
            "(SELECT count(*) FROM issue_changelog), "
            "(SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL)");
        q.executeStep();
        TableCounts c;
        c.issues = q.getColumn(0).getInt64();
        c.issues_live = q.getColumn(1).getInt64();
        c.changelog_items = q.getColumn(2).getInt64();
        c.dead_letters_open = q.getColumn(3).getInt64();
        return c;
    });
}

}  // namespace j2s
