#pragma once
// The one table the bench prints: a row per (scenario, backend, flavor) run.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

namespace j2s::bench {

struct Row {
    std::string scenario;  // e.g. "1 latency c=8"
    std::string backend;   // sqlite | postgres
    std::string flavor;    // cloud | server
    long long issues = 0;  // issues the run had to read (the scope, or the changed ones)
    double wall_seconds = 0;
    long long requests = 0;
    std::optional<long long> rows_stored;  // issue + issue_changelog rows in the database after a backfill
    std::optional<long long> minimum_requests;
    std::optional<double> bound_seconds;
    double peak_rss_mb = 0;
    double cpu_seconds = 0;       // the jira2sql process: user + system
    double fake_cpu_seconds = -1; // the fake over the same run (-1: unknown)
    int max_in_flight = 0;
    int max_started_in_1s = 0;
    std::string verdict = "ok";  // "ok", or what missed its target
    std::string detail;          // request breakdown etc., printed under the table

    double issues_per_second() const { return wall_seconds > 0 ? static_cast<double>(issues) / wall_seconds : 0; }
    std::optional<double> rows_per_second() const {
        if (!rows_stored || wall_seconds <= 0) return std::nullopt;
        return static_cast<double>(*rows_stored) / wall_seconds;
    }
    double issues_per_cpu_second() const { return cpu_seconds > 0 ? static_cast<double>(issues) / cpu_seconds : 0; }
    std::optional<double> ratio() const {
        if (!bound_seconds || *bound_seconds <= 0) return std::nullopt;
        return wall_seconds / *bound_seconds;
    }
};

// Aligned text (for the terminal) or a Markdown table (for the README).
void print_table(std::ostream& out, const std::vector<Row>& rows, bool markdown);

}  // namespace j2s::bench
