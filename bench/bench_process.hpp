#pragma once
// Running the jira2sql binary under measurement: wall time, and the child's own CPU time and peak RSS from
// wait4() (its rusage alone, not the fake's or another child's). And the CPU time of a process still
// running (the fake), read from /proc.

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace j2s::bench {

struct Measured {
    int exit_code = -1;  // -1 when killed by a signal
    int signal = 0;
    bool timed_out = false;
    double wall_seconds = 0;
    double user_seconds = 0;
    double system_seconds = 0;
    double max_rss_mb = 0;  // ru_maxrss of this child, in MiB
    std::string out, err;   // its stdout and stderr

    double cpu_seconds() const { return user_seconds + system_seconds; }
};

// Starts argv[0] (an absolute path) with the environment plus `extra_env`, stdout/stderr into files in
// `dir`, stdin from /dev/null, and waits for it (SIGKILL after `timeout_seconds`).
Measured run_measured(const std::vector<std::string>& argv, const std::map<std::string, std::string>& extra_env,
                      const std::filesystem::path& dir, double timeout_seconds);

// User + system CPU seconds process `pid` has used so far (/proc/PID/stat); -1 if it cannot be read.
double process_cpu_seconds(int pid);

// The pid of a direct child of this process whose command name is `name`, not in `exclude`; -1 if none.
int find_child_pid(const std::string& name, const std::set<int>& exclude = {});

// The first line of `lscpu`'s "Model name", the number of online CPUs and the total memory, for the report.
std::string machine_description();

}  // namespace j2s::bench
