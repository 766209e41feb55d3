#include <catch2/catch.hpp>

#include <thread>

#include "jira/request_limiter.hpp"
#include "scripted_transport.hpp"

using namespace j2s;
using namespace j2s::testing;
using namespace std::chrono_literals;

TEST_CASE("no one-second window holds more than max_requests_per_second starts", "[limiter]") {
    ManualClock clock;
    RequestLimiter limiter(4, 5, clock);
    std::vector<std::chrono::steady_clock::time_point> starts;
    for (int i = 0; i < 23; ++i) {
        RequestLimiter::Slot slot(limiter);
        starts.push_back(clock.steady_now());
    }
    for (std::size_t i = 0; i < starts.size(); ++i) {
        int in_window = 0;
        for (std::size_t j = i; j < starts.size() && starts[j] - starts[i] < 1s; ++j) ++in_window;
        REQUIRE(in_window <= 5);
    }
    // ... and it does not crawl: 23 starts in well under 6 windows.
    REQUIRE(starts.back() - starts.front() < 6s);
}

TEST_CASE("after pause_for nobody starts before the wait is over", "[limiter]") {
    ManualClock clock;
    RequestLimiter limiter(2, 100, clock);
    const auto before = clock.steady_now();
    limiter.pause_for(3s);
    { RequestLimiter::Slot slot(limiter); }
    REQUIRE(clock.steady_now() - before >= 3s);
}

TEST_CASE("after a 429 the limits are halved for a while, then restored", "[limiter]") {
    ManualClock clock;
    RequestLimiter limiter(4, 10, clock);
    auto starts_in_first_window = [&] {
        const auto from = clock.steady_now();
        int n = 0;
        for (;;) {
            RequestLimiter::Slot slot(limiter);
            if (clock.steady_now() - from >= 1s) break;
            ++n;
        }
        return n;
    };
    REQUIRE(starts_in_first_window() == 10);
    clock.sleep_for(2s);
    limiter.throttled();
    REQUIRE(starts_in_first_window() == 5);
    clock.sleep_for(RequestLimiter::kSlowdown);
    REQUIRE(starts_in_first_window() == 10);
}

TEST_CASE("during the slowdown half as many requests are in flight", "[limiter]") {
    SystemClock clock;
    RequestLimiter limiter(4, 1000, clock);
    limiter.throttled();
    std::atomic<int> in_flight{0}, most{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                RequestLimiter::Slot slot(limiter);
                const int now = ++in_flight;
                int seen = most.load();
                while (now > seen && !most.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::sleep_for(2ms);
                --in_flight;
            }
        });
    for (auto& t : threads) t.join();
    REQUIRE(most.load() == 2);
}

TEST_CASE("at most max_concurrency requests are in flight", "[limiter]") {
    SystemClock clock;
    RequestLimiter limiter(2, 1000, clock);
    std::atomic<int> in_flight{0}, most{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 6; ++t)
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                RequestLimiter::Slot slot(limiter);
                const int now = ++in_flight;
                int seen = most.load();
                while (now > seen && !most.compare_exchange_weak(seen, now)) {
                }
                std::this_thread::sleep_for(2ms);
                --in_flight;
            }
        });
    for (auto& t : threads) t.join();
    REQUIRE(most.load() <= 2);
    REQUIRE(most.load() == 2);
}
