// The REST endpoints around issues: comments and worklogs of an issue (offset pages), Cloud's worklog
// change feeds and bulk reads by id, projects, users, and the agile sprint. Paths, parameters and
// response shapes follow Atlassian's OpenAPI spec and the recorded payloads (README.md lists them).
#include "entity_renderer.hpp"
#include "http_util.hpp"
#include "issue_renderer.hpp"
#include "routes.hpp"

#include <algorithm>
#include <limits>

namespace j2s::fake {

namespace {

constexpr const char* not_found_message = "Issue does not exist or you do not have permission to see it.";
// The feeds leave out changes of the last minute (spec: "does not return worklogs updated during the
// minute preceding the request") and return at most 1000 per page.
constexpr std::int64_t feed_delay_ms = 60'000;
constexpr std::size_t feed_page = 1000;

std::int64_t epoch_ms(Timestamp t) { return t.time_since_epoch().count(); }

std::string query_string(const std::vector<std::pair<std::string, std::string>>& params) {
    std::string out;
    for (const auto& [k, v] : params) out += (out.empty() ? "?" : "&") + k + "=" + v;
    return out;
}

// Offset paging shared by the comment and worklog lists: startAt clamped at 0, maxResults read back.
struct Page {
    long long start_at = 0;
    long long max_results = 0;
};

std::optional<Page> page_params(const httplib::Request& req, httplib::Response& res, long long default_max,
                                long long cap) {
    auto start = int_param(req, res, "startAt", 0);
    if (!start) return std::nullopt;
    auto max = int_param(req, res, "maxResults", default_max);
    if (!max) return std::nullopt;
    return Page{std::max(0LL, *start), std::clamp(*max, 0LL, cap)};
}

// Ids from {"ids": [...]} (numbers; numeric strings are accepted too), 1..1000, duplicates dropped.
std::optional<std::vector<std::int64_t>> id_body(const httplib::Request& req, httplib::Response& res) {
    auto body = json_body(req, res);
    if (!body) return std::nullopt;
    if (!body->contains("ids") || !(*body)["ids"].is_array()) {
        send_error(res, 400, "ids is required.");
        return std::nullopt;
    }
    const auto& list = (*body)["ids"];
    if (list.empty() || list.size() > 1000) {
        send_error(res, 400, "The request must contain between 1 and 1000 IDs.");
        return std::nullopt;
    }
    std::vector<std::int64_t> out;
    for (const auto& v : list) {
        if (v.is_number_integer()) out.push_back(v.get<std::int64_t>());
        else if (v.is_string() && !v.get<std::string>().empty() &&
                 v.get<std::string>().find_first_not_of("0123456789") == std::string::npos &&
                 v.get<std::string>().size() < 19)
            out.push_back(std::stoll(v.get<std::string>()));
        else {
            send_error(res, 400, "ids must be numbers.");
            return std::nullopt;
        }
    }
    std::sort(out.begin(), out.end());
    out.erase(std::unique(out.begin(), out.end()), out.end());
    return out;
}

void get_comments(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    const bool cloud = app.options.flavor == Flavor::cloud;
    const auto order = param(req, "orderBy").value_or("created");
    if (order != "created" && order != "+created" && order != "-created")
        return send_error(res, 400, "The orderBy parameter only accepts 'created', '+created' or '-created'.");
    // Cloud pages 100 at most (default 100); Server returns every comment unless maxResults is given.
    auto page = page_params(req, res, cloud ? 100 : 1LL << 30, cloud ? 100 : 1LL << 30);
    if (!page) return;
    const auto ctx = app.context(version);
    auto lock = app.store.read_lock();
    const Issue* issue = app.store.find(req.matches[1].str());
    if (!issue) return send_error(res, 404, not_found_message);
    auto comments = app.store.entities().comments_of(*issue);
    if (order == "-created") std::reverse(comments.begin(), comments.end());
    const auto total = static_cast<long long>(comments.size());
    json list = json::array();
    for (long long i = page->start_at; i < std::min(total, page->start_at + page->max_results); ++i)
        list.push_back(render_comment(comments[static_cast<std::size_t>(i)], ctx));
    const long long reported = !cloud && !req.has_param("maxResults") ? total : page->max_results;
    send_json(res, 200, {{"comments", std::move(list)}, {"maxResults", reported}, {"total", total}, {"startAt", page->start_at}});
}

void get_worklogs(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    auto page = page_params(req, res, 5000, 5000);
    if (!page) return;
    auto after = int_param(req, res, "startedAfter", std::numeric_limits<long long>::min());
    if (!after) return;
    auto before = int_param(req, res, "startedBefore", std::numeric_limits<long long>::max());
    if (!before) return;
    const auto ctx = app.context(version);
    auto lock = app.store.read_lock();
    const Issue* issue = app.store.find(req.matches[1].str());
    if (!issue) return send_error(res, 404, not_found_message);
    std::vector<Worklog> selected;
    for (auto& w : app.store.entities().worklogs_of(*issue))
        if (epoch_ms(w.started) >= *after && epoch_ms(w.started) < *before) selected.push_back(std::move(w));
    const auto total = static_cast<long long>(selected.size());
    json list = json::array();
    for (long long i = page->start_at; i < std::min(total, page->start_at + page->max_results); ++i)
        list.push_back(render_worklog(selected[static_cast<std::size_t>(i)], ctx));
    send_json(res, 200, {{"startAt", page->start_at}, {"maxResults", page->max_results}, {"total", total}, {"worklogs", std::move(list)}});
}

// GET worklog/updated and worklog/deleted: {values[{worklogId, updatedTime, properties}], since, until,
// self, nextPage, lastPage}. `since` is inclusive and nextPage repeats the page's newest time, as in the
// spec's example, so the newest entry of a full page comes again on the next one.
void worklog_feed(FakeApp& app, int version, bool deleted, const httplib::Request& req, httplib::Response& res) {
    auto since = int_param(req, res, "since", 0);
    if (!since) return;
    const auto ctx = app.context(version);
    const std::int64_t until_limit = epoch_ms(app.settings.now()) - feed_delay_ms;
    auto lock = app.store.read_lock();
    auto changes = deleted ? app.store.entities().deleted_worklogs(*since, until_limit, feed_page)
                           : app.store.entities().updated_worklogs(app.store, *since, until_limit, feed_page);
    const bool last = changes.size() <= feed_page;
    if (!last) changes.resize(feed_page);
    json values = json::array();
    for (const auto& c : changes)
        values.push_back({{"worklogId", c.worklog_id}, {"updatedTime", c.time_ms}, {"properties", json::array()}});
    const std::int64_t until = changes.empty() ? *since : changes.back().time_ms;
    const std::string base = api_prefix(ctx) + (deleted ? "/worklog/deleted" : "/worklog/updated");
    send_json(res, 200,
              {{"values", std::move(values)},
               {"since", *since},
               {"until", until},
               {"self", base + "?since=" + std::to_string(*since)},
               {"nextPage", base + "?since=" + std::to_string(until)},
               {"lastPage", last}});
}

void worklog_list(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    auto ids = id_body(req, res);
    if (!ids) return;
    const auto ctx = app.context(version);
    auto lock = app.store.read_lock();
    json out = json::array();
    for (std::int64_t id : *ids)
        if (auto w = app.store.entities().worklog(app.store, id)) out.push_back(render_worklog(*w, ctx));
    send_json(res, 200, out);
}

void comment_list(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    auto ids = id_body(req, res);
    if (!ids) return;
    const auto ctx = app.context(version);
    auto lock = app.store.read_lock();
    json values = json::array();
    for (std::int64_t id : *ids)
        if (auto c = app.store.entities().comment(app.store, id)) values.push_back(render_comment(*c, ctx));
    const auto total = values.size();
    // The spec's example reports maxResults 1048576: every requested comment fits on the one page.
    send_json(res, 200, {{"isLast", true}, {"maxResults", 1048576}, {"startAt", 0}, {"total", total}, {"values", std::move(values)}});
}

std::vector<const Project*> sorted_projects(const FakeApp& app) {
    auto projects = app.store.projects();
    std::sort(projects.begin(), projects.end(), [](const Project* a, const Project* b) { return a->key < b->key; });
    return projects;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

void project_search(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    // Spec: maxResults above 100 falls back to 100.
    auto page = page_params(req, res, 50, 1LL << 30);
    if (!page) return;
    if (page->max_results > 100) page->max_results = 100;
    const auto expand = parse_expand(params(req, "expand"));
    const auto keys = params(req, "keys");
    const auto ids = params(req, "id");
    const std::string query = lower(param(req, "query").value_or(""));
    const auto ctx = app.context(version);
    auto lock = app.store.read_lock();
    std::vector<const Project*> matched;
    for (const Project* p : sorted_projects(app)) {
        if (!keys.empty() && std::none_of(keys.begin(), keys.end(), [&](const std::string& k) { return to_upper(k) == p->key; }))
            continue;
        if (!ids.empty() && std::find(ids.begin(), ids.end(), std::to_string(p->id)) == ids.end()) continue;
        if (!query.empty() && lower(p->key).find(query) == std::string::npos && lower(p->name).find(query) == std::string::npos)
            continue;
        matched.push_back(p);
    }
    const auto total = static_cast<long long>(matched.size());
    json values = json::array();
    for (long long i = page->start_at; i < std::min(total, page->start_at + page->max_results); ++i)
        values.push_back(render_project_entry(app.store, *matched[static_cast<std::size_t>(i)], ctx, expand));
    const std::string base = api_prefix(ctx) + "/project/search";
    const bool last = page->start_at + page->max_results >= total;
    json out = {{"self", base + query_string({{"startAt", std::to_string(page->start_at)},
                                              {"maxResults", std::to_string(page->max_results)}})},
                {"maxResults", page->max_results},
                {"startAt", page->start_at},
                {"total", total},
                {"isLast", last},
                {"values", std::move(values)}};
    if (!last)
        out["nextPage"] = base + query_string({{"startAt", std::to_string(page->start_at + page->max_results)},
                                               {"maxResults", std::to_string(page->max_results)}});
    send_json(res, 200, out);
}

void project_list(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    const auto expand = parse_expand(params(req, "expand"));
    const auto ctx = app.context(version);
    auto lock = app.store.read_lock();
    json out = json::array();
    for (const Project* p : sorted_projects(app)) out.push_back(render_project_entry(app.store, *p, ctx, expand));
    send_json(res, 200, out);
}

// Cloud GET users/search and users: every account, startAt/maxResults (default 50, at most 1000), a bare
// array (no total: the end is a short page).
void cloud_users(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    auto page = page_params(req, res, 50, 1000);
    if (!page) return;
    const auto ctx = app.context(version);
    json out = json::array();
    const auto total = static_cast<long long>(users().size());
    for (long long i = page->start_at; i < std::min(total, page->start_at + page->max_results); ++i)
        out.push_back(render_user(users()[static_cast<std::size_t>(i)], ctx));
    send_json(res, 200, out);
}

// Server GET user/search?username=: users whose name, display name or email contains it ("." matches
// everyone, the usual way to list all users on Server), active ones unless includeActive=false.
void server_user_search(FakeApp& app, const httplib::Request& req, httplib::Response& res) {
    auto page = page_params(req, res, 50, 1000);
    if (!page) return;
    const auto username = param(req, "username");
    if (!username || username->empty()) return send_error(res, 400, "The username query parameter was not provided");
    const bool include_active = param(req, "includeActive").value_or("true") != "false";
    const auto ctx = app.context(2);
    const std::string needle = lower(*username);
    std::vector<const UserInfo*> matched;
    for (const auto& u : users()) {
        if (!include_active) continue;  // every generated user is active
        if (needle == "." || lower(u.name).find(needle) != std::string::npos ||
            lower(u.display_name).find(needle) != std::string::npos || lower(u.email).find(needle) != std::string::npos)
            matched.push_back(&u);
    }
    json out = json::array();
    const auto total = static_cast<long long>(matched.size());
    for (long long i = page->start_at; i < std::min(total, page->start_at + page->max_results); ++i)
        out.push_back(render_user(*matched[static_cast<std::size_t>(i)], ctx));
    send_json(res, 200, out);
}

}  // namespace

void register_entity_routes(httplib::Server& server, FakeApp& app) {
    const bool cloud = app.options.flavor == Flavor::cloud;
    for (int v : served_versions(app)) {
        const std::string p = "/rest/api/" + std::to_string(v);
        server.Get(p + R"(/issue/([^/]+)/comment)", [&app, v](const httplib::Request& req, httplib::Response& res) {
            get_comments(app, v, req, res);
        });
        server.Get(p + R"(/issue/([^/]+)/worklog)", [&app, v](const httplib::Request& req, httplib::Response& res) {
            get_worklogs(app, v, req, res);
        });
        server.Get(p + "/project", [&app, v](const httplib::Request& req, httplib::Response& res) {
            project_list(app, v, req, res);
        });
        if (cloud) {
            server.Get(p + "/worklog/updated", [&app, v](const httplib::Request& req, httplib::Response& res) {
                worklog_feed(app, v, false, req, res);
            });
            server.Get(p + "/worklog/deleted", [&app, v](const httplib::Request& req, httplib::Response& res) {
                worklog_feed(app, v, true, req, res);
            });
            server.Post(p + "/worklog/list", [&app, v](const httplib::Request& req, httplib::Response& res) {
                worklog_list(app, v, req, res);
            });
            server.Post(p + "/comment/list", [&app, v](const httplib::Request& req, httplib::Response& res) {
                comment_list(app, v, req, res);
            });
            server.Get(p + "/project/search", [&app, v](const httplib::Request& req, httplib::Response& res) {
                project_search(app, v, req, res);
            });
            for (const char* path : {"/users/search", "/users"})
                server.Get(p + path, [&app, v](const httplib::Request& req, httplib::Response& res) {
                    cloud_users(app, v, req, res);
                });
        } else {
            server.Get(p + "/user/search", [&app](const httplib::Request& req, httplib::Response& res) {
                server_user_search(app, req, res);
            });
        }
    }
    server.Get(R"(/rest/agile/1\.0/sprint/(\d+))", [&app](const httplib::Request& req, httplib::Response& res) {
        auto lock = app.store.read_lock();
        const auto id = std::stoll(req.matches[1].str().substr(0, 12));
        if (auto sprint = render_agile_sprint(app.store, id)) return send_json(res, 200, *sprint);
        send_error(res, 404, "Sprint with id " + req.matches[1].str() + " does not exist.");
    });
}

}  // namespace j2s::fake
