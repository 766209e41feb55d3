#include "sync/run_checkpoint.hpp"

#include <nlohmann/json.hpp>

#include "util/errors.hpp"

namespace j2s {

namespace {

constexpr int kFormatVersion = 2;
const std::string kAdvice = "; run `jira2sql sync --restart` to discard it and start the run over";

nlohmann::json time_or_null(const std::optional<Timestamp>& t) {
    return t ? nlohmann::json(format_utc(*t)) : nlohmann::json(nullptr);
}

std::optional<Timestamp> read_time(const nlohmann::json& j, const char* name) {
    if (!j.contains(name) || j[name].is_null()) return std::nullopt;
    auto t = parse_jira_timestamp(j[name].get<std::string>());
    if (!t) throw Error(std::string("the stored checkpoint has an unreadable ") + name + kAdvice);
    return t;
}

}  // namespace

const char* sync_mode_name(SyncMode mode) {
    switch (mode) {
        case SyncMode::incremental: return "incremental";
        case SyncMode::full: return "full";
        case SyncMode::jql: return "jql";
    }
    return "incremental";
}

bool RunCheckpoint::scan_done() const {
    if (!planned()) return false;
    for (const auto& s : slices)
        if (!s.cursor.done) return false;
    return true;
}

std::string RunCheckpoint::to_json() const {
    nlohmann::json slice_list = nlohmann::json::array();
    for (const auto& s : slices)
        slice_list.push_back({{"created_from", time_or_null(s.range.from)},
                              {"created_to", time_or_null(s.range.to)},
                              {"cursor", s.cursor.to_json()}});
    nlohmann::json j = {{"version", kFormatVersion},
                        {"mode", sync_mode_name(mode)},
                        {"run_started", format_utc(run_started)},
                        {"lower_bound", time_or_null(lower_bound)},
                        {"slices", slice_list},
                        {"changelog_pending", changelog_pending}};
    // Written only when there are some: a run without entities keeps the checkpoint it always had.
    if (!comment_pending.empty()) j["comment_pending"] = comment_pending;
    if (!worklog_pending.empty()) j["worklog_pending"] = worklog_pending;
    return j.dump();
}

RunCheckpoint RunCheckpoint::from_json(const std::string& text) {
    auto j = nlohmann::json::parse(text, nullptr, false);
    if (!j.is_object() || j.value("version", 0) != kFormatVersion)
        throw Error("the stored checkpoint is unreadable or from another version" + kAdvice);
    try {
        RunCheckpoint c;
        const std::string mode = j.value("mode", "");
        if (mode == "incremental") c.mode = SyncMode::incremental;
        else if (mode == "full") c.mode = SyncMode::full;
        else if (mode == "jql") c.mode = SyncMode::jql;
        else throw Error("the stored checkpoint has an unknown mode '" + mode + "'" + kAdvice);
        auto started = read_time(j, "run_started");
        if (!started) throw Error("the stored checkpoint has no start time" + kAdvice);
        c.run_started = *started;
        c.lower_bound = read_time(j, "lower_bound");
        for (const auto& s : j.value("slices", nlohmann::json::array()))
            c.slices.push_back({{read_time(s, "created_from"), read_time(s, "created_to")},
                                CursorState::from_json(s.at("cursor"))});
        c.changelog_pending = j.value("changelog_pending", std::vector<std::int64_t>{});
        c.comment_pending = j.value("comment_pending", std::vector<std::int64_t>{});
        c.worklog_pending = j.value("worklog_pending", std::vector<std::int64_t>{});
        return c;
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(std::string("the stored checkpoint is unreadable (") + e.what() + ")" + kAdvice);
    }
}

}  // namespace j2s
