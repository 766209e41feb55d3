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
// Raw SQL in tests must be portable (SQLite and PostgreSQL), e.g. no `datetime()`.
// A PostgreSQL fixture (a throwaway database dropped on destruction) is added to J2S_STORE_BACKENDS next.

#include <SQLiteCpp/SQLiteCpp.h>

#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

#include "store/sqlite_store.hpp"
#include "support/temp_dir.hpp"

namespace j2s::test {

// A SQLite database file in a private temporary folder; the folder (with -wal, -shm and lock files)
// goes when the fixture does.
class SqliteBackend {
  public:
    static constexpr const char* name = "sqlite";

    std::filesystem::path db_path() const { return m_dir.path() / "jira.db"; }
    std::string url() const { return "sqlite:" + db_path().string(); }

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

}  // namespace j2s::test

// The backends every contract test runs against.
#define J2S_STORE_BACKENDS j2s::test::SqliteBackend
