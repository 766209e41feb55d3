// Store contract of deletion reconciliation (stored_issue_ids, apply_reconciliation) on both backends.
// Test names contain the backend name, so the PostgreSQL instances carry the `postgres` CTest label.

#include <catch2/catch.hpp>

#include "support/store_backends.hpp"

using namespace j2s;

namespace {

Timestamp at(int minutes) {
    return Timestamp{std::chrono::sys_days{std::chrono::year{2024} / 3 / 5}.time_since_epoch()} +
           std::chrono::minutes(minutes);
}

IssueRecord issue(std::int64_t id) {
    IssueRecord r;
    r.id = id;
    r.key = "ABC-" + std::to_string(id);
    r.project_key = "ABC";
    r.created = at(0);
    r.updated = at(1);
    r.mapped = {SqlValue{std::string("s")}};
    r.raw_json = R"({"id":")" + std::to_string(id) + R"("})";
    return r;
}

}  // namespace

TEMPLATE_TEST_CASE("reconciliation soft-deletes and restores rows, keeping them", "[store][reconcile]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    auto store = backend.open();
    store->migrate();
    store->sync_mapped_columns({{"summary", ColumnType::text}});
    const std::string scope = "scope";
    PageCommit page;
    page.run_id = store->start_run(scope, "full", at(0));
    page.scope_key = scope;
    for (std::int64_t id : {30, 10, 20, 40}) page.issues.push_back(issue(id));
    store->commit_page(page);

    auto ids = store->stored_issue_ids();
    CHECK(ids.live == std::vector<std::int64_t>{10, 20, 30, 40});
    CHECK(ids.soft_deleted.empty());

    ReconcileChanges changes;
    changes.deleted_at = at(90);
    changes.deleted = {10, 99};  // 99 is not stored: ignored
    changes.out_of_scope = {30};
    auto applied = store->apply_reconciliation(changes);
    CHECK(applied.deleted == 1);
    CHECK(applied.out_of_scope == 1);
    CHECK(applied.restored == 0);
    CHECK(backend.scalar("SELECT deleted_reason FROM issues WHERE id = 10") == "deleted");
    CHECK(backend.scalar("SELECT deleted_reason FROM issues WHERE id = 30") == "out_of_scope");
    CHECK(backend.scalar("SELECT count(*) FROM issues WHERE deleted_at IS NOT NULL") == "2");
    CHECK(backend.scalar("SELECT count(*) FROM issues") == "4");  // rows stay
    CHECK(backend.scalar("SELECT count(*) FROM issues_live") == "2");
    ids = store->stored_issue_ids();
    CHECK(ids.live == std::vector<std::int64_t>{20, 40});
    CHECK(ids.soft_deleted == std::vector<std::int64_t>{10, 30});

    // Soft-deleting again changes nothing (the first deleted_at stays); restoring clears both columns.
    ReconcileChanges again;
    again.deleted_at = at(200);
    again.deleted = {10};
    again.restored = {30, 20};  // 20 is live: nothing to restore
    applied = store->apply_reconciliation(again);
    CHECK(applied.deleted == 0);
    CHECK(applied.restored == 1);
    CHECK(backend.scalar("SELECT deleted_at FROM issues WHERE id = 10") == format_utc(at(90)));
    CHECK(backend.scalar("SELECT count(*) FROM issues WHERE id = 30 AND deleted_at IS NULL AND deleted_reason IS NULL") ==
          "1");
    CHECK(backend.scalar("SELECT count(*) FROM issues_live") == "3");
}
