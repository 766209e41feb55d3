// PostgresStore: the entity tables written from one complete listing per run (projects, users), and the reads
// the entity steps of a sync need. All on the run's connection (between issue pages no transaction is open on
// it). The rows that ride issue pages are written by postgres_store_entity_rows.cpp.

#include <pqxx/pqxx>

#include "store/postgres_connection.hpp"
#include "store/postgres_params.hpp"
#include "store/postgres_store.hpp"
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
                tx.exec_params(
                      "INSERT INTO projects (id, key, name, project_type, lead_account_id, raw, synced_at) "
                      "VALUES ($1, $2, $3, $4, $5, $6::jsonb, now()) ON CONFLICT (id) DO UPDATE SET "
                      "key = excluded.key, name = excluded.name, project_type = excluded.project_type, "
                      "lead_account_id = excluded.lead_account_id, raw = excluded.raw, "
                      "synced_at = excluded.synced_at, deleted_at = NULL "
                      "WHERE projects.raw IS DISTINCT FROM excluded.raw OR projects.deleted_at IS NOT NULL",
                      p.id, p.key, p.name, pg::nullable(p.project_type), pg::nullable(p.lead_account_id),
                      p.raw_json)
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
                tx.exec_params("INSERT INTO users (id, display_name, active, time_zone, account_type, email, raw, "
                               "synced_at) VALUES ($1, $2, $3::boolean, $4, $5, $6, $7::jsonb, now()) "
                               "ON CONFLICT (id) DO UPDATE SET "
                               "display_name = excluded.display_name, active = excluded.active, "
                               "time_zone = excluded.time_zone, account_type = excluded.account_type, "
                               "email = excluded.email, raw = excluded.raw, synced_at = excluded.synced_at "
                               // A changed users.email setting (none, text, sha256) changes the email column
                               // while raw may stay the same.
                               "WHERE users.raw IS DISTINCT FROM excluded.raw "
                               "OR users.email IS DISTINCT FROM excluded.email",
                               u.id, pg::nullable(u.display_name), pg::nullable(u.active),
                               pg::nullable(u.time_zone), pg::nullable(u.account_type), pg::nullable(u.email),
                               u.raw_json)
                    .affected_rows());
        tx.commit();
        return out;
    });
}

std::optional<std::string> PostgresStore::load_entity_state(const std::string& scope_key,
                                                            const std::string& entity) {
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "reading entity state",
                       [&]() -> std::optional<std::string> {
                           pqxx::nontransaction tx(*m_conn->db);
                           const auto r = tx.exec_params(
                               "SELECT state FROM entity_state WHERE scope_key = $1 AND entity = $2",
                               scope_key, entity);
                           if (r.empty()) return std::nullopt;
                           return r[0][0].as<std::string>();
                       });
}

std::vector<std::int64_t> PostgresStore::sprints_to_refresh() {
    return pg::guarded(m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "listing sprints to refresh",
                       [&] {
                           std::vector<std::int64_t> out;
                           pqxx::nontransaction tx(*m_conn->db);
                           // UNION (not UNION ALL) makes the ids distinct.
                           for (const auto& row :
                                tx.exec("SELECT id FROM sprints WHERE state IS NULL OR state <> 'closed' "
                                        "UNION SELECT sprint_id FROM issue_sprints m "
                                        "WHERE NOT EXISTS (SELECT 1 FROM sprints s WHERE s.id = m.sprint_id) "
                                        "ORDER BY 1"))
                               out.push_back(row[0].as<std::int64_t>());
                           return out;
                       });
}

std::vector<std::int64_t> PostgresStore::known_issue_ids(const std::vector<std::int64_t>& ids) {
    return pg::guarded(
        m_conn ? m_conn->db.get() : nullptr, describe(), m_url, "reading stored issue ids", [&] {
            std::vector<std::int64_t> out;
            if (ids.empty()) return out;
            pqxx::nontransaction tx(*m_conn->db);
            // One array parameter: one round trip and no bound-parameter limit however many ids.
            for (const auto& row : tx.exec_params(
                     "SELECT id FROM issues WHERE id = ANY($1::bigint[]) ORDER BY id", pg::int_array(ids)))
                out.push_back(row[0].as<std::int64_t>());
            return out;
        });
}

}  // namespace j2s
