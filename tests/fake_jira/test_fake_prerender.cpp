// --prerender: the search pages it serves are byte for byte those a fake without it renders, and any write
// to the store (an edit, a new project) makes the fake render live again.
#include "generator.hpp"
#include "prerendered_issues.hpp"
#include "routes.hpp"
#include "server.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

using namespace j2s::fake;
using nlohmann::json;

namespace {

const j2s::Timestamp anchor = *j2s::parse_jira_timestamp("2024-06-01T12:00:00.000Z");

FakeOptions options(Flavor flavor) {
    FakeOptions o;
    o.flavor = flavor;
    o.generate = 250;
    o.seed = 5;
    o.timezone = "Asia/Kolkata";
    o.anchor = anchor;
    o.server_page_cap = 1000;
    o.prerender = true;
    return o;
}

// Every page of the backfill's search, as the connector asks for it, as raw bodies.
std::vector<std::string> backfill_pages(httplib::Client& client, Flavor flavor) {
    std::vector<std::string> bodies;
    if (flavor == Flavor::cloud) {
        std::optional<std::string> token;
        do {
            json body = {{"jql", "project in (ALPHA, BETA, GAMMA) ORDER BY id ASC"},
                         {"maxResults", 100},
                         {"fields", {"*all"}},
                         {"expand", "changelog"}};
            if (token) body["nextPageToken"] = *token;
            auto res = client.Post("/rest/api/3/search/jql", body.dump(), "application/json");
            REQUIRE(res);
            REQUIRE(res->status == 200);
            bodies.push_back(res->body);
            const auto page = json::parse(res->body);
            token.reset();
            if (page.contains("nextPageToken")) token = page["nextPageToken"].get<std::string>();
        } while (token);
        return bodies;
    }
    for (int start = 0; start < 250; start += 100) {
        const std::string path = "/rest/api/2/search?jql=order%20by%20id&fields=*all&expand=changelog&maxResults=100&startAt=" +
                                 std::to_string(start);
        auto res = client.Get(path.c_str());
        REQUIRE(res);
        REQUIRE(res->status == 200);
        bodies.push_back(res->body);
    }
    return bodies;
}

std::size_t issues_in(const std::vector<std::string>& bodies) {
    std::size_t n = 0;
    for (const auto& b : bodies) n += json::parse(b)["issues"].size();
    return n;
}

}  // namespace

TEST_CASE("prerender: pages are the same bytes as live rendering, and a write turns it off", "[fake][prerender]") {
    for (Flavor flavor : {Flavor::cloud, Flavor::server}) {
        DYNAMIC_SECTION((flavor == Flavor::cloud ? "cloud" : "server")) {
            FakeServer server(options(flavor));
            httplib::Client client("127.0.0.1", server.start());
            client.set_basic_auth("demo@example.com", "demo-token");

            const auto prerendered = backfill_pages(client, flavor);
            CHECK(issues_in(prerendered) == 250);

            // A write that changes no issue: the next pages are rendered live, and must be identical.
            auto res = client.Post("/_fake/projects", json{{"key", "ZETA"}}.dump(), "application/json");
            REQUIRE(res);
            REQUIRE(res->status == 201);
            const auto live = backfill_pages(client, flavor);
            REQUIRE(live.size() == prerendered.size());
            for (std::size_t i = 0; i < live.size(); ++i) CHECK(live[i] == prerendered[i]);

            // An edit shows at once (nothing stale is served).
            const std::string key = json::parse(prerendered.front())["issues"][0]["key"];
            res = client.Post(("/_fake/issues/" + key + "/update").c_str(),
                              json{{"fields", {{"summary", "edited after prerender"}}}}.dump(), "application/json");
            REQUIRE(res);
            REQUIRE(res->status == 200);
            const auto after = backfill_pages(client, flavor);
            CHECK(json::parse(after.front())["issues"][0]["fields"]["summary"] == "edited after prerender");
            server.stop();
        }
    }
}

TEST_CASE("prerender: texts serve only the rendering they were built for, until the store is written", "[fake][prerender]") {
    IssueStore store(Flavor::cloud, anchor);
    {
        auto lock = store.write_lock();
        for (const char* key : {"ALPHA", "BETA"}) store.ensure_project(key);
        GeneratorConfig config;
        config.count = 40;
        config.seed = 3;
        config.projects = {"ALPHA", "BETA"};
        config.anchor = anchor;
        generate_issues(store, config);
    }
    RenderContext ctx;
    ctx.base_url = "http://127.0.0.1:1";
    RenderOptions render;
    render.fields = parse_field_selection({"*all"}, "id");
    render.changelog = true;
    render.changelog_cap = 40;
    render.bare_ids = true;

    PrerenderedIssues texts;
    texts.build(store, ctx, render, 2);
    CHECK(texts.size() == 40);
    auto lock = store.read_lock();
    const auto* found = texts.for_request(store, render_signature(ctx, render));
    REQUIRE(found != nullptr);
    const Issue& first = *std::find_if(store.all().begin(), store.all().end(), [](const Issue& i) { return !i.deleted; });
    CHECK(found->at(first.id) == issue_text(render_issue(store, first, ctx, render)));

    RenderOptions fewer = render;
    fewer.changelog = false;
    CHECK(texts.for_request(store, render_signature(ctx, fewer)) == nullptr);
    RenderContext other_zone = ctx;
    other_zone.timezone = "Europe/Paris";
    CHECK(texts.for_request(store, render_signature(other_zone, render)) == nullptr);
    RenderOptions capped = render;
    capped.changelog_cap = 10;
    CHECK(texts.for_request(store, render_signature(ctx, capped)) == nullptr);
    lock.unlock();

    { auto write = store.write_lock(); }
    auto again = store.read_lock();
    CHECK(texts.for_request(store, render_signature(ctx, render)) == nullptr);
}
