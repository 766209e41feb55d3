// End-to-end: the fake server in-process on a free port, driven over HTTP like the connector drives it.
#include "base64.hpp"
#include "server.hpp"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <chrono>
#include <cmath>
#include <map>
#include <set>

using namespace j2s::fake;
using nlohmann::json;

namespace {

const j2s::Timestamp anchor = *j2s::parse_jira_timestamp("2024-06-01T12:00:00.000Z");

struct Running {
    FakeServer server;
    httplib::Client client;
    explicit Running(FakeOptions o) : server(o), client("127.0.0.1", server.start()) {
        client.set_basic_auth("demo@example.com", "demo-token");
    }
    json get(const std::string& path, int expected = 200) {
        auto res = client.Get(path.c_str());
        REQUIRE(res);
        INFO(path << " -> " << res->body);
        REQUIRE(res->status == expected);
        return json::parse(res->body);
    }
    json post(const std::string& path, const json& body, int expected = 200) {
        auto res = client.Post(path.c_str(), body.dump(), "application/json");
        REQUIRE(res);
        INFO(path << " -> " << res->body);
        REQUIRE(res->status == expected);
        return json::parse(res->body);
    }
};

FakeOptions cloud_options() {
    FakeOptions o;
    o.flavor = Flavor::cloud;
    o.generate = 300;
    o.seed = 11;
    o.timezone = "America/Los_Angeles";
    o.anchor = anchor;
    return o;
}

}  // namespace

TEST_CASE("cloud: auth, headers, metadata", "[fake][server]") {
    Running r(cloud_options());
    httplib::Client anonymous("127.0.0.1", r.server.port());
    auto res = anonymous.Get("/rest/api/3/myself");
    REQUIRE(res);
    CHECK(res->status == 401);
    CHECK(json::parse(res->body)["errorMessages"][0] == "Client must be authenticated to access this resource.");
    httplib::Client wrong("127.0.0.1", r.server.port());
    wrong.set_basic_auth("demo@example.com", "wrong");
    CHECK(wrong.Get("/rest/api/3/myself")->status == 401);

    res = r.client.Get("/rest/api/3/myself");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type").rfind("application/json", 0) == 0);
    CHECK(res->get_header_value("Date").find(" GMT") != std::string::npos);
    const json me = json::parse(res->body);
    CHECK(me["timeZone"] == "America/Los_Angeles");
    CHECK(me.contains("accountId"));

    const json info = r.get("/rest/api/3/serverInfo");
    CHECK(info["deploymentType"] == "Cloud");
    CHECK(info["serverTime"].get<std::string>().find("-0") != std::string::npos);  // -0700/-0800 offset

    const json fields = r.get("/rest/api/3/field");
    std::set<std::string> names;
    for (const auto& f : fields) names.insert(f["name"].get<std::string>());
    CHECK(names.count("Story Points"));
    CHECK(names.count("Sprint"));
    CHECK(names.size() == fields.size());  // display names are unique

    CHECK(r.get("/rest/api/3/nothing/here", 404)["errorMessages"].size() == 1);
    CHECK(r.get("/rest/api/3/search?jql=project=ALPHA", 410)["errorMessages"][0].get<std::string>().find(
              "/rest/api/3/search/jql") != std::string::npos);
    // Credentials never reach the request log.
    const auto log = r.get("/_fake/requests").dump();
    CHECK(log.find("demo-token") == std::string::npos);
    CHECK(log.find(base64_encode("demo@example.com:demo-token")) == std::string::npos);
    CHECK(log.find("\"auth_scheme\":\"basic\"") != std::string::npos);
}

TEST_CASE("cloud: search/jql pages with tokens to the end, no total", "[fake][server]") {
    Running r(cloud_options());
    const std::string jql = "project in (ALPHA, BETA) AND updated >= '2023-01-01 00:00' ORDER BY updated ASC";
    const auto count = r.post("/rest/api/3/search/approximate-count", {{"jql", jql}})["count"].get<std::size_t>();
    REQUIRE(count > 50);
    std::set<std::string> ids;
    json body = {{"jql", jql}, {"maxResults", 37}, {"fields", {"id"}}};
    int pages = 0;
    for (;;) {
        const json page = r.post("/rest/api/3/search/jql", body);
        CHECK_FALSE(page.contains("total"));
        ++pages;
        for (const auto& issue : page["issues"]) {
            CHECK(issue.size() == 1);  // fields=id gives bare {"id"}
            CHECK(ids.insert(issue["id"].get<std::string>()).second);
        }
        if (page["isLast"].get<bool>()) {
            CHECK_FALSE(page.contains("nextPageToken"));  // absent, not null
            break;
        }
        body["nextPageToken"] = page["nextPageToken"];
    }
    CHECK(ids.size() == count);
    CHECK(pages == static_cast<int>((count + 36) / 37));

    // A token only fits the JQL it came from; garbage is rejected.
    const json first = r.post("/rest/api/3/search/jql", {{"jql", jql}, {"maxResults", 5}});
    r.post("/rest/api/3/search/jql", {{"jql", "project = ALPHA"}, {"nextPageToken", first["nextPageToken"]}}, 400);
    r.post("/rest/api/3/search/jql", {{"jql", jql}, {"nextPageToken", "%%%"}}, 400);
    // Unbounded queries are refused.
    CHECK(r.post("/rest/api/3/search/jql", {{"jql", "ORDER BY key"}}, 400)["errorMessages"][0] ==
          "Unbounded JQL queries are not allowed here. Please add a search restriction to your query.");
    // Caps: 100 with fields, 5000 ids only.
    CHECK(r.post("/rest/api/3/search/jql", {{"jql", "project = ALPHA"}, {"maxResults", 500}, {"fields", {"summary"}}})["issues"].size() == 100);
    CHECK(r.post("/rest/api/3/search/jql", {{"jql", "project is not empty"}, {"maxResults", 500}})["issues"].size() == 300);
}

TEST_CASE("cloud: fields, embedded changelog, issue and changelog endpoints", "[fake][server]") {
    Running r(cloud_options());
    const json all = r.get("/_fake/issues");
    REQUIRE(all.size() == 300);
    json big;
    for (const auto& i : all)
        if (i["histories"].size() > 100) big = i;
    REQUIRE_FALSE(big.is_null());
    const std::string key = big["key"];
    const std::size_t total = big["histories"].size();

    const json page = r.post("/rest/api/3/search/jql", {{"jql", "key = " + key}, {"fields", {"*all", "-description"}}, {"expand", "changelog"}});
    const json& issue = page["issues"][0];
    CHECK(issue["key"] == key);
    CHECK(issue["fields"].contains("summary"));
    CHECK_FALSE(issue["fields"].contains("description"));
    CHECK(issue["fields"]["created"].get<std::string>().size() == 28);  // 2024-03-05T14:07:12.345-0800
    CHECK(issue["changelog"]["total"] == total);
    CHECK(issue["changelog"]["maxResults"] == 40);
    CHECK(issue["changelog"]["histories"].size() == 40);
    CHECK(issue["changelog"]["histories"][0]["id"] == big["histories"][total - 1]["id"]);  // newest first

    const json one = r.get("/rest/api/3/issue/" + key + "?expand=changelog");
    CHECK(one["changelog"]["histories"].size() == 100);
    CHECK((one["fields"]["description"].is_null() || one["fields"]["description"]["type"] == "doc") == true);
    const json v2 = r.get("/rest/api/2/issue/" + key);
    CHECK((v2["fields"]["description"].is_null() || v2["fields"]["description"].is_string()) == true);

    // Per-issue changelog: offset pages, oldest first.
    std::vector<std::string> ids;
    for (int start = 0;; start += 100) {
        const json p = r.get("/rest/api/3/issue/" + key + "/changelog?startAt=" + std::to_string(start));
        CHECK(p["total"] == total);
        for (const auto& h : p["values"]) ids.push_back(h["id"]);
        if (p["isLast"].get<bool>()) break;
        CHECK(p.contains("nextPage"));
    }
    REQUIRE(ids.size() == total);
    CHECK(ids.front() == big["histories"][0]["id"]);

    // Bulk changelogs: maxResults counts histories across issues; tokens to the end.
    std::vector<std::string> keys;
    std::size_t expected = 0;
    for (std::size_t i = 0; i < 20; ++i) {
        keys.push_back(all[i]["key"]);
        expected += all[i]["histories"].size();
    }
    keys.push_back(key);
    expected += total;
    json body = {{"issueIdsOrKeys", keys}, {"maxResults", 50}};
    std::set<std::string> seen;
    for (;;) {
        const json p = r.post("/rest/api/3/changelog/bulkfetch", body);
        std::size_t on_page = 0;
        for (const auto& log : p["issueChangeLogs"])
            for (const auto& h : log["changeHistories"]) {
                CHECK(seen.insert(h["id"].get<std::string>()).second);
                ++on_page;
            }
        CHECK(on_page <= 50);
        if (!p.contains("nextPageToken")) break;
        body["nextPageToken"] = p["nextPageToken"];
    }
    CHECK(seen.size() == expected);
    r.post("/rest/api/3/changelog/bulkfetch", {{"issueIdsOrKeys", json::array()}}, 400);
    // A site may answer with fewer histories than maxResults asks (changelog_page_cap); tokens still reach the end.
    r.post("/_fake/config", {{"changelog_page_cap", 30}});
    body = {{"issueIdsOrKeys", keys}, {"maxResults", 10000}};
    std::size_t capped_seen = 0;
    for (;;) {
        const json p = r.post("/rest/api/3/changelog/bulkfetch", body);
        std::size_t on_page = 0;
        for (const auto& log : p["issueChangeLogs"]) on_page += log["changeHistories"].size();
        CHECK(on_page <= 30);
        capped_seen += on_page;
        if (!p.contains("nextPageToken")) break;
        body["nextPageToken"] = p["nextPageToken"];
    }
    CHECK(capped_seen == expected);
    r.post("/_fake/config", {{"changelog_page_cap", 0}}, 400);
    r.post("/_fake/config", {{"changelog_page_cap", 10000}});

    // Bulk issues: ascending id, unknown ids silently left out.
    const json bulk = r.post("/rest/api/3/issue/bulkfetch",
                             {{"issueIdsOrKeys", {all[5]["key"], all[2]["id"], "99999999"}}, {"fields", {"summary"}}});
    REQUIRE(bulk["issues"].size() == 2);
    CHECK(bulk["issues"][0]["id"] == std::to_string(all[2]["id"].get<long long>()));
    CHECK(bulk["issueErrors"].empty());

    CHECK(r.get("/rest/api/3/issue/NOPE-1", 404)["errorMessages"][0] ==
          "Issue does not exist or you do not have permission to see it.");
}

TEST_CASE("control API: create, update, move, delete, clock, faults", "[fake][server]") {
    Running r(cloud_options());
    const json created = r.post("/_fake/issues", {{"project", "ALPHA"}, {"fields", {{"summary", "Hello ✓"}}}}, 201);
    const std::string key = created["key"];
    r.post("/_fake/clock", {{"offset_seconds", 3600}});
    const json updated = r.post("/_fake/issues/" + key + "/update",
                                {{"fields", {{"labels", {"x"}}}},
                                 {"items", {{{"field", "labels"}, {"fromString", ""}, {"toString", "x"}}}}});
    CHECK(updated["fields"]["labels"] == json{"x"});
    CHECK(updated["histories"].size() == 1);
    CHECK(updated["updated"] != updated["created"]);
    r.post("/_fake/issues/" + key + "/histories", {{"count", 120}});
    CHECK(r.get("/rest/api/3/issue/" + key + "/changelog")["total"] == 121);

    const json moved = r.post("/_fake/issues/" + key + "/move", {{"project", "BETA"}});
    const std::string new_key = moved["key"];
    CHECK(new_key.rfind("BETA-", 0) == 0);
    CHECK(r.get("/rest/api/3/issue/" + key)["key"] == new_key);  // the old key still resolves
    CHECK(r.post("/rest/api/3/search/jql", {{"jql", "key = " + new_key}})["issues"].size() == 1);

    r.post("/_fake/faults", {{"path_regex", "/search/jql$"}, {"status", 429}, {"count", 2}, {"headers", {{"Retry-After", "3"}}}}, 201);
    for (int i = 0; i < 2; ++i) {
        auto res = r.client.Post("/rest/api/3/search/jql", json{{"jql", "project = ALPHA"}}.dump(), "application/json");
        REQUIRE(res);
        CHECK(res->status == 429);
        CHECK(res->get_header_value("Retry-After") == "3");
    }
    r.post("/rest/api/3/search/jql", {{"jql", "project = ALPHA"}});  // the third one passes

    httplib::Client raw("127.0.0.1", r.server.port());
    CHECK(raw.Delete(("/_fake/issues/" + new_key).c_str())->status == 200);
    r.get("/rest/api/3/issue/" + new_key, 404);
    CHECK(r.get("/_fake/issues").size() == 300);

    const json log = r.get("/_fake/requests");
    REQUIRE(log.size() > 5);
    CHECK(log.back()["path"] == "/rest/api/3/issue/" + new_key);
    CHECK(log.back()["status"] == 404);
}

TEST_CASE("server flavor: offset search on v2 only, page cap reported", "[fake][server]") {
    FakeOptions o = cloud_options();
    o.flavor = Flavor::server;
    o.server_page_cap = 40;
    o.fixtures_dir = J2S_FIXTURES_DIR;
    Running r(o);
    const json page = r.get("/rest/api/2/search?jql=&maxResults=1000&startAt=10");
    CHECK(page["maxResults"] == 40);
    CHECK(page["startAt"] == 10);
    CHECK(page["total"].get<int>() >= 300);
    CHECK(page["issues"].size() == 40);
    CHECK(page["issues"][0]["fields"].contains("summary"));  // Server's default is all navigable fields
    CHECK(page["issues"][0]["fields"]["reporter"].contains("name"));
    r.get("/rest/api/3/search/jql?jql=project=ALPHA", 404);
    r.get("/rest/api/3/myself", 404);
    // The fixture with 250 histories embeds them all on Server.
    const json fx = r.get("/rest/api/2/search?jql=key%20%3D%20FIX-1&expand=changelog");
    REQUIRE(fx["issues"].size() == 1);
    CHECK(fx["issues"][0]["changelog"]["total"] == 250);
    CHECK(fx["issues"][0]["changelog"]["histories"].size() == 250);
}

TEST_CASE("search lag: search sees a change only search_lag_seconds later, GET sees it at once", "[fake][server]") {
    for (const Flavor flavor : {Flavor::cloud, Flavor::server}) {
        FakeOptions o = cloud_options();
        o.flavor = flavor;
        o.generate = 20;
        Running r(o);
        const std::string prefix = flavor == Flavor::cloud ? "/rest/api/3" : "/rest/api/2";
        auto search_keys = [&] {
            const json page = flavor == Flavor::cloud
                                  ? r.post(prefix + "/search/jql", {{"jql", "project = ALPHA"}, {"maxResults", 100},
                                                                    {"fields", {"key"}}})
                                  : r.get(prefix + "/search?jql=project%20%3D%20ALPHA&maxResults=100&fields=key");
            std::set<std::string> keys;
            for (const auto& issue : page["issues"]) keys.insert(issue["key"].get<std::string>());
            return keys;
        };
        CHECK(r.post("/_fake/config", {{"search_lag_seconds", 120}})["search_lag_seconds"] == 120);
        const std::size_t before = search_keys().size();
        const std::string key = r.post("/_fake/issues", {{"project", "ALPHA"}}, 201)["key"];
        CHECK(search_keys().size() == before);                        // not indexed yet
        CHECK(r.get(prefix + "/issue/" + key)["key"] == key);         // but GET sees it
        CHECK(r.get(prefix + "/issue/" + key + "/changelog")["total"] == 0);
        r.post("/_fake/clock", {{"offset_seconds", 121}});
        CHECK(search_keys().count(key) == 1);                         // indexed after the lag
        r.post("/_fake/issues/" + key + "/update", {{"fields", {{"summary", "edited"}}}});
        CHECK(search_keys().count(key) == 0);                         // its newest change is not
        r.post("/_fake/config", {{"search_lag_seconds", 0}});
        CHECK(search_keys().count(key) == 1);
        CHECK(r.client.Post("/_fake/config", json{{"search_lag_seconds", -1}}.dump(), "application/json")->status == 400);
    }
}

namespace {

// The status of each of `n` GETs of `path` (0: no response at all).
std::vector<int> statuses_of(Running& r, const std::string& path, int n) {
    std::vector<int> out;
    for (int i = 0; i < n; ++i) {
        auto res = r.client.Get(path.c_str());
        out.push_back(res ? res->status : 0);
    }
    return out;
}

// The mix of issue 4's fault storm, minus the connection faults, on /myself.
void add_mix(Running& r, std::uint64_t seed) {
    for (const auto& [status, p] : std::vector<std::pair<int, double>>{{429, 0.25}, {503, 0.05}, {500, 0.03}})
        r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"status", status}, {"probability", p}, {"seed", seed}}, 201);
}

}  // namespace

TEST_CASE("faults by probability: a seeded mix hits each rate as a share of all requests, reproducibly", "[fake][server][faults]") {
    FakeOptions o = cloud_options();
    o.generate = 1;
    Running r(o);
    add_mix(r, 7);
    const auto first = statuses_of(r, "/rest/api/3/myself", 2000);
    std::map<int, int> count;
    for (int s : first) ++count[s];
    CAPTURE(count[429], count[503], count[500], count[200]);
    // Expected 500 / 100 / 60 of 2,000 (the rules' own shares, not shares of what earlier rules left over:
    // 503 would then be 5% of 75%, 75); within about 4 standard deviations.
    CHECK(std::abs(count[429] - 500) < 80);
    CHECK(std::abs(count[503] - 100) < 40);
    CHECK(std::abs(count[500] - 60) < 32);
    CHECK(count[200] == 2000 - count[429] - count[503] - count[500]);
    // Unlimited: the rules are all still there, and say how often they fired.
    const json rules = r.get("/_fake/faults");
    REQUIRE(rules.size() == 3);
    CHECK(rules[0]["fired"] == count[429]);
    CHECK(rules[0]["count"].is_null());
    CHECK(rules[0]["probability"] == 0.25);

    // The same seed gives the same sequence once the rules are set again; another seed another one.
    r.client.Delete("/_fake/faults");
    add_mix(r, 7);
    CHECK(statuses_of(r, "/rest/api/3/myself", 2000) == first);
    r.client.Delete("/_fake/faults");
    add_mix(r, 8);
    CHECK(statuses_of(r, "/rest/api/3/myself", 2000) != first);
    r.client.Delete("/_fake/faults");

    // A count caps a probabilistic rule; other paths are not drawn for.
    r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"status", 503}, {"probability", 1.0}, {"count", 3}}, 201);
    CHECK(statuses_of(r, "/rest/api/3/serverInfo", 5) == std::vector<int>(5, 200));
    CHECK(statuses_of(r, "/rest/api/3/myself", 5) == std::vector<int>{503, 503, 503, 200, 200});
    CHECK(r.get("/_fake/faults").empty());

    // Malformed rules are refused.
    for (const json& bad : {json{{"path_regex", "x"}, {"probability", 0}}, json{{"path_regex", "x"}, {"probability", 1.5}},
                            json{{"path_regex", "x"}, {"every", 0}}, json{{"path_regex", "x"}, {"every", 2}, {"probability", 0.5}},
                            json{{"path_regex", "x"}, {"seed", -1}, {"probability", 0.5}},
                            json{{"path_regex", "x"}, {"reset", true}, {"truncate_body", true}}})
        CHECK(r.client.Post("/_fake/faults", bad.dump(), "application/json")->status == 400);
}

TEST_CASE("faults by schedule: every Nth matching request, after a skip, up to a count", "[fake][server][faults]") {
    FakeOptions o = cloud_options();
    o.generate = 1;
    Running r(o);
    r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"status", 502}, {"every", 3}}, 201);
    CHECK(statuses_of(r, "/rest/api/3/myself", 9) == std::vector<int>{200, 200, 502, 200, 200, 502, 200, 200, 502});
    r.client.Delete("/_fake/faults");
    // Skip 2, then every 2nd, twice. A request that is not the rule's turn goes on to later rules.
    r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"status", 504}, {"every", 2}, {"skip", 2}, {"count", 2}}, 201);
    r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"status", 429}, {"count", 1}}, 201);
    // 1-2 skipped (the skip holds later rules off too); 3 not its turn -> the 429 rule; 4 fires; 5 not its
    // turn, nothing left; 6 fires (count reached).
    CHECK(statuses_of(r, "/rest/api/3/myself", 8) == std::vector<int>{200, 200, 429, 504, 200, 504, 200, 200});
    CHECK(r.get("/_fake/faults").empty());
}

TEST_CASE("faults: a reset drops the connection with nothing sent, a truncated body after the headers", "[fake][server][faults]") {
    FakeOptions o = cloud_options();
    o.generate = 1;
    Running r(o);
    r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"reset", true}, {"count", 2}}, 201);
    r.client.Delete("/_fake/requests");
    for (int i = 0; i < 2; ++i) {
        auto res = r.client.Get("/rest/api/3/myself");
        REQUIRE_FALSE(res);  // no status line, no headers: the connection closed or reset
        CHECK((res.error() == httplib::Error::Read || res.error() == httplib::Error::Connection) == true);
    }
    CHECK(r.client.Get("/rest/api/3/myself")->status == 200);

    // The raw socket sees no byte at all.
    r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"reset", true}}, 201);
    {
        httplib::Client raw("127.0.0.1", r.server.port());
        raw.set_basic_auth("demo@example.com", "demo-token");
        std::string received;
        auto res = raw.Get("/rest/api/3/myself", [&](const char* data, std::size_t n) {
            received.append(data, n);
            return true;
        });
        CHECK_FALSE(res);
        CHECK(received.empty());
    }

    r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"status", 200}, {"truncate_body", true}, {"body", std::string(100, 'x')}}, 201);
    auto cut = r.client.Get("/rest/api/3/myself");
    CHECK((!cut || cut->body.size() < 100) == true);

    // Every attempt is in the log, the dropped ones with their fault and, for a reset, status 0.
    const json log = r.get("/_fake/requests");
    INFO(log.dump());
    REQUIRE(log.size() == 5);
    CHECK(log[0]["status"] == 0);
    CHECK(log[0].value("fault", "") == "reset");
    CHECK(log[1].value("fault", "") == "reset");
    CHECK_FALSE(log[2].contains("fault"));
    CHECK(log[2]["status"] == 200);
    CHECK(log[3].value("fault", "") == "reset");
    CHECK(log[4].value("fault", "") == "truncated");
}

TEST_CASE("faults: X-RateLimit-Reset names the fake clock's now plus the given seconds, rounded up", "[fake][server][faults]") {
    FakeOptions o = cloud_options();
    o.generate = 1;
    Running r(o);
    r.post("/_fake/clock", {{"offset_seconds", -7200}});
    r.post("/_fake/faults", {{"path_regex", "/myself$"}, {"status", 429}, {"ratelimit_reset_seconds", 2},
                             {"headers", {{"RateLimit-Reason", "jira-burst-based"}}}}, 201);
    const auto before = std::chrono::system_clock::now() - std::chrono::hours(2);
    auto res = r.client.Get("/rest/api/3/myself");
    const auto after = std::chrono::system_clock::now() - std::chrono::hours(2);
    REQUIRE(res);
    CHECK(res->status == 429);
    CHECK(res->get_header_value("RateLimit-Reason") == "jira-burst-based");
    const std::string reset = res->get_header_value("X-RateLimit-Reset");
    CHECK(reset.size() == 20);  // 2024-06-01T12:00:02Z
    const auto at = j2s::parse_jira_timestamp(reset);
    REQUIRE(at);
    CHECK(*at >= std::chrono::floor<std::chrono::milliseconds>(before + std::chrono::seconds(2)));
    CHECK(*at <= std::chrono::ceil<std::chrono::milliseconds>(after + std::chrono::seconds(3)));
    // The log says which waits the response asked for.
    const json log = r.get("/_fake/requests");
    REQUIRE(log.size() == 1);  // logged before the response is written, so it is there as soon as we have it
    const json& logged = log.back();
    CHECK(logged["fault_headers"]["X-RateLimit-Reset"] == reset);
    CHECK(logged["fault_headers"]["RateLimit-Reason"] == "jira-burst-based");
}

TEST_CASE("triggers: edits applied just before the k-th search page is computed", "[fake][server][triggers]") {
    for (const Flavor flavor : {Flavor::cloud, Flavor::server}) {
        CAPTURE(flavor == Flavor::cloud ? "cloud" : "server");
        FakeOptions o = cloud_options();
        o.flavor = flavor;
        o.generate = 20;
        Running r(o);
        const json all = r.get("/_fake/issues");
        const std::string updated = all[0]["key"], deleted = all[1]["key"], moved = all[2]["key"];
        // The three issues by id (a move keeps it) and whatever is created now (generated issues are older).
        const std::string jql = "id in (" + all[0]["id"].dump() + ", " + all[1]["id"].dump() + ", " + all[2]["id"].dump() +
                                ") OR created > \"2024-06-02\" ORDER BY id";
        // One search page of what the trigger touches: key -> summary.
        auto page = [&] {
            const json body = flavor == Flavor::cloud
                                  ? r.post("/rest/api/3/search/jql", {{"jql", jql}, {"fields", {"summary"}}})
                                  : r.post("/rest/api/2/search", {{"jql", jql}, {"fields", {"summary"}}});
            std::map<std::string, std::string> out;
            for (const auto& issue : body["issues"]) out[issue["key"]] = issue["fields"]["summary"];
            return out;
        };
        const json trigger = r.post("/_fake/triggers",
                                    {{"on_search_page", 3},
                                     {"actions", {{{"op", "update"}, {"issue", updated}, {"fields", {{"summary", "edited at page 3"}}},
                                                   {"items", {{{"field", "summary"}, {"toString", "edited at page 3"}}}}},
                                                  {{"op", "create"}, {"project", "ZETA"}, {"fields", {{"summary", "created at page 3"}}}},
                                                  {{"op", "delete"}, {"issue", deleted}},
                                                  {{"op", "move"}, {"issue", moved}, {"project", "ZETA"}}}}},
                                    201);
        CHECK(trigger["fired"] == false);
        const auto original = page();
        REQUIRE(original.size() == 3);
        CHECK(original.at(updated) == all[0]["fields"]["summary"]);
        // Other requests do not count: issue and metadata reads, and (cloud) approximate-count.
        r.get((flavor == Flavor::cloud ? "/rest/api/3/issue/" : "/rest/api/2/issue/") + updated);
        if (flavor == Flavor::cloud) r.post("/rest/api/3/search/approximate-count", {{"jql", jql}});
        CHECK(page() == original);  // page 2: still untouched
        CHECK(r.get("/_fake/triggers")[0]["seen"] == 2);
        CHECK(r.get("/_fake/triggers")[0]["fired"] == false);

        const auto third = page();  // page 3 already sees every edit
        CHECK(third.size() == 3);
        CHECK(third.at(updated) == "edited at page 3");
        CHECK(third.count(deleted) == 0);
        CHECK(third.count(moved) == 0);  // but it is there under its new key
        CHECK(third.at("ZETA-1") == "created at page 3");
        CHECK(third.count("ZETA-2") == 1);  // the moved issue's new key
        const json fired = r.get("/_fake/triggers")[0];
        CHECK(fired["fired"] == true);
        CHECK(fired["seen"] == 3);
        REQUIRE(fired["results"].size() == 4);
        CHECK(fired["results"][1]["result"]["key"] == "ZETA-1");
        CHECK(fired["results"][2]["result"]["deleted"] == all[1]["id"]);
        CHECK(fired["results"][3]["result"]["key"] == "ZETA-2");
        // The edits are those of the control API: the update's history, the move's Key/project history.
        const json issues = r.get("/_fake/issues");
        CHECK(issues.size() == 20);  // one created, one deleted
        for (const auto& issue : issues) {
            if (issue["key"] == updated) CHECK(issue["histories"].back()["items"][0]["toString"] == "edited at page 3");
            if (issue["key"] == "ZETA-2") {
                CHECK(issue["old_keys"] == json{moved});
                CHECK(issue["histories"].back()["items"][0]["field"] == "Key");
            }
        }
        CHECK(page() == third);  // it fired once
        CHECK(r.get("/_fake/triggers")[0]["seen"] == 4);  // and goes on counting

        // An action that cannot apply records its error; the others still apply.
        r.post("/_fake/triggers", {{"on_search_page", 1},
                                   {"actions", {{{"op", "delete"}, {"issue", "NOPE-1"}}, {{"op", "delete"}, {"issue", updated}}}}},
               201);
        CHECK(page().count(updated) == 0);
        const json second = r.get("/_fake/triggers")[1];
        CHECK(second["results"][0]["error"] == "Issue does not exist or you do not have permission to see it.");
        CHECK(second["results"][1]["result"]["deleted"] == all[0]["id"]);

        for (const json& bad : {json{{"actions", {{{"op", "create"}, {"project", "X"}}}}},
                                json{{"on_search_page", 0}, {"actions", {{{"op", "create"}, {"project", "X"}}}}},
                                json{{"on_search_page", 1}, {"actions", json::array()}},
                                json{{"on_search_page", 1}, {"actions", {{{"op", "rename"}}}}},
                                json{{"on_search_page", 1}, {"actions", {{{"op", "update"}}}}},
                                json{{"on_search_page", 1}, {"actions", {{{"op", "move"}, {"issue", "A-1"}}}}}})
            CHECK(r.client.Post("/_fake/triggers", bad.dump(), "application/json")->status == 400);
        CHECK(r.client.Delete("/_fake/triggers")->status == 200);
        CHECK(r.get("/_fake/triggers").empty());
    }
}
