#pragma once
// Settings the control API may change while requests are being served, and the fake clock
// (system clock + an adjustable offset). Thread-safe.

#include "options.hpp"

#include <atomic>
#include <mutex>

namespace j2s::fake {

struct RuntimeSettings {
    std::string timezone;
    int latency_ms = 0;
    std::optional<int> embedded_changelog_cap;
    int server_page_cap = 1000;
    // Cloud changelog/bulkfetch: the most histories a response holds whatever maxResults asks (Jira's limit is
    // 10,000; a site may answer with fewer, and the connector must follow nextPageToken either way).
    int changelog_page_cap = 10000;
    // Search (cloud search/jql and approximate-count, server search) does not yet see an issue whose
    // `updated` is within this many seconds before the fake clock's now: Jira's index is eventually
    // consistent. GET issue and changelog endpoints are not affected. 0 = no lag.
    double search_lag_seconds = 0;
};

class Settings {
public:
    explicit Settings(const FakeOptions& options);

    RuntimeSettings snapshot() const;
    template <class F>
    void update(F&& change) {
        std::lock_guard lock(m_mutex);
        change(m_values);
    }

    Timestamp now() const;
    void set_clock_offset(std::chrono::milliseconds offset) { m_offset_ms = offset.count(); }
    std::chrono::milliseconds clock_offset() const { return std::chrono::milliseconds(m_offset_ms.load()); }

private:
    mutable std::mutex m_mutex;
    RuntimeSettings m_values;
    std::atomic<std::int64_t> m_offset_ms{0};
};

}  // namespace j2s::fake
