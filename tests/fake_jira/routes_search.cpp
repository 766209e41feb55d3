// Search endpoints. Cloud: GET/POST search/jql (keyset tokens, no total), approximate-count, and 410 for
// the removed /search. Server: GET/POST /rest/api/2/search with startAt/total.
#include "http_util.hpp"
#include "issue_renderer.hpp"
#include "jql_parser.hpp"
#include "page_token.hpp"
#include "prerendered_issues.hpp"
#include "routes.hpp"
#include "search_engine.hpp"
#include "triggers.hpp"

namespace j2s::fake {

namespace {

constexpr const char* unbounded_message =
    "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.";

// The parameters of a search request, from the query string (GET) or the JSON body (POST).
struct SearchRequest {
    std::string jql;
    std::vector<std::string> fields;
    std::vector<std::string> expand;
    std::optional<std::string> next_page_token;
    long long max_results = 50;
    long long start_at = 0;
};

// Reads a JSON-or-query parameter set; sends 400 and returns nullopt on malformed input.
std::optional<SearchRequest> read_search_request(const httplib::Request& req, httplib::Response& res, bool post) {
    SearchRequest out;
    if (!post) {
        out.jql = param(req, "jql").value_or("");
        out.fields = params(req, "fields");
        out.expand = params(req, "expand");
        out.next_page_token = param(req, "nextPageToken");
        auto max = int_param(req, res, "maxResults", 50);
        auto start = int_param(req, res, "startAt", 0);
        if (!max || !start) return std::nullopt;
        out.max_results = *max;
        out.start_at = *start;
        if (params(req, "reconcileIssues").size() > 50) {
            send_error(res, 400, "reconcileIssues can contain at most 50 issue ids.");
            return std::nullopt;
        }
        if (params(req, "properties").size() > 5) {
            send_error(res, 400, "properties can contain at most 5 items.");
            return std::nullopt;
        }
        return out;
    }
    auto body = json_body(req, res);
    if (!body) return std::nullopt;
    try {
        out.jql = body->value("jql", "");
        if (body->contains("fields") && !(*body)["fields"].is_null())
            for (const auto& f : (*body)["fields"]) out.fields.push_back(f.get<std::string>());
        if (body->contains("expand") && (*body)["expand"].is_string()) out.expand.push_back((*body)["expand"]);
        if (body->contains("expand") && (*body)["expand"].is_array())
            for (const auto& e : (*body)["expand"]) out.expand.push_back(e.get<std::string>());
        if (body->contains("nextPageToken") && (*body)["nextPageToken"].is_string())
            out.next_page_token = (*body)["nextPageToken"].get<std::string>();
        out.max_results = body->value("maxResults", 50LL);
        out.start_at = body->value("startAt", 0LL);
        if (body->contains("reconcileIssues") && (*body)["reconcileIssues"].size() > 50) {
            send_error(res, 400, "reconcileIssues can contain at most 50 issue ids.");
            return std::nullopt;
        }
    } catch (const json::exception& e) {
        send_error(res, 400, std::string("Invalid request body: ") + e.what());
        return std::nullopt;
    }
    if (out.max_results < 0 || out.start_at < 0) {
        send_error(res, 400, "maxResults and startAt must not be negative.");
        return std::nullopt;
    }
    return out;
}

// The newest `updated` search can see (search lag), or nullopt when search is up to date.
std::optional<Timestamp> search_visible_until(const RuntimeSettings& settings, Timestamp now) {
    if (settings.search_lag_seconds <= 0) return std::nullopt;
    return now - std::chrono::milliseconds(static_cast<std::int64_t>(settings.search_lag_seconds * 1000));
}

std::optional<JqlQuery> parse_or_400(const std::string& jql, httplib::Response& res) {
    try {
        return parse_jql(jql);
    } catch (const JqlError& e) {
        send_error(res, 400, e.what());
        return std::nullopt;
    }
}

// Sends `envelope` with the page's issues under "issues": pre-rendered texts where the fake has them for
// this request's rendering (--prerender, nothing written since), the others rendered now.
void send_issue_page(FakeApp& app, httplib::Response& res, json envelope, const std::vector<const Issue*>& issues,
                     const RenderContext& ctx, const RenderOptions& render) {
    const auto* prebuilt = app.prerendered.for_request(app.store, render_signature(ctx, render));
    std::vector<std::string> rendered;
    rendered.reserve(issues.size());  // never reallocates: `elements` points into it
    std::vector<const std::string*> elements;
    elements.reserve(issues.size());
    for (const Issue* issue : issues) {
        if (prebuilt != nullptr)
            if (auto it = prebuilt->find(issue->id); it != prebuilt->end()) {
                elements.push_back(&it->second);
                continue;
            }
        rendered.push_back(issue_text(render_issue(app.store, *issue, ctx, render)));
        elements.push_back(&rendered.back());
    }
    send_json_with_array(res, 200, std::move(envelope), "issues", elements);
}

void search_jql(FakeApp& app, int version, const httplib::Request& req, httplib::Response& res, bool post) {
    fire_search_triggers(app);
    auto request = read_search_request(req, res, post);
    if (!request) return;
    auto query = parse_or_400(request->jql, res);
    if (!query) return;
    if (!query->where) return send_error(res, 400, unbounded_message);
    const auto settings = app.settings.snapshot();
    const auto ctx = app.context(version);
    const RenderOptions render = search_render_options(app, request->fields, request->expand);
    const long long cap = render.fields.ids_only() && !render.changelog ? 5000 : 100;
    const auto limit = static_cast<std::size_t>(std::clamp<long long>(request->max_results, 1, cap));

    auto lock = app.store.read_lock();
    std::optional<SortRow> after;
    if (request->next_page_token) {
        after = decode_page_token(*request->next_page_token, request->jql);
        if (!after) return send_error(res, 400, "The provided next page token is invalid or expired.");
    }
    try {
        const auto now = app.settings.now();
        JqlMatcher matcher(*query, app.store, settings.timezone, now);
        auto page = search_after(app.store, *query, matcher, after, limit, search_visible_until(settings, now));
        json out = {{"isLast", !page.has_more}};
        if (page.has_more) out["nextPageToken"] = encode_page_token(request->jql, page.last_row);
        send_issue_page(app, res, std::move(out), page.issues, ctx, render);
    } catch (const JqlError& e) {
        send_error(res, 400, e.what());
    }
}

void search_server(FakeApp& app, const httplib::Request& req, httplib::Response& res, bool post) {
    fire_search_triggers(app);
    auto request = read_search_request(req, res, post);
    if (!request) return;
    auto query = parse_or_400(request->jql, res);
    if (!query) return;
    const auto settings = app.settings.snapshot();
    const auto ctx = app.context(2);
    const RenderOptions render = search_render_options(app, request->fields, request->expand);
    const auto used = static_cast<std::size_t>(std::clamp<long long>(request->max_results, 0, settings.server_page_cap));
    auto lock = app.store.read_lock();
    try {
        const auto now = app.settings.now();
        JqlMatcher matcher(*query, app.store, settings.timezone, now);
        auto page = search_offset(app.store, *query, matcher, static_cast<std::size_t>(request->start_at), used,
                                  search_visible_until(settings, now));
        send_issue_page(app, res,
                        {{"expand", "schema,names"},
                         {"startAt", request->start_at},
                         {"maxResults", used},
                         {"total", page.total},
                         {"isLast", static_cast<std::size_t>(request->start_at) + page.issues.size() >= page.total}},
                        page.issues, ctx, render);
    } catch (const JqlError& e) {
        send_error(res, 400, e.what());
    }
}

}  // namespace

RenderOptions search_render_options(const FakeApp& app, const std::vector<std::string>& fields,
                                    const std::vector<std::string>& expand) {
    const auto settings = app.settings.snapshot();
    RenderOptions render;
    render.changelog = parse_expand(expand).count("changelog") > 0;
    if (app.options.flavor == Flavor::cloud) {
        render.fields = parse_field_selection(fields, "id");
        render.bare_ids = true;
        render.changelog_cap = settings.embedded_changelog_cap.value_or(40);
    } else {
        render.fields = parse_field_selection(fields, "*navigable");
        render.changelog_cap = settings.embedded_changelog_cap;  // Server embeds every history by default
    }
    return render;
}

void register_search_routes(httplib::Server& server, FakeApp& app) {
    if (app.options.flavor == Flavor::server) {
        server.Get("/rest/api/2/search",
                   [&app](const httplib::Request& req, httplib::Response& res) { search_server(app, req, res, false); });
        server.Post("/rest/api/2/search",
                    [&app](const httplib::Request& req, httplib::Response& res) { search_server(app, req, res, true); });
        return;
    }
    for (int v : served_versions(app)) {
        const std::string p = "/rest/api/" + std::to_string(v);
        server.Get(p + "/search/jql", [&app, v](const httplib::Request& req, httplib::Response& res) {
            search_jql(app, v, req, res, false);
        });
        server.Post(p + "/search/jql", [&app, v](const httplib::Request& req, httplib::Response& res) {
            search_jql(app, v, req, res, true);
        });
        auto gone = [](const httplib::Request&, httplib::Response& res) {
            send_error(res, 410,
                       "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
                       "A full migration guideline is available at "
                       "https://developer.atlassian.com/changelog/#CHANGE-2046");
        };
        server.Get(p + "/search", gone);
        server.Post(p + "/search", gone);
        server.Post(p + "/search/approximate-count", [&app](const httplib::Request& req, httplib::Response& res) {
            auto body = json_body(req, res);
            if (!body) return;
            const std::string jql = body->value("jql", "");
            auto query = parse_or_400(jql, res);
            if (!query) return;
            if (!query->where) return send_error(res, 400, unbounded_message);
            const auto settings = app.settings.snapshot();
            auto lock = app.store.read_lock();
            try {
                const auto now = app.settings.now();
                JqlMatcher matcher(*query, app.store, settings.timezone, now);
                send_json(res, 200,
                          {{"count", count_matches(app.store, matcher, search_visible_until(settings, now))}});
            } catch (const JqlError& e) {
                send_error(res, 400, e.what());
            }
        });
    }
}

}  // namespace j2s::fake
