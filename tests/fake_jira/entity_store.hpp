#pragma once
// Comments, worklogs and issue links of the fake site. Owned by IssueStore and guarded by its lock: every
// method REQUIRES the store's read lock (const) or write lock (non-const), so a handler can change an
// issue and its entities under one lock.
//
// Like issues, generated entities are not stored: `generate` lays out how many comments and worklogs
// each generated issue has (and their id ranges) and derives them from the issue's seed on every
// request. The first edit to an issue's comments (or worklogs) materializes that list. The worklog
// change feeds need a global order, so the generated worklogs' (updated, id) pairs are indexed once.

#include "model.hpp"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace j2s::fake {

class IssueStore;

// A comment or worklog text: an ADF document (object) or plain/wiki text (string). Rendered as ADF on
// v3 and as text on v2 whichever way it was given.
struct Comment {
    std::int64_t id = 0;
    std::int64_t issue_id = 0;
    Timestamp created{}, updated{};
    int author = 0, update_author = 0;  // indexes into users()
    json body;
};

struct Worklog {
    std::int64_t id = 0;
    std::int64_t issue_id = 0;
    Timestamp created{}, updated{}, started{};
    int author = 0, update_author = 0;
    std::int64_t seconds = 0;
    json comment;  // null or "": no comment (Jira then leaves the key out)
};

struct LinkType {
    std::string id, name, inward, outward;
};
// Blocks, Cloners, Duplicate, Relates (Jira's default link types and ids).
const std::vector<LinkType>& link_types();

// "from <outward> to": `from` shows the link as outwardIssue = to, `to` shows it as inwardIssue = from.
struct IssueLink {
    std::int64_t id = 0;
    std::size_t type = 0;  // into link_types()
    std::int64_t from = 0, to = 0;
};

struct WorklogChange {
    std::int64_t worklog_id = 0;
    std::int64_t time_ms = 0;  // updatedTime in the feeds
};

class EntityStore {
public:
    // ---- REQUIRES write lock ----
    // Lays out the entities of every generated issue not laid out yet (call once after generating).
    void generate(const IssueStore& store, std::uint64_t seed);

    // Additions and edits keep ids increasing; they return the stored record.
    Comment& add_comment(const Issue& issue, Comment comment);
    Comment* find_comment(const Issue& issue, std::int64_t id);  // after materializing the list
    bool remove_comment(const Issue& issue, std::int64_t id);
    Worklog& add_worklog(const Issue& issue, Worklog worklog);
    Worklog* find_worklog(const Issue& issue, std::int64_t id);
    // Call after changing a worklog's `updated`: moves it in the updated feed.
    void reindex_worklog(const Worklog& before, const Worklog& after);
    bool remove_worklog(const Issue& issue, std::int64_t id, Timestamp when);
    const IssueLink& add_link(std::size_t type, std::int64_t from, std::int64_t to);
    std::optional<IssueLink> remove_link(std::int64_t id);

    // ---- REQUIRES read (or write) lock ----
    // Oldest first (ascending id).
    std::vector<Comment> comments_of(const Issue& issue) const;
    std::vector<Worklog> worklogs_of(const Issue& issue) const;
    std::int64_t time_spent_seconds(const Issue& issue) const;
    // Links touching the issue, ascending id; links whose other issue is gone are left out.
    std::vector<IssueLink> links_of(const IssueStore& store, std::int64_t issue_id) const;
    std::vector<IssueLink> all_links(const IssueStore& store) const;
    // By id, only while its issue exists.
    std::optional<Comment> comment(const IssueStore& store, std::int64_t id) const;
    std::optional<Worklog> worklog(const IssueStore& store, std::int64_t id) const;

    // The change feeds: entries with since_ms <= time <= until_ms (inclusive, as Jira's `since` is),
    // oldest first, at most `limit` + 1 (the caller uses the extra one to tell whether there are more).
    // Worklogs of deleted issues are left out of `updated`.
    std::vector<WorklogChange> updated_worklogs(const IssueStore& store, std::int64_t since_ms, std::int64_t until_ms,
                                                std::size_t limit) const;
    std::vector<WorklogChange> deleted_worklogs(std::int64_t since_ms, std::int64_t until_ms, std::size_t limit) const;

private:
    // A generated issue's entity layout. Its window is the issue's created/updated at generation time,
    // kept here because the issue's own `updated` moves on later edits.
    struct Layout {
        std::int64_t issue_id = 0;
        std::uint64_t seed = 0;
        Timestamp created{}, updated{};
        std::int32_t comment_count = 0, worklog_count = 0;
        std::int64_t comment_base = 0, worklog_base = 0;
        bool comments_explicit = false, worklogs_explicit = false;
    };
    struct Explicit {
        std::vector<Comment> comments;
        std::vector<Worklog> worklogs;
    };

    std::vector<Layout> m_layout;  // ascending issue id, and so ascending bases
    std::unordered_map<std::int64_t, Explicit> m_explicit;
    std::unordered_map<std::int64_t, std::int64_t> m_comment_owner;  // added comment id -> issue id
    std::unordered_map<std::int64_t, std::int64_t> m_worklog_owner;
    std::vector<std::pair<std::int64_t, std::int64_t>> m_generated_updates;  // (updated ms, id), sorted
    std::set<std::pair<std::int64_t, std::int64_t>> m_explicit_updates;      // materialized and added
    std::set<std::pair<std::int64_t, std::int64_t>> m_deletions;             // (deleted ms, id)
    std::map<std::int64_t, IssueLink> m_links;
    std::unordered_map<std::int64_t, std::vector<std::int64_t>> m_links_by_issue;
    std::int64_t m_next_comment_id = 10000;
    std::int64_t m_next_worklog_id = 10000;
    std::int64_t m_next_link_id = 10000;

    const Layout* layout_of(std::int64_t issue_id) const;
    Layout* layout_of(std::int64_t issue_id);
    const Layout* layout_of_comment(std::int64_t id) const;
    const Layout* layout_of_worklog(std::int64_t id) const;
    std::vector<Comment> generated_comments(const Layout& layout) const;
    std::vector<Worklog> generated_worklogs(const Layout& layout) const;
    Explicit& materialize_comments(const Issue& issue);
    Explicit& materialize_worklogs(const Issue& issue);
    void index_link(const IssueLink& link);
};

}  // namespace j2s::fake
