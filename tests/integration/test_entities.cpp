// End-to-end entities (sync.entities, issue 8): projects and users copied by the real jira2sql from the fake
// Jira process, on SQLite and PostgreSQL. Backfill stores exactly what the site lists, a later run follows an
// added and a removed project, a failing listing leaves the issues' progress intact (run `partial`, exit 3)
// and the next run fills it in, and `entities: []` costs no request. The default entities (projects, users)
// store no comment, worklog, link or sprint and cost no request beyond what issues alone did; users.email follows
// the mapping's `users: {email: ...}` (absent: no e-mail anywhere, sha256: the hash only, text: the address).
// Comments, worklogs, links and sprints: test_entities_issue_rows.cpp and test_entities_recovery.cpp.

#include <catch2/catch.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "entity_site.hpp"
#include "harness.hpp"
#include "table_checks.hpp"
#include "test_target.hpp"
#include "util/sha256.hpp"

using namespace j2s;
using namespace j2s::it;
using nlohmann::json;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

ProcessResult sync(const std::filesystem::path& dir, const std::filesystem::path& config) {
    return run_jira2sql({"--config", config.string(), "sync"}, dir, kEnv);
}

// "id|key|name" of every project the fake has, sorted by id.
std::vector<std::string> fake_projects(FakeJira& fake) {
    std::vector<std::pair<long long, std::string>> rows;
    for (const auto& p : fake.get("/_fake/projects"))
        rows.emplace_back(std::stoll(p["id"].get<std::string>()),
                          p["id"].get<std::string>() + "|" + p["key"].get<std::string>() + "|" + p["name"].get<std::string>());
    std::sort(rows.begin(), rows.end());
    std::vector<std::string> out;
    for (auto& r : rows) out.push_back(r.second);
    return out;
}

// "id|display_name|active" of every user the fake has, sorted by id; id is accountId (cloud) or key (server).
std::vector<std::string> fake_users(FakeJira& fake, bool cloud) {
    std::vector<std::string> out;
    for (const auto& u : fake.get("/_fake/users"))
        out.push_back(u[cloud ? "accountId" : "key"].get<std::string>() + "|" + u["displayName"].get<std::string>() +
                      "|" + (u["active"].get<bool>() ? "1" : "0"));
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> stored_live_projects(const TableReader& db) {
    return db.rows("SELECT id, key, name FROM projects WHERE deleted_at IS NULL ORDER BY id");
}

std::vector<std::string> stored_users(const TableReader& db) {
    auto rows = db.rows("SELECT id, display_name, CASE WHEN active THEN 1 ELSE 0 END FROM users");
    std::sort(rows.begin(), rows.end());
    return rows;
}

const std::string kSyncedAt =
    "SELECT CAST(id AS TEXT), synced_at FROM projects UNION ALL SELECT id, synced_at FROM users ORDER BY 1";

void backfill_and_follow_projects(const std::string& backend, const std::string& flavor) {
    const bool cloud = flavor == "cloud";
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJira fake({.flavor = flavor, .generate = 40}, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const TableReader& db = target->tables();

    auto r = sync(dir.path(), config);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(stored_live_projects(db) == fake_projects(fake));
    CHECK(db.scalar("SELECT count(*) FROM projects WHERE lead_account_id IS NULL OR project_type IS NULL") == 0);
    CHECK(stored_users(db) == fake_users(fake, cloud));
    CHECK(r.err.find("projects: " + std::to_string(fake_projects(fake).size()) + " stored (0 soft-deleted), users: " +
                     std::to_string(fake_users(fake, cloud).size()) + " stored") != std::string::npos);
    // One listing request each: the fake has fewer than a page of both.
    if (cloud) {
        CHECK(requests_to(fake, "/rest/api/3/project/search").size() == 1);
        CHECK(requests_to(fake, "/rest/api/3/users/search").size() == 1);
    } else {
        CHECK(requests_to(fake, "/rest/api/2/project").size() == 1);
        const auto users = requests_to(fake, "/rest/api/2/user/search");
        REQUIRE(users.size() == 1);
        CHECK(users[0]["query"]["username"] == json::array({"."}));
        CHECK(users[0]["query"]["includeInactive"] == json::array({"true"}));
    }

    // Nothing changed on the site: no row is rewritten.
    const auto synced = db.rows(kSyncedAt);
    r = sync(dir.path(), config);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("projects: 0 stored (0 soft-deleted), users: 0 stored") != std::string::npos);
    CHECK(db.rows(kSyncedAt) == synced);

    // A project added on the site is stored by the next incremental run; removed, it is soft-deleted.
    const json added = fake.post("/_fake/projects", {{"key", "NEWP"}});
    r = sync(dir.path(), config);
    REQUIRE(r.exit_code == 0);
    CHECK(stored_live_projects(db) == fake_projects(fake));
    CHECK(db.scalar("SELECT count(*) FROM projects WHERE key = 'NEWP' AND deleted_at IS NULL") == 1);
    fake.del("/_fake/projects/NEWP");
    r = sync(dir.path(), config);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("projects: 0 stored (1 soft-deleted)") != std::string::npos);
    CHECK(stored_live_projects(db) == fake_projects(fake));
    CHECK(db.rows("SELECT id FROM projects WHERE deleted_at IS NOT NULL") ==
          std::vector<std::string>{added["id"].get<std::string>()});
    CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE mode = 'incremental' AND status = 'succeeded'") == 3);
}

void cloud_backfill(const std::string& backend) { backfill_and_follow_projects(backend, "cloud"); }
void server_backfill(const std::string& backend) { backfill_and_follow_projects(backend, "server"); }

void failed_users_listing(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJira fake({.generate = 30}, dir.path());
    ConfigOptions co;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const TableReader& db = target->tables();
    // More failures than the harness's max_retries (3) allows: the listing fails for good.
    fake.post("/_fake/faults", {{"path_regex", "/rest/api/3/users/search"}, {"status", 503}, {"count", 50},
                                {"headers", {{"Retry-After", "0"}}}});

    auto r = sync(dir.path(), config);
    INFO(r.err);
    CHECK(r.exit_code == 3);
    // The issues and the other entity are stored, the watermark moved, the run says what failed.
    CHECK(db.scalar("SELECT count(*) FROM issues") == static_cast<long long>(fake.issues().size()));
    CHECK(stored_live_projects(db) == fake_projects(fake));
    CHECK(db.scalar("SELECT count(*) FROM users") == 0);
    CHECK(db.scalar("SELECT count(*) FROM sync_state WHERE watermark IS NOT NULL AND checkpoint IS NULL") == 1);
    const auto runs = db.rows("SELECT mode, status FROM sync_runs ORDER BY id");
    CHECK(runs == std::vector<std::string>{"full|partial"});
    CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE error LIKE 'users: %503%'") == 1);
    CHECK(r.err.find("users: failed") != std::string::npos);

    // The site recovers: the next run is incremental (the watermark held) and fills the users in.
    fake.del("/_fake/faults");
    fake.del("/_fake/requests");
    r = sync(dir.path(), config);
    CHECK(r.exit_code == 0);
    CHECK(stored_users(db) == fake_users(fake, true));
    CHECK(db.rows("SELECT mode, status FROM sync_runs ORDER BY id") ==
          std::vector<std::string>{"full|partial", "incremental|succeeded"});
    CHECK(db.scalar("SELECT count(*) FROM sync_runs WHERE status = 'succeeded' AND error IS NULL") == 1);
}

void no_entities(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJira fake({.generate = 20}, dir.path());
    ConfigOptions co;
    co.database_url = target->database_url();
    co.extra_yaml = "  entities: []\n";
    const auto config = write_config(dir.path(), fake.base_url(), co);

    const auto r = sync(dir.path(), config);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(target->tables().scalar("SELECT count(*) FROM issues") == 20);
    for (const auto& request : fake.requests()) {
        const std::string path = request["path"];
        INFO(path);
        CHECK(path.find("/project") == std::string::npos);
        CHECK(path.find("/user") == std::string::npos);
    }
    CHECK(target->tables().scalar("SELECT count(*) FROM projects") == 0);
    CHECK(target->tables().scalar("SELECT count(*) FROM users") == 0);
    CHECK(r.err.find("projects:") == std::string::npos);
}

// The entity tables issues alone leave empty.
const char* const kIssueEntityTables[] = {"comments", "worklogs", "issue_links", "sprints", "issue_sprints", "entity_state"};

void default_entities_cost_nothing_more(const std::string& backend) {
    TempDir dir;
    auto target = make_target(backend, dir.path());
    if (!target) return;
    FakeJira fake({.generate = 80}, dir.path());
    // Issues past the embedded caps: fetching their comments or worklogs would show in the request log.
    IssuePicker picker(fake);
    const CapIssues caps = add_cap_issues(fake, picker);
    set_site_clock_ahead(fake, 1);
    ConfigOptions co;
    co.database_url = target->database_url();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const TableReader& db = target->tables();
    // What a sync of issues, projects and users asked for before entities existed.
    const std::set<std::string> issue_paths{
        "/rest/api/3/serverInfo",       "/rest/api/3/myself",        "/rest/api/3/field",
        "/rest/api/3/search/jql",       "/rest/api/3/search/approximate-count",
        "/rest/api/3/changelog/bulkfetch", "/rest/api/3/project/search", "/rest/api/3/users/search"};

    auto check_run = [&](const char* what) {
        auto r = sync(dir.path(), config);
        INFO(what << ": " << r.err);
        REQUIRE(r.exit_code == 0);
        for (const auto& request : fake.requests()) {
            INFO(request["method"].get<std::string>() << " " << request["path"].get<std::string>());
            CHECK(issue_paths.count(request["path"]) == 1);
        }
        for (const char* table : kIssueEntityTables) {
            INFO(table);
            CHECK(db.scalar(std::string("SELECT count(*) FROM ") + table) == 0);
        }
        fake.del("/_fake/requests");
    };
    fake.del("/_fake/requests");
    check_run("backfill");
    require_tables_match_fake(db, fake);
    // issues.raw keeps the embedded comments and worklogs, as it did before entities had tables.
    const auto raw = db.rows("SELECT raw FROM issues WHERE id = " + std::to_string(caps.over_comments["id"].get<long long>()));
    REQUIRE(raw.size() == 1);
    CHECK(json::parse(raw[0])["fields"]["comment"]["total"] == 130);

    // Comments, worklogs and links change: still nothing of them is asked for or stored.
    fake.post("/_fake/issues/" + caps.at_comments["key"].get<std::string>() + "/comments", {{"body", "One more"}});
    fake.post("/_fake/issues/" + caps.over_worklogs["key"].get<std::string>() + "/worklogs", json::object());
    fake.post("/_fake/links", {{"type", "Relates"}, {"from", caps.at_comments["key"]}, {"to", caps.at_worklogs["key"]}});
    set_site_clock_ahead(fake, 2);
    check_run("incremental run");
    require_tables_match_fake(db, fake);
}

// A copy of the default mapping with `users: {email: POLICY}` (no `users:` at all when `policy` is empty), set
// through the YAML tree so that it holds whatever the default itself says about users.
std::filesystem::path mapping_with_email(const std::filesystem::path& dir, const std::string& policy) {
    YAML::Node mapping = YAML::LoadFile(source_dir() + "/mappings/default.yaml");
    mapping.remove("users");
    if (!policy.empty()) mapping["users"]["email"] = policy;
    YAML::Emitter out;
    out << mapping;
    const auto path = dir / "mapping.yaml";
    std::ofstream(path) << out.c_str() << "\n";
    return path;
}

// Server sites show users' addresses (Cloud mostly hides them): each policy on a database of its own.
void user_email_policy(const std::string& backend) {
    TempDir dir;
    FakeJira fake({.flavor = "server", .generate = 10}, dir.path());
    const auto users = fake.get("/_fake/users");
    REQUIRE(users.size() > 3);
    for (const std::string policy : {"", "sha256", "text"}) {
        INFO("users.email: " << (policy.empty() ? "(absent)" : policy));
        const auto run_dir = dir.path() / (policy.empty() ? "absent" : policy);
        std::filesystem::create_directories(run_dir);
        auto target = make_target(backend, run_dir);
        if (!target) return;
        ConfigOptions co;
        co.flavor = "server";
        co.database_url = target->database_url();
        co.mapping = mapping_with_email(run_dir, policy).string();
        const auto config = write_config(run_dir, fake.base_url(), co);
        auto r = sync(run_dir, config);
        INFO(r.err);
        REQUIRE(r.exit_code == 0);

        std::vector<std::string> expected;  // "key email"
        for (const auto& u : users) {
            const std::string address = u["emailAddress"];
            REQUIRE_FALSE(address.empty());
            expected.push_back(u["key"].get<std::string>() + " " +
                               (policy == "text" ? address : policy == "sha256" ? sha256_hex(address) : "NULL"));
        }
        std::sort(expected.begin(), expected.end());
        std::vector<std::string> stored;
        for (const auto& row : target->tables().rows("SELECT id, email, raw FROM users ORDER BY id")) {
            const auto first = row.find('|'), second = row.find('|', first + 1);
            const std::string id = row.substr(0, first);
            stored.push_back(id + " " + row.substr(first + 1, second - first - 1));
            INFO("users.raw of " << id);
            CHECK(json::parse(row.substr(second + 1)).contains("emailAddress") == (policy == "text"));
        }
        CHECK(stored == expected);
    }
}

}  // namespace

J2S_ON_BOTH_BACKENDS("entities: the default entities store no comment, worklog, link or sprint and ask for nothing more than issues, projects and users",
                     "[entities]", default_entities_cost_nothing_more)
J2S_ON_BOTH_BACKENDS("entities: users.email is NULL unless the mapping asks, then the sha256 hex or the address, and raw carries the address only as text",
                     "[entities]", user_email_policy)
J2S_ON_BOTH_BACKENDS("entities: a cloud backfill stores every project and user and later runs follow added and removed projects",
                     "[entities]", cloud_backfill)
J2S_ON_BOTH_BACKENDS("entities: a server backfill stores every project and user and later runs follow added and removed projects",
                     "[entities]", server_backfill)
J2S_ON_BOTH_BACKENDS("entities: a failed users listing keeps the issues and the watermark and the next run fills users in",
                     "[entities]", failed_users_listing)
J2S_ON_BOTH_BACKENDS("entities: an empty sync.entities makes no entity request", "[entities]", no_entities)
