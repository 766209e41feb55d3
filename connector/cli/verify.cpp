#include "cli/verify.hpp"

#include <fmt/format.h>

#include <map>
#include <set>

#include "cli/progress.hpp"
#include "jira/search_cursor.hpp"

namespace j2s {

std::string project_jql(const std::string& scope_jql, const std::string& project) {
    std::string escaped;
    for (char c : project) {
        if (c == '"' || c == '\\') escaped += '\\';
        escaped += c;
    }
    const std::string clause = "project = \"" + escaped + "\"";
    const std::string scope = strip_order_by(scope_jql);
    return scope.empty() ? clause : "(" + scope + ") AND " + clause;
}

std::vector<ProjectCountRow> compare_project_counts(JiraApi& api, Store& store, const std::string& scope_jql,
                                                    const std::string& time_zone) {
    // build_search_jql bounds every query (updated >= the epoch), as cloud requires of a count.
    auto count = [&](const std::string& jql) { return count_issues(api, build_search_jql(jql, std::nullopt, time_zone)); };
    std::vector<ProjectCountRow> out;
    std::int64_t jira_sum = 0;
    for (const auto& [project, stored] : store.live_issues_per_project()) {
        ProjectCountRow row{project, count(project_jql(scope_jql, project)), stored};
        jira_sum += row.jira;
        out.push_back(row);
    }
    const std::int64_t scope_total = count(scope_jql);
    out.push_back({"(rest of scope)", std::max<std::int64_t>(scope_total - jira_sum, 0), 0});
    return out;
}

std::string sql_value_text(const SqlValue& v) {
    return std::visit(
        [](const auto& x) -> std::string {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, std::monostate>) return "NULL";
            else if constexpr (std::is_same_v<T, bool>) return x ? "true" : "false";
            else if constexpr (std::is_same_v<T, std::string>) return x;
            else if constexpr (std::is_same_v<T, double>) return fmt::format("{}", x);
            else return std::to_string(x);
        },
        v);
}

namespace {

std::optional<std::vector<SqlValue>> try_apply(const Mapping& mapping, const nlohmann::json& issue, std::string& error) {
    try {
        return mapping.apply(issue);
    } catch (const std::exception& e) {
        error = e.what();
        return std::nullopt;
    }
}

// issues.raw leaves out the comment and worklog pages when those entities have their own tables (and kept
// them in rows stored before): the copy from Jira is compared as the stored one was kept.
void drop_fields_the_stored_copy_lacks(nlohmann::json& jira, const nlohmann::json& stored) {
    auto fields = jira.find("fields");
    const auto stored_fields = stored.find("fields");
    if (fields == jira.end() || !fields->is_object() || stored_fields == stored.end() || !stored_fields->is_object())
        return;
    for (const char* name : {"comment", "worklog"})
        if (!stored_fields->contains(name)) fields->erase(name);
}

std::string clip(std::string s) {
    if (s.size() > 60) s = s.substr(0, 57) + "...";
    return s;
}

}  // namespace

SampleResult compare_sample(JiraApi& api, Store& store, const Mapping& mapping, int sample_size,
                            std::optional<Timestamp> watermark) {
    SampleResult result;
    const auto sample = store.sample_live_issues(sample_size);
    if (sample.empty()) return result;
    std::map<std::int64_t, nlohmann::json> fetched;
    for (std::size_t first = 0; first < sample.size(); first += kCloudMaxPageWithFields) {
        std::string ids;
        for (std::size_t i = first; i < std::min(sample.size(), first + kCloudMaxPageWithFields); ++i)
            ids += (ids.empty() ? "" : ", ") + std::to_string(sample[i].id);
        std::optional<std::string> token;
        std::int64_t start_at = 0;
        for (;;) {
            auto page = api.search_page("id in (" + ids + ") ORDER BY id ASC", token, start_at, kCloudMaxPageWithFields, false);
            start_at += static_cast<std::int64_t>(page.issues.size());
            for (std::size_t i = 0; i < page.issues.size(); ++i) fetched[page.issues.id(i)] = page.issues.to_json(i);
            token = page.next_page_token;
            if (page.is_last || page.issues.empty()) break;
        }
    }
    const auto columns = mapping.column_defs();
    for (const auto& row : sample) {
        ++result.checked;
        const auto it = fetched.find(row.id);
        if (it == fetched.end()) {
            result.drift.push_back({row.id, row.key, "missing", "live row", "not in Jira (deleted, moved or hidden)", false});
            continue;
        }
        nlohmann::json& jira = it->second;
        const auto jira_updated = issue_updated(jira);
        const bool newer = jira_updated && watermark && *jira_updated >= *watermark;
        const std::string jira_updated_text = jira_updated ? format_utc(*jira_updated) : "?";
        if (jira_updated_text != row.updated)
            result.drift.push_back({row.id, row.key, "updated", row.updated, jira_updated_text, newer});
        const auto stored_raw = nlohmann::json::parse(row.raw_json, nullptr, false);
        drop_fields_the_stored_copy_lacks(jira, stored_raw);
        std::string stored_error, jira_error;
        const auto stored_values = try_apply(mapping, stored_raw, stored_error);
        const auto jira_values = try_apply(mapping, jira, jira_error);
        if (!stored_values || !jira_values) {
            if (stored_error != jira_error)
                result.drift.push_back({row.id, row.key, "mapping", clip(stored_error), clip(jira_error), newer});
            continue;
        }
        for (std::size_t c = 0; c < columns.size(); ++c) {
            const std::string a = sql_value_text((*stored_values)[c]), b = sql_value_text((*jira_values)[c]);
            if (a != b) result.drift.push_back({row.id, row.key, columns[c].name, clip(a), clip(b), newer});
        }
    }
    return result;
}

}  // namespace j2s
