#include "jira/jira_client.hpp"
#include "jira/response_json.hpp"

#include <spdlog/spdlog.h>

#include <openssl/evp.h>

#include <chrono>
#include <thread>

#include "jira/retry_policy.hpp"
#include "util/log_event.hpp"

namespace j2s {

namespace {

std::string base64(const std::string& in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()), static_cast<int>(in.size()));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

std::string percent_encode(const std::string& in) {
    static const char* hex = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : in) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == '*' || c == ',') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += hex[c >> 4];
            out += hex[c & 15];
        }
    }
    return out;
}

// Jira's error bodies: {"errorMessages": [...], "errors": {"field": "message"}}.
std::string jira_error_text(const std::string& body) {
    auto parsed = nlohmann::json::parse(body, nullptr, false);
    std::string text;
    if (parsed.is_object()) {
        if (auto it = parsed.find("errorMessages"); it != parsed.end() && it->is_array())
            for (const auto& m : *it)
                if (m.is_string()) text += (text.empty() ? "" : "; ") + m.get<std::string>();
        if (auto it = parsed.find("errors"); it != parsed.end() && it->is_object())
            for (const auto& [k, v] : it->items())
                if (v.is_string()) text += (text.empty() ? "" : "; ") + k + ": " + v.get<std::string>();
        if (auto it = parsed.find("message"); text.empty() && it != parsed.end() && it->is_string())
            text = it->get<std::string>();
    }
    if (text.empty()) text = body.substr(0, 300);
    return text;
}

}  // namespace

std::string encode_query(const QueryParams& query) {
    std::string out;
    for (const auto& [k, v] : query) {
        if (!out.empty()) out += '&';
        out += percent_encode(k) + "=" + percent_encode(v);
    }
    return out;
}

JiraClient::JiraClient(const JiraConfig& config, HttpTransport& transport, Clock& clock)
    : m_config(config),
      m_transport(transport),
      m_clock(clock),
      m_limiter(config.max_concurrency, config.max_requests_per_second, clock),
      m_api_prefix(config.flavor == Flavor::cloud ? "/rest/api/3" : "/rest/api/2"),
      m_rng(std::random_device{}()) {
    if (config.auth_type == AuthType::basic)
        m_authorization = "Basic " + base64(config.email + ":" + config.token);
    else
        m_authorization = "Bearer " + config.token;
}

namespace {

// An accept function for execute() that parses the body into `out`.
auto parse_into(std::optional<nlohmann::json>& out) {
    return [&out](std::string& body) {
        out = parse_response_json(body);
        return out.has_value();
    };
}

auto parse_document_into(std::optional<JsonDocument>& out) {
    return [&out](std::string& body) {
        out = JsonDocument::parse(body);
        return out.has_value();
    };
}

}  // namespace

nlohmann::json JiraClient::get(const std::string& path, const QueryParams& query) {
    std::optional<nlohmann::json> parsed;
    execute("GET", path, query, "", false, parse_into(parsed));
    return std::move(*parsed);
}

std::optional<nlohmann::json> JiraClient::get_if_exists(const std::string& path, const QueryParams& query) {
    std::optional<nlohmann::json> parsed;
    if (!execute("GET", path, query, "", true, parse_into(parsed))) return std::nullopt;
    return parsed;
}

nlohmann::json JiraClient::post(const std::string& path, const nlohmann::json& body) {
    std::optional<nlohmann::json> parsed;
    execute("POST", path, {}, body.dump(), false, parse_into(parsed));
    return std::move(*parsed);
}

JsonDocument JiraClient::get_document(const std::string& path, const QueryParams& query) {
    std::optional<JsonDocument> parsed;
    execute("GET", path, query, "", false, parse_document_into(parsed));
    return std::move(*parsed);
}

JsonDocument JiraClient::post_document(const std::string& path, const nlohmann::json& body) {
    std::optional<JsonDocument> parsed;
    execute("POST", path, {}, body.dump(), false, parse_document_into(parsed));
    return std::move(*parsed);
}

bool JiraClient::execute(const std::string& method, const std::string& path, const QueryParams& query,
                         const std::string& body, bool allow_404, const std::function<bool(std::string&)>& accept) {
    HttpRequest request;
    request.method = method;
    request.url = m_config.base_url + path + (query.empty() ? "" : "?" + encode_query(query));
    request.headers = {{"Authorization", m_authorization}, {"Accept", "application/json"}};
    if (method == "POST") request.headers.emplace_back("Content-Type", "application/json");
    request.body = body;

    const auto started = m_clock.steady_now();
    const auto budget = std::chrono::milliseconds(static_cast<long long>(m_config.max_retry_seconds * 1000));
    for (int attempt = 0;; ++attempt) {
        std::optional<HttpResponse> response;
        std::string failure;
        std::chrono::milliseconds wait{0};
        const auto sent = m_clock.steady_now();
        try {
            RequestLimiter::Slot slot(m_limiter);
            ++m_stats.requests;
            response = m_transport.send(request);
            // A 429, or any retryable status naming a wait (a 503 with Retry-After), asks the whole client to
            // hold off. Pause every thread before this slot is given up: a thread waiting for the slot would
            // otherwise start a request in the moment between, while the site still asks for the wait.
            // Everyone waits what the site asked (the limit is the account's); this request's own growing
            // backoff is added below for it alone, so one unlucky request cannot stall every thread for long.
            // A 429 that names no wait pauses everyone for a first backoff step. A request that is about to give
            // up (retries or max_retry_seconds spent) pauses nobody: the run is failing, and its other threads
            // must not sit out a wait (maybe an hour) before they can stop.
            if (response->status == 429) m_limiter.throttled();
            if (is_retryable_status(response->status)) {
                std::chrono::milliseconds hold{0};
                if (auto asked = server_requested_wait(*response, m_clock.now())) {
                    wait = hold = *asked;
                } else if (response->status == 429) {
                    std::lock_guard lock(m_rng_mutex);
                    hold = backoff_delay(0, m_rng);
                }
                const bool will_retry =
                    attempt < m_config.max_retries && m_clock.steady_now() + hold - started <= budget;
                if (will_retry && hold.count() > 0) m_limiter.pause_for(hold);
            }
        } catch (const TransportError& e) {
            if (!e.retryable()) throw JiraApiError(0, std::string(e.what()) + " (" + m_config.base_url + ")");
            failure = e.what();
        }
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(m_clock.steady_now() - sent).count();
        if (response) {
            log_event(spdlog::level::debug, "http_request",
                      {{"method", method}, {"path", path}, {"status", response->status}, {"ms", ms}, {"retry", attempt}},
                      "{} {} -> {} ({} ms{})", method, path, response->status, ms,
                      attempt ? ", retry " + std::to_string(attempt) : "");
            const int status = response->status;
            if (status >= 200 && status < 300) {
                // A 200 whose body was cut short heals on retry like a dropped connection.
                if (accept(response->body)) return true;
                failure = "a response body that is not valid JSON (cut short?)";
            } else if (status == 404 && allow_404) {
                return false;
            } else if (is_retryable_status(status)) {
                if (status == 429) ++m_stats.throttled;
                failure = "HTTP " + std::to_string(status);
            } else {
                throw_for_status(*response, method, path);
            }
        } else {
            log_event(spdlog::level::debug, "http_request",
                      {{"method", method}, {"path", path}, {"error", failure}, {"ms", ms}, {"retry", attempt}},
                      "{} {} -> {} ({} ms)", method, path, failure, ms);
        }

        if (attempt >= m_config.max_retries)
            throw JiraApiError(response ? response->status : 0,
                               "giving up on " + method + " " + path + " after " + std::to_string(attempt + 1) +
                                   " attempts (last: " + failure + "); the checkpoint is kept, run again later");
        {
            std::lock_guard lock(m_rng_mutex);
            wait = std::max(wait, backoff_delay(attempt, m_rng));
        }
        if (m_clock.steady_now() + wait - started > budget)
            throw JiraApiError(response ? response->status : 0,
                               "giving up on " + method + " " + path + ": retrying would exceed jira.max_retry_seconds (" +
                                   std::to_string(static_cast<long long>(m_config.max_retry_seconds)) + " s; last: " +
                                   failure + "); the checkpoint is kept, run again later");
        ++m_stats.retries;
        spdlog::info("{} {}: {}; retrying in {:.1f} s", method, path, failure, wait.count() / 1000.0);
        m_clock.sleep_for(wait);
    }
}

void JiraClient::throw_for_status(const HttpResponse& response, const std::string& method,
                                  const std::string& path) const {
    const int status = response.status;
    const std::string detail = jira_error_text(response.body);
    const std::string where = method + " " + path;
    switch (status) {
        case 400:
            throw JiraApiError(status, "Jira rejected " + where + " (HTTP 400): " + detail);
        case 401:
            throw JiraApiError(status, "Jira refused the credentials (HTTP 401 on " + where +
                                           "): check jira.auth (type, email and token)");
        case 403:
            throw JiraApiError(status, "Jira denied " + where +
                                           " (HTTP 403): the account needs the 'Browse projects' permission on the "
                                           "projects in jira.jql: " + detail);
        case 404:
            throw JiraApiError(status, "Jira has no " + path + " (HTTP 404): check jira.base_url and jira.flavor (" +
                                           flavor_name(m_config.flavor) + ")");
        case 410:
            throw JiraApiError(status, "this endpoint was removed (HTTP 410 on " + where +
                                           "): use flavor: cloud, which uses /rest/api/3/search/jql");
        default:
            throw JiraApiError(status, "Jira answered " + where + " with HTTP " + std::to_string(status) + ": " + detail);
    }
}

}  // namespace j2s
