#pragma once
// Reads a synced database back for comparisons, whatever the backend: the end-to-end scenarios compare
// through this interface so one scenario body can check SQLite and PostgreSQL alike. Values come back
// in SQLite's text forms (timestamps `YYYY-MM-DDTHH:MM:SS.sssZ`, booleans 1/0, "NULL" for NULL).

#include <memory>
#include <string>
#include <vector>

#include "db_reader.hpp"
#include "support/postgres_database.hpp"

namespace j2s::it {

class TableReader {
public:
    virtual ~TableReader() = default;
    // Every row of `sql`, each column as text, joined with '|'.
    virtual std::vector<std::string> rows(const std::string& sql) const = 0;
    // The first column of the first row as an integer.
    virtual long long scalar(const std::string& sql) const = 0;
};

class SqliteTableReader final : public TableReader {
public:
    explicit SqliteTableReader(std::string path) : m_path(std::move(path)) {}
    std::vector<std::string> rows(const std::string& sql) const override { return it::rows(m_path, sql); }
    long long scalar(const std::string& sql) const override { return it::scalar(m_path, sql); }

private:
    std::string m_path;
};

// The tables in `schema` of a throwaway PostgreSQL database.
class PostgresTableReader final : public TableReader {
public:
    PostgresTableReader(const test::PostgresDatabase& db, std::string schema) : m_db(db), m_schema(std::move(schema)) {}
    std::vector<std::string> rows(const std::string& sql) const override { return m_db.rows(sql, m_schema); }
    long long scalar(const std::string& sql) const override {
        return std::stoll(m_db.scalar(sql, m_schema).value_or("0"));
    }

private:
    const test::PostgresDatabase& m_db;
    std::string m_schema;
};

}  // namespace j2s::it
