#pragma once
// The run configuration (contract section 2). Loading validates everything up front so that a bad
// file fails with exit 2 before anything touches the network or the database.

#include <filesystem>
#include <string>
#include <vector>

namespace j2s {

enum class Flavor { cloud, server };
enum class AuthType { basic, bearer };

struct JiraConfig {
    std::string base_url;  // scheme://host[:port], no trailing slash or path
    Flavor flavor = Flavor::cloud;
    AuthType auth_type = AuthType::basic;
    std::string email;  // basic only
    std::string token;  // secret: never log
    std::string jql;    // the scope; empty = everything visible
    int page_size = 100;
    int max_concurrency = 4;
    double max_requests_per_second = 10;
    int timeout_seconds = 60;
    int max_retries = 8;
    double max_retry_seconds = 600;  // total time one request may spend retrying
    std::string ca_file;
};

struct DatabaseConfig {
    std::string url = "sqlite:jira.db";  // secret-bearing: print only through redact_url()
    std::string schema = "jira";
};

// The entities around issues that a sync also copies (sync.entities).
enum class Entity { comments, worklogs, sprints, projects, users, links };
inline constexpr Entity kAllEntities[] = {Entity::comments, Entity::worklogs, Entity::sprints,
                                          Entity::projects, Entity::users,    Entity::links};
const char* entity_name(Entity e);

struct SyncConfig {
    int overlap_minutes = 15;
    bool changelog = true;
    bool reconcile_deletes = true;
    double max_delete_fraction = 0.2;
    // Cheap listings (one request per 100 projects, per 1,000 users), so on unless the file says otherwise.
    std::vector<Entity> entities{Entity::projects, Entity::users};
    bool has(Entity e) const;
};

struct Config {
    std::filesystem::path source_file;  // the config file it came from
    JiraConfig jira;
    DatabaseConfig database;
    std::filesystem::path mapping_file;  // resolved against the config file's folder
    SyncConfig sync;
    // Prometheus textfile written at the end of every sync / retry-dead-letters run; empty = none.
    // Resolved against the config file's folder. --metrics-file overrides it.
    std::filesystem::path metrics_file;
};

// Reads and validates `path`. `${NAME}` and `${NAME:-default}` are expanded from the environment before
// parsing. Throws ConfigError ("file:line: key: what is wrong") on invalid YAML, unknown or mistyped keys,
// missing required keys, unset variables, a malformed base_url, out-of-range numbers, a missing mapping
// or ca_file. The token and any database password never appear in the message.
// On success: base_url is normalised (lower-case scheme and host, no trailing slash); a relative
// `sqlite:PATH`, `mapping` and `ca_file` are made absolute against the config file's folder;
// source_file is absolute.
Config load_config(const std::filesystem::path& path);

// Expands `${NAME}` / `${NAME:-default}` in `text`; `$$` is a literal `$`. As in the shell, the default
// also replaces a variable that is set but empty. YAML comments (a `#` after whitespace, outside quotes)
// are left as they are, so documentation may mention variables. Throws ConfigError naming the variable
// and the line of `file` where it is used if a variable is unset and has no default, and on a malformed
// or unterminated `${`.
std::string expand_env(const std::string& text, const std::string& file);

// `postgresql://user:secret@host/db` -> `postgresql://user:***@host/db`; a libpq `password=` value (URI
// parameter or key=value string) becomes `***` too; other strings unchanged.
std::string redact_url(const std::string& url);

const char* flavor_name(Flavor f);

}  // namespace j2s
