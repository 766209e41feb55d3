// JiraApi's entity endpoints: an issue's comments and worklogs (every page, whatever page size the site
// applies; none for an issue deleted meanwhile), Cloud's worklog change feeds (numeric ids, until, lastPage),
// worklog/list batches, and the agile sprint (404 -> none).

#include <catch2/catch.hpp>
#include <string>

#include "jira/jira_api.hpp"
#include "scripted_transport.hpp"
#include "util/errors.hpp"

using namespace j2s;
using namespace j2s::testing;
using nlohmann::json;

namespace {

// The value of query parameter `name`, or nullopt when the request does not carry it.
std::optional<std::string> query_param(const std::string& url, const std::string& name) {
    for (const char sep : {'?', '&'}) {
        const auto pos = url.find(std::string(1, sep) + name + "=");
        if (pos == std::string::npos) continue;
        const auto begin = pos + name.size() + 2;
        const auto end = url.find('&', begin);
        return url.substr(begin, end == std::string::npos ? std::string::npos : end - begin);
    }
    return std::nullopt;
}

// An issue with `n` comments served `cap` at a time at most, as GET .../comment answers.
json comment_page(const std::string& url, int n, int cap) {
    const int start = std::stoi(query_param(url, "startAt").value_or("0"));
    const int asked = query_param(url, "maxResults") ? std::stoi(*query_param(url, "maxResults")) : n;
    const int size = std::min(asked, cap);
    json comments = json::array();
    for (int i = start; i < std::min(n, start + size); ++i)
        comments.push_back({{"id", std::to_string(10000 + i)}});
    return {{"startAt", start}, {"maxResults", size}, {"total", n}, {"comments", comments}};
}

std::vector<std::string> ids_of(const std::vector<json>& items) {
    std::vector<std::string> out;
    for (const auto& i : items) out.push_back(i["id"].get<std::string>());
    return out;
}

std::vector<std::string> expected_ids(int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(std::to_string(10000 + i));
    return out;
}

}  // namespace

TEST_CASE("cloud comments: pages of 100 oldest first, moving on by what the site returned",
          "[jira][entities]") {
    // The site may serve fewer than asked (a cap below 100): startAt follows the comments received.
    for (const int cap : {100, 37}) {
        for (const int n : {0, 1, 100, 101, 250}) {
            CAPTURE(cap, n);
            std::vector<std::string> starts;
            ScriptedTransport transport([&](const HttpRequest& r) {
                REQUIRE(r.method == "GET");
                REQUIRE(path_of(r.url) == "/rest/api/3/issue/10001/comment");
                CHECK(query_param(r.url, "maxResults") == "100");
                CHECK(query_param(r.url, "orderBy") == "created");
                starts.push_back(query_param(r.url, "startAt").value_or("?"));
                return json_response(200, comment_page(r.url, n, cap).dump());
            });
            ManualClock clock;
            JiraClient client(scripted_site(Flavor::cloud), transport, clock);
            JiraApi api(client);
            CHECK(ids_of(api.issue_comments(10001)) == expected_ids(n));
            const int pages = n == 0 ? 1 : (n + cap - 1) / cap;
            CHECK(transport.requests.size() == static_cast<std::size_t>(pages));
            for (int p = 0; p < static_cast<int>(starts.size()); ++p)
                CHECK(starts[p] == std::to_string(p * cap));
        }
    }
}

TEST_CASE("server comments: one request without maxResults, paged only if the site pages",
          "[jira][entities]") {
    for (const int cap : {1000000, 50}) {
        CAPTURE(cap);
        ScriptedTransport transport([&](const HttpRequest& r) {
            REQUIRE(path_of(r.url) == "/rest/api/2/issue/7/comment");
            CHECK_FALSE(query_param(r.url, "maxResults").has_value());
            return json_response(200, comment_page(r.url, 120, cap).dump());
        });
        ManualClock clock;
        JiraClient client(scripted_site(Flavor::server), transport, clock);
        JiraApi api(client);
        CHECK(ids_of(api.issue_comments(7)) == expected_ids(120));
        CHECK(transport.requests.size() == (cap == 50 ? 3u : 1u));
    }
}

TEST_CASE("worklogs of an issue: pages of 5000 until total, on both flavors", "[jira][entities]") {
    for (const Flavor flavor : {Flavor::cloud, Flavor::server}) {
        CAPTURE(flavor_name(flavor));
        const int n = 7500;
        ScriptedTransport transport([&](const HttpRequest& r) {
            REQUIRE(path_of(r.url) == std::string(flavor == Flavor::cloud ? "/rest/api/3" : "/rest/api/2") +
                                          "/issue/10001/worklog");
            REQUIRE(query_param(r.url, "maxResults") == "5000");
            const int start = std::stoi(query_param(r.url, "startAt").value_or("x"));
            json worklogs = json::array();
            for (int i = start; i < std::min(n, start + 5000); ++i)
                worklogs.push_back({{"id", std::to_string(10000 + i)}});
            return json_response(
                200,
                json{{"startAt", start}, {"maxResults", 5000}, {"total", n}, {"worklogs", worklogs}}.dump());
        });
        ManualClock clock;
        JiraClient client(scripted_site(flavor), transport, clock);
        JiraApi api(client);
        CHECK(ids_of(api.issue_worklogs(10001)) == expected_ids(n));
        CHECK(transport.requests.size() == 2);
    }
}

TEST_CASE("an issue deleted meanwhile has no comments or worklogs, other failures throw",
          "[jira][entities]") {
    int status = 404;
    ScriptedTransport transport([&](const HttpRequest&) {
        return json_response(
            status, R"({"errorMessages":["Issue does not exist or you do not have permission to see it."]})");
    });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::cloud), transport, clock);
    JiraApi api(client);
    CHECK(api.issue_comments(5).empty());
    CHECK(api.issue_worklogs(5).empty());
    status = 403;
    CHECK_THROWS_AS(api.issue_comments(5), Error);
    CHECK_THROWS_AS(api.issue_worklogs(5), Error);
}

TEST_CASE("a comment page without its list is an error, not an empty set", "[jira][entities]") {
    ScriptedTransport transport(
        [&](const HttpRequest&) { return json_response(200, R"({"startAt":0,"total":3})"); });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::cloud), transport, clock);
    JiraApi api(client);
    CHECK_THROWS_WITH(api.issue_comments(5), "Jira's comment page of issue 5 has no 'comments' list");
}

TEST_CASE("worklog feeds: one page each call, numeric ids, until and lastPage", "[jira][entities]") {
    ScriptedTransport transport([&](const HttpRequest& r) {
        REQUIRE(r.method == "GET");
        const auto since = query_param(r.url, "since");
        if (path_of(r.url) == "/rest/api/3/worklog/updated") {
            CHECK(since == "1700000000000");
            return json_response(200,
                                 R"({"values":[{"worklogId":103,"updatedTime":1700000001000,"properties":[]},
              {"worklogId":"104","updatedTime":1700000002000,"properties":[]}],"since":1700000000000,
              "until":1700000002000,"self":"s","nextPage":"n","lastPage":false})");
        }
        REQUIRE(path_of(r.url) == "/rest/api/3/worklog/deleted");
        CHECK(since == "1700000005000");
        return json_response(
            200, R"({"values":[],"since":1700000005000,"until":1700000005000,"self":"s","lastPage":true})");
    });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::cloud), transport, clock);
    JiraApi api(client);
    const auto updated = api.worklog_updated(1700000000000);
    CHECK(updated.ids == std::vector<std::int64_t>{103, 104});
    CHECK(updated.until == 1700000002000);
    CHECK_FALSE(updated.last_page);
    const auto deleted = api.worklog_deleted(1700000005000);
    CHECK(deleted.ids.empty());
    CHECK(deleted.until == 1700000005000);
    CHECK(deleted.last_page);
    CHECK(transport.requests.size() == 2);
}

TEST_CASE("worklog feeds: an empty page without until stays at since, entries without until are an error",
          "[jira][entities]") {
    std::string body = R"({"values":[],"lastPage":true})";
    ScriptedTransport transport([&](const HttpRequest&) { return json_response(200, body); });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::cloud), transport, clock);
    JiraApi api(client);
    CHECK(api.worklog_updated(42).until == 42);
    body = R"({"values":[{"worklogId":1}],"lastPage":true})";
    CHECK_THROWS_WITH(api.worklog_updated(42), "Jira's worklog/updated feed has entries but no 'until'");
    body = R"({"values":[{"updatedTime":5}],"until":5,"lastPage":true})";
    CHECK_THROWS_WITH(api.worklog_deleted(1), "Jira's worklog/deleted feed has an entry without worklogId");
}

TEST_CASE("worklog list: numeric ids, each once, 1000 per call", "[jira][entities]") {
    std::vector<json> bodies;
    ScriptedTransport transport([&](const HttpRequest& r) {
        REQUIRE(r.method == "POST");
        REQUIRE(path_of(r.url) == "/rest/api/3/worklog/list");
        const json body = json::parse(r.body);
        bodies.push_back(body);
        json out = json::array();
        for (const auto& id : body["ids"])
            if (id.get<std::int64_t>() % 10 != 0)
                out.push_back({{"id", std::to_string(id.get<std::int64_t>())}});
        return json_response(200, out.dump());
    });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::cloud), transport, clock);
    JiraApi api(client);
    std::vector<std::int64_t> ids;
    for (std::int64_t i = 2500; i >= 1; --i) ids.push_back(i);
    ids.push_back(7);  // a duplicate: Jira's ids are a set (uniqueItems)
    const auto listed = api.worklog_list(ids);
    CHECK(listed.size() == 2250);  // ids ending in 0 are "deleted"
    REQUIRE(bodies.size() == 3);
    CHECK(bodies[0]["ids"].size() == 1000);
    CHECK(bodies[1]["ids"].size() == 1000);
    CHECK(bodies[2]["ids"].size() == 500);
    CHECK(bodies[0]["ids"][0].is_number_integer());
    CHECK(bodies[0]["ids"][0] == 1);
    CHECK(bodies[2]["ids"].back() == 2500);
    CHECK(api.worklog_list({}).empty());
    CHECK(bodies.size() == 3);  // no ids, no request
}

TEST_CASE("agile sprint: the sprint, or none on 404", "[jira][entities]") {
    for (const Flavor flavor : {Flavor::cloud, Flavor::server}) {
        CAPTURE(flavor_name(flavor));
        ScriptedTransport transport([&](const HttpRequest& r) {
            REQUIRE(r.method == "GET");
            if (path_of(r.url) == "/rest/agile/1.0/sprint/101")
                return json_response(200, R"({"id":101,"state":"active","name":"S1","originBoardId":1})");
            REQUIRE(path_of(r.url) == "/rest/agile/1.0/sprint/999");
            return json_response(404, R"({"errorMessages":["Sprint does not exist"]})");
        });
        ManualClock clock;
        JiraClient client(scripted_site(flavor), transport, clock);
        JiraApi api(client);
        const auto sprint = api.sprint(101);
        REQUIRE(sprint.has_value());
        CHECK((*sprint)["name"] == "S1");
        CHECK_FALSE(api.sprint(999).has_value());
    }
}
