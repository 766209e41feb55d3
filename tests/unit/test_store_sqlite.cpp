// What is particular to the SQLite backend and to choosing a backend from database.url.

#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>
#include <sstream>

#include "store/store_factory.hpp"
#include "support/store_backends.hpp"
#include "util/errors.hpp"

using namespace j2s;
using Catch::Matchers::Contains;

TEST_CASE("a SQLite database in a folder that does not exist is a clear error naming the path",
          "[store][sqlite]") {
    test::TempDir dir;
    const auto path = dir.path() / "missing" / "jira.db";
    CHECK_THROWS_AS(SqliteStore(path), StoreError);
    CHECK_THROWS_WITH(SqliteStore(path), Contains(path.string()) && Contains("does not exist"));
    CHECK_FALSE(std::filesystem::exists(dir.path() / "missing"));
}

TEST_CASE("a file that is not a SQLite database is a StoreError", "[store][sqlite]") {
    test::TempDir dir;
    const auto path = dir.path() / "not.db";
    std::ofstream(path) << std::string(4096, 'x');
    CHECK_THROWS_AS(SqliteStore(path).migrate(), StoreError);
}

TEST_CASE("SQLite is opened in WAL mode and mapped columns get SQLite types", "[store][sqlite]") {
    test::SqliteBackend backend;
    auto store = backend.open();
    CHECK(store->describe() == "sqlite:" + backend.db_path().string());
    store->migrate();
    CHECK(backend.scalar("PRAGMA journal_mode") == "wal");
    store->sync_mapped_columns({{"a", ColumnType::text},
                                {"b", ColumnType::integer},
                                {"c", ColumnType::number},
                                {"d", ColumnType::boolean},
                                {"e", ColumnType::timestamp},
                                {"f", ColumnType::date},
                                {"g", ColumnType::json}});
    CHECK(backend.scalar("SELECT group_concat(name || ':' || type, ',') FROM pragma_table_info('issues') "
                         "WHERE name IN ('a','b','c','d','e','f','g')") ==
          "a:TEXT,b:INTEGER,c:REAL,d:INTEGER,e:TEXT,f:TEXT,g:TEXT");
    CHECK(backend.scalar("SELECT type FROM mapped_columns WHERE name = 'd'") == "boolean");
}

TEST_CASE("a retyped mapped column is recreated with its new type, a dropped one is dropped", "[store][sqlite]") {
    test::SqliteBackend backend;
    auto store = backend.open();
    store->migrate();
    store->sync_mapped_columns({{"points", ColumnType::integer}, {"team", ColumnType::text}});
    const auto changes = store->sync_mapped_columns({{"points", ColumnType::text}});
    REQUIRE(changes.size() == 2);
    CHECK(changes[0].change == "retyped");
    CHECK(changes[1].change == "removed");
    CHECK(backend.scalar("SELECT type FROM pragma_table_info('issues') WHERE name = 'points'") == "TEXT");
    CHECK(backend.scalar("SELECT type FROM mapped_columns WHERE name = 'points'") == "text");
    CHECK(backend.scalar("SELECT count(*) FROM pragma_table_info('issues') WHERE name = 'team'") == "0");
    CHECK(backend.scalar("SELECT count(*) FROM mapping_changes") == "4");
}

TEST_CASE("the SQLite lock file sits next to the database and names its holder", "[store][sqlite][lock]") {
    test::SqliteBackend backend;
    SqliteStore store(backend.db_path());
    const auto path = store.lock_path("scope-a");
    CHECK(path.parent_path() == backend.db_path().parent_path());
    CHECK_THAT(path.filename().string(),
               Catch::Matchers::StartsWith("jira.db.") && Catch::Matchers::EndsWith(".lock"));
    CHECK(path.filename().string().size() ==
          std::string("jira.db.").size() + 12 + std::string(".lock").size());
    CHECK(store.lock_path("scope-b") != path);

    auto lock = store.acquire_lock("scope-a");
    std::stringstream text;
    text << std::ifstream(path).rdbuf();
    CHECK_THAT(text.str(), Contains("pid " + std::to_string(::getpid()) + " on ") && Contains(" since 20") &&
                               Contains("scope scope-a"));
}

TEST_CASE("open_store chooses the backend from the URL", "[store][factory]") {
    test::TempDir dir;
    const auto path = (dir.path() / "x.db").string();
    CHECK(open_store(DatabaseConfig{"sqlite:" + path, "jira"})->describe() == "sqlite:" + path);
    CHECK(open_store(DatabaseConfig{"sqlite://" + path, "jira"})->describe() == "sqlite:" + path);
    CHECK_THROWS_AS(open_store(DatabaseConfig{"sqlite:", "jira"}), ConfigError);
    // A PostgreSQL URL selects the PostgreSQL backend: nothing listens on this port, so connecting fails, and
    // the error does not show the password.
    try {
        open_store(DatabaseConfig{"postgresql://u:hunter2@127.0.0.1:1/db", "jira"});
        FAIL("connected to a port where nothing listens");
    } catch (const StoreError& e) {
        CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
    }
    try {
        open_store(DatabaseConfig{"mysql://u:hunter2@localhost/db", "jira"});
        FAIL("an unknown scheme was accepted");
    } catch (const ConfigError& e) {
        CHECK_THAT(e.what(), Contains("mysql") && !Contains("hunter2"));
        CHECK(e.exit_code() == ExitCode::usage);
    }
}

TEST_CASE("run counters add up and statuses have their contract names", "[store]") {
    RunCounters a{1, 2, 3, 4, 5, 6};
    a += RunCounters{10, 20, 30, 40, 50, 60};
    CHECK(a.issues_upserted == 11);
    CHECK(a.changelog_items_written == 22);
    CHECK(a.dead_lettered == 33);
    CHECK(a.soft_deleted == 44);
    CHECK(a.requests == 55);
    CHECK(a.retries == 66);
    CHECK(std::string(run_status_name(RunStatus::running)) == "running");
    CHECK(std::string(run_status_name(RunStatus::succeeded)) == "succeeded");
    CHECK(std::string(run_status_name(RunStatus::failed)) == "failed");
    CHECK(std::string(run_status_name(RunStatus::partial)) == "partial");
}
