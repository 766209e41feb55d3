#include "jira/jira_api.hpp"
#include "jira/response_json.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>

namespace j2s {

namespace {

// Moves the array `name` out of a response page (an empty array when absent). `page.value(name, array)`
// copies the whole array, which cost 3% of a backfill's instructions for bulk changelog pages alone.
nlohmann::json take_array(nlohmann::json& page, const char* name) {
    if (!page.is_object()) return nlohmann::json::array();
    auto it = page.find(name);
    if (it == page.end() || !it->is_array()) return nlohmann::json::array();
    return std::move(*it);
}

// A scalar member of a response read in parts (null when absent).
nlohmann::json member(const JsonDocument::Value& object, const char* name) {
    const auto value = object.find(name);
    return value ? value->to_json() : nlohmann::json();
}

// As nlohmann's value(name, fallback) for an integer: the fallback when absent or not an integer.
std::int64_t integer_member(const JsonDocument::Value& object, const char* name, std::int64_t fallback) {
    const auto value = member(object, name);
    return value.is_number_integer() ? value.get<std::int64_t>() : fallback;
}

// A page of POST /rest/api/3/search/jql.
SearchResponse cloud_search_response(JsonDocument document) {
    auto page = std::make_shared<const JsonDocument>(std::move(document));
    SearchResponse out;
    out.issues = IssueList(page, "issues");
    const auto root = page->root();
    if (auto token = member(root, "nextPageToken"); token.is_string()) out.next_page_token = token.get<std::string>();
    const auto is_last = member(root, "isLast");
    out.is_last = (is_last.is_boolean() ? is_last.get<bool>() : !out.next_page_token.has_value()) || !out.next_page_token;
    return out;
}

// A page of GET /rest/api/2/search asked from `start_at`.
SearchResponse server_search_response(JsonDocument document, std::int64_t start_at, int max_results) {
    auto page = std::make_shared<const JsonDocument>(std::move(document));
    SearchResponse out;
    out.issues = IssueList(page, "issues");
    const auto root = page->root();
    out.start_at = integer_member(root, "startAt", start_at);
    out.max_results = integer_member(root, "maxResults", max_results);
    out.total = integer_member(root, "total", 0);
    out.is_last = out.issues.empty() || out.start_at + static_cast<std::int64_t>(out.issues.size()) >= out.total;
    return out;
}

}  // namespace

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
    if (m_client.flavor() == Flavor::cloud) {
        nlohmann::json body = {{"jql", jql},
                               {"maxResults", std::min(max_results, kCloudMaxPageWithFields)},
                               {"fields", nlohmann::json::array({"*all"})}};
        if (with_changelog) body["expand"] = "changelog";
        if (next_page_token) body["nextPageToken"] = *next_page_token;
        return cloud_search_response(m_client.post_document("/rest/api/3/search/jql", body));
    }
    QueryParams query = {{"jql", jql},
                         {"startAt", std::to_string(start_at)},
                         {"maxResults", std::to_string(max_results)},
                         {"fields", "*all"}};
    if (with_changelog) query.emplace_back("expand", "changelog");
    return server_search_response(m_client.get_document("/rest/api/2/search", query), start_at, max_results);
}

std::int64_t JiraApi::count_issues(const std::string& jql) {
    if (m_client.flavor() == Flavor::cloud)
        return m_client.post("/rest/api/3/search/approximate-count", {{"jql", jql}}).value("count", std::int64_t{0});
    auto page = m_client.get("/rest/api/2/search",
                             {{"jql", jql}, {"startAt", "0"}, {"maxResults", "0"}, {"fields", "id"}});
    return page.value("total", std::int64_t{0});
}

std::optional<Timestamp> JiraApi::earliest_created(const std::string& jql) {
    const std::string ordered = jql + " ORDER BY created ASC";
    nlohmann::json page;
    if (m_client.flavor() == Flavor::cloud)
        page = m_client.post("/rest/api/3/search/jql",
                             {{"jql", ordered}, {"maxResults", 1}, {"fields", nlohmann::json::array({"created"})}});
    else
        page = m_client.get("/rest/api/2/search",
                            {{"jql", ordered}, {"startAt", "0"}, {"maxResults", "1"}, {"fields", "created"}});
    const auto issues = take_array(page, "issues");
    if (issues.empty()) return std::nullopt;
    auto created = issues[0].value("fields", nlohmann::json::object()).value("created", "");
    auto t = parse_jira_timestamp(created);
    if (!t) throw Error("Jira returned an issue without a readable created time");
    return t;
}

void JiraApi::fetch_changelogs(const std::vector<std::int64_t>& issue_ids, const HistorySink& sink) {
    if (issue_ids.empty()) return;
    if (m_client.flavor() == Flavor::server) {
        for (auto id : issue_ids) fetch_issue_changelog(id, sink);
        return;
    }
    for (std::size_t first = 0; first < issue_ids.size(); first += kBulkChangelogMaxIssues) {
        const auto last = std::min(issue_ids.size(), first + kBulkChangelogMaxIssues);
        nlohmann::json ids = nlohmann::json::array();
        for (std::size_t i = first; i < last; ++i) ids.push_back(std::to_string(issue_ids[i]));
        std::optional<std::string> token;
        do {
            nlohmann::json body = {{"issueIdsOrKeys", ids}, {"maxResults", kBulkChangelogMaxHistories}};
            if (token) body["nextPageToken"] = *token;
            // Read in parts: a page of 10,000 histories as nlohmann nodes would be tens of MB.
            const JsonDocument page = m_client.post_document("/rest/api/3/changelog/bulkfetch", body);
            std::vector<std::pair<std::int64_t, nlohmann::json>> histories;
            bool sunk = false;
            auto flush = [&] {
                sink(std::move(histories));
                histories.clear();
                sunk = true;
            };
            if (const auto logs = page.root().find("issueChangeLogs"))
                logs->for_each_element([&](const JsonDocument::Value& entry) {
                    const auto id = entry.find("issueId");
                    if (!id) throw Error("Jira's changelog/bulkfetch returned a changelog without issueId");
                    const auto issue_id = json_id(id->to_json());
                    if (const auto changes = entry.find("changeHistories"))
                        changes->for_each_element([&](const JsonDocument::Value& h) {
                            histories.emplace_back(issue_id, h.to_json());
                            if (histories.size() == kHistoriesPerSink) flush();
                        });
                });
            if (!histories.empty() || !sunk) flush();
            const auto next = page.root().find("nextPageToken");
            std::optional<std::string> following;
            if (next) {
                auto value = next->to_json();
                if (value.is_string()) following = value.get<std::string>();
            }
            if (following && following == token) break;  // a token that does not move would loop forever
            token = following;
        } while (token);
    }
}

void JiraApi::fetch_issue_changelog(std::int64_t issue_id, const HistorySink& sink) {
    const std::string path = m_client.api_prefix() + "/issue/" + std::to_string(issue_id) + "/changelog";
    std::int64_t start_at = 0;
    for (;;) {
        auto page = m_client.get_if_exists(path, {{"startAt", std::to_string(start_at)}, {"maxResults", "100"}});
        if (!page) return;  // deleted since the search: the next reconciliation handles it
        auto values = take_array(*page, "values");
        const auto total = page->value("total", static_cast<std::int64_t>(0));
        start_at += static_cast<std::int64_t>(values.size());
        std::vector<std::pair<std::int64_t, nlohmann::json>> histories;
        for (auto& h : values) histories.emplace_back(issue_id, std::move(h));
        sink(std::move(histories));
        if (values.empty() || page->value("isLast", start_at >= total) || start_at >= total) return;
    }
}

// --- deletion reconciliation ---

namespace {

std::string id_list(const std::vector<std::int64_t>& ids, std::size_t first, std::size_t last) {
    std::string out;
    for (std::size_t i = first; i < last; ++i) {
        if (i > first) out += ", ";
        out += std::to_string(ids[i]);
    }
    return out;
}

std::string comma_joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
}

}  // namespace

SearchResponse JiraApi::search_ids_page(const std::string& jql, const std::optional<std::string>& next_page_token,
                                        std::int64_t start_at, int max_results) {
    if (m_client.flavor() == Flavor::cloud) {
        nlohmann::json body = {{"jql", jql},
                               {"maxResults", std::clamp(max_results, 1, kCloudMaxIdsPage)},
                               {"fields", nlohmann::json::array({"id"})}};
        if (next_page_token) body["nextPageToken"] = *next_page_token;
        return cloud_search_response(m_client.post_document("/rest/api/3/search/jql", body));
    }
    auto page = m_client.get_document("/rest/api/2/search", {{"jql", jql},
                                                             {"startAt", std::to_string(start_at)},
                                                             {"maxResults", std::to_string(max_results)},
                                                             {"fields", "id"}});
    return server_search_response(std::move(page), start_at, max_results);
}

std::vector<nlohmann::json> JiraApi::fetch_issues_by_id(const std::vector<std::int64_t>& ids,
                                                        const std::vector<std::string>& fields) {
    std::vector<nlohmann::json> out;
    for (std::size_t first = 0; first < ids.size(); first += kBulkFetchMaxIssues) {
        const auto last = std::min(ids.size(), first + kBulkFetchMaxIssues);
        if (m_client.flavor() == Flavor::cloud) {
            nlohmann::json keys = nlohmann::json::array();
            for (std::size_t i = first; i < last; ++i) keys.push_back(std::to_string(ids[i]));
            auto page = m_client.post("/rest/api/3/issue/bulkfetch", {{"issueIdsOrKeys", keys}, {"fields", fields}});
            for (auto& issue : take_array(page, "issues")) out.push_back(std::move(issue));
            continue;
        }
        // Server has no bulk fetch; a search by id costs the same one request per 100 ids. The site may cap
        // a page below 100, so follow startAt until `total`.
        const std::string jql = "id in (" + id_list(ids, first, last) + ") ORDER BY id ASC";
        std::int64_t start_at = 0;
        for (;;) {
            auto page = m_client.get("/rest/api/2/search", {{"jql", jql},
                                                            {"startAt", std::to_string(start_at)},
                                                            {"maxResults", std::to_string(kBulkFetchMaxIssues)},
                                                            {"fields", comma_joined(fields)},
                                                            {"validateQuery", "false"}});
            auto issues = take_array(page, "issues");
            start_at += static_cast<std::int64_t>(issues.size());
            for (auto& issue : issues) out.push_back(std::move(issue));
            if (issues.empty() || start_at >= page.value("total", std::int64_t{0})) break;
        }
    }
    return out;
}

std::vector<std::int64_t> JiraApi::ids_matching(const std::string& restriction, const std::vector<std::int64_t>& ids) {
    std::vector<std::int64_t> out;
    for (std::size_t first = 0; first < ids.size(); first += kBulkFetchMaxIssues) {
        const auto last = std::min(ids.size(), first + kBulkFetchMaxIssues);
        std::string jql = "id in (" + id_list(ids, first, last) + ")";
        if (!restriction.empty()) jql = "(" + restriction + ") AND " + jql;
        jql += " ORDER BY id ASC";
        if (m_client.flavor() == Flavor::cloud) {
            std::optional<std::string> token;
            for (;;) {
                auto page = search_ids_page(jql, token, 0, kBulkFetchMaxIssues);
                for (std::size_t i = 0; i < page.issues.size(); ++i) out.push_back(page.issues.id(i));
                if (page.is_last || !page.next_page_token || page.next_page_token == token) break;
                token = page.next_page_token;
            }
            continue;
        }
        std::int64_t start_at = 0;
        for (;;) {
            auto page = m_client.get("/rest/api/2/search", {{"jql", jql},
                                                            {"startAt", std::to_string(start_at)},
                                                            {"maxResults", std::to_string(kBulkFetchMaxIssues)},
                                                            {"fields", "id"},
                                                            {"validateQuery", "false"}});
            auto issues = take_array(page, "issues");
            start_at += static_cast<std::int64_t>(issues.size());
            for (const auto& issue : issues) out.push_back(json_id(issue.at("id")));
            if (issues.empty() || start_at >= page.value("total", std::int64_t{0})) break;
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

// --- entities ---

std::vector<nlohmann::json> JiraApi::projects() {
    std::vector<nlohmann::json> out;
    if (m_client.flavor() == Flavor::server) {
        auto list = m_client.get("/rest/api/2/project", {{"expand", "lead"}});
        if (!list.is_array()) throw Error("Jira's project list is not an array");
        for (auto& p : list) out.push_back(std::move(p));
        return out;
    }
    std::int64_t start_at = 0;
    for (;;) {
        auto page = m_client.get("/rest/api/3/project/search", {{"startAt", std::to_string(start_at)},
                                                                 {"maxResults", std::to_string(kProjectPageSize)},
                                                                 {"expand", "lead"}});
        auto values = take_array(page, "values");
        start_at += static_cast<std::int64_t>(values.size());
        for (auto& p : values) out.push_back(std::move(p));
        // isLast is the page's own word; total guards a site that leaves it out.
        const bool last = page.value("isLast", start_at >= page.value("total", start_at));
        if (last || values.empty()) return out;
    }
}

std::vector<nlohmann::json> JiraApi::users() {
    const bool cloud = m_client.flavor() == Flavor::cloud;
    std::vector<nlohmann::json> out;
    std::int64_t start_at = 0;
    for (;;) {
        QueryParams query;
        if (!cloud) query = {{"username", "."}, {"includeInactive", "true"}};
        query.emplace_back("startAt", std::to_string(start_at));
        query.emplace_back("maxResults", std::to_string(kUserPageSize));
        auto page = m_client.get(cloud ? "/rest/api/3/users/search" : "/rest/api/2/user/search", query);
        if (!page.is_array()) throw Error("Jira's user list is not an array");
        const auto n = static_cast<std::int64_t>(page.size());
        for (auto& u : page) out.push_back(std::move(u));
        start_at += n;
        if (n < kUserPageSize) return out;
    }
}

// --- comments, worklogs, sprints ---

std::vector<nlohmann::json> JiraApi::issue_pages(std::int64_t issue_id, const char* resource, const char* list_key,
                                                 std::optional<int> page_size, const QueryParams& extra) {
    const std::string path = m_client.api_prefix() + "/issue/" + std::to_string(issue_id) + "/" + resource;
    std::vector<nlohmann::json> out;
    std::int64_t start_at = 0;
    for (;;) {
        QueryParams query{{"startAt", std::to_string(start_at)}};
        if (page_size) query.emplace_back("maxResults", std::to_string(*page_size));
        query.insert(query.end(), extra.begin(), extra.end());
        auto page = m_client.get_if_exists(path, query);
        // Deleted since the search: its rows go with the next reconciliation, not as an error here.
        if (!page) return {};
        auto list = page->find(list_key);
        if (list == page->end() || !list->is_array())
            throw Error("Jira's " + std::string(resource) + " page of issue " + std::to_string(issue_id) + " has no '" +
                        list_key + "' list");
        const auto returned = static_cast<std::int64_t>(list->size());
        for (auto& item : *list) out.push_back(std::move(item));
        // The site may cap the page below what was asked: move on by what came back, until `total`.
        start_at += returned;
        if (returned == 0 || start_at >= page->value("total", start_at)) return out;
    }
}

std::vector<nlohmann::json> JiraApi::issue_comments(std::int64_t issue_id) {
    const std::optional<int> page_size =
        m_client.flavor() == Flavor::cloud ? std::optional<int>(kCloudCommentPageSize) : std::nullopt;
    return issue_pages(issue_id, "comment", "comments", page_size, {{"orderBy", "created"}});
}

std::vector<nlohmann::json> JiraApi::issue_worklogs(std::int64_t issue_id) {
    return issue_pages(issue_id, "worklog", "worklogs", kWorklogPageSize, {});
}

WorklogFeedPage JiraApi::worklog_feed(const char* feed, std::int64_t since_ms) {
    auto page = m_client.get(m_client.api_prefix() + "/worklog/" + feed, {{"since", std::to_string(since_ms)}});
    WorklogFeedPage out;
    for (const auto& entry : take_array(page, "values")) {
        auto id = entry.find("worklogId");
        if (id == entry.end())
            throw Error(std::string("Jira's worklog/") + feed + " feed has an entry without worklogId");
        out.ids.push_back(json_id(*id));
    }
    const auto until = page.find("until");
    if (until != page.end() && until->is_number_integer())
        out.until = until->get<std::int64_t>();
    else if (out.ids.empty())
        out.until = since_ms;
    else
        throw Error(std::string("Jira's worklog/") + feed + " feed has entries but no 'until'");
    out.last_page = page.value("lastPage", true);
    return out;
}

WorklogFeedPage JiraApi::worklog_updated(std::int64_t since_ms) { return worklog_feed("updated", since_ms); }

WorklogFeedPage JiraApi::worklog_deleted(std::int64_t since_ms) { return worklog_feed("deleted", since_ms); }

std::vector<nlohmann::json> JiraApi::worklog_list(const std::vector<std::int64_t>& ids) {
    std::vector<std::int64_t> unique(ids);
    std::sort(unique.begin(), unique.end());
    unique.erase(std::unique(unique.begin(), unique.end()), unique.end());
    std::vector<nlohmann::json> out;
    for (std::size_t first = 0; first < unique.size(); first += kWorklogListMaxIds) {
        const auto last = std::min(unique.size(), first + kWorklogListMaxIds);
        nlohmann::json batch = nlohmann::json::array();
        for (std::size_t i = first; i < last; ++i) batch.push_back(unique[i]);
        auto list = m_client.post(m_client.api_prefix() + "/worklog/list", {{"ids", std::move(batch)}});
        if (!list.is_array()) throw Error("Jira's worklog/list answer is not an array");
        for (auto& w : list) out.push_back(std::move(w));
    }
    return out;
}

std::optional<nlohmann::json> JiraApi::sprint(std::int64_t sprint_id) {
    return m_client.get_if_exists("/rest/agile/1.0/sprint/" + std::to_string(sprint_id));
}

}  // namespace j2s
