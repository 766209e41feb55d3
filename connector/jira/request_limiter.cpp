#include "jira/request_limiter.hpp"

#include <algorithm>
#include <cmath>

namespace j2s {

namespace {
// The site counts requests when they arrive, and arrival times jitter by a few milliseconds on the way, so
// the client spaces its windows a little wider than a second: then no one-second window at the site can see
// more than max_requests_per_second.
constexpr auto kRateWindow = std::chrono::milliseconds(1100);
}  // namespace

RequestLimiter::RequestLimiter(int max_concurrency, double max_requests_per_second, Clock& clock)
    : m_max_concurrency(std::max(1, max_concurrency)),
      m_max_per_window(static_cast<std::size_t>(std::max(1.0, std::floor(max_requests_per_second)))),
      m_clock(clock) {}

void RequestLimiter::acquire() {
    std::unique_lock lock(m_mutex);
    for (;;) {
        const auto now = m_clock.steady_now();
        while (!m_recent_starts.empty() && now - m_recent_starts.front() >= kRateWindow)
            m_recent_starts.pop_front();
        SteadyTime wake = now;
        if (now < m_paused_until) wake = m_paused_until;
        if (m_recent_starts.size() >= m_max_per_window)
            wake = std::max(wake, m_recent_starts.front() + kRateWindow);
        if (m_in_flight < m_max_concurrency && wake == now) {
            ++m_in_flight;
            m_recent_starts.push_back(now);
            return;
        }
        if (m_in_flight >= m_max_concurrency) {
            m_changed.wait(lock);
        } else {
            // Sleep through the injected clock so tests with a manual clock never wait for real.
            lock.unlock();
            m_clock.sleep_for(std::chrono::duration_cast<std::chrono::milliseconds>(wake - now) +
                              std::chrono::milliseconds(1));
            lock.lock();
        }
    }
}

void RequestLimiter::release() {
    {
        std::lock_guard lock(m_mutex);
        --m_in_flight;
    }
    m_changed.notify_one();
}

void RequestLimiter::pause_for(std::chrono::milliseconds wait) {
    std::lock_guard lock(m_mutex);
    m_paused_until = std::max(m_paused_until, m_clock.steady_now() + wait);
}

}  // namespace j2s
