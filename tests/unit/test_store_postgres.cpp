// What is particular to the PostgreSQL backend. Every test name contains "postgres", which gives it the
// CTest label `postgres`; each runs in a throwaway database on the server of J2S_TEST_POSTGRES_URL.

#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "store/postgres_store.hpp"
#include "store/store_factory.hpp"
#include "support/store_backends.hpp"
#include "util/errors.hpp"

using namespace j2s;
using Catch::Matchers::Contains;
using test::PostgresBackend;

namespace {

const std::string kScope = "https://example.atlassian.net|cloud|project = ABC";
const std::string kPassword = "j2s-test-pw";  // the password scripts/test_postgres.sh gives the role

Timestamp at(int minutes) {
    return Timestamp{std::chrono::sys_days{std::chrono::year{2024} / 3 / 5}.time_since_epoch()} +
           std::chrono::minutes(minutes);
}

IssueRecord issue(std::int64_t id, Timestamp updated) {
    IssueRecord r;
    r.id = id;
    r.key = "ABC-" + std::to_string(id);
    r.project_key = "ABC";
    r.created = at(0);
    r.updated = updated;
    r.mapped = {SqlValue{std::string("tab\there, newline\nthere, backslash \\ and \"quotes\"")}};
    r.raw_json = R"({"id":")" + std::to_string(id) + R"(","fields":{"summary":"x\ty"}})";
    return r;
}

ChangelogItemRecord change(std::int64_t history_id, int index, std::int64_t issue_id) {
    ChangelogItemRecord c;
    c.history_id = history_id;
    c.item_index = index;
    c.issue_id = issue_id;
    c.created = at(5);
    c.field = "status";
    c.to_string = "Done";
    return c;
}

struct Ready {
    PostgresBackend backend;
    std::unique_ptr<PostgresStore> store = std::make_unique<PostgresStore>(backend.url(), PostgresBackend::schema);
    std::int64_t run_id = 0;
    Ready() {
        store->migrate();
        store->sync_mapped_columns({{"summary", ColumnType::text}});
        run_id = store->start_run(kScope, "full", at(0));
    }
    PageCommit page(std::vector<IssueRecord> issues, std::string checkpoint) const {
        PageCommit p;
        p.run_id = run_id;
        p.scope_key = kScope;
        p.issues = std::move(issues);
        p.checkpoint_json = std::move(checkpoint);
        return p;
    }
};

// `url` with its password replaced.
std::string with_password(const std::string& url, const std::string& password) {
    const auto colon = url.find(':', url.find("://") + 3);
    const auto at = url.find('@');
    return url.substr(0, colon + 1) + password + url.substr(at);
}

}  // namespace

TEST_CASE("postgres: tables and views live in database.schema, not public", "[store][postgres]") {
    J2S_REQUIRE_BACKEND(PostgresBackend);
    PostgresBackend backend;
    auto store = backend.open();
    store->migrate();
    CHECK(backend.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'jira_test' AND tablename IN "
                         "('issues', 'issue_changelog', 'dead_letters', 'sync_runs', 'sync_state', "
                         "'jira_fields', 'schema_migrations', 'mapped_columns')") == "8");
    CHECK(backend.scalar("SELECT count(*) FROM pg_views WHERE schemaname = 'jira_test'") == "3");
    CHECK(backend.scalar("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == "0");
    CHECK(backend.scalar("SELECT data_type FROM information_schema.columns WHERE table_schema = 'jira_test' "
                         "AND table_name = 'issues' AND column_name = 'raw'") == "jsonb");
    CHECK(backend.scalar("SELECT data_type FROM information_schema.columns WHERE table_schema = 'jira_test' "
                         "AND table_name = 'issues' AND column_name = 'updated'") == "timestamp with time zone");

    // A second schema in the same database is a separate target: its own tables and its own lock.
    PostgresStore other(backend.url(), "jira_other");
    CHECK(other.migrate() == std::vector<std::string>{"0001_initial.sql", "0002_mapping_changes.sql", "0003_projects_users.sql", "0004_issue_entities.sql"});
    auto lock_a = store->acquire_lock(kScope);
    CHECK(other.acquire_lock(kScope));
    CHECK(other.describe() != store->describe());
}

TEST_CASE("postgres: mapped columns get the contract's SQL types and reserved words work", "[store][postgres]") {
    J2S_REQUIRE_BACKEND(PostgresBackend);
    PostgresBackend backend;
    auto store = backend.open();
    store->migrate();
    store->sync_mapped_columns({{"t", ColumnType::text},
                                {"i", ColumnType::integer},
                                {"n", ColumnType::number},
                                {"b", ColumnType::boolean},
                                {"ts", ColumnType::timestamp},
                                {"d", ColumnType::date},
                                {"j", ColumnType::json},
                                {"order", ColumnType::text}});
    const auto type_of = [&](const std::string& c) {
        return backend.scalar("SELECT data_type FROM information_schema.columns WHERE table_schema = 'jira_test' "
                              "AND table_name = 'issues' AND column_name = '" + c + "'")
            .value_or("missing");
    };
    CHECK(type_of("t") == "text");
    CHECK(type_of("i") == "bigint");
    CHECK(type_of("n") == "double precision");
    CHECK(type_of("b") == "boolean");
    CHECK(type_of("ts") == "timestamp with time zone");
    CHECK(type_of("d") == "date");
    CHECK(type_of("j") == "jsonb");

    const auto run = store->start_run(kScope, "full", at(0));
    IssueRecord r;
    r.id = 9;
    r.key = "ABC-9";
    r.project_key = "ABC";
    r.created = at(0);
    r.updated = at(1);
    r.mapped = {SqlValue{std::string("x")}, SqlValue{std::int64_t{9007199254740993}}, SqlValue{0.1},
                SqlValue{false}, SqlValue{std::string("2024-03-05T14:07:12.345Z")}, SqlValue{std::string("2024-02-29")},
                SqlValue{std::string(R"(["a","b"])")}, SqlValue{std::string("first")}};
    r.raw_json = "{}";
    PageCommit p;
    p.run_id = run;
    p.scope_key = kScope;
    p.issues = {r};
    CHECK(store->commit_page(p).issues_written == 1);
    CHECK(backend.scalar("SELECT i FROM issues") == "9007199254740993");
    CHECK(backend.scalar("SELECT n FROM issues") == "0.1");
    CHECK(backend.scalar("SELECT b FROM issues") == "0");
    CHECK(backend.scalar("SELECT ts FROM issues") == "2024-03-05T14:07:12.345Z");
    CHECK(backend.scalar("SELECT d FROM issues") == "2024-02-29");
    CHECK(backend.scalar("SELECT j ->> 1 FROM issues") == "b");
    CHECK(backend.scalar("SELECT \"order\" FROM issues_live") == "first");
}

TEST_CASE("postgres: text with tabs, newlines and backslashes survives COPY", "[store][postgres]") {
    J2S_REQUIRE_BACKEND(PostgresBackend);
    Ready r;
    auto p = r.page({issue(1, at(10))}, R"({"page":1})");
    auto c = change(100, 0, 1);
    c.from_string = "a\\tb\r\nc";
    p.changelog = {c};
    r.store->commit_page(p);
    CHECK(r.backend.scalar("SELECT summary FROM issues") ==
          std::optional<std::string>("tab\there, newline\nthere, backslash \\ and \"quotes\""));
    CHECK(r.backend.scalar("SELECT raw -> 'fields' ->> 'summary' FROM issues") == "x\ty");
    CHECK(r.backend.scalar("SELECT from_string FROM issue_changelog") == "a\\tb\r\nc");
    CHECK(r.backend.scalar("SELECT to_value FROM issue_changelog") == std::nullopt);
}

TEST_CASE("postgres: a page costs the same few round trips whatever its size", "[store][postgres]") {
    J2S_REQUIRE_BACKEND(PostgresBackend);
    Ready r;
    // libpq's protocol trace shows every message sent; a round trip ends with Sync (extended query),
    // Query (simple query, also starting COPY) or CopyDone.
    const auto round_trips = [&](const PageCommit& p) {
        std::FILE* f = std::tmpfile();
        REQUIRE(f);
        r.store->trace(f);
        r.store->commit_page(p);
        r.store->trace(nullptr);
        std::rewind(f);
        int n = 0;
        char line[8192];
        while (std::fgets(line, sizeof line, f)) {
            const std::string s(line);
            if (s.find("\tF\t") == std::string::npos) continue;
            if (s.find("\tSync") != std::string::npos || s.find("\tQuery\t") != std::string::npos ||
                s.find("\tCopyDone") != std::string::npos)
                ++n;
        }
        std::fclose(f);
        return n;
    };
    std::vector<IssueRecord> small, large;
    std::vector<ChangelogItemRecord> small_items, large_items;
    for (int i = 1; i <= 5; ++i) small.push_back(issue(i, at(10)));
    for (int i = 0; i < 10; ++i) small_items.push_back(change(1000 + i, 0, 1));
    for (int i = 100; i < 600; ++i) large.push_back(issue(i, at(10)));
    for (int i = 0; i < 5000; ++i) large_items.push_back(change(5000 + i, i % 3, 100 + i % 500));
    r.store->commit_page(r.page({issue(999, at(1))}, "{}"));  // first page creates the temporary tables

    auto a = r.page(small, R"({"page":1})");
    a.changelog = small_items;
    auto b = r.page(large, R"({"page":2})");
    b.changelog = large_items;
    const int small_trips = round_trips(a);
    const int large_trips = round_trips(b);
    INFO("round trips: 5 issues + 10 items = " << small_trips << ", 500 issues + 5000 items = " << large_trips);
    CHECK(small_trips == large_trips);
    CHECK(large_trips <= 10);
    CHECK(r.store->counts().issues == 506);
    CHECK(r.store->counts().changelog_items == 5010);
}

TEST_CASE("postgres: the password never appears in describe() or in errors", "[store][postgres]") {
    J2S_REQUIRE_BACKEND(PostgresBackend);
    PostgresBackend backend;
    auto store = backend.open();
    CHECK_THAT(store->describe(), !Contains(kPassword) && Contains("jira_test") && Contains("postgresql://"));

    // A refused login: libpq's message names the user, never the password; the raw and the
    // percent-decoded spelling are both checked.
    for (const std::string secret : {"Wr0ng-s3cret", "p%40ss-w%3Ard"}) {
        try {
            PostgresStore bad(with_password(backend.url(), secret), "jira");
            FAIL("a wrong password was accepted");
        } catch (const StoreError& e) {
            CHECK_THAT(e.what(), Contains("password authentication failed") && !Contains(secret) &&
                                     !Contains("p@ss-w:rd") && !Contains(kPassword));
            CHECK(e.exit_code() == ExitCode::run_failed);
        }
    }

    // Through the factory, and with an unreachable server (nothing listens on port 1).
    try {
        open_store(DatabaseConfig{"postgresql://loader:Hunter2-x@127.0.0.1:1/db", "jira"});
        FAIL("connected to port 1");
    } catch (const StoreError& e) {
        CHECK_THAT(e.what(), !Contains("Hunter2-x") && Contains("127.0.0.1"));
    }
    // A malformed URL is a configuration error, without the password either.
    CHECK_THROWS_AS(open_store(DatabaseConfig{"postgresql://u:Hunter2-x@h:notaport/db?bogus=1", "jira"}),
                    ConfigError);
    try {
        open_store(DatabaseConfig{"postgresql://u:Hunter2-x@h/db?bogus=1", "jira"});
    } catch (const Error& e) {
        CHECK_THAT(e.what(), !Contains("Hunter2-x"));
    }

    // The scrubber covers every spelling a message could echo, PGPASSWORD included.
    CHECK(PostgresStore::scrub("x p%40ss y p@ss z", "postgresql://u:p%40ss@h/db") == "x *** y *** z");
    CHECK(PostgresStore::scrub("key=value password=abc123", "host=h password=abc123") ==
          "key=value password=***");
    ::setenv("PGPASSWORD", "from-env-pw", 1);
    CHECK(PostgresStore::scrub("echo from-env-pw", "postgresql://u@h/db") == "echo ***");
    ::unsetenv("PGPASSWORD");
}

TEST_CASE("postgres: a lost connection fails with a StoreError and the next store resumes", "[store][postgres]") {
    J2S_REQUIRE_BACKEND(PostgresBackend);
    Ready r;
    r.store->commit_page(r.page({issue(1, at(10))}, R"({"page":1})"));

    // What a server restart does to the session: the backend is terminated.
    r.backend.exec(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> "
        "pg_backend_pid()");
    try {
        r.store->commit_page(r.page({issue(2, at(10))}, R"({"page":2})"));
        FAIL("the page committed on a dead connection");
    } catch (const StoreError& e) {
        CHECK(e.exit_code() == ExitCode::run_failed);
        CHECK_THAT(e.what(), Contains("lost the connection") && Contains("resumes") && !Contains(kPassword));
    }
    // No silent reconnect (it would lose search_path): later calls fail clearly too.
    CHECK_THROWS_WITH(r.store->counts(), Contains("connection was lost"));

    auto next = r.backend.open();
    CHECK(next->load_scope_state(kScope).checkpoint_json == std::optional<std::string>(R"({"page":1})"));
    CHECK(next->counts().issues == 1);
    next->sync_mapped_columns({{"summary", ColumnType::text}});
    const auto run = next->start_run(kScope, "full", at(1));
    CHECK(next->recent_runs(2).at(1).status == "failed");  // the interrupted run
    auto p = r.page({issue(2, at(10))}, R"({"page":2})");
    p.run_id = run;
    CHECK(next->commit_page(p).issues_written == 1);
}

TEST_CASE("postgres: the lock holder is named with its process, server pid and address", "[store][postgres]") {
    J2S_REQUIRE_BACKEND(PostgresBackend);
    PostgresBackend backend;
    auto a = backend.open();
    auto b = backend.open();
    auto lock = a->acquire_lock(kScope);
    try {
        b->acquire_lock(kScope);
        FAIL("the second lock was granted");
    } catch (const LockedError& e) {
        CHECK_THAT(e.what(), Contains("jira2sql pid " + std::to_string(::getpid())) && Contains("server pid ") &&
                                 Contains("client 127.0.0.1") && Contains("connected since 20") &&
                                 Contains("scope " + kScope) && !Contains(kPassword));
    }
}
