#pragma once
// The entities an issue of a search page carries (sync.entities): its embedded comments and worklogs, its
// links, its Sprint field values and the Sprint items of its embedded histories, as typed rows. Pure; safe on
// the reading threads.

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "core/jira_field.hpp"
#include "store/store.hpp"
#include "util/time.hpp"

namespace j2s {

// Which entities ride the issue pages, and what reading them needs.
struct EntityOptions {
    bool comments = false;
    bool worklogs = false;
    bool links = false;
    bool sprints = false;
    Flavor flavor = Flavor::cloud;
    std::set<std::string> sprint_fields;  // ids of the site's Sprint fields (entity_rows.hpp sprint_field_ids)
    bool any() const { return comments || worklogs || links || sprints; }
};

// `fields` is only read when sprints are enabled.
EntityOptions entity_options(const SyncConfig& sync, Flavor flavor, const std::vector<JiraField>& fields);

struct IssueEntities {
    std::int64_t issue_id = 0;
    Timestamp updated{};
    // *_complete_for name the issue where its embedded set is the whole set.
    EntityRows rows;
    bool comments_overflow = false;  // Jira embedded the first comments of more (total > embedded)
    bool worklogs_overflow = false;
};

// The entities of `issue` (id `issue_id`, key `issue_key`, last updated `updated`); `changelog` is the issue's
// embedded changelog (null when none was asked for). Throws j2s::Error naming the entity and its id when a value
// cannot be read: the caller dead-letters the issue.
IssueEntities issue_entities(const nlohmann::json& issue, std::int64_t issue_id, const std::string& issue_key,
                             Timestamp updated, const nlohmann::json& changelog, const EntityOptions& options);

// Removes from `issue` what has its own table: fields.comment when comments are synced, fields.worklog when
// worklogs are, so issues.raw does not hold a second, partial copy.
void drop_entity_fields(nlohmann::json& issue, const EntityOptions& options);

}  // namespace j2s
