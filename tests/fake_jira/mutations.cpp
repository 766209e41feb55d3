#include "mutations.hpp"

#include "field_catalog.hpp"
#include "issue_renderer.hpp"

#include <algorithm>

namespace j2s::fake {

namespace {

// The fields of an issue created through the control API, before the caller's values are merged.
json default_fields(const FakeApp& app, const Project& project) {
    const auto ctx = app.context(app.native_version());
    return {{"summary", "New issue"},
            {"status", render_status(statuses()[0], ctx)},
            {"issuetype", render_issue_type(0, ctx)},
            {"priority", render_priority(2, ctx)},
            {"project", render_project(project, ctx)},
            {"assignee", nullptr},
            {"reporter", render_user(users()[0], ctx)},
            {"creator", render_user(users()[0], ctx)},
            {"resolution", nullptr},
            {"resolutiondate", nullptr},
            {"labels", json::array()},
            {"components", json::array()},
            {"fixVersions", json::array()},
            {"duedate", nullptr},
            {"description", nullptr},
            {story_points_field, nullptr},
            {team_field, nullptr},
            {sprint_field, nullptr},
            {reviewers_field, nullptr},
            {notes_field, nullptr}};
}

json normalize_item(const json& item) {
    if (!item.is_object() || !item.contains("field") || !item["field"].is_string())
        throw std::invalid_argument("every item needs a string 'field'");
    json out = {{"field", item["field"]},
                {"fieldtype", item.value("fieldtype", "jira")},
                {"from", item.value("from", json(nullptr))},
                {"fromString", item.value("fromString", json(nullptr))},
                {"to", item.value("to", json(nullptr))},
                {"toString", item.value("toString", json(nullptr))}};
    if (item.contains("fieldId")) out["fieldId"] = item["fieldId"];
    return out;
}

// Appends a history authored by a generated user.
void append_history(FakeApp& app, Issue& issue, json items, Timestamp at) {
    History h;
    h.id = app.store.reserve_history_ids(1);
    h.created = at;
    h.author_index = static_cast<int>(h.id % static_cast<std::int64_t>(users().size()));
    h.items = std::move(items);
    issue.histories.push_back(std::move(h));
}

Issue& existing(FakeApp& app, const std::string& id_or_key) {
    Issue* issue = app.store.find(id_or_key);
    if (!issue) throw IssueNotFound();
    return *issue;
}

std::string required_project(const json& spec) {
    if (!spec.is_object() || !spec.contains("project") || !spec["project"].is_string())
        throw std::invalid_argument("project (string) is required");
    return spec["project"].get<std::string>();
}

}  // namespace

json control_view(const FakeApp& app, const Issue& issue) {
    const auto ctx = app.context(app.native_version());
    json histories = json::array();
    for (const auto& h : app.store.histories_of(issue)) histories.push_back(render_history(h, ctx));
    return {{"id", issue.id},
            {"key", issue.key},
            {"project_key", issue.project_key},
            {"old_keys", issue.old_keys},
            {"created", format_jira_timestamp(issue.created, ctx.timezone)},
            {"updated", format_jira_timestamp(issue.updated, ctx.timezone)},
            {"fields", served_fields(app.store, issue, ctx)},
            {"histories", std::move(histories)}};
}

json create_issue(FakeApp& app, const json& spec, Timestamp now) {
    const std::string project_key = required_project(spec);
    if (spec.contains("fields") && !spec["fields"].is_object()) throw std::invalid_argument("fields must be an object");
    Project& project = app.store.ensure_project(project_key);
    json fields = default_fields(app, project);
    if (spec.contains("fields"))
        for (auto it = spec["fields"].begin(); it != spec["fields"].end(); ++it) fields[it.key()] = *it;
    fields.erase("created");
    fields.erase("updated");
    Issue issue;
    issue.id = app.store.allocate_issue_id();
    issue.project_key = project.key;
    issue.number = project.next_number;
    issue.key = project.key + "-" + std::to_string(issue.number);
    issue.created = issue.updated = now;
    issue.fields = std::make_shared<const json>(std::move(fields));
    const Issue& added = app.store.add_issue(std::move(issue));
    return {{"id", added.id}, {"key", added.key}};
}

json update_issue(FakeApp& app, const std::string& id_or_key, const json& spec, Timestamp now) {
    if (!spec.is_object()) throw std::invalid_argument("the update must be an object");
    json items = json::array();
    if (spec.contains("items")) {
        if (!spec["items"].is_array()) throw std::invalid_argument("items must be an array");
        for (const auto& item : spec["items"]) items.push_back(normalize_item(item));
    }
    if (spec.contains("fields") && !spec["fields"].is_object()) throw std::invalid_argument("fields must be an object");
    Issue& issue = existing(app, id_or_key);
    app.store.materialize(issue);
    if (spec.contains("fields")) {
        auto fields = std::make_shared<json>(*issue.fields);
        for (auto it = spec["fields"].begin(); it != spec["fields"].end(); ++it)
            if (it.key() != "created" && it.key() != "updated") (*fields)[it.key()] = *it;
        issue.fields = std::move(fields);
    }
    issue.updated = std::max(now, issue.updated);
    if (!items.empty()) append_history(app, issue, std::move(items), issue.updated);
    return control_view(app, issue);
}

json add_histories(FakeApp& app, const std::string& id_or_key, int count, Timestamp now) {
    if (count < 1 || count > 100000) throw std::invalid_argument("count must be 1..100000");
    Issue& issue = existing(app, id_or_key);
    app.store.materialize(issue);
    issue.updated = std::max(now, issue.updated);
    const std::size_t before = issue.histories.size();
    for (int i = 0; i < count; ++i)
        append_history(app, issue,
                       json::array({{{"field", "labels"},
                                     {"fieldtype", "jira"},
                                     {"from", nullptr},
                                     {"fromString", ""},
                                     {"to", nullptr},
                                     {"toString", "bulk-" + std::to_string(before + static_cast<std::size_t>(i) + 1)}}}),
                       issue.updated);
    return {{"id", issue.id}, {"key", issue.key}, {"histories", issue.histories.size()}};
}

json delete_issue(FakeApp& app, const std::string& id_or_key) {
    Issue& issue = existing(app, id_or_key);
    app.store.remove(issue);
    return {{"deleted", issue.id}};
}

json move_issue(FakeApp& app, const std::string& id_or_key, const json& spec, Timestamp now) {
    const std::string project_key = required_project(spec);
    Issue& issue = existing(app, id_or_key);
    Project& target = app.store.ensure_project(project_key);
    const std::string old_key = issue.key;
    app.store.move(issue, target);
    issue.updated = std::max(now, issue.updated);
    append_history(app, issue,
                   json::array({{{"field", "Key"}, {"fieldtype", "jira"}, {"from", nullptr},
                                 {"fromString", old_key}, {"to", nullptr}, {"toString", issue.key}},
                                {{"field", "project"}, {"fieldtype", "jira"}, {"from", nullptr},
                                 {"fromString", old_key.substr(0, old_key.rfind('-'))},
                                 {"to", std::to_string(target.id)}, {"toString", target.key}}}),
                   issue.updated);
    return control_view(app, issue);
}

}  // namespace j2s::fake
