// JiraApi::projects() and users(): every page of the listings, the right endpoint and parameters per flavor,
// the end of a users listing found by a short page, and no partial listing when a page fails.

#include <catch2/catch.hpp>

#include <string>

#include "jira/jira_api.hpp"
#include "scripted_transport.hpp"
#include "util/errors.hpp"

using namespace j2s;
using namespace j2s::testing;
using nlohmann::json;

namespace {

std::string query_value(const std::string& url, const std::string& name) {
    for (const char sep : {'?', '&'}) {
        const auto pos = url.find(std::string(1, sep) + name + "=");
        if (pos == std::string::npos) continue;
        const auto begin = pos + name.size() + 2;
        const auto end = url.find('&', begin);
        return url.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    }
    return "";
}

// A site of `n` users answering one page of users/search (cloud) or user/search (server).
json users_page(const std::string& url, int n, Flavor flavor) {
    const int start = std::stoi(query_value(url, "startAt"));
    const int max = std::stoi(query_value(url, "maxResults"));
    json page = json::array();
    for (int i = start; i < std::min(n, start + max); ++i)
        page.push_back(flavor == Flavor::cloud ? json{{"accountId", "acc-" + std::to_string(i)}}
                                               : json{{"key", "u" + std::to_string(i)}});
    return page;
}

}  // namespace

TEST_CASE("cloud projects: every page of project/search until isLast, with the lead", "[jira][entities]") {
    const int n = 250;
    ScriptedTransport transport([&](const HttpRequest& r) {
        REQUIRE(path_of(r.url) == "/rest/api/3/project/search");
        CHECK(query_value(r.url, "expand") == "lead");
        const int start = std::stoi(query_value(r.url, "startAt"));
        const int max = std::stoi(query_value(r.url, "maxResults"));
        CHECK(max == 100);
        json values = json::array();
        for (int i = start; i < std::min(n, start + max); ++i) values.push_back({{"id", std::to_string(10000 + i)}});
        return json_response(200, json{{"startAt", start}, {"maxResults", max}, {"total", n},
                                       {"isLast", start + max >= n}, {"values", values}}.dump());
    });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::cloud), transport, clock);
    JiraApi api(client);
    const auto projects = api.projects();
    REQUIRE(projects.size() == 250);
    CHECK(projects.front()["id"] == "10000");
    CHECK(projects.back()["id"] == "10249");
    CHECK(transport.requests.size() == 3);
}

TEST_CASE("server projects: one request to /project", "[jira][entities]") {
    ScriptedTransport transport([&](const HttpRequest& r) {
        REQUIRE(path_of(r.url) == "/rest/api/2/project");
        CHECK(query_value(r.url, "expand") == "lead");
        return json_response(200, R"([{"id":"1","key":"A"},{"id":"2","key":"B"}])");
    });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::server), transport, clock);
    JiraApi api(client);
    CHECK(api.projects().size() == 2);
    CHECK(transport.requests.size() == 1);
}

TEST_CASE("users: pages of 1,000 until a short page, on both flavors", "[jira][entities]") {
    for (const Flavor flavor : {Flavor::cloud, Flavor::server}) {
        for (const int n : {0, 999, 1000, 2500}) {
            CAPTURE(flavor_name(flavor), n);
            ScriptedTransport transport([&](const HttpRequest& r) {
                if (flavor == Flavor::cloud) {
                    REQUIRE(path_of(r.url) == "/rest/api/3/users/search");
                } else {
                    REQUIRE(path_of(r.url) == "/rest/api/2/user/search");
                    CHECK(query_value(r.url, "username") == ".");
                    CHECK(query_value(r.url, "includeInactive") == "true");
                }
                CHECK(query_value(r.url, "maxResults") == "1000");
                return json_response(200, users_page(r.url, n, flavor).dump());
            });
            ManualClock clock;
            JiraClient client(scripted_site(flavor), transport, clock);
            JiraApi api(client);
            const auto users = api.users();
            CHECK(users.size() == static_cast<std::size_t>(n));
            // A full last page cannot be told from a middle one: one more request confirms the end.
            CHECK(transport.requests.size() == static_cast<std::size_t>(n / 1000 + 1));
        }
    }
}

TEST_CASE("a listing whose page fails throws instead of returning part of it", "[jira][entities]") {
    ScriptedTransport transport([&](const HttpRequest& r) {
        if (query_value(r.url, "startAt") != "0") return json_response(403, R"({"errorMessages":["no"]})");
        return json_response(200, users_page(r.url, 5000, Flavor::cloud).dump());
    });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::cloud), transport, clock);
    JiraApi api(client);
    CHECK_THROWS_AS(api.users(), Error);
    CHECK(transport.requests.size() == 2);
}
