#include "bench_fake_data.hpp"

#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "generator.hpp"
#include "issue_store.hpp"

namespace j2s::bench {

namespace fs = std::filesystem;

namespace {

// Counts issues (objects of the top-level array), their histories (objects of an issue's "histories" array)
// and the items (objects of a history's "items" array), without building the document.
class CountingSax : public nlohmann::json_sax<nlohmann::json> {
public:
    explicit CountingSax(FakeData& data) : m_data(data) {}

    bool null() override { return true; }
    bool boolean(bool) override { return true; }
    bool number_integer(number_integer_t) override { return true; }
    bool number_unsigned(number_unsigned_t) override { return true; }
    bool number_float(number_float_t, const string_t&) override { return true; }
    bool string(string_t&) override { return true; }
    bool binary(binary_t&) override { return true; }
    bool start_object(std::size_t) override { return open(false); }
    bool end_object() override { return close(); }
    bool start_array(std::size_t) override { return open(true); }
    bool end_array() override { return close(); }
    bool key(string_t& k) override {
        if (!m_stack.empty()) m_stack.back().key = k;
        return true;
    }
    bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) override {
        throw std::runtime_error("GET /_fake/issues: unreadable JSON at byte " + std::to_string(position) + ": " + e.what());
    }

private:
    enum class Kind { top, issue, histories, history, items, item, other };
    struct Level {
        Kind kind;
        std::string key;
    };

    bool open(bool array) {
        Kind kind = Kind::other;
        if (m_stack.empty()) {
            kind = array ? Kind::top : Kind::other;
        } else {
            const Level& parent = m_stack.back();
            if (!array && parent.kind == Kind::top) {
                kind = Kind::issue;
                ++m_data.issues;
                m_data.histories.push_back(0);
            } else if (array && parent.kind == Kind::issue && parent.key == "histories") {
                kind = Kind::histories;
            } else if (!array && parent.kind == Kind::histories) {
                kind = Kind::history;
                ++m_data.histories.back();
                ++m_data.history_total;
            } else if (array && parent.kind == Kind::history && parent.key == "items") {
                kind = Kind::items;
            } else if (!array && parent.kind == Kind::items) {
                kind = Kind::item;
                ++m_data.item_total;
            }
        }
        m_stack.push_back({kind, {}});
        return true;
    }
    bool close() {
        m_stack.pop_back();
        return true;
    }

    FakeData& m_data;
    std::vector<Level> m_stack;
};

}  // namespace

FakeData fetch_fake_data(int port, const std::string& dir) {
    const fs::path file = fs::path(dir) / "fake-issues.json";
    {
        std::ofstream out(file, std::ios::binary | std::ios::trunc);
        httplib::Client client("127.0.0.1", port);
        client.set_read_timeout(600, 0);
        auto res = client.Get("/_fake/issues", [&](const char* data, std::size_t n) {
            out.write(data, static_cast<std::streamsize>(n));
            return static_cast<bool>(out);
        });
        if (!res || res->status != 200) throw std::runtime_error("GET /_fake/issues failed");
        if (!out) throw std::runtime_error("cannot write " + file.string());
    }
    FakeData data;
    {
        std::ifstream in(file, std::ios::binary);
        CountingSax sax(data);
        nlohmann::json::sax_parse(in, &sax);
    }
    std::error_code ec;
    fs::remove(file, ec);
    return data;
}

FakeData generated_layout(bool cloud, std::int64_t count, std::uint64_t seed) {
    const Timestamp anchor = std::chrono::floor<std::chrono::hours>(
        std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    fake::IssueStore store(cloud ? fake::Flavor::cloud : fake::Flavor::server, anchor);
    fake::GeneratorConfig config;
    config.count = count;
    config.seed = seed;
    config.anchor = anchor;
    {
        auto lock = store.write_lock();
        for (const auto& key : config.projects) store.ensure_project(key);  // as fake_jira does before generating
        fake::generate_issues(store, config);
    }
    auto lock = store.read_lock();
    std::vector<std::pair<std::int64_t, int>> by_id;
    for (const auto& issue : store.all())
        if (!issue.deleted) by_id.emplace_back(issue.id, issue.generated_history_count);
    std::sort(by_id.begin(), by_id.end());
    FakeData data;
    data.item_total = -1;
    for (const auto& [id, n] : by_id) {
        ++data.issues;
        data.histories.push_back(n);
        data.history_total += n;
    }
    return data;
}

std::string MinimumRequests::describe() const {
    return std::to_string(search_pages) + " search + " + std::to_string(changelog_calls) + " changelog + " +
           std::to_string(fixed) + " fixed";
}

MinimumRequests minimum_backfill(const FakeData& data, bool cloud, int server_page_cap) {
    auto ceil_div = [](std::int64_t a, std::int64_t b) { return (a + b - 1) / b; };
    MinimumRequests m;
    if (!cloud) {
        m.search_pages = std::max<std::int64_t>(1, ceil_div(data.issues, server_page_cap));
        return m;
    }
    m.search_pages = std::max<std::int64_t>(1, ceil_div(data.issues, kCloudPage));
    std::int64_t truncated = 0, beyond = 0;
    for (int h : data.histories)
        if (h > kEmbeddedHistories) {
            ++truncated;
            beyond += h - kEmbeddedHistories;
        }
    m.changelog_calls = std::max(ceil_div(beyond, kBulkHistories), ceil_div(truncated, kBulkIssues));
    return m;
}

}  // namespace j2s::bench
