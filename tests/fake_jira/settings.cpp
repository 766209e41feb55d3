#include "settings.hpp"

namespace j2s::fake {

Settings::Settings(const FakeOptions& options) {
    m_values.timezone = options.timezone;
    m_values.latency_ms = options.latency_ms;
    m_values.embedded_changelog_cap = options.embedded_changelog_cap;
    m_values.server_page_cap = options.server_page_cap;
}

RuntimeSettings Settings::snapshot() const {
    std::lock_guard lock(m_mutex);
    return m_values;
}

Timestamp Settings::now() const {
    return std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()) + clock_offset();
}

}  // namespace j2s::fake
