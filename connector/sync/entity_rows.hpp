#pragma once
// Jira's JSON for the entities around an issue -> typed rows (store/store.hpp). Pure functions: no I/O, safe
// on reading threads. Each throws j2s::Error naming the entity and its id when a value cannot be read (a
// missing id, an unreadable timestamp); the caller dead-letters the issue that carried it.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/jira_field.hpp"
#include "store/store.hpp"

namespace j2s {

// The id a person (author, lead, user) is known by: accountId on Cloud; key, else name, on Server/DC (a name
// can be renamed, a key cannot). nullopt when `person` is not an object or has none.
std::optional<std::string> person_id(const nlohmann::json& person, Flavor flavor);

// A comment (GET .../comment, or fields.comment.comments[]) of issue `issue_id`.
CommentRecord comment_record(const nlohmann::json& comment, std::int64_t issue_id, Flavor flavor);

// A worklog (GET .../worklog, POST /worklog/list, or fields.worklog.worklogs[]). `issue_id` is used when the
// worklog has no issueId of its own. Old Server versions send only `timeSpent` ("1w 2d"); it is then read
// with Jira's default time tracking (8-hour days, 5-day weeks).
WorklogRecord worklog_record(const nlohmann::json& worklog, std::int64_t issue_id, Flavor flavor);

// The links of an issue's fields.issuelinks, as seen from that issue (`issue_id`, `issue_key`): a link with
// outwardIssue B is "issue -> B"; with inwardIssue A it is "A -> issue".
std::vector<IssueLinkRecord> link_records(const nlohmann::json& issuelinks, std::int64_t issue_id,
                                          const std::string& issue_key);

// The ids of the site's Sprint fields (custom type com.pyxis.greenhopper.jira:gh-sprint).
std::set<std::string> sprint_field_ids(const std::vector<JiraField>& fields);

// One value of a Sprint field: a Cloud object {id, name, state, boardId, ...} or a Server/DC legacy string
// "com.atlassian.greenhopper.service.sprint.Sprint@..[id=12,rapidViewId=3,state=ACTIVE,name=..,...]".
SprintRecord sprint_record(const nlohmann::json& value);

// A sprint from GET /rest/agile/1.0/sprint/{id}.
SprintRecord agile_sprint_record(const nlohmann::json& sprint);

// The memberships a history's Sprint items record for `issue_id`: sprints in `to` but not `from` are added at
// the history's time, those in `from` but not `to` removed. `sprint_fields` are the ids from sprint_field_ids;
// an item counts when its fieldId is one of them or, without fieldId, its field is "Sprint".
std::vector<IssueSprintRecord> sprint_changes(const nlohmann::json& history, std::int64_t issue_id,
                                              const std::set<std::string>& sprint_fields);

}  // namespace j2s
