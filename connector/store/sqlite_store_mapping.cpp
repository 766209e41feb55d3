// SqliteStore: mappings that change (issue 5, items 5-7). Applying added, removed and retyped mapped
// columns to `issues`, recording them in mapping_changes, remembering the field ids of `field:` columns,
// and the batched reads and writes of a remap.
//
// Retyped columns are recreated empty (DROP COLUMN + ADD COLUMN) and refilled from raw by a remap rather
// than converted in SQL: the mapping's conversion rules (what "abc" as integer means, on_error) then
// apply exactly as on a fresh sync, which no SQL cast can promise.

#include <SQLiteCpp/SQLiteCpp.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <map>
#include <regex>
#include <set>
#include <type_traits>
#include <variant>

#include "store/sqlite_store.hpp"
#include "store/sqlite_params.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

const std::set<std::string> kFixed{"id",  "key",        "project_key",    "created",  "updated",
                                   "raw", "deleted_at", "deleted_reason", "synced_at"};

const char* sqlite_type_of(ColumnType t) {
    switch (t) {
        case ColumnType::integer:
        case ColumnType::boolean:
            return "INTEGER";
        case ColumnType::number:
            return "REAL";
        default:
            return "TEXT";
    }
}

void check_name(const std::string& name) {
    static const std::regex kName("^[a-z_][a-z0-9_]{0,62}$");
    if (!std::regex_match(name, kName))
        throw StoreError("invalid mapped column name '" + name + "' (allowed: [a-z_][a-z0-9_]{0,62})");
    if (kFixed.count(name)) throw StoreError("mapped column '" + name + "' would replace a fixed column of issues");
}

std::string q(const std::string& identifier) { return "\"" + identifier + "\""; }

std::string now_text() {
    return format_utc(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

template <class F>
auto sqlite_guarded(const std::string& where, const char* what, F&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const Error&) {
        throw;
    } catch (const SQLite::Exception& e) {
        throw StoreError(std::string(what) + " on " + where + " failed: " + e.what());
    }
}

void bind_opt(SQLite::Statement& st, int index, const std::optional<std::string>& v) {
    if (v)
        st.bind(index, *v);
    else
        st.bind(index);
}

void record_change(SQLite::Database& db, const std::string& at, const MappingChange& c) {
    SQLite::Statement ins(db,
                          "INSERT INTO mapping_changes (at, column_name, change, old_type, new_type, field_id, "
                          "old_field_id) VALUES (?,?,?,?,?,?,?)");
    ins.bind(1, at);
    ins.bind(2, c.column);
    ins.bind(3, c.change);
    bind_opt(ins, 4, c.old_type);
    bind_opt(ins, 5, c.new_type);
    bind_opt(ins, 6, c.field_id);
    bind_opt(ins, 7, c.old_field_id);
    ins.exec();
}

// One line for all the changes: info when they touch existing rows, debug when the table is new.
void log_changes(const std::vector<MappingChange>& changes, const std::string& where, bool has_rows) {
    if (changes.empty()) return;
    std::string text;
    for (const auto& c : changes) {
        text += (text.empty() ? "" : ", ") + c.column + " " + c.change;
        if (c.change == "retyped") text += " (" + c.old_type.value_or("?") + " -> " + c.new_type.value_or("?") + ")";
        else if (c.change == "added") text += " (" + c.new_type.value_or("?") + ")";
    }
    spdlog::log(has_rows ? spdlog::level::info : spdlog::level::debug, "mapped columns changed on {}: {}", where, text);
}

}  // namespace

std::vector<MappingChange> SqliteStore::apply_mapped_columns(const std::vector<ColumnDef>& columns) {
    std::set<std::string> seen;
    for (const auto& c : columns) {
        check_name(c.name);
        if (!seen.insert(c.name).second) throw StoreError("mapped column '" + c.name + "' is listed twice");
    }
    return sqlite_guarded(describe(), "updating the mapped columns", [&] {
        SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        std::set<std::string> table_columns;
        SQLite::Statement info(*m_db, "SELECT name FROM pragma_table_info('issues')");
        while (info.executeStep()) table_columns.insert(info.getColumn(0).getString());
        if (table_columns.empty())
            throw StoreError("the issues table is missing on " + describe() + ": run migrate first");

        struct Recorded {
            std::string type;
            std::optional<std::string> field_id;
        };
        std::map<std::string, Recorded> recorded;
        SQLite::Statement rec(*m_db, "SELECT name, type, field_id FROM mapped_columns");
        while (rec.executeStep())
            recorded[rec.getColumn(0).getString()] = {
                rec.getColumn(1).getString(),
                rec.getColumn(2).isNull() ? std::nullopt : std::optional<std::string>(rec.getColumn(2).getString())};
        const bool has_rows = m_db->execAndGet("SELECT EXISTS (SELECT 1 FROM issues)").getInt() != 0;

        const std::string now = now_text();
        std::vector<MappingChange> changes;
        for (const auto& c : columns) {
            const std::string type_name = column_type_name(c.type);
            const auto old = recorded.find(c.name);
            if (old != recorded.end() && old->second.type == type_name && table_columns.count(c.name)) continue;
            MappingChange change;
            change.column = c.name;
            change.new_type = type_name;
            if (old != recorded.end()) {
                change.change = "retyped";
                change.old_type = old->second.type;
                change.field_id = old->second.field_id;
                if (table_columns.count(c.name)) m_db->exec("ALTER TABLE issues DROP COLUMN " + q(c.name));
                m_db->exec("ALTER TABLE issues ADD COLUMN " + q(c.name) + " " + sqlite_type_of(c.type));
                SQLite::Statement up(*m_db, "UPDATE mapped_columns SET type = ?, refill_pending = ? WHERE name = ?");
                up.bind(1, type_name);
                up.bind(2, has_rows ? 1 : 0);
                up.bind(3, c.name);
                up.exec();
            } else {
                change.change = "added";
                // A column of that name left over from outside jira2sql's records is recreated with the
                // mapping's type, so it never holds values of another type.
                if (table_columns.count(c.name)) m_db->exec("ALTER TABLE issues DROP COLUMN " + q(c.name));
                m_db->exec("ALTER TABLE issues ADD COLUMN " + q(c.name) + " " + sqlite_type_of(c.type));
                SQLite::Statement ins(*m_db,
                                      "INSERT INTO mapped_columns (name, type, added_at, refill_pending) "
                                      "VALUES (?, ?, ?, ?)");
                ins.bind(1, c.name);
                ins.bind(2, type_name);
                ins.bind(3, now);
                ins.bind(4, has_rows ? 1 : 0);
                ins.exec();
            }
            record_change(*m_db, now, change);
            changes.push_back(change);
        }
        for (const auto& [name, r] : recorded) {
            if (seen.count(name)) continue;
            if (table_columns.count(name)) m_db->exec("ALTER TABLE issues DROP COLUMN " + q(name));
            SQLite::Statement del(*m_db, "DELETE FROM mapped_columns WHERE name = ?");
            del.bind(1, name);
            del.exec();
            MappingChange change;
            change.column = name;
            change.change = "removed";
            change.old_type = r.type;
            change.field_id = r.field_id;
            record_change(*m_db, now, change);
            changes.push_back(change);
        }
        tx.commit();
        for (auto& c : changes) c.at = now;
        log_changes(changes, describe(), has_rows);
        return changes;
    });
}

std::map<std::string, std::string> SqliteStore::remembered_field_ids() {
    return sqlite_guarded(describe(), "reading the remembered field ids", [&] {
        std::map<std::string, std::string> out;
        SQLite::Statement st(*m_db, "SELECT name, field_id FROM mapped_columns WHERE field_id IS NOT NULL");
        while (st.executeStep()) out[st.getColumn(0).getString()] = st.getColumn(1).getString();
        return out;
    });
}

void SqliteStore::remember_field_ids(const std::map<std::string, std::string>& ids) {
    sqlite_guarded(describe(), "recording the field ids", [&] {
        SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::string now = now_text();
        for (const auto& [column, id] : ids) {
            SQLite::Statement cur(*m_db, "SELECT field_id, type FROM mapped_columns WHERE name = ?");
            cur.bind(1, column);
            if (!cur.executeStep()) continue;  // not a mapped column (yet)
            const std::optional<std::string> old =
                cur.getColumn(0).isNull() ? std::nullopt : std::optional<std::string>(cur.getColumn(0).getString());
            const std::string type = cur.getColumn(1).getString();
            cur.reset();
            if (old == id) continue;
            SQLite::Statement up(*m_db, "UPDATE mapped_columns SET field_id = ? WHERE name = ?");
            up.bind(1, id);
            up.bind(2, column);
            up.exec();
            if (old) {  // a first resolution is part of the column's `added` record
                MappingChange c{column, "field_changed", type, type, id, old, now};
                record_change(*m_db, now, c);
                spdlog::warn("mapped column {} now reads Jira field {} (was {})", column, id, *old);
            } else {
                SQLite::Statement fill(*m_db,
                                       "UPDATE mapping_changes SET field_id = ? WHERE column_name = ? AND "
                                       "field_id IS NULL AND id = (SELECT max(id) FROM mapping_changes WHERE "
                                       "column_name = ?)");
                fill.bind(1, id);
                fill.bind(2, column);
                fill.bind(3, column);
                fill.exec();
            }
        }
        tx.commit();
    });
}

std::vector<MappingChange> SqliteStore::mapping_changes() {
    return sqlite_guarded(describe(), "reading the mapping changes", [&] {
        std::vector<MappingChange> out;
        SQLite::Statement st(*m_db,
                             "SELECT column_name, change, old_type, new_type, field_id, old_field_id, at "
                             "FROM mapping_changes ORDER BY id");
        auto opt = [&](int i) {
            return st.getColumn(i).isNull() ? std::nullopt : std::optional<std::string>(st.getColumn(i).getString());
        };
        while (st.executeStep())
            out.push_back({st.getColumn(0).getString(), st.getColumn(1).getString(), opt(2), opt(3), opt(4), opt(5),
                           st.getColumn(6).getString()});
        return out;
    });
}

std::vector<std::string> SqliteStore::refill_pending_columns() {
    return sqlite_guarded(describe(), "reading the mapped columns", [&] {
        std::vector<std::string> out;
        SQLite::Statement st(*m_db, "SELECT name FROM mapped_columns WHERE refill_pending <> 0 ORDER BY name");
        while (st.executeStep()) out.push_back(st.getColumn(0).getString());
        return out;
    });
}

void SqliteStore::clear_refill_pending(const std::vector<std::string>& columns) {
    sqlite_guarded(describe(), "updating the mapped columns", [&] {
        SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        SQLite::Statement up(*m_db, "UPDATE mapped_columns SET refill_pending = 0 WHERE name = ?");
        for (const auto& c : columns) {
            up.bind(1, c);
            up.exec();
            up.reset();
        }
        tx.commit();
    });
}

std::vector<StoredRaw> SqliteStore::read_raw_batch(std::int64_t after_id, int limit) {
    return sqlite_guarded(describe(), "reading stored issues", [&] {
        std::vector<StoredRaw> out;
        out.reserve(static_cast<std::size_t>(std::max(limit, 0)));
        SQLite::Statement st(*m_db, "SELECT id, key, raw FROM issues WHERE id > ? ORDER BY id LIMIT ?");
        st.bind(1, static_cast<std::int64_t>(after_id));
        st.bind(2, limit);
        while (st.executeStep()) {
            const auto raw = st.getColumn(2);
            out.push_back({st.getColumn(0).getInt64(), st.getColumn(1).getString(),
                           std::string(static_cast<const char*>(raw.getBlob()), static_cast<std::size_t>(raw.getBytes()))});
        }
        return out;
    });
}

PageResult SqliteStore::commit_remap_batch(const RemapBatch& batch) {
    for (const auto& c : batch.columns) check_name(c);
    for (const auto& [id, values] : batch.rows)
        if (values.size() != batch.columns.size())
            throw StoreError("remap of issue " + std::to_string(id) + " has " + std::to_string(values.size()) +
                             " values for " + std::to_string(batch.columns.size()) + " columns");
    return sqlite_guarded(describe(), "committing a remap batch", [&] {
        SQLite::Transaction tx(*m_db, SQLite::TransactionBehavior::IMMEDIATE);
        const std::string now = now_text();
        PageResult result;
        if (!batch.columns.empty() && !batch.rows.empty()) {
            std::string sql = "UPDATE issues SET ";
            for (std::size_t i = 0; i < batch.columns.size(); ++i)
                sql += (i ? ", " : "") + q(batch.columns[i]) + " = ?";
            sql += " WHERE id = ?";
            SQLite::Statement up(*m_db, sql);
            sqlite3* raw = m_db->getHandle();
            for (const auto& [id, values] : batch.rows) {
                int i = 1;
                for (const auto& v : values) sqlite::bind_value(up, i++, v);
                up.bind(i, static_cast<std::int64_t>(id));
                up.exec();
                result.issues_written += sqlite3_changes(raw);
                up.reset();
            }
        }
        for (const auto& d : batch.dead_letters) {
            SQLite::Statement bump(*m_db,
                                   "UPDATE dead_letters SET attempts = attempts + 1, issue_key = ?1, stage = ?2, "
                                   "error = ?3, payload = ?4, last_failed_at = ?5 "
                                   "WHERE issue_id = ?6 AND resolved_at IS NULL");
            bump.bind(1, d.issue_key);
            bump.bind(2, d.stage);
            bump.bind(3, d.error);
            bump.bind(4, d.payload);
            bump.bind(5, now);
            bump.bind(6, static_cast<std::int64_t>(d.issue_id.value_or(0)));
            if (bump.exec() == 0) {
                SQLite::Statement ins(*m_db,
                                      "INSERT INTO dead_letters (issue_id, issue_key, stage, error, payload, attempts, "
                                      "first_failed_at, last_failed_at) VALUES (?,?,?,?,?,1,?,?)");
                if (d.issue_id)
                    ins.bind(1, static_cast<std::int64_t>(*d.issue_id));
                else
                    ins.bind(1);
                ins.bind(2, d.issue_key);
                ins.bind(3, d.stage);
                ins.bind(4, d.error);
                ins.bind(5, d.payload);
                ins.bind(6, now);
                ins.bind(7, now);
                ins.exec();
            }
            ++result.dead_lettered;
        }
        {
            SQLite::Statement cp(*m_db,
                                 "INSERT INTO sync_state (scope_key, scope, checkpoint, updated_at) VALUES (?1, ?1, ?2, "
                                 "?3) ON CONFLICT (scope_key) DO UPDATE SET checkpoint = excluded.checkpoint, "
                                 "updated_at = excluded.updated_at");
            cp.bind(1, batch.state_key);
            cp.bind(2, batch.checkpoint_json);
            cp.bind(3, now);
            cp.exec();
        }
        {
            RunCounters t = batch.run_totals;
            t.issues_upserted += result.issues_written;
            t.dead_lettered += result.dead_lettered;
            SQLite::Statement run(*m_db,
                                  "UPDATE sync_runs SET issues_upserted = ?, changelog_items_written = ?, "
                                  "dead_lettered = ?, soft_deleted = ?, requests = ?, retries = ? WHERE id = ?");
            run.bind(1, static_cast<std::int64_t>(t.issues_upserted));
            run.bind(2, static_cast<std::int64_t>(t.changelog_items_written));
            run.bind(3, static_cast<std::int64_t>(t.dead_lettered));
            run.bind(4, static_cast<std::int64_t>(t.soft_deleted));
            run.bind(5, static_cast<std::int64_t>(t.requests));
            run.bind(6, static_cast<std::int64_t>(t.retries));
            run.bind(7, static_cast<std::int64_t>(batch.run_id));
            if (run.exec() != 1)
                throw StoreError("run " + std::to_string(batch.run_id) + " does not exist in " + describe());
        }
        tx.commit();
        return result;
    });
}

}  // namespace j2s
