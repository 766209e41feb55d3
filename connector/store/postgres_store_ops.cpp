// PostgresStore: the queries of the operations commands (status, verify). They run on a short-lived
// connection of their own (same URL, schema and UTC session), so they never disturb the run's session.

#include <pqxx/pqxx>

#include "store/postgres_store.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

template <class F>
auto with_ops_connection(const std::string& url, const std::string& schema, const std::string& where, const char* what,
                         F&& body) -> decltype(body(std::declval<pqxx::nontransaction&>())) {
    try {
        pqxx::connection conn(url);
        pqxx::nontransaction tx(conn);
        tx.exec("SET search_path TO \"" + schema + "\"");  // schema is a validated plain identifier
        tx.exec("SET TimeZone TO 'UTC'");
        return body(tx);
    } catch (const pqxx::failure& e) {
        throw StoreError(std::string(what) + " on " + where + " failed: " + PostgresStore::scrub(e.what(), url));
    }
}

}  // namespace

std::optional<std::string> PostgresStore::lock_holder(const std::string& scope_key) {
    const auto u = static_cast<std::uint64_t>(lock_key(scope_key));
    return with_ops_connection(m_url, m_schema, describe(), "checking the run lock",
                               [&](pqxx::nontransaction& tx) -> std::optional<std::string> {
        const auto r = tx.exec_params(
            "SELECT a.application_name, l.pid FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND l.classid::bigint = $1 AND l.objid::bigint = $2",
            static_cast<std::int64_t>(u >> 32), static_cast<std::int64_t>(u & 0xffffffffu));
        if (r.empty()) return std::nullopt;
        std::string who;
        if (!r[0][0].is_null()) who = r[0][0].as<std::string>() + ", ";
        return who + "server pid " + r[0][1].as<std::string>();
    });
}

std::vector<std::pair<std::string, std::int64_t>> PostgresStore::live_issues_per_project() {
    return with_ops_connection(m_url, m_schema, describe(), "counting issues per project", [&](pqxx::nontransaction& tx) {
        std::vector<std::pair<std::string, std::int64_t>> out;
        for (const auto& row : tx.exec("SELECT project_key, count(*) FROM issues WHERE deleted_at IS NULL "
                                       "GROUP BY project_key ORDER BY project_key"))
            out.emplace_back(row[0].as<std::string>(), row[1].as<std::int64_t>());
        return out;
    });
}

std::vector<StoredIssueSample> PostgresStore::sample_live_issues(int n) {
    return with_ops_connection(m_url, m_schema, describe(), "sampling issues", [&](pqxx::nontransaction& tx) {
        std::vector<StoredIssueSample> out;
        for (const auto& row : tx.exec_params(
                 "SELECT id, key, to_char(updated AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), raw::text "
                 "FROM issues WHERE deleted_at IS NULL ORDER BY random() LIMIT $1",
                 std::max(n, 0)))
            out.push_back({row[0].as<std::int64_t>(), row[1].as<std::string>(), row[2].as<std::string>(),
                           row[3].as<std::string>()});
        return out;
    });
}

}  // namespace j2s
