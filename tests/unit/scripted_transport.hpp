#pragma once
// Test doubles for the seams of the jira module: an HttpTransport answered by a function, and a clock
// that only moves when told (sleeping advances it instantly).

#include <functional>
#include <mutex>
#include <vector>

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

}  // namespace j2s::testing
