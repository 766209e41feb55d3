#include "bench_process.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace j2s::bench {

namespace fs = std::filesystem;

namespace {

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

double seconds_of(const timeval& tv) { return static_cast<double>(tv.tv_sec) + static_cast<double>(tv.tv_usec) / 1e6; }

}  // namespace

Measured run_measured(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                      const fs::path& dir, double timeout_seconds) {
    static int counter = 0;
    const std::string tag = "run-" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
    const fs::path out_path = dir / (tag + ".out");
    const fs::path err_path = dir / (tag + ".err");

    std::map<std::string, std::string> env;
    for (char** e = environ; *e; ++e) {
        const std::string kv = *e;
        const auto eq = kv.find('=');
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
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

    Measured m;
    const auto started = std::chrono::steady_clock::now();
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("cannot start " + argv[0]);

    const auto deadline = started + std::chrono::duration<double>(timeout_seconds);
    int status = 0;
    rusage usage{};
    for (;;) {
        const pid_t r = ::wait4(pid, &status, WNOHANG, &usage);
        if (r == pid) break;
        if (r < 0) throw std::runtime_error("wait4 failed for " + argv[0]);
        if (std::chrono::steady_clock::now() > deadline && !m.timed_out) {
            m.timed_out = true;
            ::kill(pid, SIGKILL);
        }
        std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    m.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    m.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    m.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
    m.user_seconds = seconds_of(usage.ru_utime);
    m.system_seconds = seconds_of(usage.ru_stime);
    m.max_rss_mb = static_cast<double>(usage.ru_maxrss) / 1024.0;  // Linux: kilobytes
    m.out = slurp(out_path);
    m.err = slurp(err_path);
    std::error_code ec;
    fs::remove(out_path, ec);
    fs::remove(err_path, ec);
    return m;
}

double process_cpu_seconds(int pid) {
    std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
    std::string line;
    if (!std::getline(in, line)) return -1;
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const auto close = line.rfind(')');
    if (close == std::string::npos) return -1;
    std::istringstream rest(line.substr(close + 2));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    // state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9) minflt(10) cminflt(11) majflt(12)
    // cmajflt(13) utime(14) stime(15)
    for (int i = 3; i <= 15 && rest >> field; ++i) {
        if (i == 14) utime = std::stoull(field);
        if (i == 15) stime = std::stoull(field);
    }
    return static_cast<double>(utime + stime) / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

int find_child_pid(const std::string& name, const std::set<int>& exclude) {
    const int self = ::getpid();
    for (const auto& entry : fs::directory_iterator("/proc")) {
        const std::string d = entry.path().filename().string();
        if (d.empty() || d.find_first_not_of("0123456789") != std::string::npos) continue;
        const int pid = std::stoi(d);
        if (exclude.count(pid)) continue;
        std::ifstream in(entry.path() / "stat");
        std::string line;
        if (!std::getline(in, line)) continue;
        const auto open = line.find('(');
        const auto close = line.rfind(')');
        if (open == std::string::npos || close == std::string::npos) continue;
        if (line.substr(open + 1, close - open - 1) != name) continue;
        std::istringstream rest(line.substr(close + 2));
        std::string state;
        int ppid = 0;
        rest >> state >> ppid;
        if (ppid == self) return pid;
    }
    return -1;
}

std::string machine_description() {
    std::string model = "unknown CPU";
    std::ifstream cpuinfo("/proc/cpuinfo");
    for (std::string line; std::getline(cpuinfo, line);)
        if (line.rfind("model name", 0) == 0) {
            model = line.substr(line.find(':') + 2);
            break;
        }
    const long cpus = ::sysconf(_SC_NPROCESSORS_ONLN);
    const double mem_gb = static_cast<double>(::sysconf(_SC_PHYS_PAGES)) * static_cast<double>(::sysconf(_SC_PAGE_SIZE)) /
                          (1024.0 * 1024.0 * 1024.0);
    std::ostringstream s;
    s << cpus << " CPUs, " << model << ", " << static_cast<int>(mem_gb + 0.5) << " GB RAM";
    return s.str();
}

}  // namespace j2s::bench
