// Single issues and the changelog endpoints: GET issue, GET issue/{id}/changelog (offset pages, oldest
// first), and on Cloud POST issue/bulkfetch and POST changelog/bulkfetch (keyset tokens over
// (created, issue id, history id)).
#include "field_catalog.hpp"
#include "http_util.hpp"
#include "issue_renderer.hpp"
#include "page_token.hpp"
#include "routes.hpp"

#include <algorithm>
#include <map>
#include <set>

namespace j2s::fake {

namespace {

constexpr const char* not_found_message = "Issue does not exist or you do not have permission to see it.";

// issueIdsOrKeys as strings (Jira accepts JSON numbers for ids too).
std::optional<std::vector<std::string>> id_list(const json& body, httplib::Response& res, std::size_t max) {
    if (!body.contains("issueIdsOrKeys") || !body["issueIdsOrKeys"].is_array()) {
        send_error(res, 400, "issueIdsOrKeys is required.");
        return std::nullopt;
    }
    const auto& list = body["issueIdsOrKeys"];
    if (list.empty() || list.size() > max) {
        send_error(res, 400, "issueIdsOrKeys must contain between 1 and " + std::to_string(max) + " items.");
        return std::nullopt;
    }
    std::vector<std::string> out;
    for (const auto& v : list) {
        if (v.is_string()) out.push_back(v.get<std::string>());
        else if (v.is_number_integer()) out.push_back(std::to_string(v.get<long long>()));
        else {
            send_error(res, 400, "issueIdsOrKeys must contain issue ids or keys.");
            return std::nullopt;
        }
    }
    return out;
}

std::vector<std::string> string_list(const json& body, const char* name) {
    std::vector<std::string> out;
    if (!body.contains(name)) return out;
    const auto& v = body[name];
    if (v.is_string()) out.push_back(v.get<std::string>());
    if (v.is_array())
        for (const auto& item : v)
            if (item.is_string()) out.push_back(item.get<std::string>());
    return out;
}

void get_issue(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    const auto settings = app.settings.snapshot();
    const auto ctx = app.context(version);
    RenderOptions render;
    render.fields = parse_field_selection(params(req, "fields"), "*all");
    render.changelog = parse_expand(params(req, "expand")).count("changelog") > 0;
    // Cloud embeds the newest 100 histories on GET issue; Server embeds them all.
    render.changelog_cap = settings.embedded_changelog_cap;
    if (!render.changelog_cap && app.options.flavor == Flavor::cloud) render.changelog_cap = 100;
    auto lock = app.store.read_lock();
    const Issue* issue = app.store.find(req.matches[1].str());
    if (!issue) return send_error(res, 404, not_found_message);
    send_json(res, 200, render_issue(app.store, *issue, ctx, render));
}

void get_changelog(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    auto start = int_param(req, res, "startAt", 0);
    if (!start) return;
    auto max = int_param(req, res, "maxResults", 100);
    if (!max) return;
    const long long start_at = std::max(0LL, *start);
    const long long max_results = std::clamp(*max, 1LL, 100LL);
    const auto ctx = app.context(version);
    auto lock = app.store.read_lock();
    const std::string id_or_key = req.matches[1].str();
    const Issue* issue = app.store.find(id_or_key);
    if (!issue) return send_error(res, 404, not_found_message);
    const auto histories = app.store.histories_of(*issue);
    const long long total = static_cast<long long>(histories.size());
    json values = json::array();
    for (long long i = start_at; i < std::min(total, start_at + max_results); ++i)
        values.push_back(render_history(histories[static_cast<std::size_t>(i)], ctx));
    const std::string base = api_prefix(ctx) + "/issue/" + id_or_key + "/changelog";
    const bool last = start_at + max_results >= total;
    json out = {{"self", base + "?startAt=" + std::to_string(start_at) + "&maxResults=" + std::to_string(max_results)},
                {"maxResults", max_results},
                {"startAt", start_at},
                {"total", total},
                {"isLast", last},
                {"values", std::move(values)}};
    if (!last)
        out["nextPage"] = base + "?startAt=" + std::to_string(start_at + max_results) +
                          "&maxResults=" + std::to_string(max_results);
    send_json(res, 200, out);
}

void bulkfetch_issues(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    auto body = json_body(req, res);
    if (!body) return;
    auto ids = id_list(*body, res, 100);
    if (!ids) return;
    const auto settings = app.settings.snapshot();
    const auto ctx = app.context(version);
    RenderOptions render;
    render.fields = parse_field_selection(string_list(*body, "fields"), "*navigable");
    render.changelog = parse_expand(string_list(*body, "expand")).count("changelog") > 0;
    render.changelog_cap = settings.embedded_changelog_cap.value_or(40);
    auto lock = app.store.read_lock();
    std::vector<const Issue*> found;
    for (const auto& id : *ids)
        if (const Issue* issue = app.store.find(id))
            if (std::find(found.begin(), found.end(), issue) == found.end()) found.push_back(issue);
    std::sort(found.begin(), found.end(), [](const Issue* a, const Issue* b) { return a->id < b->id; });
    json issues = json::array();
    for (const Issue* issue : found) {
        issues.push_back(render_issue(app.store, *issue, ctx, render));
    }
    send_json(res, 200, {{"issues", std::move(issues)}, {"issueErrors", json::array()}});
}

void bulkfetch_changelogs(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res) {
    auto body = json_body(req, res);
    if (!body) return;
    auto ids = id_list(*body, res, 1000);
    if (!ids) return;
    const auto field_ids = string_list(*body, "fieldIds");
    if (field_ids.size() > 10) return send_error(res, 400, "fieldIds can contain at most 10 items.");
    long long max_results = 1000;
    if (body->contains("maxResults")) {
        if (!(*body)["maxResults"].is_number_integer()) return send_error(res, 400, "maxResults must be an integer.");
        max_results = (*body)["maxResults"].get<long long>();
        if (max_results < 1) return send_error(res, 400, "maxResults must be at least 1.");
    }
    max_results = std::min<long long>(max_results, app.settings.snapshot().changelog_page_cap);
    // The token is only valid for the same request: same ids and field filter.
    std::string scope = "changelog:";
    for (const auto& id : *ids) scope += id + ",";
    scope += "|";
    for (const auto& f : field_ids) scope += f + ",";
    std::optional<SortRow> after;
    if (body->contains("nextPageToken") && (*body)["nextPageToken"].is_string()) {
        after = decode_page_token((*body)["nextPageToken"].get<std::string>(), scope);
        if (!after || after->size() != 3) return send_error(res, 400, "The provided next page token is invalid or expired.");
    }
    const std::vector<SortKey> order = {{SortField::created, false}, {SortField::id, false}, {SortField::id, false}};
    const auto ctx = app.context(version);

    auto lock = app.store.read_lock();
    std::set<const Issue*> seen;
    struct Row {
        SortRow key;
        const Issue* issue;
        History history;
    };
    std::vector<Row> rows;
    for (const auto& id : *ids) {
        const Issue* issue = app.store.find(id);
        if (!issue || !seen.insert(issue).second) continue;
        for (auto& h : app.store.histories_of(*issue)) {
            if (!field_ids.empty()) {
                json kept = json::array();
                for (const auto& item : h.items) {
                    const std::string fid = item.value("fieldId", "");
                    const std::string field = item.value("field", "");
                    if (std::find_if(field_ids.begin(), field_ids.end(), [&](const std::string& f) {
                            return f == fid || f == field;
                        }) != field_ids.end())
                        kept.push_back(item);
                }
                if (kept.empty()) continue;
                h.items = std::move(kept);
            }
            SortRow key = {{"", h.created.time_since_epoch().count()}, {"", issue->id}, {"", h.id}};
            if (after && compare_rows(key, *after, order) <= 0) continue;
            rows.push_back({std::move(key), issue, std::move(h)});
        }
    }
    std::sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) { return compare_rows(a.key, b.key, order) < 0; });
    const bool more = rows.size() > static_cast<std::size_t>(max_results);
    if (more) rows.resize(static_cast<std::size_t>(max_results));
    // One entry per issue, in the order of its first history on this page.
    json logs = json::array();
    std::vector<std::int64_t> issue_order;
    std::map<std::int64_t, json> per_issue;
    for (const auto& r : rows) {
        if (!per_issue.count(r.issue->id)) issue_order.push_back(r.issue->id);
        per_issue[r.issue->id].push_back(render_history(r.history, ctx));
    }
    for (auto id : issue_order)
        logs.push_back({{"issueId", std::to_string(id)}, {"changeHistories", std::move(per_issue[id])}});
    json out = {{"issueChangeLogs", std::move(logs)}};
    if (more) out["nextPageToken"] = encode_page_token(scope, rows.back().key);
    send_json(res, 200, out);
}

}  // namespace

void register_issue_routes(httplib::Server& server, FakeApp& app) {
    for (int v : served_versions(app)) {
        const std::string p = "/rest/api/" + std::to_string(v);
        if (app.options.flavor == Flavor::cloud) {
            server.Post(p + "/issue/bulkfetch", [&app, v](const httplib::Request& req, httplib::Response& res) {
                bulkfetch_issues(app, v, req, res);
            });
            server.Post(p + "/changelog/bulkfetch", [&app, v](const httplib::Request& req, httplib::Response& res) {
                bulkfetch_changelogs(app, v, req, res);
            });
        }
        server.Get(p + R"(/issue/([^/]+)/changelog)", [&app, v](const httplib::Request& req, httplib::Response& res) {
            get_changelog(app, v, req, res);
        });
        server.Get(p + R"(/issue/([^/]+))", [&app, v](const httplib::Request& req, httplib::Response& res) {
            get_issue(app, v, req, res);
        });
    }
}

}  // namespace j2s::fake
