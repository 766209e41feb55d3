#pragma once
// Structured log lines: an event name and typed fields next to the human-readable message.
//
//   log_event(spdlog::level::info, "run_started", {{"mode", "full"}}, "full backfill of {}", scope);
//
// The text formatter prints only the message (logs for people); the JSON formatter (cli/logging.cpp)
// writes {time, level, run_id, event, message, ...fields} as one object per line. A plain spdlog call
// gets the event name "log" and no fields. The run id, once a run has one, is attached to every line
// of the process (set_log_run_id).
//
// How the fields reach the formatter: spdlog formats synchronously in the calling thread, so the fields
// of the line being logged are published in a thread_local for the duration of the call.

#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

namespace j2s {

struct LogEventContext {
    const char* event = nullptr;
    const nlohmann::json* fields = nullptr;
};

// The event being logged by this thread right now (event == nullptr outside log_event).
inline LogEventContext& current_log_event() {
    thread_local LogEventContext context;
    return context;
}

inline std::atomic<std::int64_t>& log_run_id_slot() {
    static std::atomic<std::int64_t> id{0};
    return id;
}
// 0: no run (yet).
inline void set_log_run_id(std::int64_t id) { log_run_id_slot().store(id); }
inline std::int64_t log_run_id() { return log_run_id_slot().load(); }

template <class... Args>
void log_event(spdlog::level::level_enum level, const char* event, const nlohmann::json& fields,
               fmt::format_string<Args...> message, Args&&... args) {
    auto* logger = spdlog::default_logger_raw();
    if (!logger || !logger->should_log(level)) return;
    LogEventContext& context = current_log_event();
    const LogEventContext saved = context;
    context = {event, &fields};
    try {
        logger->log(level, message, std::forward<Args>(args)...);
    } catch (...) {
        context = saved;
        throw;
    }
    context = saved;
}

}  // namespace j2s
