#include "config/config.hpp"
#include "util/errors.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

using namespace j2s;
namespace fs = std::filesystem;

namespace {

class TempDir {
public:
    TempDir() {
        static std::atomic<int> counter{0};
        m_path = fs::temp_directory_path() /
                 ("j2s-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::remove_all(m_path);
        fs::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(m_path, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return m_path; }

    fs::path write(const std::string& relative, const std::string& text) const {
        fs::path p = m_path / relative;
        fs::create_directories(p.parent_path());
        std::ofstream(p, std::ios::binary) << text;
        return p;
    }

private:
    fs::path m_path;
};

// Sets (or unsets, with nullopt) one environment variable for the scope of the test.
class EnvVar {
public:
    EnvVar(std::string name, const std::optional<std::string>& value) : m_name(std::move(name)) {
        if (const char* old = std::getenv(m_name.c_str())) m_old = old;
        if (value) ::setenv(m_name.c_str(), value->c_str(), 1);
        else ::unsetenv(m_name.c_str());
    }
    ~EnvVar() {
        if (m_old) ::setenv(m_name.c_str(), m_old->c_str(), 1);
        else ::unsetenv(m_name.c_str());
    }
    EnvVar(const EnvVar&) = delete;
    EnvVar& operator=(const EnvVar&) = delete;

private:
    std::string m_name;
    std::optional<std::string> m_old;
};

// A folder holding the default mapping, so only the config under test decides the outcome.
struct Site {
    TempDir dir;
    Site() { dir.write("mappings/default.yaml", "columns: []\n"); }
    fs::path config(const std::string& yaml) const { return dir.write("config.yaml", yaml); }
};

// Lines 1-5; tests append from line 6 on, so line numbers in expectations are easy to read.
const std::string kMinimal =
    "jira:\n"
    "  base_url: https://example.atlassian.net\n"
    "  auth:\n"
    "    email: me@example.com\n"
    "    token: s3cr3t-token\n";

std::string error_of(const fs::path& config) {
    try {
        load_config(config);
    } catch (const ConfigError& e) {
        return e.what();
    }
    FAIL("expected a ConfigError from " << config.string());
    return {};
}

// The message must start with "FILE:LINE: KEY: " (or "FILE: KEY: " for line 0) and say `what`.
void check_error(const std::string& yaml, int line, const std::string& key, const std::string& what) {
    Site site;
    fs::path config = site.config(yaml);
    std::string message = error_of(config);
    std::string prefix = config.string() + (line > 0 ? ":" + std::to_string(line) : "") + ": " + key + ": ";
    INFO("yaml:\n" << yaml << "message: " << message);
    CHECK(message.rfind(prefix, 0) == 0);
    CHECK(message.find(what) != std::string::npos);
    CHECK(message.find("s3cr3t-token") == std::string::npos);
}

}  // namespace

TEST_CASE("a full valid config is read into every field", "[config]") {
    Site site;
    site.dir.write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
    site.dir.write("maps/custom.yaml", "columns: []\n");
    auto path = site.config(R"yaml(jira:
  base_url: https://Example.atlassian.net/
  flavor: server
  auth:
    type: bearer
    token: pat-123456
  jql: "project in (ABC, XYZ)"
  page_size: 250
  max_concurrency: 8
  max_requests_per_second: 2.5
  timeout_seconds: 30
  max_retries: 0
  max_retry_seconds: 90.5
  ca_file: certs/ca.pem
database:
  url: postgresql://loader@db.internal:5432/jira
  schema: jira_copy
mapping: maps/custom.yaml
sync:
  overlap_minutes: 0
  changelog: false
  reconcile_deletes: no
  max_delete_fraction: 1
)yaml");
    Config c = load_config(path);
    CHECK(c.source_file == path);
    CHECK(c.jira.base_url == "https://example.atlassian.net");
    CHECK(c.jira.flavor == Flavor::server);
    CHECK(c.jira.auth_type == AuthType::bearer);
    CHECK(c.jira.email.empty());
    CHECK(c.jira.token == "pat-123456");
    CHECK(c.jira.jql == "project in (ABC, XYZ)");
    CHECK(c.jira.page_size == 250);
    CHECK(c.jira.max_concurrency == 8);
    CHECK(c.jira.max_requests_per_second == 2.5);
    CHECK(c.jira.timeout_seconds == 30);
    CHECK(c.jira.max_retries == 0);
    CHECK(c.jira.max_retry_seconds == 90.5);
    CHECK(c.jira.ca_file == (site.dir.path() / "certs/ca.pem").string());
    CHECK(c.database.url == "postgresql://loader@db.internal:5432/jira");
    CHECK(c.database.schema == "jira_copy");
    CHECK(c.mapping_file == site.dir.path() / "maps/custom.yaml");
    CHECK(c.sync.overlap_minutes == 0);
    CHECK_FALSE(c.sync.changelog);
    CHECK_FALSE(c.sync.reconcile_deletes);
    CHECK(c.sync.max_delete_fraction == 1.0);
}

TEST_CASE("a minimal config takes the documented defaults", "[config]") {
    Site site;
    Config c = load_config(site.config(kMinimal));
    CHECK(c.jira.base_url == "https://example.atlassian.net");
    CHECK(c.jira.flavor == Flavor::cloud);
    CHECK(c.jira.auth_type == AuthType::basic);
    CHECK(c.jira.email == "me@example.com");
    CHECK(c.jira.token == "s3cr3t-token");
    CHECK(c.jira.jql.empty());
    CHECK(c.jira.page_size == 100);
    CHECK(c.jira.max_concurrency == 4);
    CHECK(c.jira.max_requests_per_second == 10);
    CHECK(c.jira.timeout_seconds == 60);
    CHECK(c.jira.max_retries == 8);
    CHECK(c.jira.max_retry_seconds == 600);
    CHECK(c.jira.ca_file.empty());
    CHECK(c.database.url == "sqlite:" + (site.dir.path() / "jira.db").string());
    CHECK(c.database.schema == "jira");
    CHECK(c.mapping_file == site.dir.path() / "mappings/default.yaml");
    CHECK(c.sync.overlap_minutes == 15);
    CHECK(c.sync.changelog);
    CHECK(c.sync.reconcile_deletes);
    CHECK(c.sync.max_delete_fraction == 0.2);
    CHECK(c.source_file.is_absolute());
}

TEST_CASE("a missing config file says which path and how to choose another", "[config]") {
    TempDir dir;
    auto missing = dir.path() / "nope.yaml";
    std::string message = error_of(missing);
    CHECK(message.find(missing.string()) != std::string::npos);
    CHECK(message.find("--config") != std::string::npos);
    CHECK(message.find("JIRA2SQL_CONFIG") != std::string::npos);
    CHECK(error_of(dir.path()).find("not a regular file") != std::string::npos);
}

TEST_CASE("invalid YAML gives file:line and yaml-cpp's message", "[config]") {
    Site site;
    auto path = site.config(kMinimal + "  jql: \"x\" trailing\n");
    std::string message = error_of(path);
    INFO(message);
    CHECK(message.rfind(path.string() + ":6: jira.jql: invalid YAML: ", 0) == 0);
    CHECK(message.find("s3cr3t-token") == std::string::npos);
}

TEST_CASE("a tab in the indentation is named as such", "[config]") {
    Site site;
    auto path = site.config(kMinimal + "\tpage_size: 10\n");
    std::string message = error_of(path);
    CHECK(message.rfind(path.string() + ":6: jira.page_size: invalid YAML: a tab in the indentation", 0) == 0);
    // A tab inside a value is fine.
    CHECK(load_config(site.config(kMinimal + "  jql: \"a\tb\"\n")).jira.jql == "a\tb");
}

TEST_CASE("unknown keys are rejected at every level, with a hint for typos", "[config]") {
    check_error(kMinimal + "sink: x\n", 6, "sink", "unknown key");
    check_error(kMinimal + "  foo: 1\n", 6, "jira.foo", "unknown key");
    check_error(kMinimal + "  page_sise: 10\n", 6, "jira.page_sise", "unknown key (did you mean 'jira.page_size'?)");
    check_error(kMinimal + "    tokn: x\n", 6, "jira.auth.tokn", "(did you mean 'jira.auth.token'?)");
    check_error(kMinimal + "database:\n  shema: x\n", 7, "database.shema", "(did you mean 'database.schema'?)");
    check_error(kMinimal + "sync:\n  changelog: true\n  bogus: 1\n", 8, "sync.bogus", "unknown key");
    // Indented under the wrong parent: the hint names where it belongs.
    check_error(kMinimal + "  overlap_minutes: 5\n", 6, "jira.overlap_minutes", "(did you mean 'sync.overlap_minutes'?)");
    // Nothing close: no misleading hint.
    Site site;
    CHECK(error_of(site.config(kMinimal + "  zzzzzzzz: 1\n")).find("did you mean") == std::string::npos);
}

TEST_CASE("duplicate keys are rejected", "[config]") {
    check_error(kMinimal + "  page_size: 10\n  page_size: 20\n", 7, "jira.page_size", "duplicate key (first given on line 6)");
}

TEST_CASE("wrong types name the key, the line and the expected type", "[config]") {
    check_error(kMinimal + "  page_size: \"abc\"\n", 6, "jira.page_size", "expected an integer");
    check_error(kMinimal + "  page_size: 1.5\n", 6, "jira.page_size", "expected an integer");
    check_error(kMinimal + "  page_size: [1]\n", 6, "jira.page_size", "expected an integer");
    check_error(kMinimal + "  page_size:\n", 6, "jira.page_size", "expected an integer");
    check_error(kMinimal + "  max_requests_per_second: fast\n", 6, "jira.max_requests_per_second", "expected a number");
    check_error(kMinimal + "  max_requests_per_second: .inf\n", 6, "jira.max_requests_per_second", "expected a number");
    check_error(kMinimal + "  jql: {a: 1}\n", 6, "jira.jql", "expected a string");
    check_error(kMinimal + "sync:\n  changelog: maybe\n", 7, "sync.changelog", "expected a boolean");
    check_error(kMinimal + "sync:\n  reconcile_deletes: 1\n", 7, "sync.reconcile_deletes", "expected a boolean");
    check_error(kMinimal + "sync:\n  max_delete_fraction: lots\n", 7, "sync.max_delete_fraction", "expected a number");
    check_error(kMinimal + "sync: 5\n", 6, "sync", "expected a mapping");
    check_error(kMinimal + "database:\n  - url\n", 6, "database", "expected a mapping");
    Site site;
    CHECK(error_of(site.config("- a\n- b\n")).find("expected a mapping of keys at the top level") != std::string::npos);
}

TEST_CASE("required keys", "[config]") {
    check_error("database:\n  schema: x\n", 0, "jira", "required section is missing");
    check_error("", 0, "jira", "required section is missing");
    check_error("jira:\n  auth:\n    email: a@b.c\n    token: t0k3n-value\n", 1, "jira.base_url", "required key");
    check_error("jira:\n  base_url: https://x.net\n  auth:\n    email: a@b.c\n", 3, "jira.auth.token", "required key");
    check_error("jira:\n  base_url: https://x.net\n  auth:\n    email: a@b.c\n    token: \"\"\n", 5, "jira.auth.token",
                "required key");
    check_error("jira:\n  base_url: https://x.net\n  auth:\n    token: t0k3n-value\n", 3, "jira.auth.email", "basic");
    check_error("jira:\n  base_url: https://x.net\n", 1, "jira.auth", "required section is missing");

    // Bearer needs no email.
    Site site;
    Config c = load_config(site.config("jira:\n  base_url: https://x.net\n  auth:\n    type: bearer\n    token: t\n"));
    CHECK(c.jira.auth_type == AuthType::bearer);
}

TEST_CASE("base_url accepts scheme://host[:port] only", "[config]") {
    const std::vector<std::pair<std::string, std::string>> good{
        {"https://example.atlassian.net", "https://example.atlassian.net"},
        {"https://example.atlassian.net/", "https://example.atlassian.net"},
        {"HTTPS://Example.Atlassian.NET", "https://example.atlassian.net"},
        {"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
        {"http://localhost:8080/", "http://localhost:8080"},
        {"http://[::1]:8080", "http://[::1]:8080"},
        {"https://jira.internal.example.com:8443", "https://jira.internal.example.com:8443"},
    };
    for (const auto& [in, out] : good) {
        Site site;
        INFO(in);
        CHECK(load_config(site.config("jira:\n  base_url: " + in + "\n  auth:\n    type: bearer\n    token: t\n"))
                  .jira.base_url == out);
    }
    for (const char* bad :
         {"https://example.atlassian.net/jira", "https://example.atlassian.net//", "https://example.atlassian.net?x=1",
          "https://example.atlassian.net#top", "https://user@example.atlassian.net", "ftp://example.com",
          "example.atlassian.net", "https://", "https://:8080", "https://host:0", "https://host:65536",
          "https://host:80a", "'https://host:'", "'https://exa mple.net'", "http://[::1", "https://-bad.net",
          "https://a..b", "https://example.atlassian.net/rest/api/3"}) {
        INFO(bad);
        check_error("jira:\n  base_url: " + std::string(bad) + "\n  auth:\n    email: a@b.c\n    token: s3cr3t-token\n",
                    2, "jira.base_url", "': expected https://your-site.atlassian.net (no path)");
    }
}

TEST_CASE("flavor and auth.type are closed lists", "[config]") {
    check_error(kMinimal + "  flavor: datacenter\n", 6, "jira.flavor", "expected cloud or server");
    check_error(kMinimal + "    type: oauth\n", 6, "jira.auth.type", "expected basic or bearer");
}

TEST_CASE("numbers outside their ranges are rejected, the bounds are accepted", "[config]") {
    struct Case {
        std::string line;
        std::string key;
        std::string what;
    };
    const std::vector<Case> jira_cases{
        {"page_size: 0", "jira.page_size", "between 1 and 5000"},
        {"page_size: 5001", "jira.page_size", "between 1 and 5000"},
        {"page_size: 99999999999999999999", "jira.page_size", "between 1 and 5000"},
        {"max_concurrency: 0", "jira.max_concurrency", "between 1 and 64"},
        {"max_concurrency: 65", "jira.max_concurrency", "between 1 and 64"},
        {"max_requests_per_second: 0", "jira.max_requests_per_second", "greater than 0 and at most 1000"},
        {"max_requests_per_second: -1", "jira.max_requests_per_second", "greater than 0 and at most 1000"},
        {"max_requests_per_second: 1000.5", "jira.max_requests_per_second", "greater than 0 and at most 1000"},
        {"timeout_seconds: 0", "jira.timeout_seconds", "between 1 and 3600"},
        {"timeout_seconds: 3601", "jira.timeout_seconds", "between 1 and 3600"},
        {"max_retries: -1", "jira.max_retries", "between 0 and 100"},
        {"max_retries: 101", "jira.max_retries", "between 0 and 100"},
        {"max_retry_seconds: 0", "jira.max_retry_seconds", "greater than 0"},
    };
    for (const auto& c : jira_cases) check_error(kMinimal + "  " + c.line + "\n", 6, c.key, c.what);
    const std::vector<Case> sync_cases{
        {"overlap_minutes: -1", "sync.overlap_minutes", "between 0 and 10080"},
        {"overlap_minutes: 10081", "sync.overlap_minutes", "between 0 and 10080"},
        {"max_delete_fraction: 1.5", "sync.max_delete_fraction", "between 0 and 1"},
        {"max_delete_fraction: -0.1", "sync.max_delete_fraction", "between 0 and 1"},
    };
    for (const auto& c : sync_cases) check_error(kMinimal + "sync:\n  " + c.line + "\n", 7, c.key, c.what);

    Site site;
    Config c = load_config(site.config(kMinimal +
                                       "  page_size: 5000\n  max_concurrency: 64\n  max_requests_per_second: 1000\n"
                                       "  timeout_seconds: 3600\n  max_retries: 100\n  max_retry_seconds: 0.5\n"
                                       "sync:\n  overlap_minutes: 10080\n  max_delete_fraction: 0\n"));
    CHECK(c.jira.page_size == 5000);
    CHECK(c.jira.max_concurrency == 64);
    CHECK(c.jira.max_requests_per_second == 1000);
    CHECK(c.jira.timeout_seconds == 3600);
    CHECK(c.jira.max_retries == 100);
    CHECK(c.jira.max_retry_seconds == 0.5);
    CHECK(c.sync.overlap_minutes == 10080);
    CHECK(c.sync.max_delete_fraction == 0);
    c = load_config(site.config(kMinimal + "  page_size: 1\n  max_concurrency: 1\n"));
    CHECK(c.jira.page_size == 1);
}

TEST_CASE("ca_file must exist when given", "[config]") {
    check_error(kMinimal + "  ca_file: certs/missing.pem\n", 6, "jira.ca_file", "missing.pem' does not exist");
    Site site;
    CHECK(load_config(site.config(kMinimal + "  ca_file: \"\"\n")).jira.ca_file.empty());
    CHECK(load_config(site.config(kMinimal + "  ca_file:\n")).jira.ca_file.empty());
}

TEST_CASE("jql must not carry its own ORDER BY", "[config]") {
    check_error(kMinimal + "  jql: project = ABC order  by created\n", 6, "jira.jql", "ORDER BY");
    Site site;
    CHECK(load_config(site.config(kMinimal + "  jql: 'summary ~ \"order by\" AND project = BORDER'\n")).jira.jql ==
          "summary ~ \"order by\" AND project = BORDER");
}

TEST_CASE("database.url: sqlite paths resolve against the config folder, postgres URLs pass through",
          "[config]") {
    Site site;
    auto url_of = [&](const std::string& url) {
        return load_config(site.config(kMinimal + "database:\n  url: " + url + "\n")).database.url;
    };
    CHECK(url_of("sqlite:data/jira.db") == "sqlite:" + (site.dir.path() / "data/jira.db").string());
    CHECK(url_of("sqlite:./x/../jira.db") == "sqlite:" + (site.dir.path() / "jira.db").string());
    CHECK(url_of("sqlite:/var/tmp/j2s.db") == "sqlite:/var/tmp/j2s.db");
    CHECK(url_of("\"sqlite::memory:\"") == "sqlite::memory:");
    CHECK(url_of("postgresql://u@h:5432/db") == "postgresql://u@h:5432/db");
    CHECK(url_of("postgres://h/db?sslmode=require") == "postgres://h/db?sslmode=require");

    check_error(kMinimal + "database:\n  url: mysql://u@h/db\n", 7, "database.url", "unsupported database URL");
    check_error(kMinimal + "database:\n  url: \"sqlite:\"\n", 7, "database.url", "needs a path");
    check_error(kMinimal + "database:\n  url: \"\"\n", 7, "database.url", "must not be empty");
}

TEST_CASE("database.schema must be a plain identifier", "[config]") {
    for (const char* bad : {"Jira", "1abc", "a-b", "\"\"", "jira.x"})
        check_error(kMinimal + "database:\n  schema: " + bad + "\n", 7, "database.schema", "not a plain identifier");
    check_error(kMinimal + "database:\n  schema: " + std::string(64, 'a') + "\n", 7, "database.schema",
                "not a plain identifier");
    Site site;
    CHECK(load_config(site.config(kMinimal + "database:\n  schema: _j2_" + std::string(59, 'x') + "\n"))
              .database.schema.size() == 63);
}

TEST_CASE("mapping resolves against the config folder and must exist", "[config]") {
    Site site;
    site.dir.write("maps/m.yaml", "columns: []\n");
    CHECK(load_config(site.config(kMinimal + "mapping: maps/m.yaml\n")).mapping_file == site.dir.path() / "maps/m.yaml");

    TempDir elsewhere;
    auto absolute = elsewhere.write("abs.yaml", "columns: []\n");
    CHECK(load_config(site.config(kMinimal + "mapping: " + absolute.string() + "\n")).mapping_file == absolute);

    check_error(kMinimal + "mapping: maps/none.yaml\n", 6, "mapping", "maps/none.yaml' does not exist");

    // Without a mapping key the default must exist too; the message says it is the default.
    TempDir bare;
    auto config = bare.write("config.yaml", kMinimal);
    std::string message = error_of(config);
    CHECK(message.find((bare.path() / "mappings/default.yaml").string()) != std::string::npos);
    CHECK(message.find("the default") != std::string::npos);
}

TEST_CASE("secrets never appear in error messages", "[config][secrets]") {
    const std::vector<std::string> broken{
        kMinimal + "  page_size: abc\n",
        kMinimal + "  token: other\n",
        kMinimal + "  jql: [unclosed\n",
        kMinimal + "database:\n  url: host=db password=s3cr3t-token\n",
        kMinimal + "database:\n  url: mysql://root:s3cr3t-token@db/jira\n",
        "jira:\n  base_url: https://me:s3cr3t-token@example.atlassian.net\n  auth:\n    email: a@b.c\n"
        "    token: s3cr3t-token\n",
        "jira:\n  base_url: https://example.atlassian.net/s3cr3t-token\n  auth:\n    email: a@b.c\n"
        "    token: s3cr3t-token\n",
        "jira:\n  base_url: https://x.net\n  auth:\n    email: a@b.c\n    token: s3cr3t-token\n    s3cr3t-token: 1\n",
    };
    for (const auto& yaml : broken) {
        Site site;
        INFO(yaml);
        std::string message = error_of(site.config(yaml));
        INFO("-> " << message);
        CHECK(message.find("s3cr3t-token") == std::string::npos);
        CHECK(message.find("config.yaml") != std::string::npos);
    }
    Site site;
    std::string message =
        error_of(site.config(kMinimal + "database:\n  url: postgresql://u:pgs3cret@h/db\n  schema: Bad\n"));
    CHECK(message.find("pgs3cret") == std::string::npos);
    CHECK(message.find("database.schema") != std::string::npos);
}

TEST_CASE("expand_env replaces ${NAME}, ${NAME:-default} and $$", "[config][env]") {
    EnvVar set("J2S_T_SET", "value");
    EnvVar empty("J2S_T_EMPTY", "");
    EnvVar unset("J2S_T_UNSET", std::nullopt);

    CHECK(expand_env("a: ${J2S_T_SET}", "f.yaml") == "a: value");
    CHECK(expand_env("a: x${J2S_T_SET}y${J2S_T_SET}", "f.yaml") == "a: xvalueyvalue");
    CHECK(expand_env("a: ${J2S_T_UNSET:-fallback}", "f.yaml") == "a: fallback");
    CHECK(expand_env("a: ${J2S_T_UNSET:-}", "f.yaml") == "a: ");
    CHECK(expand_env("a: ${J2S_T_EMPTY:-fallback}", "f.yaml") == "a: fallback");
    CHECK(expand_env("a: ${J2S_T_SET:-fallback}", "f.yaml") == "a: value");
    CHECK(expand_env("a: ${J2S_T_UNSET:-http://h:1/x}", "f.yaml") == "a: http://h:1/x");
    CHECK(expand_env("a: ${J2S_T_EMPTY}", "f.yaml") == "a: ");
    CHECK(expand_env("price: $$5 and $$$$ and $${J2S_T_UNSET}", "f.yaml") == "price: $5 and $$ and ${J2S_T_UNSET}");
    CHECK(expand_env("cost: $5 $ x$", "f.yaml") == "cost: $5 $ x$");
    CHECK(expand_env("a: 1\nb: ${J2S_T_SET}\n\n", "f.yaml") == "a: 1\nb: value\n\n");
}

TEST_CASE("expand_env: an unset variable names itself, the file and the line", "[config][env]") {
    EnvVar unset("J2S_T_UNSET", std::nullopt);
    try {
        expand_env("a: 1\nb: 2\nc: ${J2S_T_UNSET}\n", "f.yaml");
        FAIL("no exception");
    } catch (const ConfigError& e) {
        CHECK(std::string(e.what()) == "f.yaml:3: c: environment variable J2S_T_UNSET is not set (used as ${J2S_T_UNSET})");
        CHECK(e.exit_code() == ExitCode::usage);
    }
    CHECK_THROWS_WITH(expand_env("a: 1\nb: ${J2S_T_SET", "f.yaml"), Catch::Contains("f.yaml:2: b: unterminated ${"));
    CHECK_THROWS_WITH(expand_env("b: ${J2S_T_SET:x}", "f.yaml"), Catch::Contains("f.yaml:1: b: malformed ${"));
    CHECK_THROWS_WITH(expand_env("b: ${}", "f.yaml"), Catch::Contains("f.yaml:1: b: invalid environment variable name"));
    CHECK_THROWS_WITH(expand_env("b: ${1X}", "f.yaml"), Catch::Contains("invalid environment variable name"));
}

TEST_CASE("expand_env leaves comments alone", "[config][env]") {
    EnvVar set("J2S_T_SET", "value");
    EnvVar unset("J2S_T_UNSET", std::nullopt);
    CHECK(expand_env("# use ${J2S_T_UNSET} here", "f.yaml") == "# use ${J2S_T_UNSET} here");
    CHECK(expand_env("a: ${J2S_T_SET} # not ${J2S_T_UNSET}", "f.yaml") == "a: value # not ${J2S_T_UNSET}");
    CHECK(expand_env("email: o'brien@x.com # ${J2S_T_UNSET}", "f.yaml") == "email: o'brien@x.com # ${J2S_T_UNSET}");
    // A `#` inside quotes is data, not a comment.
    CHECK(expand_env("a: \"x # ${J2S_T_SET}\"", "f.yaml") == "a: \"x # value\"");
    CHECK(expand_env("a: 'x # ${J2S_T_SET}'", "f.yaml") == "a: 'x # value'");
    CHECK(expand_env("a: x#${J2S_T_SET}", "f.yaml") == "a: x#value");
}

TEST_CASE("load_config expands the environment before parsing, keeping line numbers", "[config][env]") {
    EnvVar token("J2S_TEST_TOKEN", "tok-from-env");
    EnvVar page("J2S_TEST_PAGE", std::nullopt);
    EnvVar missing("J2S_TEST_MISSING", std::nullopt);
    Site site;
    const std::string base =
        "jira:\n"
        "  base_url: ${J2S_TEST_URL:-https://example.atlassian.net}\n"
        "  auth:\n"
        "    email: me@example.com\n"
        "    token: ${J2S_TEST_TOKEN}\n"
        "  page_size: ${J2S_TEST_PAGE:-250}\n";
    Config c = load_config(site.config(base));
    CHECK(c.jira.token == "tok-from-env");
    CHECK(c.jira.page_size == 250);
    CHECK(c.jira.base_url == "https://example.atlassian.net");

    auto path = site.config(base + "  jql: ${J2S_TEST_MISSING}\n");
    CHECK(error_of(path) == path.string() + ":7: jira.jql: environment variable J2S_TEST_MISSING is not set (used as ${J2S_TEST_MISSING})");

    // After expansion, the YAML error still points at the user's line.
    EnvVar bad("J2S_TEST_PAGE", "abc");
    check_error(base, 6, "jira.page_size", "expected an integer");
}

TEST_CASE("several YAML documents in one file are rejected", "[config]") {
    Site site;
    CHECK(error_of(site.config(kMinimal + "---\njira: {}\n")).find("one YAML document") != std::string::npos);
    // The line of the `---` that starts the second one; a `---` before any content only marks the first.
    auto path = site.config("---\n" + kMinimal + "---\njira: {}\n");
    CHECK_THAT(error_of(path), Catch::StartsWith(path.string() + ":7: expected one YAML document, found 2"));
}

// yaml-cpp takes an unclosed quote as running to the end of the file, so the keys after it vanished without a
// word, and reports an unclosed `[` on a later line; both are named where they open, with their key.
TEST_CASE("an unclosed quote or bracket is named on its own line with its key", "[config]") {
    Site site;
    auto quote = site.config(kMinimal + "  jql: \"project = ALPHA\n  page_size: 10\nsync:\n  changelog: false\n");
    CHECK(error_of(quote) == quote.string() + ":6: jira.jql: invalid YAML: a quoted value starts on this line but its "
                                             "closing quote is missing");
    auto single = site.config(kMinimal + "  jql: 'project = ALPHA\n");
    CHECK_THAT(error_of(single), Catch::StartsWith(single.string() + ":6: jira.jql: invalid YAML: a quoted value"));
    auto bracket = site.config(kMinimal + "  jql: [ALPHA, BETA\n  page_size: 10\n");
    CHECK(error_of(bracket) == bracket.string() + ":6: jira.jql: invalid YAML: the '[' on this line is never closed "
                                                 "(missing ']')");
    // Quoted values over several lines, quotes inside words and brackets inside plain values are fine.
    Config ok = load_config(site.config(kMinimal + "  jql: \"project = ALPHA\n    AND status = Done\"\n"
                                                   "  ca_file: ''\nsync:\n  overlap_minutes: 5 # it's [not a list\n"));
    CHECK(ok.jira.jql == "project = ALPHA AND status = Done");
    CHECK(ok.sync.overlap_minutes == 5);
    CHECK(load_config(site.config(kMinimal + "  jql: summary ~ o'brien AND labels = a[1]\n")).jira.jql ==
          "summary ~ o'brien AND labels = a[1]");
}

TEST_CASE("a YAML syntax error names the key of its line", "[config]") {
    Site site;
    // A key indented under the wrong parent: the path shows where YAML put it.
    auto path = site.config(kMinimal + "  page_size: 10\n   max_retries: 2\n");
    CHECK_THAT(error_of(path), Catch::StartsWith(path.string() + ":7: jira.page_size.max_retries: invalid YAML: "));
}

TEST_CASE("redact_url hides passwords only", "[config]") {
    CHECK(redact_url("postgresql://user:secret@host/db") == "postgresql://user:***@host/db");
    CHECK(redact_url("postgres://u:p%40ss@host:5432/db?sslmode=require") == "postgres://u:***@host:5432/db?sslmode=require");
    CHECK(redact_url("postgresql://user@host/db") == "postgresql://user@host/db");
    CHECK(redact_url("postgresql://host/db?password=secret&sslmode=require") ==
          "postgresql://host/db?password=***&sslmode=require");
    CHECK(redact_url("host=db password=secret user=u") == "host=db password=*** user=u");
    CHECK(redact_url("sqlite:/tmp/x.db") == "sqlite:/tmp/x.db");
    CHECK(redact_url("https://example.atlassian.net") == "https://example.atlassian.net");
    CHECK(redact_url("") == "");
}

TEST_CASE("flavor_name", "[config]") {
    CHECK(std::string(flavor_name(Flavor::cloud)) == "cloud");
    CHECK(std::string(flavor_name(Flavor::server)) == "server");
}

TEST_CASE("config.example.yaml loads and documents every key", "[config][example]") {
    const fs::path source = fs::path(J2S_SOURCE_DIR) / "config.example.yaml";
    REQUIRE(fs::exists(source));
    EnvVar email("JIRA_EMAIL", "someone@example.com");
    EnvVar token("JIRA_API_TOKEN", "example-token");

    // The bundled default mapping may not exist yet in this tree; the example's own mapping key is
    // then satisfied by a dummy next to a copy.
    TempDir dir;
    fs::path config = source;
    if (!fs::exists(fs::path(J2S_SOURCE_DIR) / "mappings/default.yaml")) {
        config = dir.path() / "config.example.yaml";
        fs::copy_file(source, config);
        dir.write("mappings/default.yaml", "columns: []\n");
    }
    Config c = load_config(config);
    CHECK(c.jira.base_url == "https://example.atlassian.net");
    CHECK(c.jira.flavor == Flavor::cloud);
    CHECK(c.jira.auth_type == AuthType::basic);
    CHECK(c.jira.email == "someone@example.com");
    CHECK(c.jira.token == "example-token");
    CHECK(c.jira.jql == "project in (ABC, XYZ)");
    CHECK(c.jira.max_retry_seconds == 600);
    CHECK(c.database.url == "sqlite:" + (config.parent_path() / "jira.db").lexically_normal().string());
    CHECK(c.sync.max_delete_fraction == 0.2);

    // Every key is present and has a comment on the line before (or on the same line).
    std::ifstream in(source);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    for (const char* key : {"jira", "base_url", "flavor", "auth", "type", "email", "token", "jql", "page_size",
                            "max_concurrency", "max_requests_per_second", "timeout_seconds", "max_retries",
                            "max_retry_seconds", "ca_file", "database", "url", "schema", "mapping", "sync",
                            "overlap_minutes", "changelog", "reconcile_deletes", "max_delete_fraction"}) {
        INFO(key);
        bool found = false;
        for (std::size_t i = 0; i < lines.size(); ++i) {
            auto first = lines[i].find_first_not_of(' ');
            if (first == std::string::npos || lines[i].compare(first, std::string(key).size() + 1, std::string(key) + ":") != 0)
                continue;
            found = true;
            bool is_section = lines[i].find_first_not_of(' ', first + std::string(key).size() + 1) == std::string::npos;
            bool commented = lines[i].find(" #") != std::string::npos ||
                             (i > 0 && lines[i - 1].find_first_not_of(' ') != std::string::npos &&
                              lines[i - 1][lines[i - 1].find_first_not_of(' ')] == '#');
            if (!is_section) CHECK(commented);
        }
        CHECK(found);
    }
}
