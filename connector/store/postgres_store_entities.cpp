// PostgresStore: the entity tables (projects, users), each written from one complete listing per run, on the
// run's connection (between issue pages no transaction is open on it).

#include <pqxx/pqxx>

#include "store/postgres_connection.hpp"
#include "store/postgres_store.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

const char* nullable(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }

const char* nullable(const std::optional<bool>& v) {
    if (!v) return nullptr;
    return *v ? "true" : "false";
}

std::string int_array(const std::vector<std::int64_t>& ids) {
    std::string out = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(ids[i]);
    }
    return out + "}";
}

// libpqxx failures become StoreError without the password (as in postgres_store_mapping.cpp: guarded() is
// private to postgres_store.cpp's translation unit).
template <class F>
auto entity_guarded(pqxx::connection* db, const std::string& where, const std::string& url, const char* what,
                    F&& body) -> decltype(body()) {
    if (!db || !db->is_open())
        throw StoreError(std::string(what) + " on " + where + " is impossible: the connection was lost earlier");
    try {
        return body();
    } catch (const Error&) {
        throw;
    } catch (const pqxx::sql_error& e) {
        std::string message = PostgresStore::scrub(e.what(), url);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw StoreError(std::string(what) + " on " + where + " failed: " + message + " (SQLSTATE " + e.sqlstate() + ")");
    } catch (const pqxx::failure& e) {
        throw StoreError(std::string(what) + " on " + where + " failed: " + PostgresStore::scrub(e.what(), url));
    }
}

}  // namespace

ListingApplied PostgresStore::store_projects(const std::vector<ProjectRecord>& projects) {
    return entity_guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "storing projects", [&] {
        ListingApplied out;
        pqxx::work tx(*m_conn->db);
        std::vector<std::int64_t> listed;
        listed.reserve(projects.size());
        for (const auto& p : projects) {
            listed.push_back(p.id);
            // jsonb compares by value, so a listing that only reorders keys writes nothing either.
            out.written += static_cast<std::int64_t>(
                tx.exec_params("INSERT INTO projects (id, key, name, project_type, lead_account_id, raw, synced_at) "
                               "VALUES ($1, $2, $3, $4, $5, $6::jsonb, now()) ON CONFLICT (id) DO UPDATE SET "
                               "key = excluded.key, name = excluded.name, project_type = excluded.project_type, "
                               "lead_account_id = excluded.lead_account_id, raw = excluded.raw, "
                               "synced_at = excluded.synced_at, deleted_at = NULL "
                               "WHERE projects.raw IS DISTINCT FROM excluded.raw OR projects.deleted_at IS NOT NULL",
                               p.id, p.key, p.name, nullable(p.project_type), nullable(p.lead_account_id), p.raw_json)
                    .affected_rows());
        }
        out.soft_deleted = static_cast<std::int64_t>(
            tx.exec_params("UPDATE projects SET deleted_at = now(), synced_at = now() "
                           "WHERE deleted_at IS NULL AND NOT (id = ANY($1::bigint[]))",
                           int_array(listed))
                .affected_rows());
        tx.commit();
        return out;
    });
}

ListingApplied PostgresStore::store_users(const std::vector<UserRecord>& users) {
    return entity_guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "storing users", [&] {
        ListingApplied out;
        pqxx::work tx(*m_conn->db);
        for (const auto& u : users)
            out.written += static_cast<std::int64_t>(
                tx.exec_params("INSERT INTO users (id, display_name, active, time_zone, account_type, raw, synced_at) "
                               "VALUES ($1, $2, $3::boolean, $4, $5, $6::jsonb, now()) ON CONFLICT (id) DO UPDATE SET "
                               "display_name = excluded.display_name, active = excluded.active, "
                               "time_zone = excluded.time_zone, account_type = excluded.account_type, "
                               "raw = excluded.raw, synced_at = excluded.synced_at "
                               "WHERE users.raw IS DISTINCT FROM excluded.raw",
                               u.id, nullable(u.display_name), nullable(u.active), nullable(u.time_zone),
                               nullable(u.account_type), u.raw_json)
                    .affected_rows());
        tx.commit();
        return out;
    });
}

}  // namespace j2s
