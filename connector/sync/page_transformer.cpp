#include "sync/page_transformer.hpp"

#include <spdlog/spdlog.h>

#include "jira/jira_api.hpp"
#include "sync/changelog_rows.hpp"
#include "util/errors.hpp"
#include "util/json_dump.hpp"

namespace j2s {

namespace {

std::string string_at(const nlohmann::json& object, std::initializer_list<const char*> path) {
    const nlohmann::json* node = &object;
    for (const char* name : path) {
        if (!node->is_object()) return "";
        auto it = node->find(name);
        if (it == node->end()) return "";
        node = &*it;
    }
    return node->is_string() ? node->get<std::string>() : "";
}

Timestamp required_time(const nlohmann::json& issue, const char* field) {
    auto text = string_at(issue, {"fields", field});
    auto t = parse_jira_timestamp(text);
    if (!t) throw Error(std::string("fields.") + field + " is missing or not a Jira timestamp: '" + text + "'");
    return *t;
}

// One issue into `out`: its row, changelog rows and entities, or a dead letter. `issue` is consumed.
void transform_issue(nlohmann::json& issue, const Mapping& mapping, const TransformOptions& options,
                     TransformedPage& out) {
    const bool with_changelog = options.with_changelog;
    const bool with_entities = options.entities.any();
    const std::string key = issue.value("key", "");
    std::optional<std::int64_t> id;
    nlohmann::json changelog;
    if (auto it = issue.find("changelog"); it != issue.end()) {
        changelog = std::move(*it);
        issue.erase(it);
    }
    const auto changelog_rows_before = out.changelog.size();
    const auto entities_before = out.entities.size();
    try {
        if (!issue.contains("id")) throw Error("the issue has no id");
        id = json_id(issue["id"]);
        if (key.empty()) throw Error("the issue has no key");
        IssueRecord row;
        row.id = *id;
        row.key = key;
        row.project_key = string_at(issue, {"fields", "project", "key"});
        if (row.project_key.empty()) row.project_key = key.substr(0, key.rfind('-'));
        row.created = required_time(issue, "created");
        row.updated = required_time(issue, "updated");
        row.mapped = mapping.apply(issue);

        bool truncated = false;
        if (with_changelog && changelog.is_object()) {
            std::size_t embedded = 0;
            if (auto h = changelog.find("histories"); h != changelog.end() && h->is_array()) {
                embedded = h->size();
                for (const auto& history : *h) append_changelog_rows(row.id, history, out.changelog);
            }
            const auto total = changelog.value("total", static_cast<std::int64_t>(embedded));
            truncated = total > static_cast<std::int64_t>(embedded);
        }
        if (with_entities) {
            static const nlohmann::json kNoChangelog;
            const nlohmann::json& histories = with_changelog ? changelog : kNoChangelog;
            out.entities.push_back(issue_entities(issue, row.id, key, row.updated, histories, options.entities));
            drop_entity_fields(issue, options.entities);
        }
        row.raw_json = dump_json(issue);
        if (truncated) out.truncated.push_back({row.id, row.updated});
        out.issues.push_back(std::move(row));
    } catch (const std::exception& e) {
        out.changelog.resize(changelog_rows_before);
        out.entities.resize(entities_before);
        DeadLetterRecord dead;
        dead.issue_id = id;
        dead.issue_key = key;
        dead.stage = "transform";
        dead.error = e.what();
        dead.payload = issue.dump();
        spdlog::warn("issue {} goes to the dead letters: {}", key.empty() ? "(no key)" : key, e.what());
        out.dead_letters.push_back(std::move(dead));
    }
}

}  // namespace

TransformedPage transform_page(std::vector<nlohmann::json>&& issues, const Mapping& mapping,
                               const TransformOptions& options) {
    TransformedPage out;
    out.issues.reserve(issues.size());
    for (auto& issue : issues) transform_issue(issue, mapping, options, out);
    return out;
}

TransformedPage transform_page(IssueList issues, const Mapping& mapping, const TransformOptions& options) {
    TransformedPage out;
    out.issues.reserve(issues.size());
    for (std::size_t i = 0; i < issues.size(); ++i) {
        auto issue = issues.to_json(i);
        transform_issue(issue, mapping, options, out);
    }
    return out;
}

TransformedPage transform_page(std::vector<nlohmann::json>&& issues, const Mapping& mapping, bool with_changelog) {
    return transform_page(std::move(issues), mapping, TransformOptions{with_changelog, {}});
}

}  // namespace j2s
