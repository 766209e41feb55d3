#include "field_catalog.hpp"
#include "http_util.hpp"
#include "routes.hpp"

namespace j2s::fake {

std::vector<int> served_versions(const FakeApp& app) {
    return app.options.flavor == Flavor::cloud ? std::vector<int>{3, 2} : std::vector<int>{2};
}

void register_meta_routes(httplib::Server& server, FakeApp& app) {
    for (int v : served_versions(app)) {
        const std::string p = "/rest/api/" + std::to_string(v);
        server.Get(p + "/serverInfo", [&app, v](const httplib::Request&, httplib::Response& res) {
            const bool cloud = app.options.flavor == Flavor::cloud;
            const auto now = app.settings.now();
            const auto ctx = app.context(v);
            json out = {{"baseUrl", app.store.base_url()},
                        {"version", cloud ? "1001.0.0-SNAPSHOT" : "9.12.2"},
                        {"versionNumbers", cloud ? json{1001, 0, 0} : json{9, 12, 2}},
                        {"deploymentType", cloud ? "Cloud" : "Server"},
                        {"buildNumber", cloud ? 100258 : 9120002},
                        {"buildDate", format_jira_timestamp(app.store.anchor(), ctx.timezone)},
                        {"serverTime", format_jira_timestamp(now, ctx.timezone)},
                        {"scmInfo", "0e4b8f0c3f1b6c2d"},
                        {"serverTitle", "Fake Jira"}};
            if (!cloud) out["serverTimeZone"] = ctx.timezone;
            send_json(res, 200, out);
        });
        server.Get(p + "/myself", [&app, v](const httplib::Request&, httplib::Response& res) {
            const auto ctx = app.context(v);
            UserInfo me{"5b10a2844c20165700ede0a1", "demo", "Demo Connector",
                        app.options.auth_email, ctx.timezone};
            json out = render_user(me, ctx);
            out["emailAddress"] = me.email;
            out["locale"] = "en_US";
            out["groups"] = {{"size", 2}, {"items", json::array()}};
            out["applicationRoles"] = {{"size", 1}, {"items", json::array()}};
            send_json(res, 200, out);
        });
        server.Get(p + "/field", [&app](const httplib::Request&, httplib::Response& res) {
            send_json(res, 200, render_field_list(app.options.flavor));
        });
    }
}

}  // namespace j2s::fake
