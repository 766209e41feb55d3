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
        const bool slow = now < m_slow_until;
        const std::size_t per_window = slow ? std::max<std::size_t>(1, m_max_per_window / 2) : m_max_per_window;
        const int concurrency = slow ? std::max(1, m_max_concurrency / 2) : m_max_concurrency;
        SteadyTime wake = now;
        if (now < m_paused_until) wake = m_paused_until;
        if (m_recent_starts.size() >= per_window)
            wake = std::max(wake, m_recent_starts[m_recent_starts.size() - per_window] + kRateWindow);
        if (m_in_flight < concurrency && wake == now) {
            ++m_in_flight;
            m_recent_starts.push_back(now);
            return;
        }
        if (m_in_flight >= concurrency) {
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

void RequestLimiter::throttled() {
    std::lock_guard lock(m_mutex);
    m_slow_until = std::max(m_slow_until, m_clock.steady_now() + kSlowdown);
}

void RequestLimiter::pause_for(std::chrono::milliseconds wait) {
    std::lock_guard lock(m_mutex);
    m_paused_until = std::max(m_paused_until, m_clock.steady_now() + wait);
}

}  // namespace j2s
