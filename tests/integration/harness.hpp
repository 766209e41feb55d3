#pragma once
// What the integration tests need to drive the real programs: a temporary folder, the fake Jira as a child
// process on a loopback port, jira2sql runs with captured output, and the fake's control API.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace j2s::it {

class TempDir {
public:
    TempDir();
    ~TempDir();
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    const std::filesystem::path& path() const { return m_path; }

private:
    std::filesystem::path m_path;
};

struct ProcessResult {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    std::string out;
    std::string err;
};

// A started child process whose stdout/stderr go to files.
class ChildProcess {
public:
    ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                 const std::filesystem::path& output_dir);
    ~ChildProcess();  // SIGKILLs the child if it is still running
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;

    int pid() const { return m_pid; }
    void kill_hard();  // SIGKILL, then reap
    // Waits for the child to exit (SIGKILL after `timeout_seconds`).
    ProcessResult wait(double timeout_seconds = 300);
    bool running();

private:
    int m_pid = -1;
    bool m_reaped = false;
    ProcessResult m_result;
    std::filesystem::path m_out, m_err;
};

// Runs jira2sql (the built binary) to completion.
ProcessResult run_jira2sql(const std::vector<std::string>& args, const std::filesystem::path& work_dir,
                           const std::map<std::string, std::string>& env = {}, double timeout_seconds = 300);
std::string jira2sql_binary();

struct FakeJiraOptions {
    std::string flavor = "cloud";
    int generate = 0;
    int seed = 7;
    std::string timezone = "UTC";
    std::string email = "demo@example.com";
    std::string token = "demo-token";
    std::string bearer_token;  // non-empty: bearer auth
    int latency_ms = 0;
    std::vector<std::string> extra_args;
};

// The fake Jira server process, listening on a free loopback port.
class FakeJira {
public:
    FakeJira(const FakeJiraOptions& options, const std::filesystem::path& work_dir);
    std::string base_url() const { return "http://127.0.0.1:" + std::to_string(m_port); }
    int port() const { return m_port; }

    nlohmann::json get(const std::string& path);
    nlohmann::json post(const std::string& path, const nlohmann::json& body);
    void del(const std::string& path);

    nlohmann::json issues() { return get("/_fake/issues"); }
    nlohmann::json requests() { return get("/_fake/requests"); }

private:
    std::unique_ptr<ChildProcess> m_process;
    int m_port = 0;
};

// Writes config.yaml (+ the default mapping path) for the fake into `dir`; returns the config path.
struct ConfigOptions {
    std::string flavor = "cloud";
    std::string auth_type = "basic";
    std::string email = "demo@example.com";
    std::string token_env = "FAKE_JIRA_TOKEN";  // the token comes from this environment variable
    std::string jql;
    int page_size = 100;
    int max_concurrency = 4;
    int overlap_minutes = 15;
    std::string database_url;  // default sqlite:<dir>/jira.db
    std::string mapping;       // default: the repository's mappings/default.yaml
    bool changelog = true;
    std::string extra_yaml;    // appended under `sync:`? no: appended verbatim at the end
};
std::filesystem::path write_config(const std::filesystem::path& dir, const std::string& base_url, const ConfigOptions& options);

std::string source_dir();

}  // namespace j2s::it

// ---- polling a run in progress, whatever the backend ----------------------------------------------------
namespace j2s::it {

class TableReader;

// Rows in `issues` now; 0 while the database or its tables do not exist yet.
long long issues_so_far(const TableReader& db);

// Polls until the database `child` is syncing holds at least `n` issues. False if the child ended first or
// `timeout_seconds` passed.
bool wait_for_stored_issues(ChildProcess& child, const TableReader& db, long long n, double timeout_seconds = 60);

}  // namespace j2s::it
