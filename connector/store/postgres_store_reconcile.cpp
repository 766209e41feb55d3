// PostgresStore: the queries of deletion reconciliation (sync/reconciler.hpp). Like the operations queries
// they run on a short-lived connection of their own (same URL, schema and UTC session); the run's
// connection has no transaction open between pages, so the two never wait for each other.

#include <pqxx/pqxx>

#include <chrono>

#include "store/postgres_store.hpp"
#include "store/postgres_params.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

template <class F>
auto with_reconcile_connection(const std::string& url, const std::string& schema, const std::string& where,
                               const char* what, F&& body) -> decltype(body(std::declval<pqxx::connection&>())) {
    try {
        pqxx::connection conn(url);
        {
            pqxx::nontransaction setup(conn);
            setup.exec("SET search_path TO \"" + schema + "\"");  // schema is a validated plain identifier
            setup.exec("SET TimeZone TO 'UTC'");
        }
        return body(conn);
    } catch (const pqxx::failure& e) {
        throw StoreError(std::string(what) + " on " + where + " failed: " + PostgresStore::scrub(e.what(), url));
    }
}

}  // namespace

StoredIssueIds PostgresStore::stored_issue_ids() {
    return with_reconcile_connection(m_url, m_schema, describe(), "reading the stored issue ids", [&](pqxx::connection& c) {
        StoredIssueIds out;
        pqxx::nontransaction tx(c);
        for (const auto& row : tx.exec("SELECT id, deleted_at IS NULL FROM issues ORDER BY id"))
            (row[1].as<bool>() ? out.live : out.soft_deleted).push_back(row[0].as<std::int64_t>());
        return out;
    });
}

ReconcileApplied PostgresStore::apply_reconciliation(const ReconcileChanges& changes) {
    return with_reconcile_connection(m_url, m_schema, describe(), "recording soft deletes", [&](pqxx::connection& c) {
        ReconcileApplied out;
        const std::string deleted_at = format_utc(changes.deleted_at);
        pqxx::work tx(c);
        // One statement per reason, each with one array parameter: a fixed number of round trips.
        const auto mark = [&](const std::vector<std::int64_t>& ids, const char* reason) -> std::int64_t {
            if (ids.empty()) return 0;
            return tx.exec_params("UPDATE issues SET deleted_at = $1::timestamptz, deleted_reason = $2, "
                                  "synced_at = now() WHERE id = ANY($3::bigint[]) AND deleted_at IS NULL",
                                  deleted_at, reason, pg::int_array(ids))
                .affected_rows();
        };
        out.deleted = mark(changes.deleted, "deleted");
        out.out_of_scope = mark(changes.out_of_scope, "out_of_scope");
        if (!changes.restored.empty())
            out.restored = tx.exec_params("UPDATE issues SET deleted_at = NULL, deleted_reason = NULL, synced_at = now() "
                                          "WHERE id = ANY($1::bigint[]) AND deleted_at IS NOT NULL",
                                          pg::int_array(changes.restored))
                               .affected_rows();
        tx.commit();
        return out;
    });
}

}  // namespace j2s
