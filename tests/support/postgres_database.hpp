#pragma once
// A throwaway PostgreSQL database for tests: created on the server named by J2S_TEST_POSTGRES_URL
// (a role allowed to CREATE DATABASE, e.g. the one scripts/test_postgres.sh sets up) and dropped, with
// any sessions still connected, when the object goes. Reading helpers answer in SQLite's text forms so
// one expected value serves both backends. Header-only and libpqxx-only, so unit and integration tests
// can both use it.

#include <cstdlib>
#include <optional>
#include <pqxx/pqxx>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace j2s::test {

// Why PostgreSQL tests cannot run here, or nullopt when they can.
inline std::optional<std::string> postgres_unavailable() {
    const char* url = std::getenv("J2S_TEST_POSTGRES_URL");
    if (!url || !*url) return std::string("J2S_TEST_POSTGRES_URL not set");
    return std::nullopt;
}

inline std::string postgres_server_url() {
    const char* url = std::getenv("J2S_TEST_POSTGRES_URL");
    if (!url || !*url) throw std::runtime_error("J2S_TEST_POSTGRES_URL not set");
    return url;
}

// `url` (a postgresql:// URI) pointing at database `dbname` instead.
inline std::string with_database(const std::string& url, const std::string& dbname) {
    const auto scheme = url.find("://");
    if (scheme == std::string::npos) throw std::runtime_error("J2S_TEST_POSTGRES_URL must be a postgresql:// URI");
    const auto query = url.find('?', scheme + 3);
    const auto slash = url.find('/', scheme + 3);
    const std::string tail = query == std::string::npos ? "" : url.substr(query);
    const std::size_t authority_end =
        slash != std::string::npos && (query == std::string::npos || slash < query) ? slash
        : query == std::string::npos                                              ? url.size()
                                                                                  : query;
    return url.substr(0, authority_end) + "/" + dbname + tail;
}

// One value in SQLite's text form: booleans 1/0, timestamptz `YYYY-MM-DDTHH:MM:SS.sssZ` (the session
// runs in UTC), anything else as PostgreSQL prints it. nullopt for NULL.
inline std::optional<std::string> portable_text(const pqxx::field& f) {
    if (f.is_null()) return std::nullopt;
    std::string s = f.c_str();
    constexpr pqxx::oid kBool = 16, kTimestamptz = 1184;
    if (f.type() == kBool) return std::string(s == "t" ? "1" : "0");
    if (f.type() == kTimestamptz && s.size() >= 19) {
        std::string ms = "000";
        if (s.size() > 20 && s[19] == '.')
            for (std::size_t i = 20, j = 0; i < s.size() && j < 3 && std::isdigit(static_cast<unsigned char>(s[i]));
                 ++i, ++j)
                ms[j] = s[i];
        return s.substr(0, 10) + "T" + s.substr(11, 8) + "." + ms + "Z";
    }
    return s;
}

class PostgresDatabase {
  public:
    // Creates `<prefix>_<random>` on the test server.
    explicit PostgresDatabase(const std::string& prefix) {
        std::random_device rd;
        std::mt19937_64 gen(rd());
        const char* hex = "0123456789abcdef";
        m_name = prefix + "_";
        for (int i = 0; i < 12; ++i) m_name += hex[gen() % 16];
        const std::string server = postgres_server_url();
        m_url = with_database(server, m_name);
        pqxx::connection admin(server);
        pqxx::quiet_errorhandler quiet(admin);
        pqxx::nontransaction tx(admin);
        tx.exec("CREATE DATABASE " + tx.quote_name(m_name));
    }
    ~PostgresDatabase() {
        try {
            pqxx::connection admin(postgres_server_url());
            pqxx::quiet_errorhandler quiet(admin);
            pqxx::nontransaction tx(admin);
            // FORCE ends sessions a test left behind (a killed child's, a store still open).
            tx.exec("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
        } catch (...) {
        }
    }
    PostgresDatabase(const PostgresDatabase&) = delete;
    PostgresDatabase& operator=(const PostgresDatabase&) = delete;

    const std::string& name() const { return m_name; }
    const std::string& url() const { return m_url; }  // includes the test password

    void exec(const std::string& sql, const std::string& schema) const {
        pqxx::connection c(m_url);
        pqxx::quiet_errorhandler quiet(c);
        pqxx::nontransaction tx(c);
        tx.exec("SET search_path TO " + tx.quote_name(schema) + "; SET TimeZone TO 'UTC'");
        tx.exec(sql);
    }

    // The first column of the first row; throws if there is no row.
    std::optional<std::string> scalar(const std::string& sql, const std::string& schema) const {
        pqxx::connection c(m_url);
        pqxx::quiet_errorhandler quiet(c);
        pqxx::nontransaction tx(c);
        tx.exec("SET search_path TO " + tx.quote_name(schema) + "; SET TimeZone TO 'UTC'");
        const auto r = tx.exec(sql);
        if (r.empty()) throw std::runtime_error("no row from: " + sql);
        return portable_text(r[0][0]);
    }

    // Every row of `sql`, each column in portable text ("NULL" for NULL), joined with '|'.
    std::vector<std::string> rows(const std::string& sql, const std::string& schema) const {
        pqxx::connection c(m_url);
        pqxx::quiet_errorhandler quiet(c);
        pqxx::nontransaction tx(c);
        tx.exec("SET search_path TO " + tx.quote_name(schema) + "; SET TimeZone TO 'UTC'");
        std::vector<std::string> out;
        for (const auto& row : tx.exec(sql)) {
            std::string line;
            for (pqxx::row::size_type i = 0; i < row.size(); ++i) {
                if (i) line += '|';
                line += portable_text(row[i]).value_or("NULL");
            }
            out.push_back(std::move(line));
        }
        return out;
    }

  private:
    std::string m_name;
    std::string m_url;
};

}  // namespace j2s::test
