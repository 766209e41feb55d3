#include "request_log.hpp"

namespace j2s::fake {

void RequestLog::add(json entry) {
    std::lock_guard lock(m_mutex);
    entry["seq"] = m_next_seq++;
    m_entries.push_back(std::move(entry));
    while (m_entries.size() > m_capacity) m_entries.pop_front();
}

json RequestLog::list() const {
    std::lock_guard lock(m_mutex);
    json out = json::array();
    for (const auto& e : m_entries) out.push_back(e);
    return out;
}

void RequestLog::clear() {
    std::lock_guard lock(m_mutex);
    m_entries.clear();
}

}  // namespace j2s::fake
