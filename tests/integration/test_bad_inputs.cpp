// Malformed configuration and mapping files (issue 4, item 8), end to end through the real binary on SQLite
// and PostgreSQL: every case must exit 2 with a message naming the file, the line and the key, and leave the
// database untouched, both a fresh one (no tables, nothing created) and an already-synced one (every table,
// row and schema object identical before and after).
//
// The cases are data: each replaces one line of a valid config or mapping file with a bad one.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "table_reader.hpp"
#include "test_target.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

// A valid config; {BASE_URL}, {DB_URL}, {MAPPING} and {DIR} are filled in per run. Line numbers matter: the
// cases below name them.
const char* const kConfig = R"(jira:
  base_url: {BASE_URL}
  flavor: cloud
  auth:
    type: basic
    email: demo@example.com
    token: ${FAKE_JIRA_TOKEN}
  jql: ""
  page_size: 50
  max_concurrency: 2
  max_requests_per_second: 1000
  timeout_seconds: 30
  max_retries: 3
database:
  url: {DB_URL}
mapping: {MAPPING}
sync:
  overlap_minutes: 15
  changelog: true
  reconcile_deletes: false
)";

// A valid mapping, by path and by Jira field name.
const char* const kMapping = R"(columns:
  - name: summary
    source: fields.summary
    type: text
  - name: status
    source: fields.status.name
    type: text
  - name: story_points
    field: "Story Points"
    type: number
)";

enum class File { config, mapping };

struct BadInput {
    std::string name;
    File file;
    int line;          // the first line of kConfig / kMapping replaced
    std::string text;  // what replaces it (may span lines; empty: the lines are removed)
    int error_line;    // the line the message must name
    std::string key;   // the key the message must name
    int lines = 1;     // how many lines are replaced
};

// clang-format off
const std::vector<BadInput> kCases{
    // YAML syntax
    {"unterminated quoted string", File::config, 8, "  jql: \"project = ALPHA", 8, "jira.jql"},
    {"unterminated flow sequence", File::config, 8, "  jql: [ALPHA, BETA", 8, "jira.jql"},
    {"a tab in the indentation", File::config, 9, "\tpage_size: 50", 9, "jira.page_size"},
    // YAML reads it as a key inside page_size, and the message says so.
    {"a key indented deeper than its siblings", File::config, 10, "   max_concurrency: 2", 10, "jira.page_size.max_concurrency"},
    {"text after a quoted value", File::config, 8, "  jql: \"x\" trailing", 8, "jira.jql"},
    {"a second YAML document", File::config, 17, "---\nsync:", 17, "'---'"},
    {"mapping: unterminated flow mapping", File::mapping, 5, "  - {name: status, source: fields.status.name, type: text", 5, "columns[1]"},
    {"mapping: a key indented deeper than its siblings", File::mapping, 4, "     type: text", 4, "columns[0].source.type"},
    // unknown and duplicate keys
    {"unknown top-level key", File::config, 16, "mappings: {MAPPING}", 16, "mappings"},
    {"misspelt sync key", File::config, 18, "  overlap_minute: 15", 18, "sync.overlap_minute"},
    {"a sync key under jira", File::config, 13, "  changelog: true", 13, "jira.changelog"},
    {"duplicate key", File::config, 9, "  page_size: 50\n  page_size: 60", 10, "jira.page_size"},
    {"mapping: unknown column key", File::mapping, 4, "    type: text\n    default: 0", 5, "columns[0].default"},
    {"mapping: misspelt top-level key", File::mapping, 1, "column:", 1, "column"},
    // wrong types
    {"page_size is a word", File::config, 9, "  page_size: fifty", 9, "jira.page_size"},
    {"page_size is a list", File::config, 9, "  page_size: [50]", 9, "jira.page_size"},
    {"timeout_seconds is fractional", File::config, 12, "  timeout_seconds: 1.5", 12, "jira.timeout_seconds"},
    {"changelog is not a boolean", File::config, 19, "  changelog: maybe", 19, "sync.changelog"},
    {"auth is a string", File::config, 4, "  auth: basic", 4, "jira.auth", 4},
    {"metrics_file is a mapping", File::config, 17, "metrics_file: {a: b}\nsync:", 17, "metrics_file"},
    {"mapping: name is a list", File::mapping, 2, "  - name: [summary]", 2, "columns[0].name"},
    {"mapping: required is not a boolean", File::mapping, 10, "    type: number\n    required: sometimes", 11, "columns[2].required"},
    // numbers and durations out of range
    {"page_size 0", File::config, 9, "  page_size: 0", 9, "jira.page_size"},
    {"max_concurrency 1000", File::config, 10, "  max_concurrency: 1000", 10, "jira.max_concurrency"},
    {"negative max_requests_per_second", File::config, 11, "  max_requests_per_second: -1", 11, "jira.max_requests_per_second"},
    {"max_retries a word", File::config, 13, "  max_retries: many", 13, "jira.max_retries"},
    {"max_retry_seconds 0", File::config, 13, "  max_retries: 3\n  max_retry_seconds: 0", 14, "jira.max_retry_seconds"},
    {"overlap_minutes with a unit", File::config, 18, "  overlap_minutes: 15m", 18, "sync.overlap_minutes"},
    {"overlap_minutes over a week", File::config, 18, "  overlap_minutes: 20000", 18, "sync.overlap_minutes"},
    {"max_delete_fraction above 1", File::config, 20, "  reconcile_deletes: false\n  max_delete_fraction: 1.5", 21, "sync.max_delete_fraction"},
    {"page_size beyond 64 bits", File::config, 9, "  page_size: 99999999999999999999", 9, "jira.page_size"},
    // URLs
    {"base_url with a path", File::config, 2, "  base_url: {BASE_URL}/jira", 2, "jira.base_url"},
    {"base_url with another scheme", File::config, 2, "  base_url: ftp://example.atlassian.net", 2, "jira.base_url"},
    {"base_url not a URL", File::config, 2, "  base_url: example atlassian net", 2, "jira.base_url"},
    {"base_url missing", File::config, 2, "", 1, "jira.base_url"},
    {"database url of an unsupported kind", File::config, 15, "  url: mysql://root@localhost/jira", 15, "database.url"},
    {"sqlite url without a path", File::config, 15, "  url: \"sqlite:\"", 15, "database.url"},
    // closed lists and conflicting options
    {"unknown flavor", File::config, 3, "  flavor: datacenter", 3, "jira.flavor"},
    {"unknown auth type", File::config, 5, "    type: oauth", 5, "jira.auth.type"},
    {"basic auth without an email", File::config, 6, "", 4, "jira.auth.email"},
    {"scope JQL with its own ORDER BY", File::config, 8, "  jql: \"project = ALPHA ORDER BY created\"", 8, "jira.jql"},
    {"mapping: both source and field", File::mapping, 3, "    source: fields.summary\n    field: Summary", 4, "columns[0].field"},
    {"mapping: neither source nor field", File::mapping, 3, "", 2, "columns[0]"},
    {"mapping: path without field", File::mapping, 3, "    source: fields.summary\n    path: value", 4, "columns[0].path"},
    // bad names, including SQL injection attempts
    {"schema name with SQL injection", File::config, 15, "  url: {DB_URL}\n  schema: 'jira\"; DROP TABLE issues; --'", 16, "database.schema"},
    {"mapping: column name with SQL injection", File::mapping, 2, "  - name: 'x\"; DROP TABLE issues; --'", 2, "columns[0].name"},
    {"mapping: column name with a quote and a statement", File::mapping, 5, "  - name: \"status'); DELETE FROM issues; --\"", 5, "columns[1].name"},
    {"mapping: column name in capitals", File::mapping, 2, "  - name: Summary", 2, "columns[0].name"},
    {"mapping: column name of 64 characters", File::mapping, 2, "  - name: " + std::string(64, 'a'), 2, "columns[0].name"},
    {"mapping: a fixed column", File::mapping, 5, "  - name: updated", 5, "columns[1].name"},
    {"mapping: duplicate column name", File::mapping, 5, "  - name: summary", 5, "columns[1].name"},
    {"mapping: unknown type", File::mapping, 4, "    type: varchar", 4, "columns[0].type"},
    {"mapping: unknown transform", File::mapping, 4, "    type: text\n    transform: rot13", 5, "columns[0].transform"},
    {"mapping: unknown on_error", File::mapping, 4, "    type: text\n    on_error: ignore", 5, "columns[0].on_error"},
    {"mapping: malformed source path", File::mapping, 3, "    source: fields..summary", 3, "columns[0].source"},
    // references that do not resolve
    {"unset environment variable", File::config, 7, "    token: ${J2S_SURELY_UNSET_TOKEN}", 7, "jira.auth.token: environment variable J2S_SURELY_UNSET_TOKEN"},
    {"unterminated environment reference", File::config, 7, "    token: ${FAKE_JIRA_TOKEN", 7, "jira.auth.token: unterminated ${"},
    {"malformed environment default", File::config, 7, "    token: ${FAKE_JIRA_TOKEN:demo}", 7, "jira.auth.token: malformed ${FAKE_JIRA_TOKEN:demo}"},
    {"mapping file that does not exist", File::config, 16, "mapping: {DIR}/no-such-mapping.yaml", 16, "mapping"},
    {"ca_file that does not exist", File::config, 13, "  max_retries: 3\n  ca_file: {DIR}/no-such-ca.pem", 14, "jira.ca_file"},
    // A new column: an existing one whose field stops resolving keeps the id an earlier run resolved (a field
    // renamed in Jira keeps working), so only a column the database never saw tells a bad reference.
    {"mapping: a Jira field the site does not have", File::mapping, 10,
     "    type: number\n  - name: velocity\n    field: \"Velocity Points\"\n    type: number", 12, "columns[3].field"},
};
// clang-format on

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
    for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) text.replace(at, from.size(), to);
    return text;
}

// `text` with `count` lines from `line` (1-based) replaced by `replacement` (removed when empty).
std::string with_lines(const std::string& text, int line, int count, const std::string& replacement) {
    std::istringstream in(text);
    std::string out;
    int n = 0;
    for (std::string l; std::getline(in, l);) {
        ++n;
        if (n < line || n >= line + count) out += l + "\n";
        else if (n == line && !replacement.empty()) out += replacement + "\n";
    }
    REQUIRE(line + count - 1 <= n);
    return out;
}

// Every table, view and index of jira2sql's schema with every row, sorted: equal dumps mean an untouched database.
std::vector<std::string> dump(const TestTarget& target) {
    const TableReader& db = target.tables();
    std::vector<std::string> out;
    std::vector<std::string> tables;
    if (target.backend() == "sqlite") {
        out = db.rows("SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name");
        tables = db.rows("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    } else {
        out = db.rows("SELECT nspname FROM pg_namespace ORDER BY nspname");
        for (const auto& r : db.rows("SELECT table_name, column_name, data_type, is_nullable, column_default FROM "
                                     "information_schema.columns WHERE table_schema = 'jira' ORDER BY 1, ordinal_position"))
            out.push_back(r);
        for (const auto& r : db.rows("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'jira' ORDER BY 1"))
            out.push_back(r);
        tables = db.rows("SELECT table_name FROM information_schema.tables WHERE table_schema = 'jira' AND "
                         "table_type = 'BASE TABLE' ORDER BY 1");
    }
    for (const auto& table : tables) {
        auto rows = db.rows("SELECT * FROM \"" + table + "\"");
        std::sort(rows.begin(), rows.end());
        out.push_back("table " + table + ": " + std::to_string(rows.size()) + " rows");
        out.insert(out.end(), rows.begin(), rows.end());
    }
    return out;
}

// What shows that a database was never touched: for SQLite that its file (and any sidecar) does not exist,
// for PostgreSQL the list of schemas and that jira2sql's schema holds no table.
std::vector<std::string> fresh_state(const TestTarget& target, const fs::path& dir) {
    std::vector<std::string> out;
    if (target.backend() == "sqlite") {
        for (const auto& entry : fs::directory_iterator(dir)) out.push_back(entry.path().filename().string());
        std::sort(out.begin(), out.end());
        return out;
    }
    out = target.tables().rows("SELECT nspname FROM pg_namespace ORDER BY nspname");
    out.push_back("tables=" + std::to_string(target.table_count()));
    return out;
}

void bad_inputs_leave_the_database_untouched(const std::string& backend) {
    TempDir dir;
    fs::create_directories(dir.path() / "fresh");
    fs::create_directories(dir.path() / "synced");
    fs::create_directories(dir.path() / "case");
    const auto fresh = make_target(backend, dir.path() / "fresh");
    if (!fresh) return;
    const auto synced = make_target(backend, dir.path() / "synced");
    FakeJiraOptions fo;
    fo.generate = 30;
    FakeJira fake(fo, dir.path());

    const fs::path config_path = dir.path() / "case" / "config.yaml";
    const fs::path mapping_path = dir.path() / "case" / "mapping.yaml";
    auto fill = [&](const std::string& text, const TestTarget& target) {
        std::string out = replace_all(text, "{BASE_URL}", fake.base_url());
        out = replace_all(out, "{DB_URL}", target.database_url());
        out = replace_all(out, "{MAPPING}", mapping_path.string());
        return replace_all(out, "{DIR}", (dir.path() / "case").string());
    };
    auto run_sync = [&] { return run_jira2sql({"--config", config_path.string(), "sync"}, dir.path(), kEnv); };

    // The valid files work: the synced database gets its tables and rows from them.
    std::ofstream(mapping_path) << kMapping;
    std::ofstream(config_path) << fill(kConfig, *synced);
    {
        auto r = run_sync();
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        REQUIRE(synced->tables().scalar("SELECT count(*) FROM issues") == 30);
        REQUIRE(synced->tables().scalar("SELECT count(story_points) FROM issues") > 0);
    }
    auto synced_before = dump(*synced);
    auto fresh_before = fresh_state(*fresh, dir.path() / "fresh");
    REQUIRE(fresh->table_count() == 0);

    for (const auto& c : kCases) {
        CAPTURE(c.name);
        for (const TestTarget* target : {fresh.get(), synced.get()}) {
            const bool is_fresh = target == fresh.get();
            CAPTURE(is_fresh);
            const std::string config_text =
                c.file == File::config ? with_lines(kConfig, c.line, c.lines, fill(c.text, *target)) : std::string(kConfig);
            const std::string mapping_text = c.file == File::mapping ? with_lines(kMapping, c.line, c.lines, c.text) : kMapping;
            std::ofstream(config_path) << fill(config_text, *target);
            std::ofstream(mapping_path) << mapping_text;
            const fs::path& named = c.file == File::config ? config_path : mapping_path;

            // CHECK, not REQUIRE: one run reports every case that fails.
            auto r = run_sync();
            INFO("config:\n" << fill(config_text, *target) << "mapping:\n" << mapping_text << "stderr:\n" << r.err);
            CHECK(r.exit_code == 2);
            CHECK_THAT(r.err, Catch::Contains(named.string() + ":" + std::to_string(c.error_line) + ": "));
            CHECK_THAT(r.err, Catch::Contains(c.key));
            // Nothing secret leaks into the message either.
            CHECK_THAT(r.err, !Catch::Contains("demo-token"));
            if (is_fresh) {
                const auto now = fresh_state(*fresh, dir.path() / "fresh");
                CHECK(now == fresh_before);
                if (now != fresh_before) fresh_before = now;  // later cases are judged on their own
            } else {
                const auto now = dump(*synced);
                CHECK(now == synced_before);
                if (now != synced_before) synced_before = now;
            }
        }
    }
    REQUIRE(kCases.size() >= 30);
}

}  // namespace

TEST_CASE("bad config and mapping files exit 2, name file, line and key, and leave the database untouched",
          "[e2e][sqlite][bad-inputs]") {
    bad_inputs_leave_the_database_untouched("sqlite");
}

TEST_CASE("postgres: bad config and mapping files exit 2, name file, line and key, and leave the database untouched",
          "[e2e][postgres][bad-inputs]") {
    J2S_REQUIRE_POSTGRES();
    bad_inputs_leave_the_database_untouched("postgres");
}
