#include "sync/issue_entities.hpp"

#include "sync/entity_rows.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

const nlohmann::json* field(const nlohmann::json& issue, const std::string& name) {
    auto fields = issue.find("fields");
    if (fields == issue.end() || !fields->is_object()) return nullptr;
    auto it = fields->find(name);
    if (it == fields->end() || it->is_null()) return nullptr;
    return &*it;
}

// An embedded page `{<list>: [...], total}`: the list, and whether it is the whole set. A page that is not
// one means Jira sent something this code cannot trust to be complete.
struct EmbeddedPage {
    const nlohmann::json* items = nullptr;
    bool complete = false;
};

EmbeddedPage embedded_page(const nlohmann::json& page, const char* field_name, const char* list_name) {
    auto fail = [&](const std::string& what) {
        return Error(std::string("fields.") + field_name + " " + what);
    };
    if (!page.is_object()) throw fail("is not an object");
    auto list = page.find(list_name);
    if (list == page.end() || !list->is_array()) throw fail(std::string("has no ") + list_name + " list");
    const auto embedded = static_cast<std::int64_t>(list->size());
    std::int64_t total = embedded;
    if (auto t = page.find("total"); t != page.end()) {
        if (!t->is_number_integer()) throw fail("has a total that is not a number");
        total = t->get<std::int64_t>();
    }
    return {&*list, total <= embedded};
}

}  // namespace

EntityOptions entity_options(const SyncConfig& sync, Flavor flavor, const std::vector<JiraField>& fields) {
    EntityOptions o;
    o.comments = sync.has(Entity::comments);
    o.worklogs = sync.has(Entity::worklogs);
    o.links = sync.has(Entity::links);
    o.sprints = sync.has(Entity::sprints);
    o.flavor = flavor;
    if (o.sprints) o.sprint_fields = sprint_field_ids(fields);
    return o;
}

IssueEntities issue_entities(const nlohmann::json& issue, std::int64_t issue_id, const std::string& issue_key,
                             Timestamp updated, const nlohmann::json& changelog, const EntityOptions& options) {
    IssueEntities out;
    out.issue_id = issue_id;
    out.updated = updated;
    auto& rows = out.rows;

    // A field that is absent (not returned for this issue) says nothing about the set: no *_complete_for.
    if (options.comments)
        if (const auto* value = field(issue, "comment")) {
            const auto page = embedded_page(*value, "comment", "comments");
            for (const auto& c : *page.items) rows.comments.push_back(comment_record(c, issue_id, options.flavor));
            if (page.complete) rows.comments_complete_for.push_back(issue_id);
            else out.comments_overflow = true;
        }
    if (options.worklogs)
        if (const auto* value = field(issue, "worklog")) {
            const auto page = embedded_page(*value, "worklog", "worklogs");
            for (const auto& w : *page.items) rows.worklogs.push_back(worklog_record(w, issue_id, options.flavor));
            if (page.complete) rows.worklogs_complete_for.push_back(issue_id);
            else out.worklogs_overflow = true;
        }
    if (options.links)
        if (const auto* value = field(issue, "issuelinks")) {
            if (!value->is_array()) throw Error("fields.issuelinks is not a list");
            rows.links = link_records(*value, issue_id, issue_key);
            rows.links_complete_for.push_back(issue_id);
        }
    if (options.sprints) {
        bool field_seen = false;
        std::set<std::int64_t> in_field;
        const auto fields = issue.find("fields");
        for (const auto& id : options.sprint_fields) {
            if (fields == issue.end() || !fields->is_object()) break;
            auto it = fields->find(id);
            if (it == fields->end()) continue;
            field_seen = true;  // null counts: the issue is in no sprint
            const auto& value = *it;
            if (value.is_null()) continue;
            if (!value.is_array()) throw Error("sprint field " + id + " is not a list");
            for (const auto& v : value) {
                auto sprint = sprint_record(v);
                if (!in_field.insert(sprint.id).second) continue;
                IssueSprintRecord membership;
                membership.issue_id = issue_id;
                membership.sprint_id = sprint.id;
                membership.from_field = true;
                rows.issue_sprints.push_back(membership);
                rows.sprints.push_back(std::move(sprint));
            }
        }
        if (field_seen) rows.sprints_complete_for.push_back(issue_id);
        if (changelog.is_object())
            if (auto h = changelog.find("histories"); h != changelog.end() && h->is_array())
                for (const auto& history : *h)
                    for (auto& change : sprint_changes(history, issue_id, options.sprint_fields))
                        rows.issue_sprints.push_back(change);
    }
    return out;
}

void drop_entity_fields(nlohmann::json& issue, const EntityOptions& options) {
    auto fields = issue.find("fields");
    if (fields == issue.end() || !fields->is_object()) return;
    if (options.comments) fields->erase("comment");
    if (options.worklogs) fields->erase("worklog");
}

}  // namespace j2s
