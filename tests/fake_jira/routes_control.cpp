// The control API under /_fake/ (no auth): inspect and edit the data, shift the clock, change settings,
// read the request log and inject faults. Documented in README.md.
#include "field_catalog.hpp"
#include "http_util.hpp"
#include "issue_renderer.hpp"
#include "routes.hpp"

#include <stdexcept>

namespace j2s::fake {

namespace {

// REQUIRES: the store's read lock.
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

// REQUIRES: the store's write lock. Appends a history authored by a generated user.
void append_history(FakeApp& app, Issue& issue, json items, Timestamp at) {
    History h;
    h.id = app.store.reserve_history_ids(1);
    h.created = at;
    h.author_index = static_cast<int>(h.id % static_cast<std::int64_t>(users().size()));
    h.items = std::move(items);
    issue.histories.push_back(std::move(h));
}

template <class F>
void guarded(httplib::Response& res, F&& body) {
    try {
        body();
    } catch (const std::invalid_argument& e) {
        send_error(res, 400, e.what());
    } catch (const json::exception& e) {
        send_error(res, 400, e.what());
    }
}

}  // namespace

void register_control_routes(httplib::Server& server, FakeApp& app) {
    server.Get("/_fake/health", [](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200, {{"ok", true}});
    });

    server.Get("/_fake/issues", [&app](const httplib::Request&, httplib::Response& res) {
        auto lock = app.store.read_lock();
        std::vector<const Issue*> live;
        for (const auto& issue : app.store.all())
            if (!issue.deleted) live.push_back(&issue);
        std::sort(live.begin(), live.end(), [](const Issue* a, const Issue* b) { return a->id < b->id; });
        json out = json::array();
        for (const Issue* issue : live) out.push_back(control_view(app, *issue));
        send_json(res, 200, out);
    });

    server.Post("/_fake/issues", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            if (!body->contains("project") || !(*body)["project"].is_string())
                throw std::invalid_argument("project (string) is required");
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            Project& project = app.store.ensure_project((*body)["project"].get<std::string>());
            json fields = default_fields(app, project);
            if (body->contains("fields")) {
                if (!(*body)["fields"].is_object()) throw std::invalid_argument("fields must be an object");
                for (auto it = (*body)["fields"].begin(); it != (*body)["fields"].end(); ++it) fields[it.key()] = *it;
            }
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
            send_json(res, 201, {{"id", added.id}, {"key", added.key}});
        });
    });

    server.Post(R"(/_fake/issues/([^/]+)/update)", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            json items = json::array();
            if (body->contains("items")) {
                if (!(*body)["items"].is_array()) throw std::invalid_argument("items must be an array");
                for (const auto& item : (*body)["items"]) items.push_back(normalize_item(item));
            }
            if (body->contains("fields") && !(*body)["fields"].is_object())
                throw std::invalid_argument("fields must be an object");
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            Issue* issue = app.store.find(req.matches[1].str());
            if (!issue) return send_error(res, 404, "Issue does not exist or you do not have permission to see it.");
            app.store.materialize(*issue);
            if (body->contains("fields")) {
                auto fields = std::make_shared<json>(*issue->fields);
                for (auto it = (*body)["fields"].begin(); it != (*body)["fields"].end(); ++it)
                    if (it.key() != "created" && it.key() != "updated") (*fields)[it.key()] = *it;
                issue->fields = std::move(fields);
            }
            issue->updated = std::max(now, issue->updated);
            if (!items.empty()) append_history(app, *issue, std::move(items), issue->updated);
            send_json(res, 200, control_view(app, *issue));
        });
    });

    server.Post(R"(/_fake/issues/([^/]+)/histories)", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const int count = body->value("count", 1);
            if (count < 1 || count > 100000) throw std::invalid_argument("count must be 1..100000");
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            Issue* issue = app.store.find(req.matches[1].str());
            if (!issue) return send_error(res, 404, "Issue does not exist or you do not have permission to see it.");
            app.store.materialize(*issue);
            issue->updated = std::max(now, issue->updated);
            const std::size_t before = issue->histories.size();
            for (int i = 0; i < count; ++i)
                append_history(app, *issue,
                               json::array({{{"field", "labels"},
                                             {"fieldtype", "jira"},
                                             {"from", nullptr},
                                             {"fromString", ""},
                                             {"to", nullptr},
                                             {"toString", "bulk-" + std::to_string(before + i + 1)}}}),
                               issue->updated);
            send_json(res, 200, {{"id", issue->id}, {"key", issue->key}, {"histories", issue->histories.size()}});
        });
    });

    server.Delete(R"(/_fake/issues/([^/]+))", [&app](const httplib::Request& req, httplib::Response& res) {
        auto lock = app.store.write_lock();
        Issue* issue = app.store.find(req.matches[1].str());
        if (!issue) return send_error(res, 404, "Issue does not exist or you do not have permission to see it.");
        app.store.remove(*issue);
        send_json(res, 200, {{"deleted", issue->id}});
    });

    server.Post(R"(/_fake/issues/([^/]+)/move)", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            if (!body->contains("project") || !(*body)["project"].is_string())
                throw std::invalid_argument("project (string) is required");
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            Issue* issue = app.store.find(req.matches[1].str());
            if (!issue) return send_error(res, 404, "Issue does not exist or you do not have permission to see it.");
            Project& target = app.store.ensure_project((*body)["project"].get<std::string>());
            const std::string old_key = issue->key;
            app.store.move(*issue, target);
            issue->updated = std::max(now, issue->updated);
            append_history(app, *issue,
                           json::array({{{"field", "Key"}, {"fieldtype", "jira"}, {"from", nullptr},
                                         {"fromString", old_key}, {"to", nullptr}, {"toString", issue->key}},
                                        {{"field", "project"}, {"fieldtype", "jira"}, {"from", nullptr},
                                         {"fromString", old_key.substr(0, old_key.rfind('-'))},
                                         {"to", std::to_string(target.id)}, {"toString", target.key}}}),
                           issue->updated);
            send_json(res, 200, control_view(app, *issue));
        });
    });

    server.Post("/_fake/clock", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const double seconds = body->value("offset_seconds", 0.0);
            app.settings.set_clock_offset(std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000)));
            send_json(res, 200, {{"offset_seconds", seconds}, {"now", format_utc(app.settings.now())}});
        });
    });

    server.Post("/_fake/config", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            if (body->contains("timezone")) {
                const auto tz = (*body)["timezone"].get<std::string>();
                try {
                    (void)format_jira_timestamp(app.settings.now(), tz);  // rejects unknown zones
                } catch (const std::exception& e) {
                    throw std::invalid_argument(e.what());
                }
            }
            if (body->contains("search_lag_seconds") &&
                (!(*body)["search_lag_seconds"].is_number() || (*body)["search_lag_seconds"].get<double>() < 0))
                throw std::invalid_argument("search_lag_seconds must be a number >= 0");
            app.settings.update([&](RuntimeSettings& s) {
                if (body->contains("timezone")) s.timezone = (*body)["timezone"].get<std::string>();
                if (body->contains("latency_ms")) s.latency_ms = (*body)["latency_ms"].get<int>();
                if (body->contains("embedded_changelog_cap")) {
                    const auto& v = (*body)["embedded_changelog_cap"];
                    s.embedded_changelog_cap = v.is_null() ? std::nullopt : std::optional<int>(v.get<int>());
                }
                if (body->contains("server_page_cap")) s.server_page_cap = (*body)["server_page_cap"].get<int>();
                if (body->contains("search_lag_seconds")) s.search_lag_seconds = (*body)["search_lag_seconds"].get<double>();
            });
            const auto s = app.settings.snapshot();
            send_json(res, 200,
                      {{"timezone", s.timezone},
                       {"latency_ms", s.latency_ms},
                       {"embedded_changelog_cap", s.embedded_changelog_cap ? json(*s.embedded_changelog_cap) : json(nullptr)},
                       {"server_page_cap", s.server_page_cap},
                       {"search_lag_seconds", s.search_lag_seconds}});
        });
    });

    server.Get("/_fake/requests", [&app](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200, app.requests.list());
    });
    server.Delete("/_fake/requests", [&app](const httplib::Request&, httplib::Response& res) {
        app.requests.clear();
        send_json(res, 200, {{"ok", true}});
    });

    server.Post("/_fake/faults", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            app.faults.add(*body);
            send_json(res, 201, app.faults.list());
        });
    });
    server.Get("/_fake/faults", [&app](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200, app.faults.list());
    });
    server.Delete("/_fake/faults", [&app](const httplib::Request&, httplib::Response& res) {
        app.faults.clear();
        send_json(res, 200, {{"ok", true}});
    });
}

}  // namespace j2s::fake
