// The Store contract, one test body per behaviour, run over every backend in J2S_STORE_BACKENDS.
// The PostgreSQL instances need J2S_TEST_POSTGRES_URL (see tests/support/store_backends.hpp); CTest
// labels them `postgres`. Test names must not contain ';': CTest splits the name there and the
// resulting test matches nothing, which Catch2 2.13 reports as success.

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <thread>

#include "support/store_backends.hpp"
#include "util/errors.hpp"

using namespace j2s;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

const std::string kScope = "https://example.atlassian.net|cloud|project = ABC";

Timestamp at(int minutes) {
    return Timestamp{std::chrono::sys_days{std::chrono::year{2024} / 3 / 5}.time_since_epoch()} +
           std::chrono::minutes(minutes);
}

const std::vector<ColumnDef> kColumns{{"summary", ColumnType::text},
                                      {"story_points", ColumnType::number},
                                      {"flagged", ColumnType::boolean},
                                      {"votes", ColumnType::integer}};

IssueRecord issue(std::int64_t id, const std::string& key, Timestamp updated, const std::string& summary) {
    IssueRecord r;
    r.id = id;
    r.key = key;
    r.project_key = key.substr(0, key.find('-'));
    r.created = at(0);
    r.updated = updated;
    r.mapped = {SqlValue{summary}, SqlValue{3.5}, SqlValue{true}, SqlValue{std::int64_t{42}}};
    r.raw_json = R"({"id":")" + std::to_string(id) + R"(","key":")" + key + R"("})";
    return r;
}

ChangelogItemRecord change(std::int64_t history_id, int index, std::int64_t issue_id) {
    ChangelogItemRecord c;
    c.history_id = history_id;
    c.item_index = index;
    c.issue_id = issue_id;
    c.author_account_id = "acc-1";
    c.created = at(5);
    c.field = "status";
    c.field_id = "status";
    c.field_type = "jira";
    c.from_string = "To Do";
    c.to_string = "In Progress";
    return c;
}

DeadLetterRecord dead_letter(std::int64_t issue_id, const std::string& error,
                             const std::string& stage = "transform") {
    return DeadLetterRecord{issue_id, "ABC-" + std::to_string(issue_id), stage, error, R"({"payload":1})"};
}

// A migrated store with the standard mapped columns and a running run.
template <class Backend>
struct Ready {
    Backend backend;
    std::unique_ptr<Store> store = backend.open();
    std::int64_t run_id = 0;
    Ready() {
        store->migrate();
        store->sync_mapped_columns(kColumns);
        run_id = store->start_run(kScope, "incremental", at(0));
    }
    PageCommit page(std::vector<IssueRecord> issues = {}, std::string checkpoint = R"({"page":1})") const {
        PageCommit p;
        p.run_id = run_id;
        p.scope_key = kScope;
        p.issues = std::move(issues);
        p.checkpoint_json = std::move(checkpoint);
        return p;
    }
    std::string text(const std::string& sql) const { return backend.scalar(sql).value_or("NULL"); }
};

}  // namespace

TEMPLATE_TEST_CASE("migrate applies every migration once and is idempotent", "[store]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    auto store = backend.open();
    CHECK(store->migrate() == std::vector<std::string>{"0001_initial.sql", "0002_mapping_changes.sql", "0003_projects_users.sql", "0004_issue_entities.sql"});
    CHECK(store->migrate().empty());
    CHECK(backend.open()->migrate().empty());  // a second connection sees the same state
    CHECK(backend.scalar("SELECT count(*) FROM schema_migrations") == "4");
    CHECK(backend.scalar("SELECT name FROM schema_migrations WHERE version = 1") == "initial");
    CHECK(backend.scalar("SELECT length(checksum) FROM schema_migrations") == "64");
    const TableCounts c = store->counts();
    CHECK(c.issues == 0);
    CHECK(c.changelog_items == 0);
}

TEMPLATE_TEST_CASE("migrate refuses a migration whose checksum changed", "[store]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    backend.open()->migrate();
    backend.exec("UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1");
    auto store = backend.open();
    CHECK_THROWS_AS(store->migrate(), StoreError);
    CHECK_THROWS_WITH(store->migrate(), Contains("0001_initial.sql") && Contains("deadbeef"));
}

TEMPLATE_TEST_CASE("migrate refuses a database migrated by a newer version", "[store]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    backend.open()->migrate();
    backend.exec(
        "INSERT INTO schema_migrations (version, name, checksum, applied_at) "
        "VALUES (9999, 'future', 'x', '2030-01-01T00:00:00.000Z')");
    CHECK_THROWS_WITH(backend.open()->migrate(), Contains("newer"));
}

TEMPLATE_TEST_CASE("mapped columns are added, typed, and extended without losing data", "[store]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    r.store->commit_page(r.page({issue(1, "ABC-1", at(10), "first")}));
    CHECK(r.text("SELECT summary FROM issues WHERE id = 1") == "first");
    CHECK(r.text("SELECT story_points FROM issues WHERE id = 1") == "3.5");
    CHECK(r.text("SELECT flagged FROM issues WHERE id = 1") == "1");
    CHECK(r.text("SELECT votes FROM issues WHERE id = 1") == "42");
    CHECK(r.text("SELECT count(*) FROM mapped_columns") == "4");

    // Same set again: nothing to do. One more column: added, old values intact, visible in the live view.
    r.store->sync_mapped_columns(kColumns);
    auto extended = kColumns;
    extended.push_back({"team", ColumnType::text});
    r.store->sync_mapped_columns(extended);
    CHECK(r.text("SELECT count(*) FROM mapped_columns") == "5");
    CHECK(r.text("SELECT summary FROM issues WHERE id = 1") == "first");
    CHECK(r.text("SELECT team FROM issues WHERE id = 1") == "NULL");

    auto later = issue(1, "ABC-1", at(20), "second");
    later.mapped.push_back(SqlValue{std::string("Platform")});
    CHECK(r.store->commit_page(r.page({later})).issues_written == 1);
    CHECK(r.text("SELECT team FROM issues_live WHERE id = 1") == "Platform");

    // The record must match the column set it was prepared for.
    CHECK_THROWS_AS(r.store->commit_page(r.page({issue(2, "ABC-2", at(10), "short")})), StoreError);
}

TEMPLATE_TEST_CASE("mapped column names that are not identifiers are refused", "[store]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    CHECK_THROWS_AS(r.store->sync_mapped_columns({{"x; DROP TABLE issues", ColumnType::text}}), StoreError);
    CHECK_THROWS_AS(r.store->sync_mapped_columns({{"updated", ColumnType::text}}), StoreError);
    CHECK(r.text("SELECT count(*) FROM issues") == "0");
}

TEMPLATE_TEST_CASE("issues are upserted on id, and re-committing the same copy writes nothing", "[store]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    CHECK(r.store->commit_page(r.page({issue(1, "ABC-1", at(10), "a"), issue(2, "ABC-2", at(10), "b")}))
              .issues_written == 2);
    const auto again =
        r.store->commit_page(r.page({issue(1, "ABC-1", at(10), "a"), issue(2, "ABC-2", at(10), "b")}));
    CHECK(again.issues_written == 0);
    CHECK(r.store->counts().issues == 2);
    CHECK(r.text("SELECT created FROM issues WHERE id = 1") == "2024-03-05T00:00:00.000Z");
    CHECK(r.text("SELECT updated FROM issues WHERE id = 1") == "2024-03-05T00:10:00.000Z");
    CHECK(r.text("SELECT project_key FROM issues WHERE id = 2") == "ABC");
}

TEMPLATE_TEST_CASE("an older copy never overwrites a newer one, a newer one does", "[store]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    r.store->commit_page(r.page({issue(1, "ABC-1", at(20), "current")}));

    CHECK(r.store->commit_page(r.page({issue(1, "ABC-1", at(10), "stale")})).issues_written == 0);
    CHECK(r.text("SELECT summary FROM issues WHERE id = 1") == "current");
    CHECK(r.text("SELECT updated FROM issues WHERE id = 1") == "2024-03-05T00:20:00.000Z");

    // A move: same id, new key and project.
    CHECK(r.store->commit_page(r.page({issue(1, "XYZ-9", at(30), "moved")})).issues_written == 1);
    CHECK(r.text("SELECT key || ' ' || project_key || ' ' || summary FROM issues WHERE id = 1") ==
          "XYZ-9 XYZ moved");
    CHECK(r.store->counts().issues == 1);
    CHECK(r.store->stored_updated({1}).at(1) == at(30));
}

TEMPLATE_TEST_CASE("a soft-deleted issue that comes back is revived", "[store]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    r.store->commit_page(r.page({issue(1, "ABC-1", at(20), "x")}));
    r.backend.exec("UPDATE issues SET deleted_at = synced_at, deleted_reason = 'out_of_scope' WHERE id = 1");
    CHECK(r.store->counts().issues_live == 0);

    CHECK(r.store->commit_page(r.page({issue(1, "ABC-1", at(20), "x")})).issues_written == 1);
    CHECK(r.text("SELECT deleted_at FROM issues WHERE id = 1") == "NULL");
    CHECK(r.text("SELECT deleted_reason FROM issues WHERE id = 1") == "NULL");
    CHECK(r.store->counts().issues_live == 1);

    // Revived by a stale copy, its newer data stays.
    r.backend.exec("UPDATE issues SET deleted_at = synced_at, deleted_reason = 'deleted' WHERE id = 1");
    r.store->commit_page(r.page({issue(1, "ABC-1", at(5), "stale")}));
    CHECK(r.text("SELECT deleted_at FROM issues WHERE id = 1") == "NULL");
    CHECK(r.text("SELECT summary FROM issues WHERE id = 1") == "x");
}

TEMPLATE_TEST_CASE("changelog items are inserted once", "[store]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    auto p = r.page({issue(1, "ABC-1", at(10), "x")});
    p.changelog = {change(100, 0, 1), change(100, 1, 1), change(101, 0, 1)};
    CHECK(r.store->commit_page(p).changelog_written == 3);
    p.changelog.push_back(change(102, 0, 1));
    CHECK(r.store->commit_page(p).changelog_written == 1);
    CHECK(r.store->counts().changelog_items == 4);
    CHECK(r.text("SELECT to_string FROM issue_changelog WHERE history_id = 100 AND item_index = 1") ==
          "In Progress");
    CHECK(r.text("SELECT from_value FROM issue_changelog WHERE history_id = 100 AND item_index = 1") ==
          "NULL");
    CHECK(r.text("SELECT count(*) FROM issue_status_changes WHERE issue_id = 1") == "4");
}

TEMPLATE_TEST_CASE("a repeated failure increments the open dead letter, a clean commit resolves it",
                   "[store]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    auto p = r.page();
    p.dead_letters = {dead_letter(7, "first error")};
    CHECK(r.store->commit_page(p).dead_lettered == 1);
    p.dead_letters = {dead_letter(7, "second error", "load")};
    r.store->commit_page(p);

    auto open = r.store->dead_letters(false);
    REQUIRE(open.size() == 1);
    CHECK(open[0].issue_id == 7);
    CHECK(open[0].issue_key == "ABC-7");
    CHECK(open[0].attempts == 2);
    CHECK(open[0].error == "second error");
    CHECK(open[0].stage == "load");
    CHECK(open[0].payload == R"({"payload":1})");
    CHECK_FALSE(open[0].resolved_at);
    CHECK(r.store->counts().dead_letters_open == 1);

    auto clean = r.page({issue(7, "ABC-7", at(10), "fixed")});
    clean.clean_issue_ids = {7};
    r.store->commit_page(clean);
    CHECK(r.store->dead_letters(false).empty());
    const auto all = r.store->dead_letters(true);
    REQUIRE(all.size() == 1);
    CHECK(all[0].resolved_at.has_value());
    CHECK(r.store->counts().dead_letters_open == 0);

    // Failing again after resolution opens a new dead letter.
    p.dead_letters = {dead_letter(7, "third error")};
    r.store->commit_page(p);
    CHECK(r.store->dead_letters(true).size() == 2);
    CHECK(r.store->dead_letters(false).at(0).attempts == 1);

    // A failure before the id was known is matched by key.
    DeadLetterRecord no_id{std::nullopt, "ABC-99", "fetch", "404", "<html>"};
    p.dead_letters = {no_id};
    r.store->commit_page(p);
    r.store->commit_page(p);
    const auto open_now = r.store->dead_letters(false);
    REQUIRE(open_now.size() == 2);
    CHECK_FALSE(open_now[1].issue_id);
    CHECK(open_now[1].attempts == 2);
}

TEMPLATE_TEST_CASE("the checkpoint commits with its page, and a failed page leaves nothing behind", "[store]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    auto first = r.page({issue(1, "ABC-1", at(10), "one")}, R"({"page":1})");
    first.run_totals.issues_upserted = 0;  // before the page: the store adds what the page wrote
    r.store->commit_page(first);
    CHECK(r.store->load_scope_state(kScope).checkpoint_json == std::optional<std::string>(R"({"page":1})"));

    auto bad =
        r.page({issue(2, "ABC-2", at(10), "two"), issue(1, "ABC-1", at(50), "one, newer")}, R"({"page":2})");
    bad.changelog = {change(200, 0, 2)};
    bad.dead_letters = {dead_letter(3, "fine"), dead_letter(4, "violates the stage check", "nonsense")};
    bad.clean_issue_ids = {1};
    bad.run_totals.issues_upserted = 1;
    CHECK_THROWS_AS(r.store->commit_page(bad), StoreError);

    CHECK(r.store->load_scope_state(kScope).checkpoint_json == std::optional<std::string>(R"({"page":1})"));
    CHECK(r.store->counts().issues == 1);
    CHECK(r.text("SELECT summary FROM issues WHERE id = 1") == "one");
    CHECK(r.store->counts().changelog_items == 0);
    CHECK(r.store->dead_letters(true).empty());
    CHECK(r.store->recent_runs(1).at(0).counters.issues_upserted == 1);

    // A failure after the checkpoint was written (the run row is missing) takes the checkpoint back too.
    auto orphan = r.page({issue(5, "ABC-5", at(10), "five")}, R"({"page":9})");
    orphan.run_id = r.run_id + 1000;
    CHECK_THROWS_AS(r.store->commit_page(orphan), StoreError);
    CHECK(r.store->load_scope_state(kScope).checkpoint_json == std::optional<std::string>(R"({"page":1})"));
    CHECK(r.store->stored_updated({5}).empty());

    // The store is still usable: the same page without the bad row commits.
    bad.dead_letters.pop_back();
    const auto ok = r.store->commit_page(bad);
    CHECK(ok.issues_written == 2);
    CHECK(r.store->load_scope_state(kScope).checkpoint_json == std::optional<std::string>(R"({"page":2})"));
    CHECK(r.store->recent_runs(1).at(0).counters.issues_upserted == 3);
}

TEMPLATE_TEST_CASE("finish_run records the outcome, the watermark and clears the checkpoint", "[store]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    r.store->commit_page(r.page({}, R"({"page":3})"));
    CHECK_FALSE(r.store->load_scope_state(kScope).watermark);

    RunCounters totals;
    totals.issues_upserted = 5;
    totals.requests = 9;
    totals.retries = 2;
    r.store->finish_run(r.run_id, kScope, RunStatus::partial, at(60), totals, "", at(1), true);

    const ScopeState s = r.store->load_scope_state(kScope);
    CHECK(s.watermark == at(1));
    CHECK_FALSE(s.checkpoint_json);
    const RunRow run = r.store->recent_runs(1).at(0);
    CHECK(run.id == r.run_id);
    CHECK(run.mode == "incremental");
    CHECK(run.status == "partial");
    CHECK(run.started_at == "2024-03-05T00:00:00.000Z");
    CHECK(run.finished_at == std::optional<std::string>("2024-03-05T01:00:00.000Z"));
    CHECK(run.counters.issues_upserted == 5);
    CHECK(run.counters.requests == 9);
    CHECK(run.counters.retries == 2);
    CHECK_FALSE(run.error);

    // A failed run keeps the watermark and the checkpoint.
    const auto run2 = r.store->start_run(kScope, "full", at(70));
    r.store->commit_page([&] {
        auto p = r.page({}, R"({"page":4})");
        p.run_id = run2;
        return p;
    }());
    r.store->finish_run(run2, kScope, RunStatus::failed, at(80), {}, "Jira unreachable", std::nullopt, false);
    CHECK(r.store->load_scope_state(kScope).watermark == at(1));
    CHECK(r.store->load_scope_state(kScope).checkpoint_json == std::optional<std::string>(R"({"page":4})"));
    CHECK(r.store->recent_runs(1).at(0).error == std::optional<std::string>("Jira unreachable"));
    CHECK_FALSE(r.store->load_scope_state("another scope").watermark);
}

TEMPLATE_TEST_CASE("start_run marks this scope's stale running rows failed", "[store]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;  // run_id is left running, as by a killed process
    const auto other = r.store->start_run("other scope", "full", at(1));
    const auto next = r.store->start_run(kScope, "incremental", at(2));
    CHECK(next > r.run_id);

    const auto runs = r.store->recent_runs(10);
    REQUIRE(runs.size() == 3);
    CHECK(runs[0].id == next);  // newest first
    CHECK(runs[0].status == "running");
    CHECK(runs[1].id == other);
    CHECK(runs[1].status == "running");
    CHECK(runs[2].id == r.run_id);
    CHECK(runs[2].status == "failed");
    CHECK_THAT(runs[2].error.value_or(""), Contains("interrupted"));
    CHECK(r.store->recent_runs(1).size() == 1);
}

TEMPLATE_TEST_CASE("stored_updated answers for more ids than one query may bind", "[store]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    std::vector<IssueRecord> issues;
    for (int i = 1; i <= 1100; ++i) issues.push_back(issue(i, "ABC-" + std::to_string(i), at(i % 60), "s"));
    r.store->commit_page(r.page(issues));

    std::vector<std::int64_t> ids;
    for (int i = 1; i <= 1200; ++i) ids.push_back(i);
    const auto stored = r.store->stored_updated(ids);
    CHECK(stored.size() == 1100);
    CHECK(stored.at(1) == at(1));
    CHECK(stored.at(1100) == at(1100 % 60));
    CHECK(stored.count(1101) == 0);
    CHECK(r.store->stored_updated({}).empty());
}

TEMPLATE_TEST_CASE("the site's field list is replaced as a whole", "[store]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    const JiraField points{"customfield_10016",
                           "customfield_10016",
                           "Story Points",
                           true,
                           "number",
                           std::nullopt,
                           "com.atlassian.jira.plugin.system.customfieldtypes:float"};
    const JiraField summary{"summary", "summary", "Summary", false, "string", std::nullopt, std::nullopt};
    r.store->replace_jira_fields({summary, points});
    CHECK(r.store->jira_fields() == std::vector<JiraField>{points, summary});  // ordered by id
    r.store->replace_jira_fields({summary});
    CHECK(r.store->jira_fields() == std::vector<JiraField>{summary});
}

TEMPLATE_TEST_CASE("a second run lock on the same scope is refused while the first is held", "[store][lock]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    auto first_store = backend.open();
    auto second_store = backend.open();
    {
        auto lock = first_store->acquire_lock(kScope);
        REQUIRE(lock);
        try {
            second_store->acquire_lock(kScope);
            FAIL("the second lock was granted");
        } catch (const LockedError& e) {
            CHECK(e.exit_code() == ExitCode::locked);
            CHECK_THAT(e.what(), Contains("pid " + std::to_string(::getpid())) &&
                                     Contains("nothing was done") && Contains(first_store->describe()));
        }
        CHECK_THROWS_AS(first_store->acquire_lock(kScope), LockedError);
        CHECK(second_store->acquire_lock("another scope"));  // scopes do not block each other
    }
    CHECK(second_store->acquire_lock(kScope));
}

TEMPLATE_TEST_CASE("a run lock dies with a process killed by SIGKILL", "[store][lock]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    int ready[2];
    REQUIRE(::pipe(ready) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        // Never return into the test runner from here.
        ::close(ready[0]);
        try {
            auto store = backend.open();
            auto lock = store->acquire_lock(kScope);
            const char ok = 'L';
            if (::write(ready[1], &ok, 1) != 1) ::_exit(2);
            for (;;) ::pause();
        } catch (...) {
            ::_exit(3);
        }
    }
    ::close(ready[1]);
    char got = 0;
    const bool locked = ::read(ready[0], &got, 1) == 1 && got == 'L';
    ::close(ready[0]);
    if (!locked) {
        ::kill(child, SIGKILL);
        ::waitpid(child, nullptr, 0);
        FAIL("the child could not take the lock");
    }

    auto store = backend.open();
    CHECK_THROWS_WITH(store->acquire_lock(kScope), Contains("pid " + std::to_string(child)));
    REQUIRE(::kill(child, SIGKILL) == 0);
    int status = 0;
    REQUIRE(::waitpid(child, &status, 0) == child);
    CHECK(WIFSIGNALED(status));
    // The kernel closes the dead process's files and sockets at once, but a server notices the closed
    // connection asynchronously: allow it a moment, far less than any scheduler's interval.
    std::unique_ptr<RunLock> after;
    for (int attempt = 0; attempt < 50 && !after; ++attempt) {
        try {
            after = store->acquire_lock(kScope);
        } catch (const LockedError&) {
            std::this_thread::sleep_for(100ms);
        }
    }
    CHECK(after);
}
