#include "harness.hpp"

#include <httplib.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "table_reader.hpp"

extern char** environ;

namespace j2s::it {

namespace fs = std::filesystem;

std::string source_dir() { return J2S_SOURCE_DIR; }
std::string jira2sql_binary() { return J2S_BINARY; }

TempDir::TempDir() {
    std::random_device rd;
    m_path = fs::temp_directory_path() / ("j2s-it-" + std::to_string(rd()) + std::to_string(::getpid()));
    fs::create_directories(m_path);
}

TempDir::~TempDir() {
    if (std::getenv("J2S_KEEP_TEST_DIRS")) return;
    std::error_code ec;
    fs::remove_all(m_path, ec);
}

namespace {
std::string read_file(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}
}  // namespace

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                           const fs::path& output_dir) {
    static int counter = 0;
    const std::string tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
    m_out = output_dir / ("proc-" + tag + ".out");
    m_err = output_dir / ("proc-" + tag + ".err");

    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        std::string kv = *e;
        auto eq = kv.find('=');
        if (eq != std::string::npos) env[kv.substr(0, eq)] = kv.substr(eq + 1);
    }
    for (const auto& [k, v] : extra_env) env[k] = v;
    std::vector<std::string> env_strings;
    for (const auto& [k, v] : env) env_strings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_copy = argv;
    for (auto& s : argv_copy) args.push_back(s.data());
    args.push_back(nullptr);

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, m_out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, m_err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);
    m_pid = pid;
}

ChildProcess::~ChildProcess() {
    if (!m_reaped) kill_hard();
}

bool ChildProcess::running() {
    if (m_reaped) return false;
    int status = 0;
    pid_t r = ::waitpid(m_pid, &status, WNOHANG);
    if (r == m_pid) {
        m_reaped = true;
        m_result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        m_result.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
        return false;
    }
    return true;
}

void ChildProcess::kill_hard() {
    if (m_reaped) return;
    ::kill(m_pid, SIGKILL);
    int status = 0;
    ::waitpid(m_pid, &status, 0);
    m_reaped = true;
    m_result.exit_code = -1;
    m_result.signal = SIGKILL;
}

ProcessResult ChildProcess::wait(double timeout_seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
    while (running()) {
        if (std::chrono::steady_clock::now() > deadline) {
            kill_hard();
            break;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    m_result.out = read_file(m_out);
    m_result.err = read_file(m_err);
    return m_result;
}

ProcessResult run_jira2sql(const std::vector<std::string>& args, const fs::path& work_dir,
                           const std::map<std::string, std::string>& env, double timeout_seconds) {
    std::vector<std::string> argv{jira2sql_binary()};
    argv.insert(argv.end(), args.begin(), args.end());
    ChildProcess child(argv, env, work_dir);
    return child.wait(timeout_seconds);
}

FakeJira::FakeJira(const FakeJiraOptions& o, const fs::path& work_dir) {
    const fs::path port_file = work_dir / ("fake-port-" + std::to_string(std::random_device{}()));
    std::vector<std::string> argv{J2S_FAKE_JIRA_BINARY, "--flavor", o.flavor, "--port", "0", "--port-file",
                                  port_file.string(), "--seed", std::to_string(o.seed), "--timezone", o.timezone,
                                  "--latency-ms", std::to_string(o.latency_ms)};
    if (o.generate > 0) {
        argv.push_back("--generate");
        argv.push_back(std::to_string(o.generate));
    }
    if (!o.bearer_token.empty()) {
        argv.push_back("--bearer-token");
        argv.push_back(o.bearer_token);
    } else {
        argv.insert(argv.end(), {"--auth-email", o.email, "--auth-token", o.token});
    }
    argv.insert(argv.end(), o.extra_args.begin(), o.extra_args.end());
    m_process = std::make_unique<ChildProcess>(argv, std::map<std::string, std::string>{}, work_dir);
    // Generating 200,000 issues, and rendering them all with --prerender (the bench), takes minutes; a fake
    // that fails exits, and that is caught at once below.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(900);
    while (std::chrono::steady_clock::now() < deadline) {
        if (!m_process->running()) {
            auto r = m_process->wait(0);
            throw std::runtime_error("fake_jira exited at start: " + r.err);
        }
        std::ifstream in(port_file);
        if (in >> m_port && m_port > 0) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("fake_jira did not start within 900 s");
}

namespace {
nlohmann::json parse_or_throw(const httplib::Result& r, const std::string& what) {
    if (!r) throw std::runtime_error("fake control request failed: " + what);
    if (r->status >= 300) throw std::runtime_error("fake control " + what + " -> " + std::to_string(r->status) + ": " + r->body);
    if (r->body.empty()) return nullptr;
    return nlohmann::json::parse(r->body);
}
}  // namespace

nlohmann::json FakeJira::get(const std::string& path) {
    httplib::Client client("127.0.0.1", m_port);
    client.set_read_timeout(120, 0);
    return parse_or_throw(client.Get(path.c_str()), "GET " + path);
}

nlohmann::json FakeJira::post(const std::string& path, const nlohmann::json& body) {
    httplib::Client client("127.0.0.1", m_port);
    client.set_read_timeout(120, 0);
    return parse_or_throw(client.Post(path.c_str(), body.dump(), "application/json"), "POST " + path);
}

void FakeJira::del(const std::string& path) {
    httplib::Client client("127.0.0.1", m_port);
    parse_or_throw(client.Delete(path.c_str()), "DELETE " + path);
}

fs::path write_config(const fs::path& dir, const std::string& base_url, const ConfigOptions& o) {
    std::ostringstream y;
    y << "jira:\n"
      << "  base_url: " << base_url << "\n"
      << "  flavor: " << o.flavor << "\n"
      << "  auth:\n"
      << "    type: " << o.auth_type << "\n";
    if (o.auth_type == "basic") y << "    email: " << o.email << "\n";
    y << "    token: ${" << o.token_env << "}\n"
      << "  jql: \"" << o.jql << "\"\n"
      << "  page_size: " << o.page_size << "\n"
      << "  max_concurrency: " << o.max_concurrency << "\n"
      << "  max_requests_per_second: 1000\n"
      << "  timeout_seconds: 30\n"
      << "  max_retries: 3\n"
      << "database:\n"
      << "  url: " << (o.database_url.empty() ? "sqlite:" + (dir / "jira.db").string() : o.database_url) << "\n"
      << "mapping: " << (o.mapping.empty() ? source_dir() + "/mappings/default.yaml" : o.mapping) << "\n"
      << "sync:\n"
      << "  overlap_minutes: " << o.overlap_minutes << "\n"
      << "  changelog: " << (o.changelog ? "true" : "false") << "\n"
      << "  reconcile_deletes: false\n"
      << o.extra_yaml;
    const fs::path path = dir / "config.yaml";
    std::ofstream(path) << y.str();
    return path;
}

}  // namespace j2s::it

// ---- polling a run in progress ---------------------------------------------------------------------------

namespace j2s::it {

long long issues_so_far(const TableReader& db) {
    try {
        return db.scalar("SELECT count(*) FROM issues");
    } catch (const std::exception&) {  // no database file, schema or table yet
        return 0;
    }
}

bool wait_for_stored_issues(ChildProcess& child, const TableReader& db, long long n, double timeout_seconds) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_seconds);
    while (std::chrono::steady_clock::now() < deadline && child.running()) {
        if (issues_so_far(db) >= n) return true;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
}

}  // namespace j2s::it
