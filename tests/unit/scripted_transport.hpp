#pragma once
// Test doubles for the seams of the jira module: an HttpTransport answered by a function, and a clock
// that only moves when told (sleeping advances it instantly).

#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "http/http_transport.hpp"
#include "util/time.hpp"

namespace j2s::testing {

class ScriptedTransport final : public HttpTransport {
public:
    using Handler = std::function<HttpResponse(const HttpRequest&)>;
    explicit ScriptedTransport(Handler handler) : m_handler(std::move(handler)) {}
    HttpResponse send(const HttpRequest& request) override {
        std::lock_guard lock(m_mutex);
        requests.push_back(request);
        return m_handler(request);
    }
    std::vector<HttpRequest> requests;

private:
    std::mutex m_mutex;
    Handler m_handler;
};

class ManualClock final : public Clock {
public:
    Timestamp now() const override { return m_now; }
    std::chrono::steady_clock::time_point steady_now() const override { return m_steady; }
    void sleep_for(std::chrono::milliseconds d) override {
        slept += d;
        m_now += d;
        m_steady += d;
    }
    std::chrono::milliseconds slept{0};

private:
    Timestamp m_now = Timestamp(std::chrono::milliseconds(1'700'000'000'000));
    std::chrono::steady_clock::time_point m_steady{};
};

inline HttpResponse json_response(int status, const std::string& body,
                                  std::vector<std::pair<std::string, std::string>> headers = {}) {
    HttpResponse r;
    r.status = status;
    r.body = body;
    r.headers = std::move(headers);
    return r;
}

// A site for a scripted transport: fast (no politeness wait) and without retries, so each scripted answer is
// the one the code under test gets.
inline JiraConfig scripted_site(Flavor flavor) {
    JiraConfig c;
    c.base_url = "https://jira.example.com";
    c.flavor = flavor;
    c.token = "t";
    c.max_requests_per_second = 1000;
    c.max_retries = 0;
    return c;
}

// The path of a request's URL, without scheme, host and query.
inline std::string path_of(const std::string& url) {
    const auto start = url.find('/', url.find("://") + 3);
    return url.substr(start, url.find('?') == std::string::npos ? std::string::npos : url.find('?') - start);
}

}  // namespace j2s::testing
