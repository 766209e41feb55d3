#include "jira/jira_api.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace j2s {

std::int64_t json_id(const nlohmann::json& value) {
    if (value.is_number_integer()) return value.get<std::int64_t>();
    if (value.is_string()) {
        const auto& s = value.get_ref<const std::string&>();
        std::int64_t id = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
        if (ec == std::errc() && end == s.data() + s.size()) return id;
    }
    throw Error("Jira returned an id that is not a number: " + value.dump());
}

Timestamp JiraApi::server_time() {
    auto info = m_client.get(m_client.api_prefix() + "/serverInfo");
    if (auto it = info.find("serverTime"); it != info.end() && it->is_string())
        if (auto t = parse_jira_timestamp(it->get<std::string>())) return *t;
    throw Error("Jira's serverInfo has no readable serverTime; cannot set a watermark from Jira's clock");
}

std::string JiraApi::account_time_zone() {
    auto me = m_client.get(m_client.api_prefix() + "/myself");
    if (auto it = me.find("timeZone"); it != me.end() && it->is_string() && !it->get<std::string>().empty())
        return it->get<std::string>();
    spdlog::warn("Jira did not report the account's time zone; assuming UTC for JQL dates");
    return "UTC";
}

std::vector<JiraField> JiraApi::fields() {
    auto list = m_client.get(m_client.api_prefix() + "/field");
    std::vector<JiraField> out;
    for (const auto& f : list) {
        JiraField field;
        field.id = f.value("id", "");
        if (field.id.empty()) continue;
        field.key = f.value("key", field.id);
        field.name = f.value("name", field.id);
        field.custom = f.value("custom", false);
        if (auto s = f.find("schema"); s != f.end() && s->is_object()) {
            if (s->contains("type") && (*s)["type"].is_string()) field.schema_type = (*s)["type"].get<std::string>();
            if (s->contains("items") && (*s)["items"].is_string()) field.items_type = (*s)["items"].get<std::string>();
            if (s->contains("custom") && (*s)["custom"].is_string()) field.custom_type = (*s)["custom"].get<std::string>();
        }
        out.push_back(std::move(field));
    }
    return out;
}

SearchResponse JiraApi::search_page(const std::string& jql, const std::optional<std::string>& next_page_token,
                                    std::int64_t start_at, int max_results, bool with_changelog) {
    SearchResponse out;
    if (m_client.flavor() == Flavor::cloud) {
        nlohmann::json body = {{"jql", jql},
                               {"maxResults", std::min(max_results, kCloudMaxPageWithFields)},
                               {"fields", nlohmann::json::array({"*all"})}};
        if (with_changelog) body["expand"] = "changelog";
        if (next_page_token) body["nextPageToken"] = *next_page_token;
        auto page = m_client.post("/rest/api/3/search/jql", body);
        if (auto it = page.find("issues"); it != page.end() && it->is_array())
            out.issues.assign(std::make_move_iterator(it->begin()), std::make_move_iterator(it->end()));
        if (auto it = page.find("nextPageToken"); it != page.end() && it->is_string())
            out.next_page_token = it->get<std::string>();
        out.is_last = page.value("isLast", !out.next_page_token.has_value()) || !out.next_page_token;
        return out;
    }
    QueryParams query = {{"jql", jql},
                         {"startAt", std::to_string(start_at)},
                         {"maxResults", std::to_string(max_results)},
                         {"fields", "*all"}};
    if (with_changelog) query.emplace_back("expand", "changelog");
    auto page = m_client.get("/rest/api/2/search", query);
    if (auto it = page.find("issues"); it != page.end() && it->is_array())
        out.issues.assign(std::make_move_iterator(it->begin()), std::make_move_iterator(it->end()));
    out.start_at = page.value("startAt", start_at);
    out.max_results = page.value("maxResults", static_cast<std::int64_t>(max_results));
    out.total = page.value("total", static_cast<std::int64_t>(0));
    out.is_last = out.issues.empty() || out.start_at + static_cast<std::int64_t>(out.issues.size()) >= out.total;
    return out;
}

std::unordered_map<std::int64_t, std::vector<nlohmann::json>> JiraApi::fetch_changelogs(
    const std::vector<std::int64_t>& issue_ids) {
    std::unordered_map<std::int64_t, std::vector<nlohmann::json>> out;
    if (issue_ids.empty()) return out;
    if (m_client.flavor() == Flavor::server) {
        for (auto id : issue_ids) out[id] = fetch_issue_changelog(id);
        return out;
    }
    for (std::size_t first = 0; first < issue_ids.size(); first += kBulkChangelogMaxIssues) {
        const auto last = std::min(issue_ids.size(), first + kBulkChangelogMaxIssues);
        nlohmann::json ids = nlohmann::json::array();
        for (std::size_t i = first; i < last; ++i) ids.push_back(std::to_string(issue_ids[i]));
        std::optional<std::string> token;
        do {
            nlohmann::json body = {{"issueIdsOrKeys", ids}, {"maxResults", 1000}};
            if (token) body["nextPageToken"] = *token;
            auto page = m_client.post("/rest/api/3/changelog/bulkfetch", body);
            for (auto& entry : page.value("issueChangeLogs", nlohmann::json::array())) {
                auto& histories = out[json_id(entry.at("issueId"))];
                for (auto& h : entry.value("changeHistories", nlohmann::json::array())) histories.push_back(std::move(h));
            }
            auto next = page.find("nextPageToken");
            std::optional<std::string> following;
            if (next != page.end() && next->is_string()) following = next->get<std::string>();
            if (following && following == token) break;  // a token that does not move would loop forever
            token = following;
        } while (token);
    }
    return out;
}

std::vector<nlohmann::json> JiraApi::fetch_issue_changelog(std::int64_t issue_id) {
    std::vector<nlohmann::json> histories;
    const std::string path = m_client.api_prefix() + "/issue/" + std::to_string(issue_id) + "/changelog";
    std::int64_t start_at = 0;
    for (;;) {
        auto page = m_client.get_if_exists(path, {{"startAt", std::to_string(start_at)}, {"maxResults", "100"}});
        if (!page) break;  // deleted since the search: the next reconciliation handles it
        auto values = page->value("values", nlohmann::json::array());
        for (auto& h : values) histories.push_back(std::move(h));
        const auto total = page->value("total", static_cast<std::int64_t>(0));
        start_at += static_cast<std::int64_t>(values.size());
        if (values.empty() || page->value("isLast", start_at >= total) || start_at >= total) break;
    }
    return histories;
}

}  // namespace j2s
