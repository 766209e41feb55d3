#pragma once
// One throwaway database per benchmark run: a SQLite file in the run's folder, or a PostgreSQL database
// created on the server of J2S_TEST_POSTGRES_URL (or --postgres-url) and dropped afterwards.

#include <cstdint>
#include <memory>
#include <string>

namespace j2s::bench {

class BenchDatabase {
public:
    virtual ~BenchDatabase() = default;
    virtual std::string url() const = 0;  // database.url for the configuration
    // Live issues and changelog items jira2sql stored (schema `jira` on PostgreSQL, the default).
    virtual std::int64_t count_issues() = 0;
    virtual std::int64_t count_changelog_items() = 0;
};

// backend "sqlite": `dir`/`name`.db. backend "postgres": database j2s_bench_<pid>_<name> on the server of
// `postgres_admin_url` (a URL whose database may create databases), dropped by the destructor unless `keep`.
std::unique_ptr<BenchDatabase> make_database(const std::string& backend, const std::string& dir, const std::string& name,
                                             const std::string& postgres_admin_url, bool keep);

// The URL with its database name replaced (postgresql://user:pw@host:port/DB?params).
std::string with_database(const std::string& url, const std::string& database);

}  // namespace j2s::bench
