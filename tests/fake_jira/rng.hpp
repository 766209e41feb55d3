#pragma once
// A tiny deterministic generator. std::mt19937 is portable but the std distributions are not, and the
// fake promises "same seed -> same issues" on every platform, so the arithmetic here is our own.

#include <cstdint>

namespace j2s::fake {

class Rng {
public:
    explicit Rng(std::uint64_t seed) : m_state(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (m_state += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    // Uniform in [lo, hi] (inclusive); the modulo bias is irrelevant for test data.
    std::int64_t range(std::int64_t lo, std::int64_t hi) {
        if (hi <= lo) return lo;
        return lo + static_cast<std::int64_t>(next() % static_cast<std::uint64_t>(hi - lo + 1));
    }
    double unit() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    bool chance(double p) { return unit() < p; }

private:
    std::uint64_t m_state;
};

inline std::uint64_t mix_seed(std::uint64_t a, std::uint64_t b) {
    Rng r(a ^ (b * 0xD1B54A32D192ED03ULL));
    return r.next() | 1;  // never 0: 0 means "not generated"
}

}  // namespace j2s::fake
