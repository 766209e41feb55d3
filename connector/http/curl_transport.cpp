#include "http/curl_transport.hpp"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>

namespace j2s {

std::optional<std::string> HttpResponse::header(const std::string& lower_name) const {
    for (const auto& [name, value] : headers)
        if (name == lower_name) return value;
    return std::nullopt;
}

namespace {

struct CurlGlobal {
    CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
    ~CurlGlobal() { curl_global_cleanup(); }
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
    static_cast<std::string*>(user)->append(data, size * count);
    return size * count;
}

size_t write_header(char* data, size_t size, size_t count, void* user) {
    auto* headers = static_cast<std::vector<std::pair<std::string, std::string>>*>(user);
    std::string line(data, size * count);
    if (line.rfind("HTTP/", 0) == 0) headers->clear();  // a new response (after a 100 Continue)
    auto colon = line.find(':');
    if (colon != std::string::npos) {
        std::string name = line.substr(0, colon);
        std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
        std::string value = line.substr(colon + 1);
        auto first = value.find_first_not_of(" \t");
        auto last = value.find_last_not_of(" \t\r\n");
        value = first == std::string::npos ? "" : value.substr(first, last - first + 1);
        headers->emplace_back(std::move(name), std::move(value));
    }
    return size * count;
}

bool is_retryable(CURLcode code) {
    switch (code) {
        case CURLE_URL_MALFORMAT:
        case CURLE_UNSUPPORTED_PROTOCOL:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_OUT_OF_MEMORY:
            return false;
        default:
            return true;
    }
}

}  // namespace

CurlTransport::CurlTransport(int timeout_seconds, std::string ca_file)
    : m_timeout_seconds(timeout_seconds), m_ca_file(std::move(ca_file)) {
    static CurlGlobal global;
}

CurlTransport::~CurlTransport() {
    for (void* handle : m_idle) curl_easy_cleanup(static_cast<CURL*>(handle));
}

void* CurlTransport::acquire_handle() {
    {
        std::lock_guard lock(m_mutex);
        if (!m_idle.empty()) {
            void* handle = m_idle.back();
            m_idle.pop_back();
            return handle;
        }
    }
    CURL* handle = curl_easy_init();
    if (!handle) throw TransportError("could not initialise libcurl", false);
    return handle;
}

void CurlTransport::release_handle(void* handle) {
    std::lock_guard lock(m_mutex);
    m_idle.push_back(handle);
}

HttpResponse CurlTransport::send(const HttpRequest& request) {
    CURL* curl = static_cast<CURL*>(acquire_handle());
    curl_easy_reset(curl);
    HttpResponse response;
    curl_slist* headers = nullptr;
    for (const auto& [name, value] : request.headers) headers = curl_slist_append(headers, (name + ": " + value).c_str());
    // Without this curl sends "Expect: 100-continue" for larger POST bodies and waits a second.
    headers = curl_slist_append(headers, "Expect:");

    curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT, static_cast<long>(m_timeout_seconds));
    curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, static_cast<long>(std::min(m_timeout_seconds, 30)));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, "");  // gzip when the site offers it
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!m_ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, m_ca_file.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, write_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response.headers);
    if (request.method == "POST") {
        curl_easy_setopt(curl, CURLOPT_POST, 1L);
        curl_easy_setopt(curl, CURLOPT_POSTFIELDS, request.body.c_str());
        curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.body.size()));
    } else if (request.method != "GET") {
        curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    }

    CURLcode code = curl_easy_perform(curl);
    long status = 0;
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
    curl_slist_free_all(headers);
    release_handle(curl);
    if (code != CURLE_OK) {
        // curl's message names host and port but never credentials (they travel in a header).
        throw TransportError(std::string("HTTP request failed: ") + curl_easy_strerror(code), is_retryable(code));
    }
    response.status = static_cast<int>(status);
    return response;
}

}  // namespace j2s
