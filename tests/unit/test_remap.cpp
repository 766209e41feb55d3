// run_remap against both store backends: keyset batches, on_error semantics, column subsets (refill),
// and the record it leaves in sync_runs. The end-to-end scenarios are in tests/integration/test_remap.cpp.

#include <catch2/catch.hpp>

#include "mapping/mapping.hpp"
#include "support/store_backends.hpp"
#include "sync/remapper.hpp"

using namespace j2s;

namespace {

IssueRecord stored_issue(std::int64_t id, const nlohmann::json& fields, std::size_t mapped) {
    IssueRecord r;
    r.id = id;
    r.key = "ABC-" + std::to_string(id);
    r.project_key = "ABC";
    r.created = *parse_jira_timestamp("2024-01-01T00:00:00.000Z");
    r.updated = r.created;
    r.mapped.assign(mapped, SqlValue{});
    r.raw_json = nlohmann::json{{"id", std::to_string(id)}, {"key", r.key}, {"fields", fields}}.dump();
    return r;
}

}  // namespace

TEMPLATE_TEST_CASE("remap recomputes mapped columns from raw in batches, with on_error semantics", "[remap]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    auto store = backend.open();
    store->migrate();
    Mapping before = Mapping::parse("columns:\n  - name: summary\n    source: fields.summary\n    type: text\n", "m.yaml");
    store->sync_mapped_columns(before.column_defs());
    const auto run = store->start_run("scope", "full", *parse_jira_timestamp("2024-01-01T00:00:00Z"));
    PageCommit page;
    page.run_id = run;
    page.scope_key = "scope";
    for (int i = 1; i <= 25; ++i)
        page.issues.push_back(stored_issue(i, {{"summary", "s" + std::to_string(i)},
                                               {"points", i == 7 ? nlohmann::json("abc") : nlohmann::json(i)},
                                               {"due", i == 9 ? nlohmann::json("never") : nlohmann::json("2024-05-01")}},
                                           1));
    store->commit_page(page);

    // Two columns added: a strict one (dead_letter) and a lenient one (on_error: null).
    Mapping after = Mapping::parse(
        "columns:\n  - name: summary\n    source: fields.summary\n    type: text\n"
        "  - name: points\n    source: fields.points\n    type: integer\n"
        "  - name: due\n    source: fields.due\n    type: date\n    on_error: null\n",
        "m.yaml");
    const auto changes = store->sync_mapped_columns(after.column_defs());
    CHECK(changes.size() == 2);
    CHECK(store->refill_pending_columns() == std::vector<std::string>{"due", "points"});

    RemapOptions options;
    options.all_columns = false;  // the refill of the two new columns only
    options.batch_size = 10;      // three batches
    const RemapSummary s = run_remap(*store, after, "scope", options);
    CHECK(s.ran);
    CHECK(s.status == RunStatus::partial);
    CHECK(s.columns == std::vector<std::string>{"points", "due"});
    CHECK(s.issues_read == 25);
    CHECK(s.counters.issues_upserted == 24);
    CHECK(s.counters.dead_lettered == 1);
    CHECK(backend.scalar("SELECT count(points) FROM issues") == "24");
    // Issue 9's date is NULL (on_error: null), without a dead letter; issue 7 keeps its stored (NULL) values.
    CHECK(backend.scalar("SELECT count(*) FROM issues WHERE due IS NULL AND id = 9 AND points = 9") == "1");
    CHECK(backend.scalar("SELECT count(*) FROM issues WHERE due IS NULL") == "2");
    CHECK(backend.scalar("SELECT issue_key || ' ' || stage FROM dead_letters") == "ABC-7 transform");
    CHECK(backend.scalar("SELECT count(*) FROM sync_runs WHERE mode = 'remap' AND status = 'partial'") == "1");
    CHECK(store->refill_pending_columns().empty());
    CHECK_FALSE(store->load_scope_state(remap_state_key("scope")).checkpoint_json.has_value());

    // Nothing pending: a refill does nothing and records no run.
    CHECK_FALSE(run_remap(*store, after, "scope", options).ran);
    CHECK(backend.scalar("SELECT count(*) FROM sync_runs WHERE mode = 'remap'") == "1");
}
