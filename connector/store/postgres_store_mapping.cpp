// PostgresStore: mappings that change (issue 5, items 5-7). Applying added, removed and retyped mapped
// columns to `issues`, recording them in mapping_changes, remembering the field ids of `field:` columns,
// and the batched reads and writes of a remap.
//
// A retyped column is changed in place with ALTER COLUMN ... TYPE ... USING NULL (it keeps its position)
// and refilled from raw by a remap rather than cast: the mapping's conversion rules then apply exactly as
// on a fresh sync. issues_live (its `*` is expanded when it is created) is dropped and recreated around a
// drop or a retype; a view of the user's built on issues_live makes that fail with an error saying so.

#include <spdlog/spdlog.h>

#include <charconv>
#include <map>
#include <pqxx/pqxx>
#include <regex>
#include <set>
#include <type_traits>
#include <variant>

#include "store/postgres_connection.hpp"
#include "store/postgres_store.hpp"
#include "store/postgres_params.hpp"
#include "util/errors.hpp"
#include "util/sha256.hpp"

namespace j2s {

namespace {

const std::set<std::string> kFixed{"id",  "key",        "project_key",    "created",  "updated",
                                   "raw", "deleted_at", "deleted_reason", "synced_at"};

const char* pg_type_of(ColumnType t) {
    switch (t) {
        case ColumnType::text:
            return "text";
        case ColumnType::integer:
            return "bigint";
        case ColumnType::number:
            return "double precision";
        case ColumnType::boolean:
            return "boolean";
        case ColumnType::timestamp:
            return "timestamptz";
        case ColumnType::date:
            return "date";
        case ColumnType::json:
            return "jsonb";
    }
    return "text";
}

void check_name(const std::string& name) {
    static const std::regex kName("^[a-z_][a-z0-9_]{0,62}$");
    if (!std::regex_match(name, kName))
        throw StoreError("invalid mapped column name '" + name + "' (allowed: [a-z_][a-z0-9_]{0,62})");
    if (kFixed.count(name)) throw StoreError("mapped column '" + name + "' would replace a fixed column of issues");
}

std::string q(const std::string& identifier) { return "\"" + identifier + "\""; }  // names are checked

std::int64_t migrate_lock_key(const std::string& schema) {
    return static_cast<std::int64_t>(std::stoull(sha256_hex("jira2sql migrate\n" + schema).substr(0, 16), nullptr, 16));
}

std::string utc_text(const std::string& column) {
    return "to_char(" + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}


std::optional<std::string> opt(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    return f.as<std::string>();
}

void record_change(pqxx::work& tx, const MappingChange& c) {
    tx.exec_params(
        "INSERT INTO mapping_changes (at, column_name, change, old_type, new_type, field_id, old_field_id) "
        "VALUES (now(), $1, $2, $3, $4, $5, $6)",
        c.column, c.change, pg::nullable(c.old_type), pg::nullable(c.new_type), pg::nullable(c.field_id), pg::nullable(c.old_field_id));
}

// A SQL literal of `value` cast to the column's type.
std::string literal(pqxx::work& tx, const SqlValue& value, const std::string& type) {
    return std::visit(
        [&](const auto& v) -> std::string {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                return "NULL::" + type;
            else if constexpr (std::is_same_v<T, bool>)
                return v ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::int64_t>)
                return std::to_string(v) + "::" + type;
            else if constexpr (std::is_same_v<T, double>) {
                char buf[64];
                const auto r = std::to_chars(buf, buf + sizeof buf, v);
                return "'" + std::string(buf, r.ptr) + "'::" + type;  // quoted: also NaN/Infinity
            } else
                return tx.quote(v) + "::" + type;
        },
        value);
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

// Called inside PostgresStore::guarded (postgres_store.cpp).
std::vector<MappingChange> PostgresStore::apply_mapped_columns(const std::vector<ColumnDef>& columns) {
    std::set<std::string> seen;
    for (const auto& c : columns) {
        check_name(c.name);
        if (!seen.insert(c.name).second) throw StoreError("mapped column '" + c.name + "' is listed twice");
    }
    pqxx::work tx(*m_conn->db);
    // The same lock as migrate: two runs changing one column must not race on ALTER TABLE.
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", migrate_lock_key(m_schema));

    std::set<std::string> table_columns;
    for (const auto& row : tx.exec_params(
             "SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'issues'",
             m_schema))
        table_columns.insert(row[0].as<std::string>());
    if (table_columns.empty()) throw StoreError("the issues table is missing on " + describe() + ": run migrate first");

    struct Recorded {
        std::string type;
        std::optional<std::string> field_id;
    };
    std::map<std::string, Recorded> recorded;
    for (const auto& row : tx.exec("SELECT name, type, field_id FROM mapped_columns"))
        recorded[row[0].as<std::string>()] = {row[1].as<std::string>(), opt(row[2])};
    const bool has_rows = tx.exec1("SELECT EXISTS (SELECT 1 FROM issues)")[0].as<bool>();

    bool view_dropped = false;
    auto drop_view = [&] {
        if (view_dropped) return;
        try {
            tx.exec("DROP VIEW IF EXISTS issues_live");
        } catch (const pqxx::sql_error& e) {
            throw StoreError("cannot change the mapped columns on " + describe() +
                             ": issues_live must be recreated but other views depend on it (drop them first, "
                             "then recreate them after the sync): " + PostgresStore::scrub(e.what(), m_url));
        }
        view_dropped = true;
    };

    std::vector<MappingChange> changes;
    bool added_any = false;
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
            drop_view();
            if (table_columns.count(c.name))
                tx.exec("ALTER TABLE issues ALTER COLUMN " + q(c.name) + " TYPE " + pg_type_of(c.type) + " USING NULL");
            else
                tx.exec("ALTER TABLE issues ADD COLUMN " + q(c.name) + " " + pg_type_of(c.type));
            tx.exec_params("UPDATE mapped_columns SET type = $1, refill_pending = $2 WHERE name = $3", type_name,
                           has_rows, c.name);
        } else {
            change.change = "added";
            if (table_columns.count(c.name)) {
                drop_view();
                tx.exec("ALTER TABLE issues DROP COLUMN " + q(c.name));
            }
            tx.exec("ALTER TABLE issues ADD COLUMN " + q(c.name) + " " + pg_type_of(c.type));
            tx.exec_params(
                "INSERT INTO mapped_columns (name, type, added_at, refill_pending) VALUES ($1, $2, now(), $3)",
                c.name, type_name, has_rows);
            added_any = true;
        }
        record_change(tx, change);
        changes.push_back(change);
    }
    for (const auto& [name, r] : recorded) {
        if (seen.count(name)) continue;
        if (table_columns.count(name)) {
            drop_view();
            tx.exec("ALTER TABLE issues DROP COLUMN " + q(name));
        }
        tx.exec_params("DELETE FROM mapped_columns WHERE name = $1", name);
        MappingChange change;
        change.column = name;
        change.change = "removed";
        change.old_type = r.type;
        change.field_id = r.field_id;
        record_change(tx, change);
        changes.push_back(change);
    }

    // PostgreSQL fixes a view's columns when it is created, so `SELECT *` must be re-expanded for
    // issues_live to show the current columns. OR REPLACE (when nothing was dropped) keeps grants and views
    // built on top of it; it can only append columns.
    if (view_dropped)
        tx.exec("CREATE VIEW issues_live AS SELECT * FROM issues WHERE deleted_at IS NULL");
    else {
        const auto view_columns = tx.exec_params1(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = "
            "'issues_live'",
            m_schema)[0].as<std::size_t>();
        const auto issue_columns = tx.exec_params1(
            "SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'issues'",
            m_schema)[0].as<std::size_t>();
        if (added_any || view_columns != issue_columns)
            tx.exec("CREATE OR REPLACE VIEW issues_live AS SELECT * FROM issues WHERE deleted_at IS NULL");
    }
    const std::string now = tx.exec1("SELECT " + utc_text("now()"))[0].as<std::string>();
    tx.commit();
    for (auto& c : changes) c.at = now;
    log_changes(changes, describe(), has_rows);
    return changes;
}

std::map<std::string, std::string> PostgresStore::remembered_field_ids() {
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "reading the remembered field ids", [&] {
        pqxx::work tx(*m_conn->db);
        std::map<std::string, std::string> out;
        for (const auto& row : tx.exec("SELECT name, field_id FROM mapped_columns WHERE field_id IS NOT NULL"))
            out[row[0].as<std::string>()] = row[1].as<std::string>();
        tx.commit();
        return out;
    });
}

void PostgresStore::remember_field_ids(const std::map<std::string, std::string>& ids) {
    pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "recording the field ids", [&] {
        pqxx::work tx(*m_conn->db);
        for (const auto& [column, id] : ids) {
            const auto cur = tx.exec_params("SELECT field_id, type FROM mapped_columns WHERE name = $1", column);
            if (cur.empty()) continue;
            const auto old = opt(cur[0][0]);
            const std::string type = cur[0][1].as<std::string>();
            if (old == id) continue;
            tx.exec_params("UPDATE mapped_columns SET field_id = $1 WHERE name = $2", id, column);
            if (old) {
                record_change(tx, MappingChange{column, "field_changed", type, type, id, old, ""});
                spdlog::warn("mapped column {} now reads Jira field {} (was {})", column, id, *old);
            } else {
                tx.exec_params(
                    "UPDATE mapping_changes SET field_id = $1 WHERE field_id IS NULL AND id = (SELECT max(id) FROM "
                    "mapping_changes WHERE column_name = $2)",
                    id, column);
            }
        }
        tx.commit();
    });
}

std::vector<MappingChange> PostgresStore::mapping_changes() {
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "reading the mapping changes", [&] {
        pqxx::work tx(*m_conn->db);
        std::vector<MappingChange> out;
        for (const auto& row : tx.exec("SELECT column_name, change, old_type, new_type, field_id, old_field_id, " +
                                       utc_text("at") + " FROM mapping_changes ORDER BY id"))
            out.push_back({row[0].as<std::string>(), row[1].as<std::string>(), opt(row[2]), opt(row[3]), opt(row[4]),
                           opt(row[5]), row[6].as<std::string>()});
        tx.commit();
        return out;
    });
}

std::vector<std::string> PostgresStore::refill_pending_columns() {
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "reading the mapped columns", [&] {
        pqxx::work tx(*m_conn->db);
        std::vector<std::string> out;
        for (const auto& row : tx.exec("SELECT name FROM mapped_columns WHERE refill_pending ORDER BY name"))
            out.push_back(row[0].as<std::string>());
        tx.commit();
        return out;
    });
}

void PostgresStore::clear_refill_pending(const std::vector<std::string>& columns) {
    pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "updating the mapped columns", [&] {
        pqxx::work tx(*m_conn->db);
        for (const auto& c : columns) tx.exec_params("UPDATE mapped_columns SET refill_pending = false WHERE name = $1", c);
        tx.commit();
    });
}

std::vector<StoredRaw> PostgresStore::read_raw_batch(std::int64_t after_id, int limit) {
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "reading stored issues", [&] {
        pqxx::work tx(*m_conn->db);
        std::vector<StoredRaw> out;
        const auto rows =
            tx.exec_params("SELECT id, key, raw::text FROM issues WHERE id > $1 ORDER BY id LIMIT $2", after_id, limit);
        out.reserve(rows.size());
        for (const auto& row : rows)
            out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>()});
        tx.commit();
        return out;
    });
}

PageResult PostgresStore::commit_remap_batch(const RemapBatch& batch) {
    for (const auto& c : batch.columns) check_name(c);
    for (const auto& [id, values] : batch.rows)
        if (values.size() != batch.columns.size())
            throw StoreError("remap of issue " + std::to_string(id) + " has " + std::to_string(values.size()) +
                             " values for " + std::to_string(batch.columns.size()) + " columns");
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "committing a remap batch", [&] {
        pqxx::work tx(*m_conn->db);
        PageResult result;
        if (!batch.columns.empty() && !batch.rows.empty()) {
            // The SQL types of the columns, so every literal carries its cast (a VALUES list of NULLs would
            // otherwise be typed text).
            std::map<std::string, std::string> types;
            for (const auto& row : tx.exec_params(
                     "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                     "WHERE a.attrelid = 'issues'::regclass AND a.attnum > 0 AND NOT a.attisdropped"))
                types[row[0].as<std::string>()] = row[1].as<std::string>();
            std::string sql = "UPDATE issues AS i SET ";
            for (std::size_t c = 0; c < batch.columns.size(); ++c)
                sql += (c ? ", " : "") + q(batch.columns[c]) + " = v." + q(batch.columns[c]);
            sql += " FROM (VALUES ";
            bool first = true;
            for (const auto& [id, values] : batch.rows) {
                sql += first ? "(" : ", (";
                first = false;
                sql += std::to_string(id) + "::bigint";
                for (std::size_t c = 0; c < values.size(); ++c) {
                    const auto t = types.find(batch.columns[c]);
                    if (t == types.end()) throw StoreError("issues has no column " + batch.columns[c]);
                    sql += ", " + literal(tx, values[c], t->second);
                }
                sql += ")";
            }
            sql += ") AS v(id";
            for (const auto& c : batch.columns) sql += ", " + q(c);
            sql += ") WHERE i.id = v.id";
            result.issues_written = static_cast<std::int64_t>(tx.exec(sql).affected_rows());
        }
        for (const auto& d : batch.dead_letters) {
            const auto bumped = tx.exec_params(
                "UPDATE dead_letters SET attempts = attempts + 1, issue_key = $1, stage = $2, error = $3, payload = $4, "
                "last_failed_at = now() WHERE issue_id = $5 AND resolved_at IS NULL",
                d.issue_key, d.stage, d.error, d.payload, d.issue_id.value_or(0));
            if (bumped.affected_rows() == 0)
                tx.exec_params(
                    "INSERT INTO dead_letters (issue_id, issue_key, stage, error, payload, attempts, first_failed_at, "
                    "last_failed_at) VALUES ($1, $2, $3, $4, $5, 1, now(), now())",
                    d.issue_id.value_or(0), d.issue_key, d.stage, d.error, d.payload);
            ++result.dead_lettered;
        }
        tx.exec_params(
            "INSERT INTO sync_state (scope_key, scope, checkpoint, updated_at) VALUES ($1, $1, $2, now()) "
            "ON CONFLICT (scope_key) DO UPDATE SET checkpoint = excluded.checkpoint, updated_at = excluded.updated_at",
            batch.state_key, batch.checkpoint_json);
        RunCounters t = batch.run_totals;
        t.issues_upserted += result.issues_written;
        t.dead_lettered += result.dead_lettered;
        const auto updated = tx.exec_params(
            "UPDATE sync_runs SET issues_upserted = $1, changelog_items_written = $2, dead_lettered = $3, "
            "soft_deleted = $4, requests = $5, retries = $6 WHERE id = $7",
            t.issues_upserted, t.changelog_items_written, t.dead_lettered, t.soft_deleted, t.requests, t.retries,
            batch.run_id);
        if (updated.affected_rows() != 1)
            throw StoreError("run " + std::to_string(batch.run_id) + " does not exist in " + describe());
        tx.commit();
        return result;
    });
}

}  // namespace j2s
