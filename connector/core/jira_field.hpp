#pragma once
// One entry of the site's field list (GET /rest/api/{2,3}/field), as stored in `jira_fields`.

#include <optional>
#include <string>

namespace j2s {

struct JiraField {
    std::string id;    // e.g. "summary", "customfield_10016"
    std::string key;   // usually equal to id
    std::string name;  // display name, e.g. "Story Points"
    bool custom = false;
    std::optional<std::string> schema_type;  // schema.type, e.g. "number", "array"
    std::optional<std::string> items_type;   // schema.items
    std::optional<std::string> custom_type;  // schema.custom, e.g. "com.pyxis.greenhopper.jira:gh-sprint"
    bool operator==(const JiraField&) const = default;
};

}  // namespace j2s
