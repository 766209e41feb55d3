// End-to-end: mappings that change (issue 5, items 5-8) on SQLite and PostgreSQL. One scenario body per
// point, run on both backends through TableReader; the PostgreSQL instances are tagged [postgres].

#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "harness.hpp"
#include "table_reader.hpp"
#include "test_target.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

const char* kMappingBefore = R"(columns:
  - name: summary
    source: fields.summary
    type: text
  - name: status
    source: fields.status.name
    type: text
  - name: story_points
    field: "Story Points"
    type: number
  - name: prio
    source: fields.priority.name
    type: text
)";

// prio removed, story_points retyped number -> text, issue_type added.
const char* kMappingAfter = R"(columns:
  - name: summary
    source: fields.summary
    type: text
  - name: status
    source: fields.status.name
    type: text
  - name: story_points
    field: "Story Points"
    type: text
  - name: issue_type
    source: fields.issuetype.name
    type: text
)";

// A backend: where the database is and how to read it.
struct Backend {
    std::string url;  // empty: SQLite in the test folder
    std::unique_ptr<test::PostgresDatabase> pg;
    std::unique_ptr<TableReader> reader;

    static Backend sqlite(const fs::path& dir) {
        Backend b;
        b.reader = std::make_unique<SqliteTableReader>((dir / "jira.db").string());
        return b;
    }
    static Backend postgres() {
        Backend b;
        b.pg = std::make_unique<test::PostgresDatabase>("j2s_it");
        b.url = b.pg->url();
        b.reader = std::make_unique<PostgresTableReader>(*b.pg, "jira");
        return b;
    }
};

struct Setup {
    TempDir dir;
    std::unique_ptr<FakeJira> fake;
    Backend backend;
    fs::path config;
    fs::path mapping;

    explicit Setup(bool postgres, int issues = 120) {
        FakeJiraOptions fo;
        fo.generate = issues;
        fake = std::make_unique<FakeJira>(fo, dir.path());
        backend = postgres ? Backend::postgres() : Backend::sqlite(dir.path());
        mapping = dir.path() / "mapping.yaml";
        write_mapping(kMappingBefore);
        ConfigOptions co;
        co.mapping = mapping.string();
        co.database_url = backend.url;
        config = write_config(dir.path(), fake->base_url(), co);
    }
    void write_mapping(const std::string& text) const { std::ofstream(mapping) << text; }
    ProcessResult run(const std::vector<std::string>& args) const {
        std::vector<std::string> all{"--config", config.string()};
        all.insert(all.end(), args.begin(), args.end());
        return run_jira2sql(all, dir.path(), kEnv);
    }
    const TableReader& db() const { return *backend.reader; }
};

// Column names of `issues`, portable: SQLite's pragma table or PostgreSQL's information_schema.
std::set<std::string> issue_columns(const Setup& s) {
    std::vector<std::string> rows =
        s.backend.pg ? s.db().rows("SELECT column_name FROM information_schema.columns WHERE table_schema = 'jira' AND "
                                   "table_name = 'issues'")
                     : s.db().rows("SELECT name FROM pragma_table_info('issues')");
    return {rows.begin(), rows.end()};
}

std::set<std::string> live_view_columns(const Setup& s) {
    std::vector<std::string> rows =
        s.backend.pg ? s.db().rows("SELECT column_name FROM information_schema.columns WHERE table_schema = 'jira' AND "
                                   "table_name = 'issues_live'")
                     : s.db().rows("SELECT name FROM pragma_table_info('issues_live')");
    return {rows.begin(), rows.end()};
}

void mapping_change_is_applied(bool postgres, const std::string& command) {
    Setup s(postgres);
    auto first = s.run({"sync"});
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    const long long n = s.db().scalar("SELECT count(*) FROM issues");
    REQUIRE(n == 120);
    const auto before = s.db().rows("SELECT id, key, summary, status, raw FROM issues ORDER BY id");
    const long long with_points = s.db().scalar("SELECT count(story_points) FROM issues");
    REQUIRE(with_points > 0);

    s.write_mapping(kMappingAfter);
    s.fake->del("/_fake/requests");
    auto r = s.run({command});
    INFO(command << ": " << r.err);
    REQUIRE(r.exit_code == 0);
    if (command != "sync") REQUIRE(s.fake->requests().empty());  // migrate and remap never call Jira

    const auto columns = issue_columns(s);
    CHECK(columns.count("issue_type") == 1);
    CHECK(columns.count("prio") == 0);
    CHECK(live_view_columns(s) == columns);
    // Other columns and their data are intact; the new column is filled for every row; the retyped one is
    // refilled from raw with its new type.
    CHECK(s.db().rows("SELECT id, key, summary, status, raw FROM issues ORDER BY id") == before);
    CHECK(s.db().scalar("SELECT count(issue_type) FROM issues") == n);
    CHECK(s.db().scalar("SELECT count(story_points) FROM issues") == with_points);
    if (postgres)
        CHECK(s.db().rows("SELECT data_type FROM information_schema.columns WHERE table_schema = 'jira' AND "
                          "table_name = 'issues' AND column_name = 'story_points'") == std::vector<std::string>{"text"});
    else
        CHECK(s.db().scalar("SELECT count(*) FROM issues WHERE story_points IS NOT NULL AND typeof(story_points) <> "
                            "'text'") == 0);
    // Recorded: what happened when.
    CHECK(s.db().rows("SELECT column_name, change, coalesce(old_type, '-'), coalesce(new_type, '-'), "
                      "coalesce(field_id, '-') FROM mapping_changes WHERE id > 4 ORDER BY column_name") ==
          std::vector<std::string>{"issue_type|added|-|text|-", "prio|removed|text|-|-",
                                   "story_points|retyped|number|text|customfield_10016"});
    CHECK(s.db().scalar("SELECT count(*) FROM mapping_changes WHERE at IS NULL") == 0);
    CHECK(s.db().scalar("SELECT count(*) FROM sync_runs WHERE mode = 'remap' AND status = 'succeeded'") == 1);
    CHECK(s.db().scalar("SELECT count(*) FROM mapped_columns WHERE refill_pending = " +
                        std::string(postgres ? "true" : "1")) == 0);

    // Applied once: the next run changes nothing.
    auto again = s.run({"sync"});
    REQUIRE(again.exit_code == 0);
    CHECK(s.db().scalar("SELECT count(*) FROM mapping_changes") == 7);
}

void remap_fills_and_resumes(bool postgres) {
    Setup s(postgres);
    REQUIRE(s.run({"sync"}).exit_code == 0);
    const long long n = s.db().scalar("SELECT count(*) FROM issues");
    const auto expected = s.db().rows("SELECT id, summary FROM issues ORDER BY id");
    const std::string scope = s.db().rows("SELECT scope_key FROM sync_state")[0];
    const auto ids = s.db().rows("SELECT id FROM issues ORDER BY id");
    const std::string middle = ids[ids.size() / 2];

    // A remap killed half-way: a checkpoint after the middle id and a run left `running`. Values before the
    // checkpoint are what the killed run wrote; after it, stale.
    if (!postgres) {
        SQLite::Database db((s.dir.path() / "jira.db").string(), SQLite::OPEN_READWRITE);
        db.exec("UPDATE issues SET summary = 'stale'");
        db.exec("INSERT INTO sync_state (scope_key, scope, checkpoint, updated_at) VALUES ('remap: " + scope +
                "', 'x', '{\"columns\":[\"summary\",\"status\",\"story_points\",\"prio\"],\"after_id\":" + middle +
                "}', '2024-01-01T00:00:00.000Z')");
        db.exec("INSERT INTO sync_runs (scope_key, mode, started_at, status) VALUES ('remap: " + scope +
                "', 'remap', '2024-01-01T00:00:00.000Z', 'running')");
    } else {
        s.backend.pg->exec("UPDATE issues SET summary = 'stale'", "jira");
        s.backend.pg->exec("INSERT INTO sync_state (scope_key, scope, checkpoint, updated_at) VALUES ('remap: " + scope +
                               "', 'x', '{\"columns\":[\"summary\",\"status\",\"story_points\",\"prio\"],\"after_id\":" +
                               middle + "}', now())",
                           "jira");
        s.backend.pg->exec("INSERT INTO sync_runs (scope_key, mode, started_at, status) VALUES ('remap: " + scope +
                               "', 'remap', now(), 'running')",
                           "jira");
    }
    s.fake->del("/_fake/requests");
    auto r = s.run({"remap"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("resuming after issue id " + middle));
    CHECK(s.fake->requests().empty());
    // Resumed, not restarted: the rows up to the checkpoint keep what the killed run wrote.
    CHECK(s.db().scalar("SELECT count(*) FROM issues WHERE summary = 'stale' AND id <= " + middle) ==
          static_cast<long long>(ids.size() / 2 + 1));
    CHECK(s.db().scalar("SELECT count(*) FROM issues WHERE summary = 'stale' AND id > " + middle) == 0);
    CHECK(s.db().scalar("SELECT count(*) FROM sync_runs WHERE mode = 'remap' AND status = 'failed'") == 1);
    CHECK(s.db().scalar("SELECT count(*) FROM sync_state WHERE checkpoint IS NOT NULL") == 0);

    // A full remap from scratch restores everything.
    REQUIRE(s.run({"remap"}).exit_code == 0);
    CHECK(s.db().rows("SELECT id, summary FROM issues ORDER BY id") == expected);
    CHECK(s.db().scalar("SELECT issues_upserted FROM sync_runs ORDER BY id DESC LIMIT 1") == n);
}

void renamed_field_keeps_working(bool postgres) {
    Setup s(postgres);
    REQUIRE(s.run({"sync"}).exit_code == 0);
    CHECK(s.db().rows("SELECT field_id FROM mapped_columns WHERE name = 'story_points'") ==
          std::vector<std::string>{"customfield_10016"});
    const auto points = s.db().rows("SELECT id, story_points FROM issues ORDER BY id");

    // Renamed on the Jira side as seen by remap (the stored field list) ...
    if (postgres)
        s.backend.pg->exec("UPDATE jira_fields SET name = 'Story Pts' WHERE id = 'customfield_10016'", "jira");
    else {
        SQLite::Database db((s.dir.path() / "jira.db").string(), SQLite::OPEN_READWRITE);
        db.exec("UPDATE jira_fields SET name = 'Story Pts' WHERE id = 'customfield_10016'");
    }
    auto r = s.run({"remap"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.err, Catch::Contains("field 'Story Points' was renamed to 'Story Pts' in Jira; still using id "
                                      "customfield_10016"));
    CHECK(s.db().rows("SELECT id, story_points FROM issues ORDER BY id") == points);

    // ... and as seen by sync and fields (the site calls it 'Story Points', the mapping an older name).
    std::string mapping = kMappingBefore;
    mapping.replace(mapping.find("\"Story Points\""), 14, "\"Story Pts\"");
    s.write_mapping(mapping);
    auto sync = s.run({"sync"});
    INFO(sync.err);
    REQUIRE(sync.exit_code == 0);
    CHECK_THAT(sync.err, Catch::Contains("field 'Story Pts' was renamed to 'Story Points' in Jira"));
    auto fields = s.run({"fields"});
    REQUIRE(fields.exit_code == 0);
    CHECK_THAT(fields.out, Catch::Contains("column story_points: the mapping says 'Story Pts', Jira now calls "
                                           "customfield_10016 'Story Points'"));
}

}  // namespace

TEST_CASE("remap: adding, removing and retyping mapped columns is applied by sync, migrate and remap",
          "[e2e][sqlite][remap]") {
    const std::string command = GENERATE("sync", "migrate", "remap");
    CAPTURE(command);
    mapping_change_is_applied(false, command);
}

TEST_CASE("postgres: adding, removing and retyping mapped columns is applied by sync, migrate and remap",
          "[e2e][postgres][remap]") {
    J2S_REQUIRE_POSTGRES();
    const std::string command = GENERATE("sync", "migrate", "remap");
    CAPTURE(command);
    mapping_change_is_applied(true, command);
}

TEST_CASE("remap: an interrupted remap resumes from its checkpoint without Jira requests", "[e2e][sqlite][remap]") {
    remap_fills_and_resumes(false);
}

TEST_CASE("postgres: an interrupted remap resumes from its checkpoint without Jira requests", "[e2e][postgres][remap]") {
    J2S_REQUIRE_POSTGRES();
    remap_fills_and_resumes(true);
}

TEST_CASE("remap: a field renamed in Jira keeps working with a warning", "[e2e][sqlite][remap]") {
    renamed_field_keeps_working(false);
}

TEST_CASE("postgres: a field renamed in Jira keeps working with a warning", "[e2e][postgres][remap]") {
    J2S_REQUIRE_POSTGRES();
    renamed_field_keeps_working(true);
}

TEST_CASE("fields: lists the site's fields, marks the mapped ones, exits 2 on an unknown reference",
          "[e2e][sqlite][fields]") {
    Setup s(false, 5);
    auto ok = s.run({"fields"});
    INFO(ok.err);
    REQUIRE(ok.exit_code == 0);
    CHECK_THAT(ok.out, Catch::Contains("ID") && Catch::Contains("NAME") && Catch::Contains("CUSTOM") &&
                           Catch::Contains("TYPE"));
    CHECK_THAT(ok.out, Catch::Matches(R"((.|\n)*\n\* customfield_10016 +Story Points +yes +story_points +number(.|\n)*)"));
    CHECK_THAT(ok.out, Catch::Matches(R"((.|\n)*\n\* priority +Priority +no +prio +(.|\n)*)"));
    CHECK_THAT(ok.out, Catch::Matches(R"((.|\n)*\n  customfield_10030 +Team +yes +- +(.|\n)*)"));  // not used
    CHECK_FALSE(fs::exists(s.dir.path() / "jira.db"));  // fields never writes

    s.write_mapping(std::string(kMappingBefore) + "  - name: velocity\n    field: \"Velocity Points\"\n    type: number\n");
    auto bad = s.run({"fields"});
    CHECK(bad.exit_code == 2);
    CHECK_THAT(bad.out, Catch::Contains("UNRESOLVED  column velocity: Jira has no field 'Velocity Points'"));
    CHECK_THAT(bad.out, Catch::Contains("* customfield_10016"));  // the rest is still marked
    CHECK_THAT(bad.err, Catch::Contains("mapping.yaml:15") && Catch::Contains("Velocity Points"));
}
