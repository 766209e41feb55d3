#include "bench_database.hpp"

#include <SQLiteCpp/SQLiteCpp.h>
#include <pqxx/pqxx>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <stdexcept>

namespace j2s::bench {

namespace fs = std::filesystem;

std::string with_database(const std::string& url, const std::string& database) {
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) throw std::runtime_error("not a PostgreSQL URL: " + url);
    const auto path = url.find('/', scheme_end + 3);
    const auto query = url.find('?', scheme_end + 3);
    const std::string params = query == std::string::npos ? "" : url.substr(query);
    const std::string authority = url.substr(0, std::min(path, query));
    return authority + "/" + database + params;
}

namespace {

class SqliteDatabase : public BenchDatabase {
public:
    explicit SqliteDatabase(fs::path file) : m_file(std::move(file)) {}
    std::string url() const override { return "sqlite:" + m_file.string(); }
    std::int64_t count_issues() override { return count("SELECT count(*) FROM issues WHERE deleted_at IS NULL"); }
    std::int64_t count_changelog_items() override { return count("SELECT count(*) FROM issue_changelog"); }

private:
    std::int64_t count(const char* sql) {
        SQLite::Database db(m_file.string(), SQLite::OPEN_READONLY);
        return db.execAndGet(sql).getInt64();
    }
    fs::path m_file;
};

class PostgresDatabase : public BenchDatabase {
public:
    PostgresDatabase(std::string admin_url, std::string name, bool keep)
        : m_admin_url(std::move(admin_url)), m_name(std::move(name)), m_keep(keep) {
        pqxx::connection admin(m_admin_url);
        pqxx::nontransaction tx(admin);
        tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(m_name));
        tx.exec0("CREATE DATABASE " + tx.quote_name(m_name));
    }
    ~PostgresDatabase() override {
        if (m_keep) return;
        try {
            pqxx::connection admin(m_admin_url);
            pqxx::nontransaction tx(admin);
            tx.exec0("DROP DATABASE IF EXISTS " + tx.quote_name(m_name) + " WITH (FORCE)");
        } catch (const std::exception&) {
            // Best effort: a leftover throwaway database is harmless.
        }
    }
    std::string url() const override { return with_database(m_admin_url, m_name); }
    std::int64_t count_issues() override { return count("SELECT count(*) FROM jira.issues WHERE deleted_at IS NULL"); }
    std::int64_t count_changelog_items() override { return count("SELECT count(*) FROM jira.issue_changelog"); }

private:
    std::int64_t count(const char* sql) {
        pqxx::connection c(url());
        pqxx::nontransaction tx(c);
        return tx.exec1(sql)[0].as<std::int64_t>();
    }
    std::string m_admin_url, m_name;
    bool m_keep;
};

}  // namespace

std::unique_ptr<BenchDatabase> make_database(const std::string& backend, const std::string& dir, const std::string& name,
                                             const std::string& postgres_admin_url, bool keep) {
    if (backend == "sqlite") return std::make_unique<SqliteDatabase>(fs::path(dir) / (name + ".db"));
    if (backend == "postgres") {
        if (postgres_admin_url.empty()) throw std::runtime_error("no PostgreSQL URL (set J2S_TEST_POSTGRES_URL)");
        std::string db = "j2s_bench_" + std::to_string(::getpid()) + "_" + name;
        std::transform(db.begin(), db.end(), db.begin(), [](unsigned char c) {
            return std::isalnum(c) ? static_cast<char>(std::tolower(c)) : '_';
        });
        return std::make_unique<PostgresDatabase>(postgres_admin_url, db, keep);
    }
    throw std::runtime_error("unknown backend " + backend + " (sqlite or postgres)");
}

}  // namespace j2s::bench
