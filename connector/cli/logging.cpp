#include "cli/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <mutex>

#include <nlohmann/json.hpp>

#include "cli/progress.hpp"
#include "util/log_event.hpp"
#include "util/time.hpp"

namespace j2s {

namespace {

// {"time", "level", "run_id" (once a run has one), "event", "message", ...the event's fields}
class JsonFormatter final : public spdlog::formatter {
public:
    void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
        const auto level = spdlog::level::to_string_view(msg.level);
        const LogEventContext& context = current_log_event();
        nlohmann::ordered_json line = {
            {"time", format_utc(std::chrono::time_point_cast<std::chrono::milliseconds>(msg.time))},
            {"level", std::string(level.data(), level.size())},
        };
        if (const auto run_id = log_run_id(); run_id > 0) line["run_id"] = run_id;
        line["event"] = context.event ? context.event : "log";
        line["message"] = std::string(msg.payload.data(), msg.payload.size());
        if (context.fields && context.fields->is_object())
            for (const auto& [key, value] : context.fields->items())
                if (!line.contains(key)) line[key] = value;
        // Replace invalid UTF-8 rather than throwing from inside the logger.
        const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        dest.append(text.data(), text.data() + text.size());
    }
    std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonFormatter>(); }
};

// stderr, through the terminal's status line when there is one, so a log line never lands in the middle of
// the progress line.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
protected:
    void sink_it_(const spdlog::details::log_msg& msg) override {
        spdlog::memory_buf_t formatted;
        formatter_->format(msg, formatted);
        const std::string_view text(formatted.data(), formatted.size());
        if (StatusLine* line = terminal_status_line()) {
            line->write_log(text);
        } else {
            std::fwrite(text.data(), 1, text.size(), stderr);
            std::fflush(stderr);
        }
    }
    void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setup_logging(LogFormat format, int verbosity) {
    auto sink = std::make_shared<StderrSink>();
    auto logger = std::make_shared<spdlog::logger>("jira2sql", sink);
    if (format == LogFormat::json)
        logger->set_formatter(std::make_unique<JsonFormatter>());
    else
        logger->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %^%l%$ %v", spdlog::pattern_time_type::utc);
    logger->set_level(verbosity < 0    ? spdlog::level::warn
                      : verbosity == 0 ? spdlog::level::info
                      : verbosity == 1 ? spdlog::level::debug
                                       : spdlog::level::trace);
    logger->flush_on(spdlog::level::trace);
    spdlog::set_default_logger(logger);
}

}  // namespace j2s
