// SqliteStore: the entity tables (projects, users), each written from one complete listing per run, and the
// entity queries a run asks between pages (entity state, sprints to refresh, which issues are known). The rows
// that ride pages are in sqlite_store_entity_rows.cpp.

#include <SQLiteCpp/SQLiteCpp.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "store/sqlite_store.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

constexpr std::size_t kIdChunk = 500;  // well under SQLite's bound-parameter limit

std::string now_utc() {
    return format_utc(std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

void bind_optional(SQLite::Statement& q, int index, const std::optional<std::string>& v) {
    if (v) q.bind(index, *v);
    else q.bind(index);
}

}  // namespace

ListingApplied SqliteStore::store_projects(const std::vector<ProjectRecord>& projects) {
    try {
        ListingApplied out;
        const std::string now = now_utc();
        SQLite::Transaction tx(*m_db);
        // The WHERE of DO UPDATE skips an unchanged live row entirely, so exec() counts only real writes.
        SQLite::Statement upsert(
            *m_db,
            "INSERT INTO projects (id, key, name, project_type, lead_account_id, raw, synced_at, deleted_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, NULL) ON CONFLICT (id) DO UPDATE SET key = excluded.key, "
            "name = excluded.name, project_type = excluded.project_type, "
            "lead_account_id = excluded.lead_account_id, raw = excluded.raw, synced_at = excluded.synced_at, "
            "deleted_at = NULL WHERE projects.raw IS NOT excluded.raw OR projects.deleted_at IS NOT NULL");
        std::unordered_set<std::int64_t> listed;
        for (const auto& p : projects) {
            listed.insert(p.id);
            upsert.bind(1, static_cast<std::int64_t>(p.id));
            upsert.bind(2, p.key);
            upsert.bind(3, p.name);
            bind_optional(upsert, 4, p.project_type);
            bind_optional(upsert, 5, p.lead_account_id);
            upsert.bind(6, p.raw_json);
            upsert.bind(7, now);
            out.written += upsert.exec();
            upsert.reset();
        }
        std::vector<std::int64_t> gone;
        {
            SQLite::Statement live(*m_db, "SELECT id FROM projects WHERE deleted_at IS NULL");
            while (live.executeStep())
                if (!listed.count(live.getColumn(0).getInt64())) gone.push_back(live.getColumn(0).getInt64());
        }
        SQLite::Statement soft_delete(*m_db, "UPDATE projects SET deleted_at = ?, synced_at = ? WHERE id = ?");
        for (const auto id : gone) {
            soft_delete.bind(1, now);
            soft_delete.bind(2, now);
            soft_delete.bind(3, static_cast<std::int64_t>(id));
            out.soft_deleted += soft_delete.exec();
            soft_delete.reset();
        }
        tx.commit();
        return out;
    } catch (const SQLite::Exception& e) {
        throw StoreError("storing projects on " + describe() + " failed: " + e.what());
    }
}

ListingApplied SqliteStore::store_users(const std::vector<UserRecord>& users) {
    try {
        ListingApplied out;
        const std::string now = now_utc();
        SQLite::Transaction tx(*m_db);
        SQLite::Statement upsert(
            *m_db,
            "INSERT INTO users (id, display_name, active, time_zone, account_type, email, raw, synced_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET display_name = excluded.display_name, "
            "active = excluded.active, time_zone = excluded.time_zone, account_type = excluded.account_type, "
            "email = excluded.email, raw = excluded.raw, synced_at = excluded.synced_at "
            // A hashed email is not in raw: switching the mapping to sha256 changes only the email column.
            "WHERE users.raw IS NOT excluded.raw OR users.email IS NOT excluded.email");
        for (const auto& u : users) {
            upsert.bind(1, u.id);
            bind_optional(upsert, 2, u.display_name);
            if (u.active) upsert.bind(3, *u.active ? 1 : 0);
            else upsert.bind(3);
            bind_optional(upsert, 4, u.time_zone);
            bind_optional(upsert, 5, u.account_type);
            bind_optional(upsert, 6, u.email);
            upsert.bind(7, u.raw_json);
            upsert.bind(8, now);
            out.written += upsert.exec();
            upsert.reset();
        }
        tx.commit();
        return out;
    } catch (const SQLite::Exception& e) {
        throw StoreError("storing users on " + describe() + " failed: " + e.what());
    }
}

std::optional<std::string> SqliteStore::load_entity_state(const std::string& scope_key, const std::string& entity) {
    try {
        SQLite::Statement q(*m_db, "SELECT state FROM entity_state WHERE scope_key = ? AND entity = ?");
        q.bind(1, scope_key);
        q.bind(2, entity);
        if (!q.executeStep()) return std::nullopt;
        return q.getColumn(0).getString();
    } catch (const SQLite::Exception& e) {
        throw StoreError("reading the " + entity + " state on " + describe() + " failed: " + e.what());
    }
}

std::vector<std::int64_t> SqliteStore::sprints_to_refresh() {
    try {
        std::vector<std::int64_t> out;
        // UNION also makes the ids distinct.
        SQLite::Statement q(*m_db,
                            "SELECT id FROM sprints WHERE state IS NULL OR state <> 'closed' "
                            "UNION SELECT sprint_id FROM issue_sprints WHERE sprint_id NOT IN (SELECT id FROM sprints) "
                            "ORDER BY 1");
        while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
        return out;
    } catch (const SQLite::Exception& e) {
        throw StoreError("listing the sprints to refresh on " + describe() + " failed: " + e.what());
    }
}

std::vector<std::int64_t> SqliteStore::known_issue_ids(const std::vector<std::int64_t>& ids) {
    try {
        std::vector<std::int64_t> out;
        for (std::size_t start = 0; start < ids.size(); start += kIdChunk) {
            const std::size_t n = std::min(kIdChunk, ids.size() - start);
            std::string sql = "SELECT id FROM issues WHERE id IN (?";
            for (std::size_t i = 1; i < n; ++i) sql += ",?";
            sql += ")";
            SQLite::Statement q(*m_db, sql);
            for (std::size_t i = 0; i < n; ++i)
                q.bind(static_cast<int>(i + 1), static_cast<std::int64_t>(ids[start + i]));
            while (q.executeStep()) out.push_back(q.getColumn(0).getInt64());
        }
        // Chunks answer in their own order, and an id listed twice may sit in two chunks.
        std::sort(out.begin(), out.end());
        out.erase(std::unique(out.begin(), out.end()), out.end());
        return out;
    } catch (const SQLite::Exception& e) {
        throw StoreError("looking up issue ids on " + describe() + " failed: " + e.what());
    }
}

}  // namespace j2s
