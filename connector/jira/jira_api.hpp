#pragma once
// The Jira endpoints jira2sql uses, for both flavors, returning parsed JSON. Pagination of search is the
// SearchCursor's job; this layer makes one call per method call (plus the pages of a changelog).

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jira_field.hpp"
#include "jira/jira_client.hpp"
#include "util/time.hpp"

namespace j2s {

struct SearchResponse {
    std::vector<nlohmann::json> issues;
    std::optional<std::string> next_page_token;  // cloud; absent on the last page
    bool is_last = false;                         // cloud: isLast; server: startAt + returned >= total
    std::int64_t start_at = 0;                    // server
    std::int64_t max_results = 0;                 // server: the page size the site actually used
    std::int64_t total = 0;                       // server
};

// Issues per page when every field is requested. Cloud caps it at 100 (5,000 for id/key only).
constexpr int kCloudMaxPageWithFields = 100;
// Issues per changelog/bulkfetch call (Jira's limit).
constexpr int kBulkChangelogMaxIssues = 1000;

class JiraApi {
public:
    explicit JiraApi(JiraClient& client) : m_client(client) {}

    // Jira's clock (serverInfo.serverTime), the source of every watermark.
    Timestamp server_time();
    // The account's profile time zone (myself.timeZone), in which Jira reads JQL dates. "UTC" if hidden.
    std::string account_time_zone();
    std::vector<JiraField> fields();

    // One page of `jql` with every field and the embedded changelog.
    // cloud: POST /rest/api/3/search/jql with nextPageToken; server: GET /rest/api/2/search with startAt.
    SearchResponse search_page(const std::string& jql, const std::optional<std::string>& next_page_token,
                               std::int64_t start_at, int max_results, bool with_changelog);

    // Every history of every issue in `issue_ids`, oldest first, keyed by issue id.
    // cloud: POST /rest/api/3/changelog/bulkfetch (1,000 issues per call, all pages);
    // server: GET /rest/api/2/issue/{id}/changelog per issue, all pages.
    std::unordered_map<std::int64_t, std::vector<nlohmann::json>> fetch_changelogs(
        const std::vector<std::int64_t>& issue_ids);

    JiraClient& client() { return m_client; }

private:
    std::vector<nlohmann::json> fetch_issue_changelog(std::int64_t issue_id);
    JiraClient& m_client;
};

// Jira serialises ids as strings ("10001"); some payloads use numbers. Throws j2s::Error if neither.
std::int64_t json_id(const nlohmann::json& value);

}  // namespace j2s
