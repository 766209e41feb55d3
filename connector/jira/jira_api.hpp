#pragma once
// The Jira endpoints jira2sql uses, for both flavors, returning parsed JSON. Pagination of search is the
// SearchCursor's job; this layer makes one call per method call (plus the pages of a changelog).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/jira_field.hpp"
#include "jira/issue_list.hpp"
#include "jira/jira_client.hpp"
#include "util/time.hpp"

namespace j2s {

struct SearchResponse {
    IssueList issues;
    std::optional<std::string> next_page_token;  // cloud; absent on the last page
    bool is_last = false;                         // cloud: isLast; server: startAt + returned >= total
    std::int64_t start_at = 0;                    // server
    std::int64_t max_results = 0;                 // server: the page size the site actually used
    std::int64_t total = 0;                       // server
};

// Issues per page when every field is requested. Cloud caps it at 100 (5,000 for id/key only).
constexpr int kCloudMaxPageWithFields = 100;
// Issues per changelog/bulkfetch call, and histories per response: both Jira's limits. A response is read
// in parts (JsonDocument) and handed on kHistoriesPerSink histories at a time, so a 10,000-history page
// never exists as nlohmann nodes all at once.
constexpr int kBulkChangelogMaxIssues = 1000;
constexpr int kBulkChangelogMaxHistories = 10000;
constexpr std::size_t kHistoriesPerSink = 1000;
// Issues per id-only search page on cloud, and per issue/bulkfetch call.
constexpr int kCloudMaxIdsPage = 5000;
constexpr int kBulkFetchMaxIssues = 100;
// Projects per project/search page (Jira's maximum) and users per users/search page (Jira's maximum).
constexpr int kProjectPageSize = 100;
constexpr int kUserPageSize = 1000;
// Comments per issue/{id}/comment page on Cloud (Jira's maximum), worklogs per issue/{id}/worklog page (Jira's
// maximum and default), and worklog ids per worklog/list call (Jira's limit).
constexpr int kCloudCommentPageSize = 100;
constexpr int kWorklogPageSize = 5000;
constexpr std::size_t kWorklogListMaxIds = 1000;

// One page of Cloud's worklog/updated or worklog/deleted feed.
struct WorklogFeedPage {
    std::vector<std::int64_t> ids;   // worklogId of each entry, oldest first
    std::int64_t until = 0;          // epoch ms of the page's newest entry (`since` when the page is empty)
    bool last_page = true;           // lastPage: no newer entries (the newest minute is never reported)
};

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

    // How many issues match `jql` (no ORDER BY). cloud: POST /rest/api/3/search/approximate-count (eventually
    // consistent, an estimate); server: `total` of a search asking for no rows.
    std::int64_t count_issues(const std::string& jql);

    // `created` of the oldest issue matching `jql` (no ORDER BY), or nullopt when none matches.
    std::optional<Timestamp> earliest_created(const std::string& jql);

    // Every history of every issue in `issue_ids`, handed to `sink` in parts of at most one response as
    // (issue id, history) pairs, so memory holds one response, not all histories.
    // cloud: POST /rest/api/3/changelog/bulkfetch (1,000 issues and 10,000 histories per call, handed on
    // kHistoriesPerSink at a time);
    // server: GET /rest/api/2/issue/{id}/changelog per issue, all pages. An issue deleted meanwhile gives none.
    using HistorySink = std::function<void(std::vector<std::pair<std::int64_t, nlohmann::json>>&& histories)>;
    void fetch_changelogs(const std::vector<std::int64_t>& issue_ids, const HistorySink& sink);

    // Deletion reconciliation (see sync/reconciler.hpp).
    // One page of `jql` with only issue ids: cloud POST search/jql with fields ["id"] and up to
    // kCloudMaxIdsPage rows; server GET /rest/api/2/search with fields=id and `max_results` (the site caps it
    // and reports the size it used in SearchResponse::max_results).
    SearchResponse search_ids_page(const std::string& jql, const std::optional<std::string>& next_page_token,
                                   std::int64_t start_at, int max_results);
    // The issues among `ids` that exist and the account can see, with `fields`; missing ones are left out.
    // cloud: POST /rest/api/3/issue/bulkfetch, kBulkFetchMaxIssues per call; server: search `id in (...)`
    // (validateQuery=false, so an unknown id matches nothing instead of failing the query).
    std::vector<nlohmann::json> fetch_issues_by_id(const std::vector<std::int64_t>& ids,
                                                   const std::vector<std::string>& fields);
    // The ids among `ids` that match `restriction` (a JQL condition without ORDER BY), ascending.
    std::vector<std::int64_t> ids_matching(const std::string& restriction, const std::vector<std::int64_t>& ids);

    // Entities (sync/entity_sync.hpp). Each returns the complete listing or throws: a listing cut short by
    // a failure is never returned, so a caller cannot mistake it for the full set.
    // Every project the account can browse, with its lead (expand=lead).
    // cloud: GET /rest/api/3/project/search, kProjectPageSize per page, until isLast;
    // server: GET /rest/api/2/project, one array.
    std::vector<nlohmann::json> projects();
    // Every user account. cloud: GET /rest/api/3/users/search by startAt/maxResults (a bare array without a
    // total: a short page is the last); server: GET /rest/api/2/user/search?username=.&includeInactive=true,
    // paged the same way.
    std::vector<nlohmann::json> users();

    // Every comment of the issue, oldest first, all pages: GET P/issue/{id}/comment?orderBy=created by startAt
    // until `total`. cloud asks kCloudCommentPageSize per page and follows the page size the site reports;
    // server asks no maxResults (Server returns every comment at once unless told otherwise). An issue deleted
    // meanwhile (404) gives none.
    std::vector<nlohmann::json> issue_comments(std::int64_t issue_id);
    // Every worklog of the issue, all pages: GET P/issue/{id}/worklog by startAt, kWorklogPageSize per page,
    // until `total`. An issue deleted meanwhile (404) gives none.
    std::vector<nlohmann::json> issue_worklogs(std::int64_t issue_id);
    // One page of GET P/worklog/updated?since=ms / P/worklog/deleted?since=ms (Cloud's change feeds). The
    // caller pages on: the next page starts at `until`.
    WorklogFeedPage worklog_updated(std::int64_t since_ms);
    WorklogFeedPage worklog_deleted(std::int64_t since_ms);
    // The worklogs of `ids` that still exist: POST P/worklog/list {ids: [numbers]}, kWorklogListMaxIds per call
    // (duplicates are sent once; Jira rejects them). Deleted or invisible ids are left out.
    std::vector<nlohmann::json> worklog_list(const std::vector<std::int64_t>& ids);
    // GET /rest/agile/1.0/sprint/{id} (Jira Software, both flavors); nullopt on 404 (deleted, or no access).
    std::optional<nlohmann::json> sprint(std::int64_t sprint_id);

    JiraClient& client() { return m_client; }

private:
    void fetch_issue_changelog(std::int64_t issue_id, const HistorySink& sink);
    // Every element of `list_key` of an issue's paged sub-resource (comment, worklog); none on 404.
    std::vector<nlohmann::json> issue_pages(std::int64_t issue_id, const char* resource, const char* list_key,
                                            std::optional<int> page_size, const QueryParams& extra);
    WorklogFeedPage worklog_feed(const char* feed, std::int64_t since_ms);
    JiraClient& m_client;
};

// Jira serialises ids as strings ("10001"); some payloads use numbers. Throws j2s::Error if neither.
std::int64_t json_id(const nlohmann::json& value);

}  // namespace j2s
