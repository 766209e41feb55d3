#pragma once
// Reads a synced SQLite database back for comparisons.

#include <SQLiteCpp/SQLiteCpp.h>

#include <string>
#include <vector>

namespace j2s::it {

// Every row of `sql`, each column as text ("NULL" for NULL), joined with '|'.
inline std::vector<std::string> rows(const std::string& db_path, const std::string& sql) {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    SQLite::Statement q(db, sql);
    std::vector<std::string> out;
    while (q.executeStep()) {
        std::string line;
        for (int i = 0; i < q.getColumnCount(); ++i) {
            if (i) line += '|';
            line += q.getColumn(i).isNull() ? "NULL" : q.getColumn(i).getString();
        }
        out.push_back(std::move(line));
    }
    return out;
}

inline long long scalar(const std::string& db_path, const std::string& sql) {
    SQLite::Database db(db_path, SQLite::OPEN_READONLY);
    return db.execAndGet(sql).getInt64();
}

}  // namespace j2s::it
