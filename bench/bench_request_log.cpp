#include "bench_request_log.hpp"

#include <algorithm>
#include <utility>
#include <vector>

namespace j2s::bench {

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A query parameter's first value (the log keeps `query: {name: [values]}`), or "".
std::string query_value(const nlohmann::json& entry, const char* name) {
    const auto q = entry.find("query");
    if (q == entry.end() || !q->is_object()) return "";
    const auto v = q->find(name);
    if (v == q->end() || !v->is_array() || v->empty() || !(*v)[0].is_string()) return "";
    return (*v)[0].get<std::string>();
}

// Classifies one search request by what it asks for.
void classify_search(const std::string& jql, const std::string& max_results, bool ids_only, RequestKinds& k) {
    if (max_results == "0") ++k.count;
    else if (max_results == "1" && jql.find("ORDER BY created ASC") != std::string::npos) ++k.earliest;
    else if (ids_only) ++k.census;
    else ++k.search;
}

}  // namespace

std::string RequestKinds::describe() const {
    const std::pair<const char*, int> parts[] = {{"search", search},       {"changelog", changelog}, {"count", count},
                                                 {"earliest", earliest},   {"census", census},       {"fixed", fixed},
                                                 {"listings", listings},  {"other", other}};
    std::string out;
    for (const auto& [name, n] : parts) {
        if (n == 0) continue;
        if (!out.empty()) out += " + ";
        out += std::to_string(n) + " " + name;
    }
    return out.empty() ? "none" : out;
}

// The most intervals [start, finish] overlapping at once; a finish and a start in the same millisecond count
// as the finish first (the client releases its slot, then the next request starts).
static int max_overlap(std::vector<std::pair<std::int64_t, int>>& events) {
    std::sort(events.begin(), events.end());
    int running = 0, most = 0;
    for (const auto& [t, d] : events) {
        running += d;
        most = std::max(most, running);
    }
    return most;
}

// The longest gap between one moment with nothing in flight and the next start.
static std::int64_t longest_idle(std::vector<std::pair<std::int64_t, int>> events) {
    std::sort(events.begin(), events.end());
    int running = 0;
    std::int64_t idle_since = -1, longest = 0;
    for (const auto& [t, d] : events) {
        if (d > 0 && running == 0 && idle_since >= 0) longest = std::max(longest, t - idle_since);
        running += d;
        if (running == 0) idle_since = t;
    }
    return longest;
}

int LogAnalysis::fault_total() const {
    int n = 0;
    for (const auto& [kind, count] : faults) n += count;
    return n;
}

std::int64_t LogAnalysis::tightest_span_ms(int count) const {
    if (count < 1 || starts.size() < static_cast<std::size_t>(count)) return -1;
    std::int64_t best = INT64_MAX;
    for (std::size_t i = 0; i + static_cast<std::size_t>(count) - 1 < starts.size(); ++i)
        best = std::min(best, starts[i + static_cast<std::size_t>(count) - 1] - starts[i]);
    return best;
}

LogAnalysis analyze_request_log(const nlohmann::json& log) {
    LogAnalysis a;
    std::vector<std::pair<std::int64_t, int>> changelog_events;
    std::int64_t changelog_first = INT64_MAX, changelog_last = INT64_MIN;
    std::vector<std::pair<std::int64_t, int>> events;  // (time, +1 start / -1 finish)
    std::vector<std::int64_t> starts;
    std::int64_t first = INT64_MAX, last = INT64_MIN;
    for (const auto& e : log) {
        const std::string path = e.value("path", "");
        const std::string method = e.value("method", "");
        const nlohmann::json body = e.contains("body") ? e["body"] : nlohmann::json();
        auto& k = a.kinds;
        if (ends_with(path, "/serverInfo") || ends_with(path, "/myself") || ends_with(path, "/field")) {
            ++k.fixed;
        } else if (ends_with(path, "/search/approximate-count")) {
            ++k.count;
        } else if (ends_with(path, "/changelog/bulkfetch") || ends_with(path, "/changelog")) {
            ++k.changelog;
            const std::int64_t s = e.value("started_ms", std::int64_t{0});
            const std::int64_t f = e.value("finished_ms", s);
            changelog_events.emplace_back(s, +1);
            changelog_events.emplace_back(f, -1);
            changelog_first = std::min(changelog_first, s);
            changelog_last = std::max(changelog_last, f);
        } else if (ends_with(path, "/project/search") || ends_with(path, "/project") ||
                   ends_with(path, "/users/search") || ends_with(path, "/user/search")) {
            ++k.listings;
        } else if (ends_with(path, "/search/jql") || ends_with(path, "/search")) {
            if (body.is_object()) {  // cloud POST
                const std::string jql = body.value("jql", "");
                const auto mr = body.find("maxResults");
                const std::string max_results = mr != body.end() && mr->is_number() ? std::to_string(mr->get<long long>()) : "";
                const auto f = body.find("fields");
                const bool ids_only = f == body.end() || (f->is_array() && f->size() == 1 && (*f)[0] == "id");
                classify_search(jql, max_results, ids_only, k);
            } else {  // GET with query parameters (server, or cloud GET)
                const std::string fields = query_value(e, "fields");
                classify_search(query_value(e, "jql"), query_value(e, "maxResults"), fields == "id", k);
            }
        } else {
            ++k.other;
        }
        if (e.value("status", 0) >= 400) ++a.failed;
        if (e.contains("fault") && e["fault"].is_string()) {
            const std::string fault = e["fault"];
            ++a.faults[fault == "status" ? std::to_string(e.value("status", 0)) : fault];
        }
        const std::int64_t s = e.value("started_ms", std::int64_t{0});
        const std::int64_t f = e.value("finished_ms", s);
        starts.push_back(s);
        events.emplace_back(s, +1);
        events.emplace_back(f, -1);
        first = std::min(first, s);
        last = std::max(last, f);
    }
    a.longest_idle_ms = longest_idle(events);
    a.max_in_flight = max_overlap(events);
    a.changelog_max_in_flight = max_overlap(changelog_events);
    if (!changelog_events.empty()) a.changelog_span_seconds = static_cast<double>(changelog_last - changelog_first) / 1000.0;
    std::sort(starts.begin(), starts.end());
    for (std::size_t i = 0, j = 0; j < starts.size(); ++j) {
        while (starts[j] - starts[i] >= 1000) ++i;
        a.max_started_in_1s = std::max(a.max_started_in_1s, static_cast<int>(j - i + 1));
    }
    a.starts = starts;
    if (!starts.empty()) a.span_seconds = static_cast<double>(last - first) / 1000.0;
    return a;
}

}  // namespace j2s::bench
