// Store contract of the entity tables (store_projects, store_users) on both backends: complete listings
// upsert, unchanged rows are not rewritten, projects missing from a listing are soft-deleted and restored when
// they come back. Test names contain the backend name, so the PostgreSQL instances carry the `postgres` label.

#include <catch2/catch.hpp>

#include <thread>

#include "support/store_backends.hpp"

using namespace j2s;

namespace {

ProjectRecord project(std::int64_t id, const std::string& key, const std::string& name) {
    ProjectRecord p;
    p.id = id;
    p.key = key;
    p.name = name;
    p.project_type = "software";
    p.lead_account_id = "acc-" + key;
    p.raw_json = R"({"id":")" + std::to_string(id) + R"(","key":")" + key + R"(","name":")" + name + R"("})";
    return p;
}

UserRecord user(const std::string& id, const std::string& name, bool active) {
    UserRecord u;
    u.id = id;
    u.display_name = name;
    u.active = active;
    u.time_zone = "Europe/Berlin";
    u.account_type = "atlassian";
    u.raw_json = R"({"accountId":")" + id + R"(","displayName":")" + name + R"(","active":)" +
                 (active ? "true" : "false") + "}";
    return u;
}

// synced_at has millisecond resolution: wait so that a rewrite would show.
void let_the_clock_move() { std::this_thread::sleep_for(std::chrono::milliseconds(20)); }

}  // namespace

TEMPLATE_TEST_CASE("projects follow complete listings: upsert, soft-delete, restore, unchanged rows kept",
                   "[store][entities]", J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    auto store = backend.open();
    store->migrate();

    auto applied = store->store_projects({project(10, "ABC", "Alpha"), project(11, "XYZ", "Xylo")});
    CHECK(applied.written == 2);
    CHECK(applied.soft_deleted == 0);
    CHECK(backend.scalar("SELECT key || '|' || name || '|' || project_type || '|' || lead_account_id FROM projects "
                         "WHERE id = 10") == "ABC|Alpha|software|acc-ABC");
    const auto synced_11 = backend.scalar("SELECT synced_at FROM projects WHERE id = 11");

    // XYZ unchanged (not rewritten), ABC renamed, 12 new; nothing missing.
    let_the_clock_move();
    applied = store->store_projects({project(10, "ABC", "Alpha 2"), project(11, "XYZ", "Xylo"), project(12, "NEW", "New")});
    CHECK(applied.written == 2);
    CHECK(applied.soft_deleted == 0);
    CHECK(backend.scalar("SELECT name FROM projects WHERE id = 10") == "Alpha 2");
    CHECK(backend.scalar("SELECT synced_at FROM projects WHERE id = 11") == synced_11);

    // XYZ gone from a complete listing: soft-deleted, row and raw kept; a second listing without it changes nothing.
    applied = store->store_projects({project(10, "ABC", "Alpha 2"), project(12, "NEW", "New")});
    CHECK(applied.written == 0);
    CHECK(applied.soft_deleted == 1);
    CHECK(backend.scalar("SELECT count(*) FROM projects WHERE deleted_at IS NOT NULL") == "1");
    CHECK(backend.scalar("SELECT key FROM projects WHERE deleted_at IS NOT NULL") == "XYZ");
    const auto deleted_at = backend.scalar("SELECT deleted_at FROM projects WHERE id = 11");
    let_the_clock_move();
    applied = store->store_projects({project(10, "ABC", "Alpha 2"), project(12, "NEW", "New")});
    CHECK(applied.soft_deleted == 0);
    CHECK(backend.scalar("SELECT deleted_at FROM projects WHERE id = 11") == deleted_at);

    // Back with the same raw: restored (deleted_at cleared) although its JSON did not change.
    applied = store->store_projects({project(10, "ABC", "Alpha 2"), project(11, "XYZ", "Xylo"), project(12, "NEW", "New")});
    CHECK(applied.written == 1);
    CHECK(backend.scalar("SELECT count(*) FROM projects WHERE deleted_at IS NULL") == "3");

    // An empty complete listing (no project visible any more) soft-deletes all.
    applied = store->store_projects({});
    CHECK(applied.soft_deleted == 3);
}

TEMPLATE_TEST_CASE("users follow complete listings: upsert, unchanged rows kept, never deleted", "[store][entities]",
                   J2S_STORE_BACKENDS) {
    J2S_REQUIRE_BACKEND(TestType);
    TestType backend;
    auto store = backend.open();
    store->migrate();

    UserRecord bare;  // Server has no accountType; a hidden time zone is absent
    bare.id = "jdoe";
    bare.raw_json = R"({"key":"jdoe"})";
    auto applied = store->store_users({user("acc-1", "Ann", true), user("acc-2", "Bob", true), bare});
    CHECK(applied.written == 3);
    CHECK(backend.scalar("SELECT display_name || '|' || time_zone || '|' || account_type FROM users WHERE id = 'acc-1'") ==
          "Ann|Europe/Berlin|atlassian");
    CHECK(backend.scalar("SELECT active FROM users WHERE id = 'acc-1'") == "1");
    CHECK(backend.scalar("SELECT count(*) FROM users WHERE id = 'jdoe' AND display_name IS NULL AND active IS NULL "
                         "AND account_type IS NULL") == "1");
    const auto synced_1 = backend.scalar("SELECT synced_at FROM users WHERE id = 'acc-1'");

    let_the_clock_move();
    applied = store->store_users({user("acc-1", "Ann", true), user("acc-2", "Bob", false)});
    CHECK(applied.written == 1);  // Bob deactivated; Ann unchanged; jdoe missing is not an event
    CHECK(backend.scalar("SELECT active FROM users WHERE id = 'acc-2'") == "0");
    CHECK(backend.scalar("SELECT synced_at FROM users WHERE id = 'acc-1'") == synced_1);
    CHECK(backend.scalar("SELECT count(*) FROM users") == "3");
}
