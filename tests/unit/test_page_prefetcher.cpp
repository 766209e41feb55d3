#include <catch2/catch.hpp>

#include <atomic>

#include "scripted_transport.hpp"
#include "sync/page_prefetcher.hpp"

using namespace j2s;
using namespace j2s::testing;

namespace {

JiraConfig cloud_config() {
    JiraConfig c;
    c.base_url = "https://jira.example.com";
    c.token = "t";
    c.max_retries = 0;
    c.max_requests_per_second = 1000;
    return c;
}

// Cloud search pages of two issues each, `pages` of them; the token is the page number.
HttpResponse page_response(const HttpRequest& r, int pages, std::atomic<int>& served) {
    auto body = nlohmann::json::parse(r.body);
    const int page = body.contains("nextPageToken") ? std::stoi(body["nextPageToken"].get<std::string>()) : 0;
    ++served;
    nlohmann::json out = {{"issues", nlohmann::json::array()}, {"isLast", page + 1 >= pages}};
    for (int i = 0; i < 2; ++i)
        out["issues"].push_back({{"id", std::to_string(100 + page * 2 + i)},
                                 {"key", "P-" + std::to_string(page * 2 + i)},
                                 {"fields", {{"updated", "2024-01-01T00:0" + std::to_string(page) + ":00.000Z"}}}});
    if (page + 1 < pages) out["nextPageToken"] = std::to_string(page + 1);
    return json_response(200, out.dump());
}

}  // namespace

TEST_CASE("prefetched pages arrive in order, each with the cursor state right after it", "[prefetch]") {
    std::atomic<int> served{0};
    ScriptedTransport transport([&](const HttpRequest& r) { return page_response(r, 4, served); });
    ManualClock clock;
    JiraClient client(cloud_config(), transport, clock);
    JiraApi api(client);
    SearchCursor cursor(api, "project = P", std::nullopt, "UTC", 2, false);
    PagePrefetcher prefetcher(cursor, 1);
    std::vector<std::string> tokens;
    std::int64_t expected_id = 100;
    while (auto page = prefetcher.next()) {
        for (const auto& issue : page->issues) REQUIRE(json_id(issue["id"]) == expected_id++);
        tokens.push_back(page->state_after.next_page_token.value_or("end"));
        // Never more than the page being consumed plus one fetched ahead (plus one in flight).
        REQUIRE(served.load() <= static_cast<int>(tokens.size()) + 2);
    }
    REQUIRE(expected_id == 108);
    REQUIRE(tokens == std::vector<std::string>{"1", "2", "3", "end"});
}

TEST_CASE("a fetch error reaches the consumer after the pages before it", "[prefetch]") {
    std::atomic<int> served{0};
    ScriptedTransport transport([&](const HttpRequest& r) {
        if (served.load() == 2) return json_response(400, R"({"errorMessages":["token expired"]})");
        return page_response(r, 5, served);
    });
    ManualClock clock;
    JiraClient client(cloud_config(), transport, clock);
    JiraApi api(client);
    SearchCursor cursor(api, "project = P", std::nullopt, "UTC", 2, false);
    PagePrefetcher prefetcher(cursor, 1);
    REQUIRE(prefetcher.next().has_value());
    REQUIRE(prefetcher.next().has_value());
    REQUIRE_THROWS_WITH(prefetcher.next(), Catch::Contains("token expired"));
}

TEST_CASE("stopping early does not hang", "[prefetch]") {
    std::atomic<int> served{0};
    ScriptedTransport transport([&](const HttpRequest& r) { return page_response(r, 50, served); });
    ManualClock clock;
    JiraClient client(cloud_config(), transport, clock);
    JiraApi api(client);
    SearchCursor cursor(api, "project = P", std::nullopt, "UTC", 2, false);
    {
        PagePrefetcher prefetcher(cursor, 2);
        REQUIRE(prefetcher.next().has_value());
    }
    REQUIRE(served.load() < 50);
}
