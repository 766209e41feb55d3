// The control API under /_fake/ (no auth): inspect and edit the data, shift the clock, change settings,
// read the request log, inject faults and set edits to apply while a scan pages. Documented in README.md.
#include "http_util.hpp"
#include "mutations.hpp"
#include "routes.hpp"

#include <algorithm>
#include <stdexcept>

namespace j2s::fake {

namespace {

template <class F>
void guarded(httplib::Response& res, F&& body) {
    try {
        body();
    } catch (const IssueNotFound& e) {
        send_error(res, 404, e.what());
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
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            send_json(res, 201, create_issue(app, *body, now));
        });
    });

    server.Post(R"(/_fake/issues/([^/]+)/update)", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            send_json(res, 200, update_issue(app, req.matches[1].str(), *body, now));
        });
    });

    server.Post(R"(/_fake/issues/([^/]+)/histories)", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const int count = body->value("count", 1);
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            send_json(res, 200, add_histories(app, req.matches[1].str(), count, now));
        });
    });

    server.Delete(R"(/_fake/issues/([^/]+))", [&app](const httplib::Request& req, httplib::Response& res) {
        guarded(res, [&] {
            auto lock = app.store.write_lock();
            send_json(res, 200, delete_issue(app, req.matches[1].str()));
        });
    });

    server.Post(R"(/_fake/issues/([^/]+)/move)", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] {
            const auto now = app.settings.now();
            auto lock = app.store.write_lock();
            send_json(res, 200, move_issue(app, req.matches[1].str(), *body, now));
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
            if (body->contains("changelog_page_cap") &&
                (!(*body)["changelog_page_cap"].is_number_integer() || (*body)["changelog_page_cap"].get<int>() < 1))
                throw std::invalid_argument("changelog_page_cap must be an integer >= 1");
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
                if (body->contains("changelog_page_cap")) s.changelog_page_cap = (*body)["changelog_page_cap"].get<int>();
                if (body->contains("search_lag_seconds")) s.search_lag_seconds = (*body)["search_lag_seconds"].get<double>();
            });
            const auto s = app.settings.snapshot();
            send_json(res, 200,
                      {{"timezone", s.timezone},
                       {"latency_ms", s.latency_ms},
                       {"embedded_changelog_cap", s.embedded_changelog_cap ? json(*s.embedded_changelog_cap) : json(nullptr)},
                       {"server_page_cap", s.server_page_cap},
                       {"changelog_page_cap", s.changelog_page_cap},
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

    server.Post("/_fake/triggers", [&app](const httplib::Request& req, httplib::Response& res) {
        auto body = json_body(req, res);
        if (!body) return;
        guarded(res, [&] { send_json(res, 201, app.triggers.add(*body)); });
    });
    server.Get("/_fake/triggers", [&app](const httplib::Request&, httplib::Response& res) {
        send_json(res, 200, app.triggers.list());
    });
    server.Delete("/_fake/triggers", [&app](const httplib::Request&, httplib::Response& res) {
        app.triggers.clear();
        send_json(res, 200, {{"ok", true}});
    });
}

}  // namespace j2s::fake
