#pragma once
// HttpTransport over libcurl. TLS verification is always on; `ca_file` adds a CA bundle.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/http_transport.hpp"

namespace j2s {

class CurlTransport final : public HttpTransport {
public:
    CurlTransport(int timeout_seconds, std::string ca_file);
    ~CurlTransport() override;
    CurlTransport(const CurlTransport&) = delete;
    CurlTransport& operator=(const CurlTransport&) = delete;

    HttpResponse send(const HttpRequest& request) override;

private:
    // Easy handles are reused so connections (and TLS sessions) stay open across requests; each one is
    // used by one thread at a time.
    void* acquire_handle();
    void release_handle(void* handle);

    int m_timeout_seconds;
    std::string m_ca_file;
    std::mutex m_mutex;
    std::vector<void*> m_idle;
};

}  // namespace j2s
