// Control API for comments, worklogs and issue links (no auth, JSON in and out; README.md). Each change
// moves the issue's `updated` to the fake clock's now as Jira does; worklog and link changes also append
// the changelog items Jira writes for them (timespent/WorklogId, Link). Deleted worklogs enter the
// worklog/deleted feed.
#include "entity_renderer.hpp"
#include "http_util.hpp"
#include "routes.hpp"

#include <stdexcept>

namespace j2s::fake {

namespace {

constexpr const char* not_found_message = "Issue does not exist or you do not have permission to see it.";

template <class F>
void guarded(httplib::Response& res, F&& body) {
    try {
        body();
    } catch (const std::invalid_argument& e) {
        send_error(res, 400, e.what());
    } catch (const std::out_of_range& e) {
        send_error(res, 400, e.what());
    } catch (const json::exception& e) {
        send_error(res, 400, e.what());
    }
}

// A user of the pool by name or account id; `fallback` when the key is absent.
int user_index(const json& body, const char* key, int fallback) {
    if (!body.contains(key)) return fallback;
    const auto& v = body[key];
    if (!v.is_string()) throw std::invalid_argument(std::string(key) + " must be a user name or account id");
    for (std::size_t i = 0; i < users().size(); ++i)
        if (users()[i].name == v.get<std::string>() || users()[i].account_id == v.get<std::string>())
            return static_cast<int>(i);
    throw std::invalid_argument("unknown user " + v.get<std::string>());
}

json text_value(const json& body, const char* key, json fallback) {
    if (!body.contains(key)) return fallback;
    const auto& v = body[key];
    if (!v.is_null() && !v.is_string() && !v.is_object())
        throw std::invalid_argument(std::string(key) + " must be text or an ADF document");
    return v;
}

std::int64_t path_id(const std::string& text) {
    if (text.empty() || text.size() > 18) throw std::invalid_argument("bad id " + text);
    return std::stoll(text);
}

// REQUIRES: the store's write lock. The issue becomes stored (its fields no longer derive from the seed,
// whose derivation depends on `updated`) and is updated at `now`.
Issue* touch(FakeApp& app, const std::string& id_or_key, Timestamp now) {
    Issue* issue = app.store.find(id_or_key);
    if (!issue) return nullptr;
    app.store.materialize(*issue);
    issue->updated = std::max(now, issue->updated);
    return issue;
}

void append_history(FakeApp& app, Issue& issue, json items, int author) {
    History h;
    h.id = app.store.reserve_history_ids(1);
    h.created = issue.updated;
    h.author_index = author;
    h.items = std::move(items);
    issue.histories.push_back(std::move(h));
}

json item(const char* field, json from, json to) {
    return {{"field", field}, {"fieldtype", "jira"}, {"from", from}, {"fromString", from}, {"to", to}, {"toString", to}};
}

// The time-tracking histories Jira writes when a worklog is added, changed or removed.
void worklog_history(FakeApp& app, Issue& issue, std::int64_t spent_before, std::int64_t worklog_id, bool added,
                     bool removed, int author) {
    const std::int64_t spent_after = app.store.entities().time_spent_seconds(issue);
    json items = json::array();
    if (spent_before != spent_after)
        items.push_back(item("timespent", spent_before ? json(std::to_string(spent_before)) : json(nullptr),
                             spent_after ? json(std::to_string(spent_after)) : json(nullptr)));
    if (added) items.push_back(item("WorklogId", nullptr, std::to_string(worklog_id)));
    if (removed) items.push_back(item("WorklogId", std::to_string(worklog_id), nullptr));
    if (!items.empty()) append_history(app, issue, std::move(items), author);
}

json link_item(const std::string& phrase, const Issue& other, bool added) {
    const std::string text = "This issue " + phrase + " " + other.key;
    return added ? json{{"field", "Link"}, {"fieldtype", "jira"}, {"from", nullptr}, {"fromString", nullptr},
                        {"to", other.key}, {"toString", text}}
                 : json{{"field", "Link"}, {"fieldtype", "jira"}, {"from", other.key}, {"fromString", text},
                        {"to", nullptr}, {"toString", nullptr}};
}

// Both ends of a link record it in their changelog: "This issue blocks B" / "This issue is blocked by A".
void link_histories(FakeApp& app, const IssueLink& link, bool added, Timestamp now) {
    Issue* from = touch(app, std::to_string(link.from), now);
    Issue* to = touch(app, std::to_string(link.to), now);
    if (!from || !to) return;
    const auto& type = link_types().at(link.type);
    const int author = static_cast<int>(link.id % static_cast<std::int64_t>(users().size()));
    append_history(app, *from, json::array({link_item(type.outward, *to, added)}), author);
    append_history(app, *to, json::array({link_item(type.inward, *from, added)}), author);
}

std::size_t link_type_index(const json& body) {
    const std::string name = body.value("type", "");
    for (std::size_t i = 0; i < link_types().size(); ++i)
        if (link_types()[i].name == name || link_types()[i].id == name) return i;
    throw std::invalid_argument("type must be one of Blocks, Cloners, Duplicate, Relates");
}

json link_view(const IssueStore& store, const IssueLink& link) {
    const Issue* from = store.find_by_id(link.from);
    const Issue* to = store.find_by_id(link.to);
    const auto& type = link_types().at(link.type);
    return {{"id", link.id},
            {"type", type.name},
            {"from", from ? json(from->key) : json(nullptr)},
            {"from_id", link.from},
            {"to", to ? json(to->key) : json(nullptr)},
            {"to_id", link.to},
            {"outward", type.outward},
            {"inward", type.inward}};
}

// Every `T` of the live issues (`of` lists an issue's), as served in the native API version, ascending id: what
// a synced database should hold.
template <class T, class Of>
json live_entities(FakeApp& app, Of of, json (*render)(const T&, const RenderContext&)) {
    const auto ctx = app.context(app.native_version());
    auto lock = app.store.read_lock();
    std::vector<T> all;
    for (const auto& issue : app.store.all())
        if (!issue.deleted)
            for (auto& e : of(issue)) all.push_back(std::move(e));
    std::sort(all.begin(), all.end(), [](const T& a, const T& b) { return a.id < b.id; });
    json out = json::array();
    for (const auto& e : all) out.push_back(render(e, ctx));
    return out;
}

}  // namespace

void register_entity_control_routes(httplib::Server& server, FakeApp& app) {
    // Projects and users, for tests of the connector's listings: what the site has, natively rendered
    // users; projects added and removed (Jira's project deletion) without touching any issue.
    server.Get("/_fake/projects", [&app](const httplib::Request&, httplib::Response& res) {
        auto lock = app.store.read_lock();
        json out = json::array();
        for (const Project* p : app.store.projects()) out.push_back({{"id", std::to_string(p->id)}, {"key", p->key}, {"name", p->name}});
        send_json(res, 200, out);
    });
    server.Post("/_fake/projects", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const std::string key = body->at("key").get<std::string>();
            if (key.empty()) throw std::invalid_argument("key must not be empty");
            auto lock = app.store.write_lock();
            const Project& p = app.store.ensure_project(key);
            send_json(res, 201, {{"id", std::to_string(p.id)}, {"key", p.key}, {"name", p.name}});
        });
    });
    server.Delete(R"(/_fake/projects/([^/]+))", [&app](const httplib::Request& req, httplib::Response& res) {
        auto lock = app.store.write_lock();
        try {
            if (!app.store.remove_project(req.matches[1].str()))
                return send_error(res, 404, "No project could be found with key '" + req.matches[1].str() + "'.");
        } catch (const std::logic_error& e) {
            return send_error(res, 409, e.what());
        }
        res.status = 204;
    });
    server.Get("/_fake/users", [&app](const httplib::Request&, httplib::Response& res) {
        const auto ctx = app.context(app.native_version());
        json out = json::array();
        for (const auto& u : users()) out.push_back(render_user(u, ctx));
        send_json(res, 200, out);
    });

    server.Post(R"(/_fake/issues/([^/]+)/comments)", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const int count = body->value("count", 1);
            if (count < 1 || count > 10000) throw std::invalid_argument("count must be 1..10000");
            const json text = text_value(*body, "body", "Comment from the control API");
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            Issue* issue = touch(app, req.matches[1].str(), now);
            if (!issue) return send_error(res, 404, not_found_message);
            const int author = user_index(*body, "author", static_cast<int>(issue->id % users().size()));
            const auto ctx = app.context(app.native_version());
            json out = json::array();
            for (int i = 0; i < count; ++i) {
                Comment c;
                c.created = c.updated = issue->updated;
                c.author = c.update_author = author;
                c.body = count == 1 || !text.is_string() ? text : json(text.get<std::string>() + " #" + std::to_string(i + 1));
                out.push_back(render_comment(app.store.entities().add_comment(*issue, std::move(c)), ctx));
            }
            send_json(res, 201, {{"comments", std::move(out)}});
        });
    });

    server.Put(R"(/_fake/issues/([^/]+)/comments/(\d+))", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const auto id = path_id(req.matches[2].str());
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            if (!app.store.find(req.matches[1].str())) return send_error(res, 404, not_found_message);
            Comment* c = app.store.entities().find_comment(*app.store.find(req.matches[1].str()), id);
            if (!c) return send_error(res, 404, "Can not find a comment for the id: " + std::to_string(id) + ".");
            Issue* issue = touch(app, req.matches[1].str(), now);
            c->body = text_value(*body, "body", c->body);
            c->update_author = user_index(*body, "author", c->update_author);
            c->updated = issue->updated;
            send_json(res, 200, render_comment(*c, app.context(app.native_version())));
        });
    });

    server.Delete(R"(/_fake/issues/([^/]+)/comments/(\d+))", [&app](const httplib::Request& req, httplib::Response& res) {
        guarded(res, [&] {
            const auto id = path_id(req.matches[2].str());
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            const Issue* found = app.store.find(req.matches[1].str());
            if (!found) return send_error(res, 404, not_found_message);
            if (!app.store.entities().remove_comment(*found, id))
                return send_error(res, 404, "Can not find a comment for the id: " + std::to_string(id) + ".");
            touch(app, req.matches[1].str(), now);
            send_json(res, 200, {{"deleted", id}});
        });
    });

    server.Post(R"(/_fake/issues/([^/]+)/worklogs)", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const int count = body->value("count", 1);
            if (count < 1 || count > 10000) throw std::invalid_argument("count must be 1..10000");
            const std::int64_t seconds = body->value("timeSpentSeconds", 3600LL);
            if (seconds < 60) throw std::invalid_argument("timeSpentSeconds must be at least 60");
            const json text = text_value(*body, "comment", nullptr);
            std::optional<Timestamp> started;
            if (body->contains("started")) {
                started = parse_jira_timestamp((*body)["started"].get<std::string>());
                if (!started) throw std::invalid_argument("started is not a Jira timestamp");
            }
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            Issue* issue = touch(app, req.matches[1].str(), now);
            if (!issue) return send_error(res, 404, not_found_message);
            const int author = user_index(*body, "author", static_cast<int>(issue->id % users().size()));
            const auto ctx = app.context(app.native_version());
            json out = json::array();
            for (int i = 0; i < count; ++i) {
                const std::int64_t before = app.store.entities().time_spent_seconds(*issue);
                Worklog w;
                w.created = w.updated = issue->updated;
                w.started = started.value_or(std::chrono::floor<std::chrono::minutes>(issue->updated));
                w.author = w.update_author = author;
                w.seconds = seconds;
                w.comment = text;
                const Worklog& added = app.store.entities().add_worklog(*issue, std::move(w));
                out.push_back(render_worklog(added, ctx));
                worklog_history(app, *issue, before, added.id, true, false, author);
            }
            send_json(res, 201, {{"worklogs", std::move(out)}});
        });
    });

    server.Put(R"(/_fake/issues/([^/]+)/worklogs/(\d+))", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const auto id = path_id(req.matches[2].str());
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            const Issue* found = app.store.find(req.matches[1].str());
            if (!found) return send_error(res, 404, not_found_message);
            Worklog* w = app.store.entities().find_worklog(*found, id);
            if (!w) return send_error(res, 404, "Cannot find worklog with id: " + std::to_string(id) + ".");
            const std::int64_t spent_before = app.store.entities().time_spent_seconds(*found);
            Issue* issue = touch(app, req.matches[1].str(), now);
            const Worklog old = *w;
            if (body->contains("timeSpentSeconds")) {
                w->seconds = (*body)["timeSpentSeconds"].get<std::int64_t>();
                if (w->seconds < 60) throw std::invalid_argument("timeSpentSeconds must be at least 60");
            }
            if (body->contains("started")) {
                auto t = parse_jira_timestamp((*body)["started"].get<std::string>());
                if (!t) throw std::invalid_argument("started is not a Jira timestamp");
                w->started = *t;
            }
            w->comment = text_value(*body, "comment", w->comment);
            w->update_author = user_index(*body, "author", w->update_author);
            w->updated = issue->updated;
            app.store.entities().reindex_worklog(old, *w);
            const json out = render_worklog(*w, app.context(app.native_version()));
            worklog_history(app, *issue, spent_before, id, false, false, w->update_author);
            send_json(res, 200, out);
        });
    });

    server.Delete(R"(/_fake/issues/([^/]+)/worklogs/(\d+))", [&app](const httplib::Request& req, httplib::Response& res) {
        guarded(res, [&] {
            const auto id = path_id(req.matches[2].str());
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            const Issue* found = app.store.find(req.matches[1].str());
            if (!found) return send_error(res, 404, not_found_message);
            const std::int64_t spent_before = app.store.entities().time_spent_seconds(*found);
            if (!app.store.entities().remove_worklog(*found, id, std::max(now, found->updated)))
                return send_error(res, 404, "Cannot find worklog with id: " + std::to_string(id) + ".");
            Issue* issue = touch(app, req.matches[1].str(), now);
            worklog_history(app, *issue, spent_before, id, false, true, static_cast<int>(id % users().size()));
            send_json(res, 200, {{"deleted", id}});
        });
    });

    server.Post("/_fake/links", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const std::size_t type = link_type_index(*body);
            if (!body->contains("from") || !body->contains("to") || !(*body)["from"].is_string() || !(*body)["to"].is_string())
                throw std::invalid_argument("from and to (issue ids or keys) are required");
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            const Issue* from = app.store.find((*body)["from"].get<std::string>());
            const Issue* to = app.store.find((*body)["to"].get<std::string>());
            if (!from || !to) return send_error(res, 404, not_found_message);
            if (from == to) throw std::invalid_argument("an issue cannot be linked to itself");
            const IssueLink link = app.store.entities().add_link(type, from->id, to->id);
            link_histories(app, link, true, now);
            send_json(res, 201, link_view(app.store, link));
        });
    });

    server.Delete(R"(/_fake/links/(\d+))", [&app](const httplib::Request& req, httplib::Response& res) {
        guarded(res, [&] {
            const auto id = path_id(req.matches[1].str());
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            auto link = app.store.entities().remove_link(id);
            if (!link) return send_error(res, 404, "No issue link with id " + std::to_string(id));
            link_histories(app, *link, false, now);
            send_json(res, 200, {{"deleted", id}});
        });
    });

    // Everything live, as served in the native API version, ascending id: what a synced database should hold.
    server.Get("/_fake/comments", [&app](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200, live_entities<Comment>(app, [&app](const Issue& i) { return app.store.entities().comments_of(i); },
                                                   render_comment));
    });
    server.Get("/_fake/worklogs", [&app](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200, live_entities<Worklog>(app, [&app](const Issue& i) { return app.store.entities().worklogs_of(i); },
                                                   render_worklog));
    });
    server.Get("/_fake/links", [&app](const httplib::Request&, httplib::Response& res) {
        auto lock = app.store.read_lock();
        json out = json::array();
        for (const auto& link : app.store.entities().all_links(app.store)) out.push_back(link_view(app.store, link));
        send_json(res, 200, out);
    });
}

}  // namespace j2s::fake
