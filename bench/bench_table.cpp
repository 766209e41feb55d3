#include "bench_table.hpp"

#include <algorithm>
#include <cstdio>

namespace j2s::bench {

namespace {

std::string fixed(double v, int decimals) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
    return buf;
}

std::string grouped(long long v) {
    std::string digits = std::to_string(v < 0 ? -v : v), out;
    for (std::size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return (v < 0 ? "-" : "") + out;
}

}  // namespace

void print_table(std::ostream& out, const std::vector<Row>& rows, bool markdown) {
    const std::vector<std::string> head = {"scenario", "backend",   "flavor",  "issues",    "wall s",
                                           "issues/s", "rows/s", "requests",  "min req", "bound s",   "ratio",
                                           "peak RSS MB", "CPU s",  "issues/CPU-s", "fake CPU s", "in flight", "max/1s", "verdict"};
    std::vector<std::vector<std::string>> cells;
    for (const auto& r : rows) {
        const auto ratio = r.ratio();
        cells.push_back({r.scenario, r.backend, r.flavor, grouped(r.issues), fixed(r.wall_seconds, 2),
                         grouped(static_cast<long long>(r.issues_per_second() + 0.5)),
                         r.rows_per_second() ? grouped(static_cast<long long>(*r.rows_per_second() + 0.5)) : "-",
                         grouped(r.requests),
                         r.minimum_requests ? grouped(*r.minimum_requests) : "-",
                         r.bound_seconds ? fixed(*r.bound_seconds, 2) : "-", ratio ? fixed(*ratio, 2) : "-",
                         fixed(r.peak_rss_mb, 1), fixed(r.cpu_seconds, 2),
                         grouped(static_cast<long long>(r.issues_per_cpu_second() + 0.5)),
                         r.fake_cpu_seconds >= 0 ? fixed(r.fake_cpu_seconds, 2) : "-", std::to_string(r.max_in_flight),
                         std::to_string(r.max_started_in_1s), r.verdict});
    }
    if (markdown) {
        auto line = [&](const std::vector<std::string>& v) {
            out << "|";
            for (const auto& c : v) out << " " << c << " |";
            out << "\n";
        };
        line(head);
        out << "|";
        for (std::size_t i = 0; i < head.size(); ++i) out << (i < 3 || i + 1 == head.size() ? "---|" : "---:|");
        out << "\n";
        for (const auto& c : cells) line(c);
        return;
    }
    std::vector<std::size_t> width(head.size());
    for (std::size_t i = 0; i < head.size(); ++i) width[i] = head[i].size();
    for (const auto& c : cells)
        for (std::size_t i = 0; i < c.size(); ++i) width[i] = std::max(width[i], c[i].size());
    auto line = [&](const std::vector<std::string>& v) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            const bool left = i < 3 || i + 1 == v.size();
            const std::string pad(width[i] - v[i].size(), ' ');
            out << (i ? "  " : "") << (left ? v[i] + pad : pad + v[i]);
        }
        out << "\n";
    };
    line(head);
    std::size_t total = 0;
    for (auto w : width) total += w + 2;
    out << std::string(total - 2, '-') << "\n";
    for (const auto& c : cells) line(c);
}

}  // namespace j2s::bench
