#include "sync/entity_overflow.hpp"

#include <spdlog/spdlog.h>

#include "sync/entity_rows.hpp"

namespace j2s {

namespace {

template <class Record, class Build>
std::optional<DeadLetterRecord> take_set(const std::vector<nlohmann::json>& items, std::int64_t issue_id,
                                         const char* entity, Build build, std::vector<Record>& rows,
                                         std::vector<std::int64_t>& complete_for) {
    if (items.empty()) return std::nullopt;
    std::vector<Record> read;
    read.reserve(items.size());
    for (const auto& item : items) {
        try {
            read.push_back(build(item));
        } catch (const std::exception& e) {
            spdlog::warn("issue {} goes to the dead letters: {}: {}", issue_id, entity, e.what());
            return DeadLetterRecord{issue_id, "id " + std::to_string(issue_id), "transform",
                                    std::string(entity) + ": " + e.what(), item.dump()};
        }
    }
    rows.insert(rows.end(), std::make_move_iterator(read.begin()), std::make_move_iterator(read.end()));
    complete_for.push_back(issue_id);
    return std::nullopt;
}

}  // namespace

std::optional<DeadLetterRecord> fetch_comment_set(JiraApi& api, std::int64_t issue_id, Flavor flavor, EntityRows& out) {
    return take_set<CommentRecord>(
        api.issue_comments(issue_id), issue_id, "comments",
        [&](const nlohmann::json& c) { return comment_record(c, issue_id, flavor); }, out.comments,
        out.comments_complete_for);
}

std::optional<DeadLetterRecord> fetch_worklog_set(JiraApi& api, std::int64_t issue_id, Flavor flavor, EntityRows& out) {
    return take_set<WorklogRecord>(
        api.issue_worklogs(issue_id), issue_id, "worklogs",
        [&](const nlohmann::json& w) { return worklog_record(w, issue_id, flavor); }, out.worklogs,
        out.worklogs_complete_for);
}

}  // namespace j2s
