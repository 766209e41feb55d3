// Store contract of the entity rows that ride a page (PageCommit::entities, ::entity_state) and of the entity
// queries (load_entity_state, sprints_to_refresh, known_issue_ids, users.email), one body per behaviour over
// every backend (tests/support/store_backends.hpp). The rules are the "Store semantics" of issue 8
// (store.hpp, EntityRows). Test names must not contain ';' (see test_store_contract.cpp).

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <thread>

#include "support/store_backends.hpp"
#include "util/errors.hpp"

using namespace j2s;

namespace {

const std::string kScope = "https://example.atlassian.net|cloud|project = ENT";

Timestamp at(int minutes) {
    return Timestamp{std::chrono::sys_days{std::chrono::year{2024} / 3 / 5}.time_since_epoch()} +
           std::chrono::minutes(minutes);
}

// How the store writes at(minutes) (both backends read back in this form).
std::string stored(int minutes) {
    const int h = minutes / 60, m = minutes % 60;
    char buf[48];
    std::snprintf(buf, sizeof buf, "2024-03-05T%02d:%02d:00.000Z", h, m);
    return buf;
}

const std::vector<ColumnDef> kColumns{{"summary", ColumnType::text}};

IssueRecord issue(std::int64_t id) {
    IssueRecord r;
    r.id = id;
    r.key = "ENT-" + std::to_string(id);
    r.project_key = "ENT";
    r.created = at(0);
    r.updated = at(1);
    r.mapped = {SqlValue{std::string("s")}};
    r.raw_json = R"({"id":")" + std::to_string(id) + R"("})";
    return r;
}

CommentRecord comment(std::int64_t id, std::int64_t issue_id, int updated, const std::string& body) {
    CommentRecord c;
    c.id = id;
    c.issue_id = issue_id;
    c.author_id = "acc-author";
    c.update_author_id = "acc-editor";
    c.created = at(2);
    c.updated = at(updated);
    c.body_text = body;
    c.raw_json = R"({"id":")" + std::to_string(id) + R"(","body":")" + body + R"(","updated":)" +
                 std::to_string(updated) + "}";
    return c;
}

WorklogRecord worklog(std::int64_t id, std::int64_t issue_id, int updated, std::int64_t seconds) {
    WorklogRecord w;
    w.id = id;
    w.issue_id = issue_id;
    w.author_id = "acc-author";
    w.started = at(3);
    w.time_spent_seconds = seconds;
    w.comment_text = "worked " + std::to_string(seconds);
    w.created = at(3);
    w.updated = at(updated);
    w.raw_json = R"({"id":")" + std::to_string(id) + R"(","timeSpentSeconds":)" + std::to_string(seconds) +
                 R"(,"updated":)" + std::to_string(updated) + "}";
    return w;
}

// `seen_from` stands for the issue that carried the link: the raw JSON differs between the two endpoints.
IssueLinkRecord link(std::int64_t id, std::int64_t source, std::int64_t target, std::int64_t seen_from) {
    IssueLinkRecord l;
    l.id = id;
    l.type_id = "10000";
    l.type_name = "Blocks";
    l.outward_text = "blocks";
    l.inward_text = "is blocked by";
    l.source_issue_id = source;
    l.target_issue_id = target;
    l.source_issue_key = "ENT-" + std::to_string(source);
    l.target_issue_key = "ENT-" + std::to_string(target);
    l.raw_json = R"({"id":")" + std::to_string(id) + R"(",")" + (seen_from == source ? "outwardIssue" : "inwardIssue") +
                 R"(":{"id":")" + std::to_string(seen_from == source ? target : source) + R"("}})";
    return l;
}

SprintRecord sprint(std::int64_t id, const std::optional<std::string>& state) {
    SprintRecord s;
    s.id = id;
    s.name = "Sprint " + std::to_string(id);
    s.state = state;
    s.board_id = 7;
    s.goal = "ship it";
    s.start_date = at(60);
    s.end_date = at(120);
    if (state == std::optional<std::string>("closed")) s.complete_date = at(119);
    s.raw_json = R"({"id":)" + std::to_string(id) + R"(,"state":")" + state.value_or("") + R"("})";
    return s;
}

IssueSprintRecord in_field(std::int64_t issue_id, std::int64_t sprint_id) {
    return IssueSprintRecord{issue_id, sprint_id, true, std::nullopt, std::nullopt};
}

IssueSprintRecord from_changelog(std::int64_t issue_id, std::int64_t sprint_id, std::optional<int> added,
                                 std::optional<int> removed) {
    IssueSprintRecord r{issue_id, sprint_id, false, std::nullopt, std::nullopt};
    if (added) r.added_at = at(*added);
    if (removed) r.removed_at = at(*removed);
    return r;
}

// synced_at has millisecond resolution: wait so that a rewrite would show.
void let_the_clock_move() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

// A migrated store with a running run; pages carry entity rows and no issues unless given.
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
    PageCommit page(EntityRows rows, std::vector<IssueRecord> issues = {}) const {
        PageCommit p;
        p.run_id = run_id;
        p.scope_key = kScope;
        p.issues = std::move(issues);
        p.checkpoint_json = R"({"page":1})";
        p.entities = std::move(rows);
        return p;
    }
    EntityRowsWritten commit(EntityRows rows) { return store->commit_page(page(std::move(rows))).entities; }
    std::string text(const std::string& sql) const { return backend.scalar(sql).value_or("NULL"); }
};

EntityRows comments(std::vector<CommentRecord> rows, std::vector<std::int64_t> complete_for = {}) {
    EntityRows e;
    e.comments = std::move(rows);
    e.comments_complete_for = std::move(complete_for);
    return e;
}

EntityRows worklogs(std::vector<WorklogRecord> rows, std::vector<std::int64_t> complete_for = {},
                    std::vector<std::int64_t> deleted = {}) {
    EntityRows e;
    e.worklogs = std::move(rows);
    e.worklogs_complete_for = std::move(complete_for);
    e.worklogs_deleted = std::move(deleted);
    return e;
}

EntityRows links(std::vector<IssueLinkRecord> rows, std::vector<std::int64_t> complete_for = {}) {
    EntityRows e;
    e.links = std::move(rows);
    e.links_complete_for = std::move(complete_for);
    return e;
}

EntityRows memberships(std::vector<IssueSprintRecord> rows, std::vector<std::int64_t> complete_for = {}) {
    EntityRows e;
    e.issue_sprints = std::move(rows);
    e.sprints_complete_for = std::move(complete_for);
    return e;
}

}  // namespace

TEMPLATE_TEST_CASE("entity rows: comments upsert by updated, never older, restored when they come back",
                   "[store][entities]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;

    auto w = r.commit(comments({comment(1, 10, 10, "first"), comment(2, 10, 10, "second")}));
    CHECK(w.comments == 2);
    CHECK(w.soft_deleted == 0);
    CHECK(r.text("SELECT issue_id FROM comments WHERE id = 1") == "10");
    CHECK(r.text("SELECT author_id || '|' || update_author_id || '|' || body_text FROM comments WHERE id = 1") ==
          "acc-author|acc-editor|first");
    CHECK(r.text("SELECT created FROM comments WHERE id = 1") == stored(2));
    CHECK(r.text("SELECT updated FROM comments WHERE id = 1") == stored(10));
    CHECK(r.text("SELECT count(*) FROM comments WHERE deleted_at IS NULL AND synced_at IS NOT NULL") == "2");
    const auto synced = r.text("SELECT synced_at FROM comments WHERE id = 1");

    // The same copy again: untouched, synced_at stays.
    let_the_clock_move();
    CHECK(r.commit(comments({comment(1, 10, 10, "first")})).comments == 0);
    CHECK(r.text("SELECT synced_at FROM comments WHERE id = 1") == synced);

    // An older copy never overwrites.
    CHECK(r.commit(comments({comment(1, 10, 5, "stale")})).comments == 0);
    CHECK(r.text("SELECT body_text FROM comments WHERE id = 1") == "first");
    CHECK(r.text("SELECT updated FROM comments WHERE id = 1") == stored(10));

    // As new with another content (Jira edits within the same millisecond happen): rewritten.
    CHECK(r.commit(comments({comment(1, 10, 10, "same time, new text")})).comments == 1);
    CHECK(r.text("SELECT body_text FROM comments WHERE id = 1") == "same time, new text");

    // Newer: rewritten, every column and synced_at.
    const auto synced_before_edit = r.text("SELECT synced_at FROM comments WHERE id = 1");
    let_the_clock_move();
    auto edited = comment(1, 10, 20, "edited");
    edited.update_author_id = std::nullopt;
    edited.body_text = std::nullopt;
    CHECK(r.commit(comments({edited})).comments == 1);
    CHECK(r.text("SELECT updated FROM comments WHERE id = 1") == stored(20));
    CHECK(r.text("SELECT update_author_id FROM comments WHERE id = 1") == "NULL");
    CHECK(r.text("SELECT body_text FROM comments WHERE id = 1") == "NULL");
    CHECK(r.text("SELECT synced_at FROM comments WHERE id = 1") != synced_before_edit);

    // Soft-deleted, then back with the very same copy: restored.
    r.backend.exec("UPDATE comments SET deleted_at = synced_at WHERE id = 2");
    CHECK(r.commit(comments({comment(2, 10, 10, "second")})).comments == 1);
    CHECK(r.text("SELECT deleted_at FROM comments WHERE id = 2") == "NULL");

    // An older copy does not bring a deleted row back.
    r.backend.exec("UPDATE comments SET deleted_at = synced_at WHERE id = 2");
    CHECK(r.commit(comments({comment(2, 10, 4, "second")})).comments == 0);
    CHECK(r.text("SELECT count(*) FROM comments WHERE id = 2 AND deleted_at IS NOT NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM comments") == "2");
}

TEMPLATE_TEST_CASE("entity rows: a complete comment set soft-deletes only that issue's missing comments",
                   "[store][entities]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    r.commit(comments({comment(1, 10, 10, "a"), comment(2, 10, 10, "b"), comment(3, 11, 10, "c")}));

    // Rows without complete_for only upsert: nothing goes.
    CHECK(r.commit(comments({comment(2, 10, 10, "b")})).soft_deleted == 0);
    CHECK(r.text("SELECT count(*) FROM comments WHERE deleted_at IS NULL") == "3");

    auto w = r.commit(comments({comment(2, 10, 10, "b")}, {10}));
    CHECK(w.soft_deleted == 1);
    CHECK(w.comments == 0);
    CHECK(r.text("SELECT count(*) FROM comments WHERE id = 1 AND deleted_at IS NOT NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM comments WHERE id = 2 AND deleted_at IS NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM comments WHERE id = 3 AND deleted_at IS NULL") == "1");  // issue 11
    CHECK(r.text("SELECT body_text FROM comments WHERE id = 1") == "a");  // the row and its data stay
    const auto deleted_at = r.text("SELECT deleted_at FROM comments WHERE id = 1");

    // Already deleted: neither counted nor re-stamped. An issue whose complete set is empty loses all.
    let_the_clock_move();
    w = r.commit(comments({}, {10, 11}));
    CHECK(w.soft_deleted == 2);
    CHECK(r.text("SELECT deleted_at FROM comments WHERE id = 1") == deleted_at);
    CHECK(r.text("SELECT count(*) FROM comments WHERE deleted_at IS NULL") == "0");
}

TEMPLATE_TEST_CASE("entity rows: worklogs upsert by updated, complete sets and reported deletions soft-delete",
                   "[store][entities]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;

    auto w = r.commit(worklogs({worklog(1, 10, 10, 600), worklog(2, 10, 10, 60), worklog(3, 11, 10, 30)}));
    CHECK(w.worklogs == 3);
    CHECK(r.text("SELECT issue_id FROM worklogs WHERE id = 1") == "10");
    CHECK(r.text("SELECT time_spent_seconds FROM worklogs WHERE id = 1") == "600");
    CHECK(r.text("SELECT started FROM worklogs WHERE id = 1") == stored(3));
    CHECK(r.text("SELECT comment_text FROM worklogs WHERE id = 1") == "worked 600");
    CHECK(r.text("SELECT update_author_id FROM worklogs WHERE id = 1") == "NULL");
    const auto synced = r.text("SELECT synced_at FROM worklogs WHERE id = 1");

    let_the_clock_move();
    CHECK(r.commit(worklogs({worklog(1, 10, 10, 600)})).worklogs == 0);
    CHECK(r.text("SELECT synced_at FROM worklogs WHERE id = 1") == synced);
    CHECK(r.commit(worklogs({worklog(1, 10, 5, 1)})).worklogs == 0);
    CHECK(r.text("SELECT time_spent_seconds FROM worklogs WHERE id = 1") == "600");
    CHECK(r.commit(worklogs({worklog(1, 10, 10, 900)})).worklogs == 1);
    CHECK(r.commit(worklogs({worklog(1, 10, 30, 1200)})).worklogs == 1);
    CHECK(r.text("SELECT time_spent_seconds FROM worklogs WHERE id = 1") == "1200");
    CHECK(r.text("SELECT updated FROM worklogs WHERE id = 1") == stored(30));

    // Issue 10's complete set lacks worklog 2; issue 11's worklog stays.
    w = r.commit(worklogs({worklog(1, 10, 30, 1200)}, {10}));
    CHECK(w.soft_deleted == 1);
    CHECK(w.worklogs == 0);
    CHECK(r.text("SELECT count(*) FROM worklogs WHERE id = 2 AND deleted_at IS NOT NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM worklogs WHERE deleted_at IS NULL") == "2");

    // Back with the same copy: restored.
    CHECK(r.commit(worklogs({worklog(2, 10, 10, 60)})).worklogs == 1);
    CHECK(r.text("SELECT deleted_at FROM worklogs WHERE id = 2") == "NULL");

    // Reported deleted: the live one goes; an unknown id creates nothing; a deleted one is not counted again.
    w = r.commit(worklogs({}, {}, {3, 999}));
    CHECK(w.soft_deleted == 1);
    CHECK(r.text("SELECT count(*) FROM worklogs WHERE id = 3 AND deleted_at IS NOT NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM worklogs") == "3");
    CHECK(r.commit(worklogs({}, {}, {3})).soft_deleted == 0);
    CHECK(r.text("SELECT count(*) FROM worklogs WHERE deleted_at IS NULL") == "2");
}

TEMPLATE_TEST_CASE("entity rows: links upsert when a column changes, a complete set of either endpoint soft-deletes",
                   "[store][entities]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;

    // 10 blocks 11, 12 blocks 10, 12 blocks 13.
    auto w = r.commit(links({link(100, 10, 11, 10), link(101, 12, 10, 10), link(102, 12, 13, 12)}));
    CHECK(w.links == 3);
    CHECK(r.text("SELECT type_id || '|' || type_name || '|' || outward_text || '|' || inward_text FROM issue_links "
                 "WHERE id = 100") == "10000|Blocks|blocks|is blocked by");
    CHECK(r.text("SELECT source_issue_id FROM issue_links WHERE id = 100") == "10");
    CHECK(r.text("SELECT target_issue_id FROM issue_links WHERE id = 100") == "11");
    CHECK(r.text("SELECT source_issue_key || '>' || target_issue_key FROM issue_links WHERE id = 100") ==
          "ENT-10>ENT-11");
    const auto synced = r.text("SELECT synced_at FROM issue_links WHERE id = 100");

    let_the_clock_move();
    CHECK(r.commit(links({link(100, 10, 11, 10)})).links == 0);
    CHECK(r.text("SELECT synced_at FROM issue_links WHERE id = 100") == synced);
    // Seen from the other endpoint: its raw differs but the link is the same, so the row is not rewritten (or
    // every sync of either issue would count and rewrite it).
    CHECK(r.commit(links({link(100, 10, 11, 11)})).links == 0);
    CHECK(r.text("SELECT synced_at FROM issue_links WHERE id = 100") == synced);
    // A typed column changed (the target issue moved to another key): rewritten.
    auto moved = link(100, 10, 11, 11);
    moved.target_issue_key = "NEW-1";
    CHECK(r.commit(links({moved})).links == 1);
    CHECK(r.text("SELECT target_issue_key FROM issue_links WHERE id = 100") == "NEW-1");

    // Issue 10's complete links lack 101, where 10 is the target; 102 does not touch 10.
    w = r.commit(links({link(100, 10, 11, 10)}, {10}));
    CHECK(w.soft_deleted == 1);
    CHECK(r.text("SELECT count(*) FROM issue_links WHERE id = 101 AND deleted_at IS NOT NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM issue_links WHERE deleted_at IS NULL") == "2");

    // Issue 12 now shows no links: 102, where 12 is the source, goes; 101 is already gone.
    w = r.commit(links({}, {12}));
    CHECK(w.soft_deleted == 1);
    CHECK(r.text("SELECT count(*) FROM issue_links WHERE id = 102 AND deleted_at IS NOT NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM issue_links WHERE id = 100 AND deleted_at IS NULL") == "1");

    // A link on a complete set of one endpoint is kept by it even when listed under the other.
    w = r.commit(links({link(100, 10, 11, 10)}, {11}));
    CHECK(w.soft_deleted == 0);

    // Back with the same copy: restored.
    CHECK(r.commit(links({link(101, 12, 10, 10)})).links == 1);
    CHECK(r.text("SELECT deleted_at FROM issue_links WHERE id = 101") == "NULL");
}

TEMPLATE_TEST_CASE("entity rows: sprints upsert when their details change, not their JSON shape", "[store][entities]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    EntityRows e;
    e.sprints = {sprint(1, "active"), sprint(2, std::nullopt)};
    CHECK(r.commit(e).sprints == 2);
    CHECK(r.text("SELECT name || '|' || state || '|' || goal FROM sprints WHERE id = 1") == "Sprint 1|active|ship it");
    CHECK(r.text("SELECT board_id FROM sprints WHERE id = 1") == "7");
    CHECK(r.text("SELECT start_date FROM sprints WHERE id = 1") == stored(60));
    CHECK(r.text("SELECT end_date FROM sprints WHERE id = 1") == stored(120));
    CHECK(r.text("SELECT complete_date FROM sprints WHERE id = 1") == "NULL");
    CHECK(r.text("SELECT state FROM sprints WHERE id = 2") == "NULL");
    const auto synced = r.text("SELECT synced_at FROM sprints WHERE id = 1");

    let_the_clock_move();
    CHECK(r.commit(e).sprints == 0);
    CHECK(r.text("SELECT synced_at FROM sprints WHERE id = 1") == synced);

    // The same sprint as the agile API shows it (originBoardId, self) after the Sprint field's copy: the
    // details are equal, so each run alternating the two sources does not rewrite the row.
    EntityRows agile = e;
    agile.sprints[0].raw_json = R"({"id":1,"self":"https://x/rest/agile/1.0/sprint/1","originBoardId":7})";
    CHECK(r.commit(agile).sprints == 0);
    CHECK(r.text("SELECT synced_at FROM sprints WHERE id = 1") == synced);

    e.sprints = {sprint(1, "closed")};
    CHECK(r.commit(e).sprints == 1);
    CHECK(r.text("SELECT state FROM sprints WHERE id = 1") == "closed");
    CHECK(r.text("SELECT complete_date FROM sprints WHERE id = 1") == stored(119));
    CHECK(r.text("SELECT count(*) FROM sprints") == "2");
}

TEMPLATE_TEST_CASE("entity rows: issue_sprints from the field and the changelog", "[store][entities]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    const auto row = [&](int issue_id, int sprint_id, const char* column) {
        return r.text(std::string("SELECT ") + column + " FROM issue_sprints WHERE issue_id = " +
                      std::to_string(issue_id) + " AND sprint_id = " + std::to_string(sprint_id));
    };

    CHECK(r.commit(memberships({in_field(10, 1), in_field(10, 2), in_field(11, 1)})).issue_sprints == 3);
    CHECK(row(10, 1, "in_field") == "1");
    CHECK(row(10, 1, "added_at") == "NULL");
    CHECK(row(10, 1, "removed_at") == "NULL");

    // A changelog row for a sprint not in the field: inserted, not in the field.
    CHECK(r.commit(memberships({from_changelog(10, 3, 5, std::nullopt)})).issue_sprints == 1);
    CHECK(row(10, 3, "in_field") == "0");
    CHECK(row(10, 3, "added_at") == stored(5));

    // Changelog dates on a field row: set, in_field kept.
    CHECK(r.commit(memberships({from_changelog(10, 1, 7, 8)})).issue_sprints == 1);
    CHECK(row(10, 1, "in_field") == "1");
    CHECK(row(10, 1, "added_at") == stored(7));
    CHECK(row(10, 1, "removed_at") == stored(8));

    // Each date keeps the later one; a missing date leaves the stored one.
    const auto synced = row(10, 1, "synced_at");
    let_the_clock_move();
    CHECK(r.commit(memberships({from_changelog(10, 1, 6, std::nullopt)})).issue_sprints == 0);
    CHECK(row(10, 1, "added_at") == stored(7));
    CHECK(row(10, 1, "removed_at") == stored(8));
    CHECK(row(10, 1, "synced_at") == synced);
    CHECK(r.commit(memberships({from_changelog(10, 1, 9, 4)})).issue_sprints == 1);
    CHECK(row(10, 1, "added_at") == stored(9));
    CHECK(row(10, 1, "removed_at") == stored(8));
    CHECK(r.commit(memberships({from_changelog(10, 1, std::nullopt, 12)})).issue_sprints == 1);
    CHECK(row(10, 1, "added_at") == stored(9));
    CHECK(row(10, 1, "removed_at") == stored(12));
    CHECK(r.commit(memberships({from_changelog(10, 1, 3, 13)})).issue_sprints == 1);
    CHECK(row(10, 1, "added_at") == stored(9));
    CHECK(row(10, 1, "removed_at") == stored(13));

    // Already in the field: nothing to write.
    CHECK(r.commit(memberships({in_field(10, 1)})).issue_sprints == 0);

    // Issue 10's field now holds only sprint 2: sprint 1 leaves it (dates kept), 3 was never in it, and issue
    // 11's row is another issue's.
    CHECK(r.commit(memberships({in_field(10, 2)}, {10})).issue_sprints == 1);
    CHECK(row(10, 1, "in_field") == "0");
    CHECK(row(10, 1, "added_at") == stored(9));
    CHECK(row(10, 2, "in_field") == "1");
    CHECK(row(10, 3, "in_field") == "0");
    CHECK(row(11, 1, "in_field") == "1");

    // A changelog row does not count as the field: with an empty field, sprint 2 leaves too.
    r.commit(memberships({from_changelog(10, 2, 1, std::nullopt)}, {10}));
    CHECK(row(10, 2, "in_field") == "0");
    CHECK(row(10, 2, "added_at") == stored(1));

    // Back in the field.
    CHECK(r.commit(memberships({in_field(10, 1)})).issue_sprints == 1);
    CHECK(row(10, 1, "in_field") == "1");
    CHECK(r.text("SELECT count(*) FROM issue_sprints") == "4");
}

TEMPLATE_TEST_CASE("entity state is saved with its page and read back per scope and entity", "[store][entities]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    CHECK_FALSE(r.store->load_entity_state(kScope, "worklogs"));

    auto p = r.page({});
    p.entity_state = PageCommit::EntityState{"worklogs", R"({"updated_since": 1709596800000, "deleted_since": 5})"};
    r.store->commit_page(p);
    const auto state = r.store->load_entity_state(kScope, "worklogs");
    REQUIRE(state);
    CHECK(nlohmann::json::parse(*state) == nlohmann::json{{"updated_since", 1709596800000}, {"deleted_since", 5}});
    CHECK(r.text("SELECT count(*) FROM entity_state WHERE updated_at IS NOT NULL") == "1");
    CHECK_FALSE(r.store->load_entity_state(kScope, "comments"));
    CHECK_FALSE(r.store->load_entity_state("another scope", "worklogs"));

    // A page without a state leaves it; a later one replaces it.
    r.store->commit_page(r.page({}));
    CHECK(nlohmann::json::parse(r.store->load_entity_state(kScope, "worklogs").value())["deleted_since"] == 5);
    p.entity_state->state_json = R"({"updated_since":2,"deleted_since":3})";
    r.store->commit_page(p);
    CHECK(nlohmann::json::parse(r.store->load_entity_state(kScope, "worklogs").value()) ==
          nlohmann::json{{"updated_since", 2}, {"deleted_since", 3}});
    CHECK(r.text("SELECT count(*) FROM entity_state") == "1");

    // Another connection sees the committed state.
    CHECK(r.backend.open()->load_entity_state(kScope, "worklogs").has_value());
}

TEMPLATE_TEST_CASE("a failed page leaves neither its entity rows nor its entity state", "[store][entities]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    EntityRows before;
    before.comments = {comment(1, 10, 10, "kept")};
    before.worklogs = {worklog(1, 10, 10, 60), worklog(2, 10, 10, 60)};
    before.links = {link(100, 10, 11, 10)};
    before.issue_sprints = {in_field(10, 1)};
    auto first = r.page(before, {issue(10)});
    first.entity_state = PageCommit::EntityState{"worklogs", R"({"updated_since":1})"};
    r.store->commit_page(first);

    // Every kind of write: new rows, rewrites, complete sets, reported deletions, a new state.
    EntityRows all;
    all.comments = {comment(1, 10, 20, "rewritten"), comment(2, 10, 20, "new")};
    all.comments_complete_for = {10};
    all.worklogs = {worklog(3, 10, 20, 60)};
    all.worklogs_complete_for = {10};
    all.worklogs_deleted = {1};
    all.links = {link(101, 10, 12, 10)};
    all.links_complete_for = {10};
    all.sprints = {sprint(1, "active")};
    all.issue_sprints = {in_field(10, 2)};
    all.sprints_complete_for = {10};
    const auto check_nothing_changed = [&] {
        CHECK(r.text("SELECT body_text FROM comments WHERE id = 1") == "kept");
        CHECK(r.text("SELECT count(*) FROM comments") == "1");
        CHECK(r.text("SELECT count(*) FROM worklogs WHERE deleted_at IS NULL") == "2");
        CHECK(r.text("SELECT count(*) FROM worklogs") == "2");
        CHECK(r.text("SELECT count(*) FROM issue_links WHERE deleted_at IS NULL") == "1");
        CHECK(r.text("SELECT count(*) FROM issue_links") == "1");
        CHECK(r.text("SELECT count(*) FROM sprints") == "0");
        CHECK(r.text("SELECT count(*) FROM issue_sprints WHERE in_field") == "1");
        CHECK(r.text("SELECT count(*) FROM issue_sprints") == "1");
        CHECK(r.store->counts().issues == 1);
        CHECK(nlohmann::json::parse(r.store->load_entity_state(kScope, "worklogs").value()) ==
              nlohmann::json{{"updated_since", 1}});
        CHECK(r.store->load_scope_state(kScope).checkpoint_json == std::optional<std::string>(R"({"page":1})"));
    };

    // The run row is missing: the failure comes after every entity write, which must roll back with it.
    auto orphan = r.page(all, {issue(20)});
    orphan.checkpoint_json = R"({"page":2})";
    orphan.run_id = r.run_id + 1000;
    orphan.entity_state = PageCommit::EntityState{"worklogs", R"({"updated_since":2})"};
    CHECK_THROWS_AS(r.store->commit_page(orphan), StoreError);
    check_nothing_changed();

    // A state that is not JSON is refused, with the rows of its page.
    auto bad_state = orphan;
    bad_state.run_id = r.run_id;
    bad_state.entity_state->state_json = "not json";
    CHECK_THROWS_AS(r.store->commit_page(bad_state), StoreError);
    check_nothing_changed();

    // The store is still usable, and the same page commits as a whole.
    auto good = bad_state;
    good.entity_state->state_json = R"({"updated_since":2})";
    const auto w = r.store->commit_page(good).entities;
    CHECK(w.comments == 2);
    CHECK(w.worklogs == 1);
    CHECK(w.links == 1);
    CHECK(w.sprints == 1);
    CHECK(w.issue_sprints == 2);  // (10,2) into the field, (10,1) out of it
    CHECK(w.soft_deleted == 3);   // worklogs 1 and 2 (complete set, 1 also reported), link 100
    CHECK(nlohmann::json::parse(r.store->load_entity_state(kScope, "worklogs").value()) ==
          nlohmann::json{{"updated_since", 2}});
    CHECK(r.store->load_scope_state(kScope).checkpoint_json == std::optional<std::string>(R"({"page":2})"));
}

TEMPLATE_TEST_CASE("a page without entity rows does not touch the entity tables", "[store][entities]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    // With the tables out of reach, any statement about them (even one only prepared) fails the page.
    for (const char* table : {"comments", "worklogs", "issue_links", "sprints", "issue_sprints", "entity_state"})
        r.backend.exec(std::string("ALTER TABLE ") + table + " RENAME TO " + table + "_away");
    const auto result = r.store->commit_page(r.page({}, {issue(10)}));
    CHECK(result.issues_written == 1);
    CHECK(result.entities.comments == 0);
    // ... as a page with entity rows shows.
    CHECK_THROWS_AS(r.commit(comments({comment(1, 10, 10, "x")})), StoreError);
    CHECK(r.store->commit_page(r.page({}, {issue(11)})).issues_written == 1);
}

TEMPLATE_TEST_CASE("the soft delete of an issue leaves its entity rows", "[store][entities]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    EntityRows e;
    e.comments = {comment(1, 10, 10, "c")};
    e.worklogs = {worklog(1, 10, 10, 60)};
    e.links = {link(100, 10, 11, 10)};
    e.issue_sprints = {in_field(10, 1)};
    r.store->commit_page(r.page(e, {issue(10)}));
    ReconcileChanges gone;
    gone.deleted_at = at(30);
    gone.deleted = {10};
    REQUIRE(r.store->apply_reconciliation(gone).deleted == 1);
    CHECK(r.text("SELECT count(*) FROM comments WHERE deleted_at IS NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM worklogs WHERE deleted_at IS NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM issue_links WHERE deleted_at IS NULL") == "1");
    CHECK(r.text("SELECT count(*) FROM issue_sprints") == "1");
}

TEMPLATE_TEST_CASE("sprints_to_refresh lists open, unknown-state and never-fetched sprints", "[store][entities]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    CHECK(r.store->sprints_to_refresh().empty());
    EntityRows e;
    e.sprints = {sprint(1, "closed"), sprint(2, "active"), sprint(3, std::nullopt), sprint(4, "future")};
    // 1 and 2 are stored; 7 (twice) and 5 are named by memberships only.
    e.issue_sprints = {in_field(10, 1), in_field(10, 2), in_field(10, 7), in_field(11, 7),
                       from_changelog(11, 5, 3, std::nullopt)};
    r.commit(e);
    CHECK(r.store->sprints_to_refresh() == std::vector<std::int64_t>{2, 3, 4, 5, 7});

    EntityRows closing;
    closing.sprints = {sprint(2, "closed"), sprint(7, "closed")};
    r.commit(closing);
    CHECK(r.store->sprints_to_refresh() == std::vector<std::int64_t>{3, 4, 5});
}

TEMPLATE_TEST_CASE("known_issue_ids answers which ids are stored issues, live or not", "[store][entities]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    Ready<TestType> r;
    CHECK(r.store->known_issue_ids({1, 2}).empty());
    std::vector<IssueRecord> issues;
    for (int id = 1; id <= 600; ++id) issues.push_back(issue(id));
    r.store->commit_page(r.page({}, issues));
    r.backend.exec("UPDATE issues SET deleted_at = synced_at, deleted_reason = 'deleted' WHERE id = 2");

    CHECK(r.store->known_issue_ids({3, 999, 1, 2, 3}) == std::vector<std::int64_t>{1, 2, 3});
    // More ids than one query may bind, in descending order: the answer is still ascending and whole.
    std::vector<std::int64_t> many;
    for (std::int64_t id = 1200; id >= 1; --id) many.push_back(id);
    const auto known = r.store->known_issue_ids(many);
    REQUIRE(known.size() == 600);
    CHECK(known.front() == 1);
    CHECK(known.back() == 600);
    CHECK(std::is_sorted(known.begin(), known.end()));
    CHECK(r.store->known_issue_ids({}).empty());
}

TEMPLATE_TEST_CASE("store_users writes the email column when the record has one", "[store][entities]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    auto store = backend.open();
    store->migrate();
    UserRecord ann;
    ann.id = "acc-1";
    ann.display_name = "Ann";
    ann.email = "ann@example.com";
    ann.raw_json = R"({"accountId":"acc-1","emailAddress":"ann@example.com"})";
    UserRecord bob;
    bob.id = "acc-2";
    bob.display_name = "Bob";
    bob.raw_json = R"({"accountId":"acc-2"})";
    CHECK(store->store_users({ann, bob}).written == 2);
    CHECK(backend.scalar("SELECT email FROM users WHERE id = 'acc-1'") == std::optional<std::string>("ann@example.com"));
    CHECK_FALSE(backend.scalar("SELECT email FROM users WHERE id = 'acc-2'"));
    const auto synced = backend.scalar("SELECT synced_at FROM users WHERE id = 'acc-2'");

    // The mapping switches to sha256 for Bob's address: raw stays (it never carries a hashed address), the
    // email column changes.
    let_the_clock_move();
    bob.email = "5ff860bf1190596c7188ab851db691f0f3169c453936e9e1eba2f9a47f7a0018";
    CHECK(store->store_users({ann, bob}).written == 1);
    CHECK(backend.scalar("SELECT email FROM users WHERE id = 'acc-2'") == bob.email);
    CHECK(backend.scalar("SELECT synced_at FROM users WHERE id = 'acc-2'") != synced);
    CHECK(store->store_users({ann, bob}).written == 0);
}
