#pragma once
// Database fixtures for the Store contract tests (tests/unit/test_store_contract.cpp). Each backend type
// owns one throwaway database for the life of the fixture and offers the same small surface, so the
// contract suite is a TEMPLATE_TEST_CASE over the list of backend types:
//
//   static constexpr const char* name;           // shown in test output
//   std::unique_ptr<Store> open();               // a new connection (a new Store) to the fixture's database
//   void exec(const std::string& sql);           // raw SQL, to simulate tampering the Store API refuses to
//   do std::optional<std::string> scalar(sql);      // the first column of the first row as text; nullopt for
//   NULL
//
//   static std::optional<std::string> unavailable();  // why this backend cannot run here; nullopt if it can
//
// Raw SQL in tests must be portable (SQLite and PostgreSQL), e.g. no `datetime()`. scalar() answers in
// SQLite's text forms on both backends (timestamps `YYYY-MM-DDTHH:MM:SS.sssZ`, booleans 1/0), so one
// expected string serves both.
//
// A test body starts with J2S_REQUIRE_BACKEND(TestType): a backend that is unavailable (PostgreSQL without
// J2S_TEST_POSTGRES_URL) fails the test when CI is set and otherwise skips it with a visible warning;
// it never passes silently.

#include <SQLiteCpp/SQLiteCpp.h>

#include <cstdlib>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "support/postgres_database.hpp"
#include "support/temp_dir.hpp"

namespace j2s::test {

// A SQLite database file in a private temporary folder; the folder (with -wal, -shm and lock files)
// goes when the fixture does.
class SqliteBackend {
  public:
    static constexpr const char* name = "sqlite";

    std::filesystem::path db_path() const { return m_dir.path() / "jira.db"; }
    std::string url() const { return "sqlite:" + db_path().string(); }

    static std::optional<std::string> unavailable() { return std::nullopt; }

    std::unique_ptr<Store> open() const { return std::make_unique<SqliteStore>(db_path()); }

    void exec(const std::string& sql) const {
        SQLite::Database db(db_path(), SQLite::OPEN_READWRITE, 5000);
        db.exec(sql);
    }

    std::optional<std::string> scalar(const std::string& sql) const {
        SQLite::Database db(db_path(), SQLite::OPEN_READONLY, 5000);
        SQLite::Statement q(db, sql);
        if (!q.executeStep()) throw std::runtime_error("no row from: " + sql);
        if (q.getColumn(0).isNull()) return std::nullopt;
        return q.getColumn(0).getString();
    }

  private:
    TempDir m_dir;
};

// A throwaway PostgreSQL database on the server of J2S_TEST_POSTGRES_URL, with the store's tables in the
// schema `jira_test` (not `public`, so a store that ignored database.schema would fail the tests).
class PostgresBackend {
  public:
    static constexpr const char* name = "postgres";
    static constexpr const char* schema = "jira_test";

    static std::optional<std::string> unavailable() { return postgres_unavailable(); }

    const std::string& url() const { return m_db.url(); }

    std::unique_ptr<Store> open() const { return std::make_unique<PostgresStore>(m_db.url(), schema); }

    void exec(const std::string& sql) const { m_db.exec(sql, schema); }

    std::optional<std::string> scalar(const std::string& sql) const { return m_db.scalar(sql, schema); }

    const PostgresDatabase& database() const { return m_db; }

  private:
    PostgresDatabase m_db{"j2s_ut"};
};

}  // namespace j2s::test

// Skips (outside CI) or fails (CI set) a test whose backend cannot run here; see the top of this file.
#define J2S_REQUIRE_BACKEND(Backend)                                                    \
    do {                                                                                \
        if (const auto j2s_why = Backend::unavailable()) {                              \
            if (std::getenv("CI")) FAIL(std::string(Backend::name) + ": " + *j2s_why);  \
            WARN(std::string("skipped: ") + *j2s_why);                                  \
            return;                                                                     \
        }                                                                               \
    } while (false)

// The backends every contract test runs against.
#define J2S_STORE_BACKENDS j2s::test::SqliteBackend, j2s::test::PostgresBackend
