// The migration planner and the embedded migration set, without a database.

#include <catch2/catch.hpp>
#include <set>

#include "store/migrations.hpp"
#include "util/errors.hpp"
#include "util/sha256.hpp"

using namespace j2s;
using Catch::Matchers::Contains;

namespace {

Migration mig(int version, const std::string& name, const std::string& sql) {
    Migration m;
    m.version = version;
    m.name = name;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%04d", version);
    m.file_name = std::string(buf) + "_" + name + ".sql";
    m.sql = sql;
    m.checksum = sha256_hex(sql);
    return m;
}

AppliedMigration applied(const Migration& m) { return {m.version, m.name, m.checksum}; }

std::vector<int> versions(const std::vector<Migration>& ms) {
    std::vector<int> out;
    for (const auto& m : ms) out.push_back(m.version);
    return out;
}

}  // namespace

TEST_CASE("migrations_for_dialect orders by version, parses names and checksums the SQL", "[migrations]") {
    const std::vector<EmbeddedMigration> files{
        {"sqlite", "0002_add_things.sql", "CREATE TABLE b (x);"},
        {"postgres", "0001_initial.sql", "CREATE TABLE pg (x);"},
        {"sqlite", "0001_initial.sql", "CREATE TABLE a (x);"},
    };
    const auto ms = migrations_for_dialect(files, "sqlite");
    REQUIRE(ms.size() == 2);
    CHECK(ms[0].version == 1);
    CHECK(ms[0].name == "initial");
    CHECK(ms[0].file_name == "0001_initial.sql");
    CHECK(ms[0].sql == "CREATE TABLE a (x);");
    CHECK(ms[0].checksum == sha256_hex("CREATE TABLE a (x);"));
    CHECK(ms[1].version == 2);
    CHECK(ms[1].name == "add_things");
    CHECK(migrations_for_dialect(files, "postgres").size() == 1);
    CHECK(migrations_for_dialect(files, "mysql").empty());
}

TEST_CASE("migration file names that are not NNNN_name.sql are an error", "[migrations]") {
    for (const char* bad : {"1_initial.sql", "0001-initial.sql", "0001_initial.SQL", "0001_Initial.sql",
                            "0001_.sql", "initial.sql", "0000_zero.sql", "00001_five_digits.sql"}) {
        CAPTURE(bad);
        const std::vector<EmbeddedMigration> files{{"sqlite", bad, "SELECT 1;"}};
        CHECK_THROWS_AS(migrations_for_dialect(files, "sqlite"), StoreError);
    }
}

TEST_CASE("two migration files with the same version are an error naming both", "[migrations]") {
    const std::vector<EmbeddedMigration> files{{"sqlite", "0002_a.sql", "x"}, {"sqlite", "0002_b.sql", "y"}};
    CHECK_THROWS_WITH(migrations_for_dialect(files, "sqlite"),
                      Contains("0002_a.sql") && Contains("0002_b.sql"));
}

TEST_CASE("the planner returns what is not applied yet, in order", "[migrations]") {
    const std::vector<Migration> available{mig(1, "initial", "a"), mig(2, "two", "b"), mig(3, "three", "c")};
    CHECK(versions(plan_migrations({}, available)) == std::vector<int>{1, 2, 3});
    CHECK(versions(plan_migrations({applied(available[0])}, available)) == std::vector<int>{2, 3});
    CHECK(plan_migrations({applied(available[0]), applied(available[1]), applied(available[2])}, available)
              .empty());
}

TEST_CASE("the planner refuses a migration whose file changed after it was applied", "[migrations]") {
    const std::vector<Migration> available{mig(1, "initial", "CREATE TABLE a (x);")};
    const AppliedMigration old{1, "initial", sha256_hex("CREATE TABLE a (y);")};
    CHECK_THROWS_AS(plan_migrations({old}, available), StoreError);
    CHECK_THROWS_WITH(plan_migrations({old}, available),
                      Contains("migration 0001_initial.sql was applied with checksum " + old.checksum) &&
                          Contains("but the file now has " + available[0].checksum) &&
                          Contains("new migration"));
}

TEST_CASE("the planner refuses a database migrated by a newer binary", "[migrations]") {
    const std::vector<Migration> available{mig(1, "initial", "a")};
    const std::vector<AppliedMigration> db{applied(available[0]), {2, "future", "abc"}};
    CHECK_THROWS_WITH(plan_migrations(db, available), Contains("newer") && Contains("upgrade jira2sql"));
}

TEST_CASE("the planner refuses to fill a gap below the newest applied migration", "[migrations]") {
    const std::vector<Migration> available{mig(1, "initial", "a"), mig(2, "late", "b"), mig(3, "three", "c")};
    CHECK_THROWS_WITH(plan_migrations({applied(available[0]), applied(available[2])}, available),
                      Contains("0002_late.sql"));
}

TEST_CASE("the embedded migrations exist for both dialects with the same versions", "[migrations]") {
    const auto lite = migrations_for_dialect("sqlite");
    const auto pg = migrations_for_dialect("postgres");
    REQUIRE_FALSE(lite.empty());
    CHECK(lite.front().file_name == "0001_initial.sql");
    REQUIRE(lite.size() == pg.size());
    for (std::size_t i = 0; i < lite.size(); ++i) {
        CHECK(lite[i].version == pg[i].version);
        CHECK(lite[i].name == pg[i].name);
    }
    CHECK_THAT(lite.front().sql, Contains("CREATE TABLE issues"));
    CHECK(plan_migrations({}, lite).size() == lite.size());
}
