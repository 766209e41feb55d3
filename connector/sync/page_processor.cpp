#include "sync/page_processor.hpp"

#include <spdlog/spdlog.h>

#include <unordered_set>

#include "sync/changelog_rows.hpp"
#include "util/errors.hpp"

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

struct PendingIssue {
    std::int64_t id;
    Timestamp updated;
    nlohmann::json histories;  // embedded, newest first
    bool truncated;
};

}  // namespace

PageProcessor::PageProcessor(const Mapping& mapping, JiraApi& api, Store& store, bool with_changelog)
    : m_mapping(mapping), m_api(api), m_store(store), m_with_changelog(with_changelog) {}

void PageProcessor::process(std::vector<nlohmann::json>&& issues, PageCommit& out) {
    std::vector<PendingIssue> pending;
    pending.reserve(issues.size());
    for (auto& issue : issues) {
        const std::string key = issue.value("key", "");
        std::optional<std::int64_t> id;
        nlohmann::json changelog;
        if (auto it = issue.find("changelog"); it != issue.end()) {
            changelog = std::move(*it);
            issue.erase(it);
        }
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
            row.mapped = m_mapping.apply(issue);
            row.raw_json = issue.dump();

            PendingIssue p{row.id, row.updated, nlohmann::json::array(), false};
            if (m_with_changelog && changelog.is_object()) {
                if (auto h = changelog.find("histories"); h != changelog.end() && h->is_array()) p.histories = std::move(*h);
                const auto total = changelog.value("total", static_cast<std::int64_t>(p.histories.size()));
                p.truncated = total > static_cast<std::int64_t>(p.histories.size());
            }
            pending.push_back(std::move(p));
            out.issues.push_back(std::move(row));
        } catch (const std::exception& e) {
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

    // Only issues that changed since they were stored need their missing histories: the stored copy's
    // changelog was completed in the same transaction that stored it.
    std::vector<std::int64_t> truncated_ids;
    for (const auto& p : pending)
        if (p.truncated) truncated_ids.push_back(p.id);
    std::unordered_map<std::int64_t, std::vector<nlohmann::json>> fetched;
    if (!truncated_ids.empty()) {
        auto stored = m_store.stored_updated(truncated_ids);
        std::vector<std::int64_t> to_fetch;
        for (auto id : truncated_ids) {
            auto it = stored.find(id);
            const auto& p = *std::find_if(pending.begin(), pending.end(), [&](const auto& x) { return x.id == id; });
            if (it == stored.end() || it->second < p.updated) to_fetch.push_back(id);
        }
        fetched = m_api.fetch_changelogs(to_fetch);
    }

    std::unordered_set<std::int64_t> failed;
    for (auto& p : pending) {
        auto it = fetched.find(p.id);
        const nlohmann::json* histories = &p.histories;
        nlohmann::json fetched_histories;
        if (it != fetched.end()) {
            fetched_histories = nlohmann::json(std::move(it->second));
            histories = &fetched_histories;
        }
        const auto before = out.changelog.size();
        try {
            for (const auto& h : *histories) append_changelog_rows(p.id, h, out.changelog);
        } catch (const std::exception& e) {
            out.changelog.resize(before);
            failed.insert(p.id);
            auto row = std::find_if(out.issues.begin(), out.issues.end(), [&](const auto& r) { return r.id == p.id; });
            DeadLetterRecord dead{p.id, row->key, "transform", std::string("changelog: ") + e.what(), row->raw_json};
            spdlog::warn("issue {} goes to the dead letters: changelog: {}", row->key, e.what());
            out.dead_letters.push_back(std::move(dead));
        }
    }
    if (!failed.empty())
        std::erase_if(out.issues, [&](const IssueRecord& r) { return failed.count(r.id) > 0; });
    for (const auto& r : out.issues) out.clean_issue_ids.push_back(r.id);
}

}  // namespace j2s
