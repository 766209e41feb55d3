#pragma once
// Pages through every issue of the scope updated at or after a lower bound, oldest update first, and can be
// stopped after any page and resumed from its state (the checkpoint).
//
// Why it cannot skip an issue:
// - Results are ordered by `updated ASC`. An issue edited while the run pages gets a newer `updated`: it
//   moves towards the end (it is read again, later), never into the part already read.
// - cloud: Jira's nextPageToken continues after the last row's sort values, so edits do not shift pages.
//   A token is only ever sent with the exact JQL it was issued for.
// - server: offsets shift when a row already read leaves the result (edited, deleted, moved). Each page
//   therefore re-requests the last row already read (the anchor); if it is not where it was, the cursor
//   looks for it, unchanged, up to a page further back (rows can only have left in front of it) and goes on
//   after it. Failing that, it re-anchors: a new query from the minute of the newest `updated` already
//   read, starting at offset 0. Everything older than that minute was read before, so nothing is skipped;
//   the few rows of that minute read again are dropped by id.
// - Resuming after a crash re-anchors the same way when the stored token cannot be used.

#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "jira/jira_api.hpp"
#include "util/time.hpp"

namespace j2s {

struct CursorState {
    std::string jql;                         // the query the token/offset belongs to
    std::optional<std::string> next_page_token;  // cloud
    std::int64_t start_at = 0;               // server: rows of `jql` already read
    std::optional<std::int64_t> anchor_id;   // server: id of the last row read
    std::optional<Timestamp> newest_updated; // newest `updated` read so far
    bool done = false;

    nlohmann::json to_json() const;
    static CursorState from_json(const nlohmann::json& j);  // throws Error if malformed
};

// A slice of the scope by creation time, [from, to): creation never changes, so an issue stays in its
// slice however it is edited while the run pages. Bounds are whole minutes (JQL's precision), so adjacent
// slices written with the same bound partition the scope exactly.
struct CreatedRange {
    std::optional<Timestamp> from;
    std::optional<Timestamp> to;
    bool operator==(const CreatedRange&) const = default;
};

// `(scope) AND updated >= "<lower bound>" [AND created >= "<from>"] [AND created < "<to>"]`, dates in the
// account's zone. The scope's own ORDER BY, if any, is removed. No lower bound means everything (written as
// the epoch so the query stays bounded, as cloud requires).
std::string build_search_restriction(const std::string& scope_jql, std::optional<Timestamp> lower_bound,
                                     const std::string& time_zone, const CreatedRange& range = {});

// build_search_restriction(...) + ` ORDER BY updated ASC, key ASC`.
std::string build_search_jql(const std::string& scope_jql, std::optional<Timestamp> lower_bound,
                             const std::string& time_zone, const CreatedRange& range = {});

// Removes a trailing `ORDER BY ...` outside quotes; returns the scope unchanged when there is none.
std::string strip_order_by(const std::string& jql);

class SearchCursor {
public:
    // Starts a new scan, or continues `resume` when given.
    SearchCursor(JiraApi& api, std::string scope_jql, std::optional<Timestamp> lower_bound, std::string time_zone,
                 int page_size, bool with_changelog, std::optional<CursorState> resume = std::nullopt,
                 CreatedRange range = {});

    // The next page of issues, or nullopt when the scan is complete. A page may be empty only when it is the
    // last. The returned issues are new to this scan (rows re-read after re-anchoring are dropped).
    std::optional<IssueList> next_page();

    // The state after the last page returned: save it with that page's rows.
    const CursorState& state() const { return m_state; }

private:
    IssueList fetch_cloud();
    IssueList fetch_server();
    void reanchor();
    void drop_already_read(IssueList& issues) const;
    void remember(const IssueList& issues);

    JiraApi& m_api;
    std::string m_scope;
    std::optional<Timestamp> m_lower_bound;
    std::string m_time_zone;
    CreatedRange m_range;
    int m_page_size;
    bool m_with_changelog;
    CursorState m_state;
    // id -> updated of rows read in the newest minute, to drop them when a re-anchored query returns them.
    std::unordered_map<std::int64_t, Timestamp> m_read_in_last_minute;
};

// `updated` of an issue JSON, or nullopt when missing or unreadable.
std::optional<Timestamp> issue_updated(const nlohmann::json& issue);

}  // namespace j2s
