// PostgresStore: the entity tables (projects, users), each written from one complete listing per run, on the
// run's connection (between issue pages no transaction is open on it).

#include <pqxx/pqxx>

#include "store/postgres_connection.hpp"
#include "store/postgres_store.hpp"
#include "store/postgres_params.hpp"
#include "util/errors.hpp"

namespace j2s {

ListingApplied PostgresStore::store_projects(const std::vector<ProjectRecord>& projects) {
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "storing projects", [&] {
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
                               p.id, p.key, p.name, pg::nullable(p.project_type), pg::nullable(p.lead_account_id), p.raw_json)
                    .affected_rows());
        }
        out.soft_deleted = static_cast<std::int64_t>(
            tx.exec_params("UPDATE projects SET deleted_at = now(), synced_at = now() "
                           "WHERE deleted_at IS NULL AND NOT (id = ANY($1::bigint[]))",
                           pg::int_array(listed))
                .affected_rows());
        tx.commit();
        return out;
    });
}

ListingApplied PostgresStore::store_users(const std::vector<UserRecord>& users) {
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "storing users", [&] {
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
                               u.id, pg::nullable(u.display_name), pg::nullable(u.active), pg::nullable(u.time_zone),
                               pg::nullable(u.account_type), u.raw_json)
                    .affected_rows());
        tx.commit();
        return out;
    });
}

}  // namespace j2s
