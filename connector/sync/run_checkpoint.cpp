#include "sync/run_checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "util/errors.hpp"

namespace j2s {

const char* sync_mode_name(SyncMode mode) {
    switch (mode) {
        case SyncMode::incremental: return "incremental";
        case SyncMode::full: return "full";
        case SyncMode::jql: return "jql";
    }
    return "incremental";
}

std::string RunCheckpoint::to_json() const {
    nlohmann::json j = {{"version", 1},
                        {"mode", sync_mode_name(mode)},
                        {"run_started", format_utc(run_started)},
                        {"cursor", cursor.to_json()}};
    if (lower_bound) j["lower_bound"] = format_utc(*lower_bound);
    return j.dump();
}

RunCheckpoint RunCheckpoint::from_json(const std::string& text) {
    const std::string advice = "; run `jira2sql sync --restart` to discard it and start the run over";
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("version", 0) != 1) throw Error("the stored checkpoint is unreadable" + advice);
    RunCheckpoint c;
    const std::string mode = j.value("mode", "");
    if (mode == "incremental") c.mode = SyncMode::incremental;
    else if (mode == "full") c.mode = SyncMode::full;
    else if (mode == "jql") c.mode = SyncMode::jql;
    else throw Error("the stored checkpoint has an unknown mode '" + mode + "'" + advice);
    auto started = parse_jira_timestamp(j.value("run_started", ""));
    if (!started) throw Error("the stored checkpoint has no start time" + advice);
    c.run_started = *started;
    if (j.contains("lower_bound")) {
        c.lower_bound = parse_jira_timestamp(j["lower_bound"].get<std::string>());
        if (!c.lower_bound) throw Error("the stored checkpoint has an unreadable lower bound" + advice);
    }
    c.cursor = CursorState::from_json(j.value("cursor", nlohmann::json::object()));
    return c;
}

}  // namespace j2s
