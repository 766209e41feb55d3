#pragma once
// Writes comments, worklogs, links, projects, sprints and users as the REST API returns them, following
// the recorded payloads: Cloud comments carry jsdPublic, worklogs carry issueId and timeSpentSeconds and
// leave `comment` out when empty, text is ADF on v3 and wiki text on v2, timestamps are in the account's
// zone. REQUIRES the store's read lock.

#include "entity_store.hpp"
#include "issue_store.hpp"

#include <optional>
#include <set>

namespace j2s::fake {

// Jira's duration format with 8-hour days and 5-day weeks: 9000 -> "2h 30m", 144000 -> "1w".
std::string format_time_spent(std::int64_t seconds);

// ADF on v3, text on v2, whichever form it is stored in.
json render_text(const json& text, const RenderContext& ctx);

json render_comment(const Comment& comment, const RenderContext& ctx);
json render_worklog(const Worklog& worklog, const RenderContext& ctx);

// The `comment` and `worklog` fields of an issue: the first comments (every one on Server, at most
// `embedded_comment_cap` on Cloud) and the first 20 worklogs, with the true totals.
inline constexpr int embedded_comment_cap = 100;
inline constexpr int embedded_worklog_cap = 20;
json embedded_comments(const IssueStore& store, const Issue& issue, const RenderContext& ctx);
json embedded_worklogs(const IssueStore& store, const Issue& issue, const RenderContext& ctx);
// The `issuelinks` field: each link with the other issue's summary fields.
json embedded_links(const IssueStore& store, const Issue& issue, const RenderContext& ctx);

json render_link_type(const LinkType& type, const RenderContext& ctx);

// Projects as project/search and the project list return them; `expand` may hold description, lead,
// insight (Cloud).
json render_project_entry(const IssueStore& store, const Project& project, const RenderContext& ctx,
                          const std::set<std::string>& expand);

// The agile API's sprint: id, self, state, name, dates, originBoardId, goal. nullopt for an unknown id.
std::optional<json> render_agile_sprint(const IssueStore& store, std::int64_t sprint_id);

}  // namespace j2s::fake
