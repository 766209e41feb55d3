#include <catch2/catch.hpp>

#include "jira/jira_client.hpp"
#include "jira/retry_policy.hpp"
#include "scripted_transport.hpp"

using namespace j2s;
using namespace j2s::testing;
using namespace std::chrono_literals;

namespace {
JiraConfig test_config() {
    JiraConfig c;
    c.base_url = "https://example.atlassian.net";
    c.email = "me@example.com";
    c.token = "s3cr3t-token";
    c.max_retries = 3;
    c.max_requests_per_second = 1000;
    return c;
}
}  // namespace

TEST_CASE("backoff is full jitter under an exponential ceiling with a cap", "[retry]") {
    std::mt19937_64 rng(42);
    for (int attempt = 0; attempt < 12; ++attempt) {
        const auto ceiling = std::min<long long>(30000, 1000LL << attempt);
        for (int i = 0; i < 50; ++i) {
            auto d = backoff_delay(attempt, rng);
            REQUIRE(d.count() >= 0);
            REQUIRE(d.count() <= ceiling);
        }
    }
}

TEST_CASE("Retry-After in seconds, as an HTTP date, and X-RateLimit-Reset are understood", "[retry]") {
    const Timestamp now = *parse_jira_timestamp("2024-03-05T14:07:00.000Z");
    REQUIRE(server_requested_wait(json_response(429, "", {{"retry-after", "7"}}), now) == 7000ms);
    REQUIRE(server_requested_wait(json_response(429, "", {{"retry-after", "Tue, 05 Mar 2024 14:07:30 GMT"}}), now) ==
            30000ms);
    REQUIRE(server_requested_wait(json_response(429, "", {{"x-ratelimit-reset", "2024-03-05T14:08Z"}}), now) == 60000ms);
    REQUIRE_FALSE(server_requested_wait(json_response(429, ""), now).has_value());
}

TEST_CASE("the client retries 429 and 503, obeys Retry-After, and counts requests and retries", "[retry]") {
    int calls = 0;
    ScriptedTransport transport([&](const HttpRequest&) {
        ++calls;
        if (calls == 1) return json_response(429, "{}", {{"retry-after", "5"}});
        if (calls == 2) return json_response(503, "{}");
        return json_response(200, R"({"ok":true})");
    });
    ManualClock clock;
    JiraClient client(test_config(), transport, clock);
    auto body = client.get("/rest/api/3/myself");
    REQUIRE(body["ok"] == true);
    REQUIRE(calls == 3);
    REQUIRE(client.stats().requests == 3);
    REQUIRE(client.stats().retries == 2);
    REQUIRE(clock.slept >= 5000ms);  // never before the server's wait
}

TEST_CASE("a bare 500 is retried like a 502: Jira answers a passing overload with either", "[retry]") {
    int calls = 0;
    ScriptedTransport transport([&](const HttpRequest&) {
        ++calls;
        return calls == 1 ? json_response(500, R"({"errorMessages":["Internal server error"]})")
                          : json_response(200, R"({"ok":true})");
    });
    ManualClock clock;
    JiraClient client(test_config(), transport, clock);
    REQUIRE(client.get("/rest/api/3/myself")["ok"] == true);
    REQUIRE(calls == 2);
    REQUIRE(client.stats().retries == 1);
    REQUIRE(is_retryable_status(500));
    REQUIRE_FALSE(is_retryable_status(501));
}

TEST_CASE("a request that gives up on a wait beyond the budget does not make the other requests sit it out", "[retry]") {
    ScriptedTransport transport([&](const HttpRequest& r) {
        if (r.url.find("/search") != std::string::npos) return json_response(429, "{}", {{"retry-after", "3600"}});
        return json_response(200, R"({"ok":true})");
    });
    ManualClock clock;
    auto config = test_config();
    config.max_retry_seconds = 60;
    JiraClient client(config, transport, clock);
    REQUIRE_THROWS_WITH(client.get("/rest/api/3/search/jql"), Catch::Contains("jira.max_retry_seconds"));
    // The run is failing; another thread's request goes out at once instead of waiting an hour first.
    REQUIRE(client.get("/rest/api/3/myself")["ok"] == true);
    REQUIRE(clock.slept < std::chrono::seconds(60));
}

TEST_CASE("a body cut short is retried like a dropped connection", "[retry]") {
    int calls = 0;
    ScriptedTransport transport([&](const HttpRequest&) {
        return ++calls == 1 ? json_response(200, R"({"issues":[{"id":)") : json_response(200, R"({"issues":[]})");
    });
    ManualClock clock;
    JiraClient client(test_config(), transport, clock);
    REQUIRE(client.get("/x")["issues"].empty());
    REQUIRE(calls == 2);
}

TEST_CASE("retries are bounded, the error says the checkpoint is kept", "[retry]") {
    ScriptedTransport transport([&](const HttpRequest&) -> HttpResponse { throw TransportError("connection reset", true); });
    ManualClock clock;
    JiraClient client(test_config(), transport, clock);
    try {
        client.get("/x");
        FAIL("expected an error");
    } catch (const JiraApiError& e) {
        REQUIRE(std::string(e.what()).find("after 4 attempts") != std::string::npos);
        REQUIRE(std::string(e.what()).find("checkpoint is kept") != std::string::npos);
    }
    REQUIRE(transport.requests.size() == 4);
}

TEST_CASE("4xx are not retried and say what to do, without the token", "[retry]") {
    auto status_error = [](int status, const std::string& body) {
        ScriptedTransport transport([&](const HttpRequest&) { return json_response(status, body); });
        ManualClock clock;
        JiraClient client(test_config(), transport, clock);
        try {
            client.get("/rest/api/3/search/jql");
        } catch (const JiraApiError& e) {
            REQUIRE(transport.requests.size() == 1);
            REQUIRE(e.status() == status);
            const std::string message = e.what();
            REQUIRE(message.find("s3cr3t-token") == std::string::npos);
            return message;
        }
        FAIL("expected an error");
        return std::string();
    };
    REQUIRE_THAT(status_error(401, "{}"), Catch::Contains("check jira.auth"));
    REQUIRE_THAT(status_error(403, "{}"), Catch::Contains("Browse projects"));
    REQUIRE_THAT(status_error(400, R"({"errorMessages":["Error in the JQL Query: bad"],"errors":{}})"),
                 Catch::Contains("Error in the JQL Query: bad"));
    REQUIRE_THAT(status_error(410, "{}"), Catch::Contains("use flavor: cloud"));
}

TEST_CASE("basic auth sends base64(email:token), bearer sends the token", "[retry]") {
    ScriptedTransport transport([&](const HttpRequest&) { return json_response(200, "{}"); });
    ManualClock clock;
    auto config = test_config();
    JiraClient basic(config, transport, clock);
    basic.get("/x");
    config.auth_type = AuthType::bearer;
    JiraClient bearer(config, transport, clock);
    bearer.get("/x");
    auto auth = [](const HttpRequest& r) {
        for (const auto& [k, v] : r.headers)
            if (k == "Authorization") return v;
        return std::string();
    };
    REQUIRE(auth(transport.requests[0]) == "Basic bWVAZXhhbXBsZS5jb206czNjcjN0LXRva2Vu");
    REQUIRE(auth(transport.requests[1]) == "Bearer s3cr3t-token");
}

TEST_CASE("reset times and HTTP-date Retry-After are measured on the site's clock (its Date header)", "[retry]") {
    // Our clock is an hour behind the site's: the wait is still the one the site meant.
    const Timestamp local_now = *parse_jira_timestamp("2024-03-05T14:07:00.000Z");
    const std::pair<std::string, std::string> site_date{"date", "Tue, 05 Mar 2024 15:07:50 GMT"};
    REQUIRE(server_requested_wait(json_response(429, "", {site_date, {"x-ratelimit-reset", "2024-03-05T15:08Z"}}),
                                  local_now) == 10000ms);
    REQUIRE(server_requested_wait(json_response(429, "", {site_date, {"retry-after", "Tue, 05 Mar 2024 15:08:05 GMT"}}),
                                  local_now) == 15000ms);
    // An hour ahead: no early request either.
    const Timestamp ahead = *parse_jira_timestamp("2024-03-05T16:07:55.000Z");
    REQUIRE(server_requested_wait(json_response(429, "", {site_date, {"x-ratelimit-reset", "2024-03-05T15:08Z"}}),
                                  ahead) == 10000ms);
    // Seconds are relative anyway; without a Date header the local clock is all there is.
    REQUIRE(server_requested_wait(json_response(429, "", {site_date, {"retry-after", "3"}}), local_now) == 3000ms);
    REQUIRE(server_requested_wait(json_response(429, "", {{"x-ratelimit-reset", "2024-03-05T14:08Z"}}), local_now) ==
            60000ms);
    // The client waits that long before the next attempt.
    int calls = 0;
    ScriptedTransport transport([&](const HttpRequest&) {
        return ++calls == 1 ? json_response(429, "{}", {site_date, {"x-ratelimit-reset", "2024-03-05T15:08Z"}})
                            : json_response(200, "{}");
    });
    ManualClock clock;  // its own idea of now, far from the site's
    JiraClient client(test_config(), transport, clock);
    client.get("/x");
    REQUIRE(calls == 2);
    REQUIRE(clock.slept >= 10000ms);
    REQUIRE(clock.slept < 11000ms + 1000ms);  // not an hour, and within backoff's first ceiling
}
