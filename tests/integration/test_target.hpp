#pragma once
// The database an end-to-end scenario writes to, whatever the backend: a SQLite file in the test's folder or
// a throwaway PostgreSQL database (dropped afterwards). One scenario body takes a TestTarget and runs on both.

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "support/postgres_database.hpp"
#include "table_reader.hpp"

namespace j2s::it {

class TestTarget {
public:
    virtual ~TestTarget() = default;
    virtual std::string database_url() const = 0;  // for write_config's database_url
    virtual const TableReader& tables() const = 0;
    virtual std::string backend() const = 0;
    // How many tables jira2sql's schema holds: 0 for a database it never wrote to.
    virtual long long table_count() const = 0;
};

class SqliteTarget final : public TestTarget {
public:
    explicit SqliteTarget(const std::filesystem::path& dir) : m_path((dir / "jira.db").string()), m_reader(m_path) {}
    std::string database_url() const override { return "sqlite:" + m_path; }
    const TableReader& tables() const override { return m_reader; }
    std::string backend() const override { return "sqlite"; }
    long long table_count() const override {
        if (!std::filesystem::exists(m_path)) return 0;
        return m_reader.scalar("SELECT count(*) FROM sqlite_master WHERE type = 'table'");
    }

private:
    std::string m_path;
    SqliteTableReader m_reader;
};

class PostgresTarget final : public TestTarget {
public:
    PostgresTarget() : m_db("j2s_it"), m_reader(m_db, "jira") {}
    std::string database_url() const override { return m_db.url(); }
    const TableReader& tables() const override { return m_reader; }
    std::string backend() const override { return "postgres"; }
    long long table_count() const override {
        return m_reader.scalar("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'jira'");
    }
    const test::PostgresDatabase& database() const { return m_db; }

private:
    test::PostgresDatabase m_db;
    PostgresTableReader m_reader;
};

// The target for `backend` ("sqlite" or "postgres"), or nullptr when PostgreSQL is not configured on a developer
// machine (a visible WARN). In CI (CI set) a missing PostgreSQL fails the test instead.
inline std::unique_ptr<TestTarget> make_target(const std::string& backend, const std::filesystem::path& dir) {
    if (backend == "sqlite") return std::make_unique<SqliteTarget>(dir);
    if (const auto why = test::postgres_unavailable()) {
        if (std::getenv("CI")) FAIL(*why);
        WARN("skipped on postgres: " + *why);
        return nullptr;
    }
    return std::make_unique<PostgresTarget>();
}

// For scenarios written per backend: ends the test case when PostgreSQL is not configured (a WARN), fails it in CI.
#define J2S_REQUIRE_POSTGRES()                                                   \
    do {                                                                         \
        if (const auto j2s_why = ::j2s::test::postgres_unavailable()) {          \
            if (std::getenv("CI")) FAIL(*j2s_why);                               \
            WARN("skipped: " + *j2s_why);                                        \
            return;                                                              \
        }                                                                        \
    } while (false)

// Registers `scenario(backend)` as TEST_CASE "name" on SQLite and "postgres: name" on PostgreSQL (CTest gives the
// latter the `postgres` label).
#define J2S_ON_BOTH_BACKENDS(name, tags, scenario)                 \
    TEST_CASE(name, "[e2e][sqlite]" tags) { scenario("sqlite"); } \
    TEST_CASE("postgres: " name, "[e2e][postgres]" tags) {        \
        J2S_REQUIRE_POSTGRES();                                    \
        scenario("postgres");                                      \
    }

}  // namespace j2s::it
