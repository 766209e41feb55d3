#pragma once
// The migration runner's dialect-independent half: the SQL files compiled into the binary, their
// ordering and checksums, and the plan of what a database still needs. Each backend applies the plan
// in its own transactions; nothing here touches a database, so the rules are unit-tested without one.

#include <string>
#include <string_view>
#include <vector>

namespace j2s {

// One migrations/<dialect>/NNNN_name.sql as compiled in by scripts/embed_migrations.cmake.
struct EmbeddedMigration {
    const char* dialect;    // "sqlite" | "postgres"
    const char* file_name;  // "0001_initial.sql"
    const char* sql;
};

// Every embedded migration of every dialect, sorted by dialect then file name. Defined by the generated
// embedded_migrations.cpp.
const std::vector<EmbeddedMigration>& embedded_migrations();

struct Migration {
    int version = 0;        // 1 for 0001_initial.sql
    std::string name;       // "initial"
    std::string file_name;  // "0001_initial.sql"; what messages and migrate() report
    std::string checksum;   // sha256 hex of `sql`
    std::string sql;
};

// A row of schema_migrations.
struct AppliedMigration {
    int version = 0;
    std::string name;
    std::string checksum;
};

// The migrations of `dialect` among `all`, ordered by version. Throws StoreError if a file name is not
// `NNNN_name.sql` (four digits, version >= 1, name of [a-z0-9_]) or two files share a version: both are
// mistakes in the source tree that must not reach a database.
std::vector<Migration> migrations_for_dialect(const std::vector<EmbeddedMigration>& all,
                                              std::string_view dialect);

// Same, over the migrations compiled into this binary.
std::vector<Migration> migrations_for_dialect(std::string_view dialect);

// The migrations of `available` (ordered by version) not yet in `applied`, in order.
// Throws StoreError, and nothing may be applied, when
// - an applied migration's checksum differs from the file's (someone edited a released migration, or
//   the database was changed by hand),
// - a migration is missing below the newest applied one (it was added out of order), or
// - the database has a version this binary does not know (it was migrated by a newer jira2sql).
std::vector<Migration> plan_migrations(const std::vector<AppliedMigration>& applied,
                                       const std::vector<Migration>& available);

}  // namespace j2s
