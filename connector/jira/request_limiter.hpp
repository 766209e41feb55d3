#pragma once
// One limiter for the whole process: at most `max_concurrency` requests in flight and at most
// `max_requests_per_second` started in any one-second window. After a 429 every caller waits what the site
// asked (pause_for), and for a while after that the limits are halved (throttled), so the site's budget can
// refill instead of being spent again at once by the other threads.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>

#include "util/time.hpp"

namespace j2s {

class RequestLimiter {
public:
    RequestLimiter(int max_concurrency, double max_requests_per_second, Clock& clock);

    // Blocks until a request may start; the caller must call release() when it has its response.
    void acquire();
    void release();

    // Nobody starts a request before `now + wait` (a server's Retry-After, or backoff after a 429).
    void pause_for(std::chrono::milliseconds wait);

    // The site throttled a request: for kSlowdown from now, half the requests per window and half the
    // requests in flight (at least one of each). A later 429 extends the period.
    void throttled();
    static constexpr std::chrono::seconds kSlowdown{60};

    class Slot {
    public:
        explicit Slot(RequestLimiter& limiter) : m_limiter(limiter) { m_limiter.acquire(); }
        ~Slot() { m_limiter.release(); }
        Slot(const Slot&) = delete;
        Slot& operator=(const Slot&) = delete;

    private:
        RequestLimiter& m_limiter;
    };

private:
    using SteadyTime = std::chrono::steady_clock::time_point;
    int m_max_concurrency;
    std::size_t m_max_per_window;
    Clock& m_clock;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    int m_in_flight = 0;
    std::deque<SteadyTime> m_recent_starts;  // starts within the last rate window
    SteadyTime m_paused_until{};
    SteadyTime m_slow_until{};
};

}  // namespace j2s
