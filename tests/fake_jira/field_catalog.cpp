#include "field_catalog.hpp"

namespace j2s::fake {

namespace {
json system_schema(const std::string& type, const std::string& system, const std::string& items = "") {
    json s = {{"type", type}, {"system", system}};
    if (!items.empty()) s["items"] = items;
    return s;
}
json custom_schema(const std::string& type, const std::string& custom, int id, const std::string& items = "") {
    json s = {{"type", type}, {"custom", custom}, {"customId", id}};
    if (!items.empty()) s["items"] = items;
    return s;
}
}  // namespace

const std::vector<FieldDef>& field_catalog() {
    static const std::vector<FieldDef> table = {
        {"summary", "Summary", false, system_schema("string", "summary")},
        {"status", "Status", false, system_schema("status", "status")},
        {"issuetype", "Issue Type", false, system_schema("issuetype", "issuetype")},
        {"priority", "Priority", false, system_schema("priority", "priority")},
        {"resolution", "Resolution", false, system_schema("resolution", "resolution")},
        {"resolutiondate", "Resolved", false, system_schema("datetime", "resolutiondate")},
        {"assignee", "Assignee", false, system_schema("user", "assignee")},
        {"reporter", "Reporter", false, system_schema("user", "reporter")},
        {"creator", "Creator", false, system_schema("user", "creator")},
        {"labels", "Labels", false, system_schema("array", "labels", "string")},
        {"components", "Components", false, system_schema("array", "components", "component")},
        {"fixVersions", "Fix versions", false, system_schema("array", "fixVersions", "version")},
        {"parent", "Parent", false, json::object()},
        {"duedate", "Due date", false, system_schema("date", "duedate")},
        {"project", "Project", false, system_schema("project", "project")},
        {"created", "Created", false, system_schema("datetime", "created")},
        {"updated", "Updated", false, system_schema("datetime", "updated")},
        {"description", "Description", false, system_schema("string", "description")},
        {story_points_field, "Story Points", true,
         custom_schema("number", "com.atlassian.jira.plugin.system.customfieldtypes:float", 10016)},
        {team_field, "Team", true,
         custom_schema("option", "com.atlassian.jira.plugin.system.customfieldtypes:select", 10030)},
        {sprint_field, "Sprint", true,
         custom_schema("array", "com.pyxis.greenhopper.jira:gh-sprint", 10020, "json")},
        {reviewers_field, "Reviewers", true,
         custom_schema("array", "com.atlassian.jira.plugin.system.customfieldtypes:multiuserpicker", 10003,
                       "user")},
        // Display names are unique across the list (mapping-by-name tests rely on that); "Notes" in
        // particular is shared with no system field.
        {notes_field, "Notes", true,
         custom_schema("string", "com.atlassian.jira.plugin.system.customfieldtypes:textarea", 10040)},
    };
    return table;
}

const FieldDef* find_field(const std::string& id) {
    for (const auto& f : field_catalog())
        if (f.id == id) return &f;
    return nullptr;
}

json render_field_list(Flavor flavor) {
    json out = json::array();
    for (const auto& f : field_catalog()) {
        json clauses = json::array();
        if (f.custom) {
            clauses.push_back("cf[" + std::to_string(f.schema["customId"].get<int>()) + "]");
            clauses.push_back(f.name);
        } else if (f.id == "issuetype") {
            clauses = {"issuetype", "type"};
        } else if (f.id == "created") {
            clauses = {"created", "createdDate"};
        } else if (f.id == "updated") {
            clauses = {"updated", "updatedDate"};
        } else if (f.id == "resolutiondate") {
            clauses = {"resolutiondate", "resolved"};
        } else if (f.id == "fixVersions") {
            clauses = {"fixVersion"};
        } else if (f.id == "components") {
            clauses = {"component"};
        } else {
            clauses.push_back(f.id);
        }
        json item = {{"id", f.id},
                     {"key", f.id},
                     {"name", f.name},
                     {"custom", f.custom},
                     {"orderable", f.id != "created" && f.id != "updated" && f.id != "resolutiondate"},
                     {"navigable", true},
                     {"searchable", true},
                     {"clauseNames", clauses}};
        if (!f.schema.empty()) item["schema"] = f.schema;
        if (flavor == Flavor::cloud) item["untranslatedName"] = f.name;
        out.push_back(std::move(item));
    }
    // Jira's list always includes the issue key pseudo-field.
    out.push_back({{"id", "issuekey"},
                   {"key", "issuekey"},
                   {"name", "Key"},
                   {"custom", false},
                   {"orderable", false},
                   {"navigable", true},
                   {"searchable", false},
                   {"clauseNames", {"id", "issue", "issuekey", "key"}}});
    return out;
}

}  // namespace j2s::fake
