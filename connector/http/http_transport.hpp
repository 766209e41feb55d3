#pragma once
// The seam between the Jira client and the network. Production uses CurlTransport; unit tests script
// responses with a fake. A transport only moves bytes: it never retries and never interprets statuses.

#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace j2s {

struct HttpRequest {
    std::string method;  // GET | POST
    std::string url;     // absolute
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
};

struct HttpResponse {
    int status = 0;
    std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
    std::string body;

    // First header with this (lower-case) name.
    std::optional<std::string> header(const std::string& lower_name) const;
};

// The request never got an HTTP response: connect failure, reset, timeout, TLS failure.
// `retryable()` is false only for errors that cannot heal by themselves (bad URL, bad CA file, TLS
// verification failure).
class TransportError : public std::runtime_error {
public:
    TransportError(const std::string& message, bool retryable) : std::runtime_error(message), m_retryable(retryable) {}
    bool retryable() const { return m_retryable; }

private:
    bool m_retryable;
};

class HttpTransport {
public:
    virtual ~HttpTransport() = default;
    // Sends one request and returns whatever status came back. Throws TransportError when there was no
    // response. Thread-safe: may be called from several threads at once.
    virtual HttpResponse send(const HttpRequest& request) = 0;
};

}  // namespace j2s
