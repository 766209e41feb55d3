#pragma once
// Requests to one Jira site: authentication, the process-wide limiter, retries with backoff, and errors
// that tell the user what to fix. Knows nothing about issues or pagination (see jira_api.hpp).
//
// Thread-safe: one client is shared by every thread of a run.

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "http/http_transport.hpp"
#include "jira/request_limiter.hpp"
#include "util/errors.hpp"
#include "util/time.hpp"

namespace j2s {

// Jira answered with a status that retrying cannot fix (400, 401, 403, 404, 410, ...), or retries ran out.
// The message says what to do; it never contains credentials.
class JiraApiError : public Error {
public:
    JiraApiError(int status, const std::string& message) : Error(message), m_status(status) {}
    int status() const { return m_status; }  // 0 when no HTTP response was ever received

private:
    int m_status;
};

struct RequestStats {
    std::atomic<std::int64_t> requests{0};   // every HTTP attempt, retries included
    std::atomic<std::int64_t> retries{0};
    std::atomic<std::int64_t> throttled{0};  // 429 responses
};

class JsonDocument;  // jira/response_json.hpp (kept out of this header: simdjson.h is 1.2 MB)

using QueryParams = std::vector<std::pair<std::string, std::string>>;

class JiraClient {
public:
    JiraClient(const JiraConfig& config, HttpTransport& transport, Clock& clock);

    // GET base_url + path with the query, parsed as JSON. Throws JiraApiError.
    nlohmann::json get(const std::string& path, const QueryParams& query = {});
    // As get(), but a 404 gives nullopt instead of an error (an issue that was deleted).
    std::optional<nlohmann::json> get_if_exists(const std::string& path, const QueryParams& query = {});
    nlohmann::json post(const std::string& path, const nlohmann::json& body);
    // As get() and post(), for a large response read in parts (see JsonDocument).
    JsonDocument get_document(const std::string& path, const QueryParams& query = {});
    JsonDocument post_document(const std::string& path, const nlohmann::json& body);

    const RequestStats& stats() const { return m_stats; }
    // "/rest/api/3" on cloud, "/rest/api/2" on server.
    const std::string& api_prefix() const { return m_api_prefix; }
    Flavor flavor() const { return m_config.flavor; }

private:
    // Sends with retries until a 2xx response whose body `accept` takes (parses: true), and returns true;
    // a body it refuses is retried like a dropped connection. With `allow_404` a 404 returns false. Throws
    // JiraApiError otherwise.
    bool execute(const std::string& method, const std::string& path, const QueryParams& query,
                 const std::string& body, bool allow_404, const std::function<bool(std::string&)>& accept);
    [[noreturn]] void throw_for_status(const HttpResponse& response, const std::string& method,
                                       const std::string& path) const;

    JiraConfig m_config;
    HttpTransport& m_transport;
    Clock& m_clock;
    RequestLimiter m_limiter;
    std::string m_api_prefix;
    std::string m_authorization;  // secret: the header value, never logged
    RequestStats m_stats;
    std::mutex m_rng_mutex;
    std::mt19937_64 m_rng;
};

// `a=b&c=d` with percent-encoding.
std::string encode_query(const QueryParams& query);

}  // namespace j2s
