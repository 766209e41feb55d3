#pragma once
// The error vocabulary shared by every module. Each error knows the process exit code it maps to
// (contract section 1), so `main` catches once and never has to guess.

#include <stdexcept>
#include <string>

namespace j2s {

enum class ExitCode : int {
    ok = 0,
    run_failed = 1,     // Jira unreachable, auth refused, database error, delete guard
    usage = 2,          // configuration or mapping error; nothing written
    dead_lettered = 3,  // done, but some issues went to dead_letters
    locked = 4,         // another run holds the lock
};

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message, ExitCode code = ExitCode::run_failed)
        : std::runtime_error(message), m_code(code) {}
    ExitCode exit_code() const { return m_code; }

private:
    ExitCode m_code;
};

// Bad configuration, mapping or command line: exit 2. The message names file, line and key.
class ConfigError : public Error {
public:
    explicit ConfigError(const std::string& message) : Error(message, ExitCode::usage) {}
    ConfigError(const std::string& file, int line, const std::string& key, const std::string& message)
        : Error(format(file, line, key, message), ExitCode::usage) {}

private:
    static std::string format(const std::string& file, int line, const std::string& key,
                              const std::string& message) {
        std::string out = file;
        if (line > 0) out += ":" + std::to_string(line);
        if (!key.empty()) out += ": " + key;
        return out + ": " + message;
    }
};

// Another run holds the lock: exit 4.
class LockedError : public Error {
public:
    explicit LockedError(const std::string& message) : Error(message, ExitCode::locked) {}
};

// A database failure: exit 1, the checkpoint is kept.
class StoreError : public Error {
public:
    explicit StoreError(const std::string& message) : Error("database error: " + message) {}
};

}  // namespace j2s
