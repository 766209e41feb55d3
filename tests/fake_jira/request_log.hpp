#pragma once
// The log of /rest requests the control API exposes, so tests can assert on what the connector sent
// (paths, parameters, bodies, auth scheme, timing). Credentials are never recorded. Thread-safe.
// Keeps the newest `capacity` entries so a long benchmark cannot exhaust memory.

#include "model.hpp"

#include <cstdint>
#include <deque>
#include <mutex>

namespace j2s::fake {

class RequestLog {
public:
    explicit RequestLog(std::size_t capacity = 100'000) : m_capacity(capacity) {}
    // Fills in `seq` and stores the entry.
    void add(json entry);
    json list() const;
    void clear();

private:
    mutable std::mutex m_mutex;
    std::deque<json> m_entries;
    std::size_t m_capacity;
    std::int64_t m_next_seq = 1;
};

}  // namespace j2s::fake
