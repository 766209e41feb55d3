// jira2sql_bench: the benchmark of issue 6. Starts the fake Jira, generates the data, runs the real jira2sql
// binary through each scenario on each backend and flavor, and prints one table (see bench/README.md).
//
//   1  latency-bound backfill: the fake answers every request after --latency-ms; max_concurrency 8 and 1;
//      bound = requests x latency / concurrency; requests against the minimum the flavor allows.
//   2  CPU-bound backfill: no latency; issues/s, the connector's CPU time and the fake's.
//   3  scale: --scale-issues without latency against scenario 2: issues/s and peak RSS.
//   4  nightly: --nightly-issues stored, 1% changed through the control API, one incremental run.
//   5  politeness: scenario 1 at max_concurrency 8 with max_requests_per_second --rps.
//   6  fault storm: a backfill of --storm-issues at max_concurrency 4 and 100 issues a page, once without faults
//      and once under issue 4's seeded mix (25% 429, 5% 503, 3% 500, 2% resets, 1% cut bodies): wall time,
//      requests, faults, retries and the longest waits.
// Every run is also checked: exit 0, the stored issues (and changelog items, where the fake's data was read)
// match the fake's, and the fake's request log never shows more than max_concurrency requests in flight nor
// more than max_requests_per_second started within one second.
//
// Exit: 0 when every run was correct (targets missed are reported, not failures, unless --strict);
// 1 when a run failed or was wrong; 2 on bad options.

#include <httplib.h>

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "bench_database.hpp"
#include "bench_fake_data.hpp"
#include "bench_process.hpp"
#include "bench_request_log.hpp"
#include "bench_table.hpp"
#include "fake_jira/fault_mix.hpp"
#include "integration/harness.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace j2s::bench {
namespace {

struct Options {
    bool quick = false;
    std::int64_t issues = 20000;
    std::int64_t scale_issues = 200000;
    std::int64_t nightly_issues = 100000;
    std::int64_t storm_issues = 5000;
    std::uint64_t storm_seed = 20240305;
    double nightly_changed_fraction = 0.01;
    int latency_ms = 200;
    int cpu_concurrency = 8;
    int politeness_rps = 20;
    int server_page_cap = 1000;
    int seed = 7;
    std::vector<std::string> flavors{"cloud", "server"};
    std::vector<std::string> backends{"sqlite", "postgres"};
    std::vector<int> scenarios{1, 2, 3, 4, 5, 6};
    bool reconcile = true;
    std::string postgres_url;
    std::string markdown_file;
    std::string profile_dir;
    std::string profiler = "auto";  // auto | perf | callgrind
    bool strict = false;
    bool keep = false;
    double run_timeout = 3600;
};

// How far (ms) the fake's stamps of request starts may bunch up against the client's spacing before a
// max_requests_per_second breach counts as the connector's (see make_row).
constexpr std::int64_t kStartJitterMs = 50;

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

std::string fmt2(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

void replace_once(std::string& s, const std::string& from, const std::string& to) {
    const auto at = s.find(from);
    if (at == std::string::npos) throw std::runtime_error("config template has no '" + from + "'");
    s.replace(at, from.size(), to);
}

std::string shell_output(const std::string& command);

// A C++ symbol without template arguments and with the ABI namespace tag dropped, so a profile line fits.
std::string shorten_symbol(const std::string& line) {
    std::string out;
    int depth = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        // "operator<" / "operator<<" are names, not template brackets.
        if (c == '<' && i >= 8 && line.compare(i - 8, 8, "operator") == 0) {
            if (depth == 0) out += c;
            continue;
        }
        if (c == '<') {
            if (depth++ == 0) out += "<>";
            continue;
        }
        if (c == '>' && depth > 0) {
            --depth;
            continue;
        }
        if (depth == 0) out += c;
    }
    for (const std::string tag : {"json_abi_v3_11_2::", "json_abi_v3_11_3::", "__cxx11::", "__gnu_cxx::"})
        for (std::size_t at; (at = out.find(tag)) != std::string::npos;) out.erase(at, tag.size());
    if (out.size() > 200) out = out.substr(0, 197) + "...";
    return out;
}

// The first `n` non-empty lines of a profiler's report, symbols shortened.
std::string top_lines(const std::string& report, int n) {
    std::istringstream in(report);
    std::string result;
    int kept = 0;
    // callgrind_annotate starts with a header; the table starts at PROGRAM TOTALS.
    const bool has_totals = report.find("PROGRAM TOTALS") != std::string::npos;
    bool in_table = !has_totals;
    for (std::string line; kept < n && std::getline(in, line);) {
        if (!in_table && line.find("PROGRAM TOTALS") == std::string::npos) continue;
        in_table = true;
        if (line.find_first_not_of(" -") == std::string::npos || line.rfind("Ir ", 0) == 0) continue;
        result += shorten_symbol(line) + "\n";
        ++kept;
    }
    return result;
}

void note(const std::string& line) { std::cerr << "[bench] " << line << std::endl; }

// One fake Jira child process and what the bench knows about its data.
struct Fake {
    std::unique_ptr<it::FakeJira> jira;
    int pid = -1;
    bool cloud = true;
    std::int64_t issues = 0;
    std::optional<FakeData> data;  // per-issue histories (and items when read over HTTP)

    void set_latency(int ms) { jira->post("/_fake/config", {{"latency_ms", ms}}); }
};

class Bench {
public:
    Bench(Options options, fs::path work) : m_o(std::move(options)), m_work(std::move(work)) {}

    int run() {
        note("machine: " + machine_description());
        note("work folder: " + m_work.string());
        for (const auto& flavor : m_o.flavors) {
            if (!m_o.profile_dir.empty()) {
                profile(flavor);
                continue;
            }
            const bool want = [&] {
                for (int s : {1, 2, 3, 5})
                    if (has(s)) return true;
                return false;
            }();
            if (want) backfill_scenarios(flavor);
            if (has(4)) nightly_scenario(flavor);
            if (has(6)) storm_scenario(flavor);
        }
        if (!m_o.profile_dir.empty()) return m_failed ? 1 : 0;
        std::cout << "\n";
        print_table(std::cout, m_rows, false);
        std::cout << "\n";
        for (const auto& r : m_rows)
            std::cout << r.scenario << " / " << r.backend << " / " << r.flavor << ": " << r.detail << "\n";
        std::cout << "\nmachine: " << machine_description() << "\n";
        if (!m_o.markdown_file.empty()) {
            std::ofstream md(m_o.markdown_file);
            print_table(md, m_rows, true);
            md << "\nMachine: " << machine_description() << ".\n";
        }
        bool missed = false;
        for (const auto& r : m_rows) missed |= r.verdict != "ok" && r.verdict != "-";
        if (m_failed) std::cout << "\nSOME RUNS FAILED OR STORED WRONG DATA (see WRONG/FAILED above)\n";
        else if (missed) std::cout << "\nsome targets were missed (see verdict)\n";
        return m_failed || (m_o.strict && missed) ? 1 : 0;
    }

private:
    bool has(int scenario) const {
        return std::find(m_o.scenarios.begin(), m_o.scenarios.end(), scenario) != m_o.scenarios.end();
    }

    Fake start_fake(const std::string& flavor, std::int64_t issues) {
        note("starting the fake Jira (" + flavor + ", " + std::to_string(issues) + " issues)");
        Fake f;
        f.cloud = flavor == "cloud";
        f.issues = issues;
        it::FakeJiraOptions o;
        o.flavor = flavor;
        o.generate = static_cast<int>(issues);
        o.seed = m_o.seed;
        // Issue 6 measures the connector against a fake "serving pre-built pages": without them the fake spent
        // as much CPU writing JSON as the connector spent reading it, on the same cores.
        o.extra_args = {"--server-page-cap", std::to_string(m_o.server_page_cap), "--prerender"};
        f.jira = std::make_unique<it::FakeJira>(o, m_work);
        // The kernel keeps 15 characters of a command name.
        f.pid = find_child_pid(fs::path(J2S_FAKE_JIRA_BINARY).filename().string().substr(0, 15), m_fake_pids);
        if (f.pid > 0) m_fake_pids.insert(f.pid);
        return f;
    }

    // Reads the fake's data over HTTP (authoritative) and checks the in-process layout against it, so the
    // layout can stand in for it at sizes whose GET /_fake/issues would be gigabytes.
    void read_fake_data(Fake& f) {
        note("reading GET /_fake/issues (" + std::to_string(f.issues) + " issues)");
        f.data = fetch_fake_data(f.jira->port(), m_work.string());
        const FakeData layout = generated_layout(f.cloud, f.issues, static_cast<std::uint64_t>(m_o.seed));
        m_layout_checked = layout.histories == f.data->histories;
        note(std::string("fake data: ") + std::to_string(f.data->issues) + " issues, " +
             std::to_string(f.data->history_total) + " histories, " + std::to_string(f.data->item_total) +
             " changelog items; in-process layout " + (m_layout_checked ? "matches" : "DIFFERS"));
        if (f.data->issues != f.issues) fail("the fake serves " + std::to_string(f.data->issues) + " issues, not " +
                                             std::to_string(f.issues));
    }

    std::string page_size(bool cloud) const { return std::to_string(cloud ? kCloudPage : m_o.server_page_cap); }

    struct RunSpec {
        std::string scenario;
        std::string backend;
        std::string flavor;
        int concurrency = 8;
        double rps = 1000;
        int latency_ms = 0;
        std::string command = "sync";
        int page_size = 0;    // 0: the flavor's usual (kCloudPage / the server page cap)
        int max_retries = 0;  // 0: write_config's
    };

    struct RunResult {
        Measured m;
        LogAnalysis log;
        json raw_log;
        double fake_cpu = -1;
    };

    fs::path write_run_config(const RunSpec& s, const Fake& f, const BenchDatabase& db, const fs::path& dir) {
        fs::create_directories(dir);
        it::ConfigOptions c;
        c.flavor = s.flavor;
        c.page_size = s.page_size > 0 ? s.page_size : f.cloud ? kCloudPage : m_o.server_page_cap;
        c.max_concurrency = s.concurrency;
        c.database_url = db.url();
        const fs::path path = it::write_config(dir, f.jira->base_url(), c);
        std::string text;
        {
            std::ifstream in(path);
            std::ostringstream ss;
            ss << in.rdbuf();
            text = ss.str();
        }
        char rps[32];
        std::snprintf(rps, sizeof rps, "%g", s.rps);
        replace_once(text, "max_requests_per_second: 1000", std::string("max_requests_per_second: ") + rps);
        if (m_o.reconcile) replace_once(text, "reconcile_deletes: false", "reconcile_deletes: true");
        if (s.max_retries > 0) replace_once(text, "max_retries: 3", "max_retries: " + std::to_string(s.max_retries));
        std::ofstream(path) << text;
        return path;
    }

    RunResult run_sync(const RunSpec& s, Fake& f, const fs::path& config) {
        note("run: " + s.scenario + " / " + s.backend + " / " + s.flavor + " (max_concurrency " +
             std::to_string(s.concurrency) + ", latency " + std::to_string(s.latency_ms) + " ms)");
        f.jira->del("/_fake/requests");
        RunResult r;
        const double fake_before = f.pid > 0 ? process_cpu_seconds(f.pid) : -1;
        r.m = run_measured({it::jira2sql_binary(), "--config", config.string(), s.command}, kEnv, config.parent_path(),
                           m_o.run_timeout);
        const double fake_after = f.pid > 0 ? process_cpu_seconds(f.pid) : -1;
        if (fake_before >= 0 && fake_after >= 0) r.fake_cpu = fake_after - fake_before;
        r.raw_log = f.jira->requests();
        r.log = analyze_request_log(r.raw_log);
        // With --keep, the fake's request log stays beside the run's config, for reading a row's request count.
        if (m_o.keep) {
            std::string name = s.scenario + " " + s.command + " requests.json";
            std::replace_if(name.begin(), name.end(), [](char c) { return c == ' ' || c == '%' || c == '/'; }, '_');
            std::ofstream(config.parent_path() / name) << r.raw_log.dump(1);
        }
        if (r.m.exit_code != 0) {
            std::string tail = r.m.err.size() > 2000 ? r.m.err.substr(r.m.err.size() - 2000) : r.m.err;
            note("jira2sql exited " + std::to_string(r.m.exit_code) + (r.m.timed_out ? " (timed out)" : "") +
                 "; stderr ends:\n" + tail);
        }
        return r;
    }

    // The measurements every row has, and the checks every run gets.
    Row make_row(const RunSpec& s, const RunResult& r, std::int64_t issues) {
        Row row;
        row.scenario = s.scenario;
        row.backend = s.backend;
        row.flavor = s.flavor;
        row.issues = issues;
        row.wall_seconds = r.m.wall_seconds;
        row.requests = r.log.requests();
        row.peak_rss_mb = r.m.max_rss_mb;
        row.cpu_seconds = r.m.cpu_seconds();
        row.fake_cpu_seconds = r.fake_cpu;
        row.max_in_flight = r.log.max_in_flight;
        row.max_started_in_1s = r.log.max_started_in_1s;
        std::ostringstream d;
        d << "requests: " << r.log.kinds.describe();
        if (r.log.failed) d << " (" << r.log.failed << " failed)";
        if (r.log.kinds.changelog > 0)
            d << "; changelog calls over " << fmt2(r.log.changelog_span_seconds) << " s, at most "
              << r.log.changelog_max_in_flight << " at once";
        d << "; connector CPU " << fmt2(row.cpu_seconds) << " s";
        if (row.cpu_seconds > 0) d << " (" << static_cast<long long>(static_cast<double>(issues) / row.cpu_seconds)
                                   << " issues per CPU-second)";
        if (r.fake_cpu >= 0 && row.wall_seconds > 0)
            d << "; fake CPU " << static_cast<int>(100 * r.fake_cpu / row.wall_seconds) << "% of one core";
        row.detail = d.str();
        if (r.m.exit_code != 0) {
            wrong(row, "FAILED (exit " + std::to_string(r.m.exit_code) + (r.m.timed_out ? ", timed out" : "") + ")");
        }
        if (r.log.max_in_flight > s.concurrency)
            wrong(row, "WRONG: " + std::to_string(r.log.max_in_flight) + " in flight > max_concurrency " +
                           std::to_string(s.concurrency));
        const int per_second = static_cast<int>(std::floor(s.rps));
        if (r.log.max_started_in_1s > per_second) {
            // The fake stamps a request when it has read it, the client's limiter when it sends it: a request
            // held up in transport (a new connection, a busy fake) can land closer to a later one than the
            // client spaced them. Up to kStartJitterMs of that is reported, beyond it the run is wrong.
            const auto span = r.log.tightest_span_ms(per_second + 1);
            const std::string what = std::to_string(per_second + 1) + " requests started within " +
                                     std::to_string(span) + " ms (fake's clock)";
            if (span >= 1000 - kStartJitterMs) row.detail += "; jitter: " + what;
            else wrong(row, "WRONG: " + what);
        }
        return row;
    }

    void wrong(Row& row, const std::string& what) {
        m_failed = true;
        row.verdict = row.verdict == "ok" || row.verdict == "-" ? what : row.verdict + "; " + what;
    }
    void missed(Row& row, const std::string& what) {
        if (row.verdict == "ok" || row.verdict == "-") row.verdict = "MISSED " + what;
        else row.verdict += ", " + what;
    }
    void fail(const std::string& what) {
        m_failed = true;
        note("ERROR: " + what);
    }

    // The stored rows against the fake's data.
    void check_stored(Row& row, BenchDatabase& db, std::int64_t issues, std::int64_t items) {
        try {
            const auto stored = db.count_issues();
            if (stored != issues)
                wrong(row, "WRONG: " + std::to_string(stored) + " issues stored, " + std::to_string(issues) + " in Jira");
            if (items >= 0) {
                const auto stored_items = db.count_changelog_items();
                row.rows_stored = stored + stored_items;
                if (stored_items != items)
                    wrong(row, "WRONG: " + std::to_string(stored_items) + " changelog items stored, " +
                                   std::to_string(items) + " in Jira");
            }
        } catch (const std::exception& e) {
            wrong(row, std::string("WRONG: cannot count the stored rows: ") + e.what());
        }
    }

    // A fresh database, a backfill of the fake's whole scope, its row.
    Row backfill(RunSpec s, Fake& f, const FakeData& data, const MinimumRequests& minimum, std::string* tag_out = nullptr,
                 std::string* err_out = nullptr) {
        const std::string tag = "r" + std::to_string(++m_run_counter) + "_" + s.flavor + "_" + s.backend;
        const fs::path dir = m_work / tag;
        auto db = make_database(s.backend, dir.string(), "jira", m_o.postgres_url, m_o.keep);
        const fs::path config = write_run_config(s, f, *db, dir);
        f.set_latency(s.latency_ms);
        const RunResult r = run_sync(s, f, config);
        Row row = make_row(s, r, f.issues);
        row.minimum_requests = minimum.total();
        row.detail += "; minimum: " + minimum.describe();
        check_stored(row, *db, data.issues, data.item_total);
        if (tag_out) *tag_out = tag;
        if (err_out) *err_out = r.m.err;
        m_last_log = r.log;
        if (!m_o.keep) {
            db.reset();
            std::error_code ec;
            fs::remove_all(dir, ec);
        }
        return row;
    }

    void backfill_scenarios(const std::string& flavor) {
        Fake f = start_fake(flavor, m_o.issues);
        read_fake_data(f);
        const FakeData& data = *f.data;
        const MinimumRequests minimum = minimum_backfill(data, f.cloud, m_o.server_page_cap);
        const double latency = m_o.latency_ms / 1000.0;
        std::map<std::string, Row> cpu_rows;  // scenario 2 by backend, for scenario 3

        if (has(1))
            for (const auto& backend : m_o.backends)
                for (int c : {8, 1}) {
                    RunSpec s{"1 latency c=" + std::to_string(c), backend, flavor, c, 1000, m_o.latency_ms};
                    Row row = backfill(s, f, data, minimum);
                    row.bound_seconds = static_cast<double>(row.requests) * latency / c;
                    const double target = c == 1 ? 1.15 : 1.3;
                    if (row.ratio() && *row.ratio() > target) missed(row, "ratio > " + fmt2(target));
                    if (static_cast<double>(row.requests) > 1.1 * static_cast<double>(minimum.total()))
                        missed(row, "requests > 1.1 x min");
                    m_rows.push_back(row);
                }
        if (has(5))
            for (const auto& backend : m_o.backends) {
                const int c = 8;
                const double rps = m_o.politeness_rps;
                RunSpec s{"5 polite " + std::to_string(m_o.politeness_rps) + "/s", backend, flavor, c, rps, m_o.latency_ms};
                Row row = backfill(s, f, data, minimum);
                // Neither limit can be beaten: the bound is the slower of the two.
                row.bound_seconds = std::max(static_cast<double>(row.requests) / rps,
                                             static_cast<double>(row.requests) * latency / c);
                row.detail += "; limits: <= " + std::to_string(c) + " in flight, <= " + std::to_string(m_o.politeness_rps) +
                              " started per second";
                m_rows.push_back(row);
            }
        if (has(2) || has(3))
            for (const auto& backend : m_o.backends) {
                RunSpec s{"2 cpu c=" + std::to_string(m_o.cpu_concurrency), backend, flavor, m_o.cpu_concurrency, 1000, 0};
                Row row = backfill(s, f, data, minimum);
                const double target = backend == "sqlite" ? 8000 : 4000;
                if (row.issues_per_second() < target) missed(row, "< " + std::to_string(static_cast<int>(target)) + " issues/s");
                if (row.fake_cpu_seconds >= 0 && row.fake_cpu_seconds > 0.9 * row.wall_seconds)
                    row.detail += " (the fake saturated a core: see issues per CPU-second)";
                cpu_rows[backend] = row;
                if (has(2)) m_rows.push_back(row);
            }
        f.jira.reset();  // stop the fake before starting a bigger one

        if (has(3)) scale_scenario(flavor, cpu_rows);
    }

    void scale_scenario(const std::string& flavor, const std::map<std::string, Row>& small) {
        Fake f = start_fake(flavor, m_o.scale_issues);
        FakeData data = generated_layout(f.cloud, f.issues, static_cast<std::uint64_t>(m_o.seed));
        if (!m_layout_checked) note("warning: the in-process layout was not checked against the fake's data");
        const MinimumRequests minimum = minimum_backfill(data, f.cloud, m_o.server_page_cap);
        for (const auto& backend : m_o.backends) {
            RunSpec s{"3 scale c=" + std::to_string(m_o.cpu_concurrency), backend, flavor, m_o.cpu_concurrency, 1000, 0};
            Row row = backfill(s, f, data, minimum);
            const auto it = small.find(backend);
            if (it != small.end()) {
                const Row& base = it->second;
                const double rate_ratio = row.issues_per_second() / base.issues_per_second();
                const double rss_growth = row.peak_rss_mb / base.peak_rss_mb;
                row.detail += "; vs " + std::to_string(base.issues) + " issues: issues/s x" + fmt2(rate_ratio) +
                              ", peak RSS x" + fmt2(rss_growth);
                if (rate_ratio < 0.85) missed(row, "issues/s " + std::to_string(static_cast<int>(100 * (1 - rate_ratio))) +
                                                       "% below the small run");
                if (rss_growth >= 1.2) missed(row, "RSS grew " + std::to_string(static_cast<int>(100 * (rss_growth - 1))) + "%");
            }
            if (row.peak_rss_mb >= 150) missed(row, "RSS >= 150 MB");
            m_rows.push_back(row);
        }
    }

    // How many issues a JQL restriction matches, asked of the fake (after the run, outside its request log).
    std::int64_t fake_count(const Fake& f, const std::string& restriction) {
        httplib::Client client("127.0.0.1", f.jira->port());
        client.set_basic_auth("demo@example.com", "demo-token");
        client.set_read_timeout(120, 0);
        if (f.cloud) {
            auto res = client.Post("/rest/api/3/search/approximate-count", json{{"jql", restriction}}.dump(),
                                   "application/json");
            if (!res || res->status != 200) throw std::runtime_error("approximate-count failed");
            return json::parse(res->body).value("count", std::int64_t{0});
        }
        const std::string path = "/rest/api/2/search?" + httplib::detail::params_to_query_str(
                                                           {{"jql", restriction}, {"maxResults", "0"}, {"fields", "id"}});
        auto res = client.Get(path.c_str());
        if (!res || res->status != 200) throw std::runtime_error("server search count failed");
        return json::parse(res->body).value("total", std::int64_t{0});
    }

    // The JQL of the run's first page request, without ORDER BY.
    static std::string first_search_restriction(const json& log) {
        for (const auto& e : log) {
            std::string jql;
            if (e.contains("body") && e["body"].is_object() && e["body"].contains("jql") && e["body"].value("maxResults", 0) > 1 &&
                e["body"].value("fields", json::array()) != json::array({"id"}))
                jql = e["body"]["jql"].get<std::string>();
            else if (e.contains("query") && e["query"].contains("jql") &&
                     e["query"].value("fields", json::array()) != json::array({"id"}) &&
                     e["query"].value("maxResults", json::array({"0"})) != json::array({"0"}) &&
                     e["query"].value("maxResults", json::array({"0"})) != json::array({"1"}))
                jql = e["query"]["jql"][0].get<std::string>();
            if (jql.empty()) continue;
            const auto order = jql.find(" ORDER BY");
            return order == std::string::npos ? jql : jql.substr(0, order);
        }
        return "";
    }

    void nightly_scenario(const std::string& flavor) {
        Fake f = start_fake(flavor, m_o.nightly_issues);
        FakeData data = generated_layout(f.cloud, f.issues, static_cast<std::uint64_t>(m_o.seed));
        const MinimumRequests minimum = minimum_backfill(data, f.cloud, m_o.server_page_cap);
        struct Stored {
            std::string backend;
            std::unique_ptr<BenchDatabase> db;
            fs::path config;
        };
        std::vector<Stored> stored;
        for (const auto& backend : m_o.backends) {
            const std::string tag = "r" + std::to_string(++m_run_counter) + "_" + flavor + "_" + backend + "_nightly";
            const fs::path dir = m_work / tag;
            Stored st{backend, make_database(backend, dir.string(), "jira", m_o.postgres_url, m_o.keep), {}};
            RunSpec s{"4 nightly backfill", backend, flavor, m_o.cpu_concurrency, 1000, 0};
            st.config = write_run_config(s, f, *st.db, dir);
            const RunResult r = run_sync(s, f, st.config);
            Row row = make_row(s, r, f.issues);
            row.minimum_requests = minimum.total();
            row.detail += "; minimum: " + minimum.describe() + "; the 100% run the nightly one starts from";
            check_stored(row, *st.db, data.issues, -1);
            if (row.verdict == "ok") row.verdict = "-";
            m_rows.push_back(row);
            stored.push_back(std::move(st));
        }

        // Change 1% of the issues, spread over the whole id range, each with one history.
        const auto changed = static_cast<std::int64_t>(std::llround(static_cast<double>(f.issues) * m_o.nightly_changed_fraction));
        note("changing " + std::to_string(changed) + " issues through the control API");
        std::int64_t truncated = 0, beyond = 0;
        {
            httplib::Client control("127.0.0.1", f.jira->port());
            control.set_keep_alive(true);
            control.set_read_timeout(60, 0);
            const std::int64_t step = std::max<std::int64_t>(1, f.issues / std::max<std::int64_t>(1, changed));
            for (std::int64_t i = 0; i < changed; ++i) {
                const std::int64_t id = 10000 + i * step + step / 2;
                const json body = {{"fields", {{"summary", "nightly bench edit " + std::to_string(i)}}},
                                   {"items", json::array({{{"field", "summary"},
                                                           {"fieldtype", "jira"},
                                                           {"fromString", "before"},
                                                           {"toString", "nightly bench edit " + std::to_string(i)}}})}};
                auto res = control.Post(("/_fake/issues/" + std::to_string(id) + "/update").c_str(), body.dump(),
                                        "application/json");
                if (!res || res->status != 200) throw std::runtime_error("cannot update issue " + std::to_string(id));
                const auto histories = json::parse(res->body).value("histories", json::array()).size();
                if (static_cast<int>(histories) > kEmbeddedHistories) {
                    ++truncated;
                    beyond += static_cast<std::int64_t>(histories) - kEmbeddedHistories;
                }
            }
        }
        auto ceil_div = [](std::int64_t a, std::int64_t b) { return (a + b - 1) / b; };
        const std::int64_t changelog_calls =
            f.cloud ? std::max(ceil_div(beyond, kBulkHistories), ceil_div(truncated, kBulkIssues)) : 0;
        const std::int64_t page = f.cloud ? kCloudPage : m_o.server_page_cap;
        const std::int64_t census_page = f.cloud ? 5000 : m_o.server_page_cap;

        for (auto& st : stored) {
            RunSpec s{"4 nightly 1% changed", st.backend, flavor, m_o.cpu_concurrency, 1000, 0};
            const RunResult r = run_sync(s, f, st.config);
            // What the run's query matches: the changed issues plus any within the overlap window.
            std::int64_t matched = changed;
            const std::string restriction = first_search_restriction(r.raw_log);
            try {
                if (!restriction.empty()) matched = fake_count(f, restriction);
            } catch (const std::exception& e) {
                note(std::string("could not count the changed issues: ") + e.what());
            }
            Row row = make_row(s, r, matched);
            const bool census = r.log.kinds.census > 0;
            const std::int64_t census_pages = census ? ceil_div(f.issues, census_page) : 0;
            const std::int64_t pages = std::max<std::int64_t>(1, ceil_div(matched, page));
            row.minimum_requests = pages + census_pages + changelog_calls + 3;
            const std::int64_t allowed = pages + census_pages + changelog_calls + 5;
            row.detail += "; minimum: " + std::to_string(pages) + " search + " + std::to_string(census_pages) +
                          " census + " + std::to_string(changelog_calls) + " changelog + 3 fixed; allowed " +
                          std::to_string(allowed) + " (" + std::to_string(matched) + " issues match the incremental query)";
            if (!census)
                row.detail += m_o.reconcile ? "; NO CENSUS: reconcile_deletes: true made no ids-only search (not built?)"
                                            : "; reconcile_deletes: false (no census)";
            check_stored(row, *st.db, data.issues, -1);
            if (row.requests > allowed) missed(row, "requests > " + std::to_string(allowed));
            if (row.wall_seconds >= 5) missed(row, "wall >= 5 s");
            m_rows.push_back(row);
        }
        if (!m_o.keep)
            for (auto& st : stored) {
                const fs::path dir = st.config.parent_path();
                st.db.reset();
                std::error_code ec;
                fs::remove_all(dir, ec);
            }
    }

    // Issue 4's closing figures: the same backfill without faults and under the seeded fault mix, per backend.
    void storm_scenario(const std::string& flavor) {
        Fake f = start_fake(flavor, m_o.storm_issues);
        read_fake_data(f);
        const FakeData& data = *f.data;
        const MinimumRequests minimum = minimum_backfill(data, f.cloud, 100);
        for (const auto& backend : m_o.backends) {
            std::optional<Row> calm;
            for (const bool storm : {false, true}) {
                RunSpec s{storm ? "6 storm: faults" : "6 storm: no faults", backend, flavor, 4, 1000, 0};
                s.page_size = 100;
                s.max_retries = 10;  // 11 faults in a row on one request: about 1 in 80,000 at a 36% rate
                f.jira->del("/_fake/faults");
                if (storm)
                    for (const auto& rule : fake::storm_fault_mix(m_o.storm_seed)) f.jira->post("/_fake/faults", rule);
                std::string err;
                Row row = backfill(s, f, data, minimum, nullptr, &err);
                row.detail += "; " + storm_figures(err, row);
                if (storm && calm && calm->wall_seconds > 0)
                    row.detail += "; vs no faults: wall x" + fmt2(row.wall_seconds / calm->wall_seconds) + ", requests +" +
                                  std::to_string(row.requests - calm->requests);
                if (row.verdict == "ok") row.verdict = "-";
                if (!storm) calm = row;
                m_rows.push_back(row);
            }
        }
        f.jira->del("/_fake/faults");
    }

    // Retries, the waits before them and the faults, from jira2sql's log (the text format's "retrying in X s"
    // lines and summary line) and the fake's request log (kept in the row's analysis by backfill()).
    std::string storm_figures(const std::string& err, const Row& row) {
        double longest_wait = 0, total_wait = 0;
        int waits = 0;
        const std::string marker = "retrying in ";
        for (auto at = err.find(marker); at != std::string::npos; at = err.find(marker, at + 1)) {
            const double seconds = std::strtod(err.c_str() + at + marker.size(), nullptr);
            longest_wait = std::max(longest_wait, seconds);
            total_wait += seconds;
            ++waits;
        }
        std::string retries = "?";
        if (const auto at = err.find(" retries,"); at != std::string::npos) {
            const auto start = err.rfind(' ', at - 1);
            retries = err.substr(start + 1, at - start - 1);
        }
        std::ostringstream d;
        d << "faults injected: ";
        if (m_last_log.faults.empty()) d << "none";
        bool first = true;
        for (const auto& [kind, n] : m_last_log.faults) {
            d << (first ? "" : " + ") << n << " " << kind;
            first = false;
        }
        if (!m_last_log.faults.empty())
            d << " = " << m_last_log.fault_total() << " of " << row.requests << " requests";
        d << "; retries " << retries << "; waits before a retry: " << waits << ", longest " << fmt2(longest_wait)
          << " s, total " << fmt2(total_wait) << " s; longest time with no request in flight "
          << fmt2(static_cast<double>(m_last_log.longest_idle_ms) / 1000.0) << " s";
        return d.str();
    }

    // One CPU-bound backfill of each backend under a profiler; prints the top of the profile.
    void profile(const std::string& flavor) {
        fs::create_directories(m_o.profile_dir);
        // perf is only trusted when it can count instructions (a VM without a PMU cannot).
        const std::string probe = shell_output("perf stat -e instructions true 2>&1");
        const bool counters = !probe.empty() && probe.find("instructions") != std::string::npos &&
                              probe.find("not supported") == std::string::npos &&
                              probe.find("not counted") == std::string::npos;
        const bool perf = m_o.profiler == "perf" || (m_o.profiler == "auto" && counters);
        note(perf ? std::string("profiler: perf record -g (") + (counters ? "cycles" : "cpu-clock samples: no PMU here") + ")"
                  : "profiler: valgrind --tool=callgrind (instructions)");
        Fake f = start_fake(flavor, m_o.issues);
        for (const auto& backend : m_o.backends) {
            const std::string tag = "profile_" + flavor + "_" + backend;
            const fs::path dir = m_work / tag;
            auto db = make_database(backend, dir.string(), "jira", m_o.postgres_url, m_o.keep);
            RunSpec s{"profile", backend, flavor, m_o.cpu_concurrency, 1000, 0};
            const fs::path config = write_run_config(s, f, *db, dir);
            const fs::path out = fs::absolute(m_o.profile_dir) / (perf ? "perf." + tag + ".data" : "callgrind." + tag + ".out");
            std::vector<std::string> argv;
            if (perf) argv = {"/usr/bin/perf", "record", "-g", "-e", counters ? "cycles" : "cpu-clock", "-F", "999",
                              "-o", out.string(), "--"};
            else argv = {"/usr/bin/valgrind", "--tool=callgrind", "--callgrind-out-file=" + out.string()};
            argv.insert(argv.end(), {it::jira2sql_binary(), "--config", config.string(), "sync"});
            note("profiling " + backend + " / " + flavor + " (" + std::to_string(f.issues) + " issues) into " + out.string());
            const Measured m = run_measured(argv, kEnv, dir, m_o.run_timeout);
            if (m.exit_code != 0) {
                fail("the profiled run failed: " + m.err.substr(m.err.size() > 2000 ? m.err.size() - 2000 : 0));
                continue;
            }
            std::cout << "\n===== profile: " << backend << " / " << flavor << ", " << f.issues << " issues, wall "
                      << fmt2(m.wall_seconds) << " s under the profiler =====\n";
            if (perf) {
                std::cout << "--- self (perf report --no-children, cpu-clock samples) ---\n"
                          << top_lines(shell_output("perf report --stdio --no-children --sort symbol -i '" + out.string() +
                                                    "' 2>/dev/null | grep -v '^#' | grep '%'"), 40);
            } else {
                std::cout << "--- self (callgrind_annotate --inclusive=no; instructions) ---\n"
                          << top_lines(shell_output("callgrind_annotate --inclusive=no '" + out.string() + "' 2>/dev/null"), 60)
                          << "--- inclusive ---\n"
                          << top_lines(shell_output("callgrind_annotate --inclusive=yes '" + out.string() + "' 2>/dev/null"), 70);
            }
            std::cout << std::flush;
        }
    }

    Options m_o;
    fs::path m_work;
    std::vector<Row> m_rows;
    std::set<int> m_fake_pids;
    bool m_failed = false;
    bool m_layout_checked = false;
    int m_run_counter = 0;
    LogAnalysis m_last_log;  // of the last backfill()
};

std::string shell_output(const std::string& command) {
    std::string out;
    if (FILE* p = ::popen(command.c_str(), "r")) {
        char buf[4096];
        for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
        ::pclose(p);
    }
    return out;
}

std::vector<std::string> split(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    for (std::string part; std::getline(in, part, ',');)
        if (!part.empty()) out.push_back(part);
    return out;
}

}  // namespace
}  // namespace j2s::bench

int main(int argc, char** argv) {
    using namespace j2s::bench;
    Options o;
    if (const char* url = std::getenv("J2S_TEST_POSTGRES_URL")) o.postgres_url = url;
    CLI::App app{"jira2sql_bench: backfill, nightly and politeness scenarios against the fake Jira (issue 6)"};
    std::string flavors = "cloud,server", backends, scenarios = "1,2,3,4,5,6", work_dir;
    app.add_flag("--quick", o.quick,
                 "the smoke version: 2,000 issues, 20 ms latency, 2,000 stored for the nightly run, no scale scenario");
    app.add_option("--issues", o.issues, "issues of scenarios 1, 2 and 5 (default 20,000)");
    app.add_option("--scale-issues", o.scale_issues, "issues of scenario 3 (default 200,000)");
    app.add_option("--nightly-issues", o.nightly_issues, "stored issues of scenario 4 (default 100,000)");
    app.add_option("--storm-issues", o.storm_issues, "issues of scenario 6 (default 5,000)");
    app.add_option("--storm-seed", o.storm_seed, "the fault mix's seed in scenario 6");
    app.add_option("--changed-fraction", o.nightly_changed_fraction, "fraction changed before the nightly run (0.01)");
    app.add_option("--latency-ms", o.latency_ms, "the fake's latency in scenarios 1 and 5 (default 200)");
    app.add_option("--concurrency", o.cpu_concurrency, "max_concurrency of scenarios 2, 3 and 4 (default 8)");
    app.add_option("--rps", o.politeness_rps, "max_requests_per_second of scenario 5 (default 20)");
    app.add_option("--server-page-cap", o.server_page_cap, "the fake server's page cap = page_size on server (1000)");
    app.add_option("--seed", o.seed, "the fake's generator seed (7)");
    app.add_option("--flavors", flavors, "comma-separated: cloud,server");
    app.add_option("--backends", backends,
                   "comma-separated: sqlite,postgres (default both when a PostgreSQL URL is known, else sqlite)");
    app.add_option("--scenarios", scenarios, "comma-separated scenario numbers (1,2,3,4,5,6)");
    app.add_option("--postgres-url", o.postgres_url, "admin URL of a PostgreSQL server (default $J2S_TEST_POSTGRES_URL)");
    app.add_option("--markdown", o.markdown_file, "also write the table as Markdown to this file");
    app.add_option("--profile", o.profile_dir,
                   "instead of the scenarios: one CPU-bound backfill per backend under perf or callgrind, profiles "
                   "written into this folder and their top printed (use a small --issues for callgrind)");
    app.add_option("--profiler", o.profiler, "auto (perf if it can count instructions here, else callgrind), perf, callgrind")
        ->check(CLI::IsMember({"auto", "perf", "callgrind"}));
    app.add_option("--work-dir", work_dir, "folder for databases and logs (default: a new one under /tmp)");
    app.add_flag_function("--no-reconcile", [&](std::int64_t) { o.reconcile = false; },
                          "run with sync.reconcile_deletes: false");
    app.add_flag("--strict", o.strict, "exit 1 when a target is missed, too");
    app.add_flag("--keep", o.keep, "keep the work folder and the PostgreSQL databases");
    app.add_option("--timeout", o.run_timeout, "seconds one jira2sql run may take (3600)");
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e) == 0 ? 0 : 2;
    }
    if (o.quick) {
        if (app.count("--issues") == 0) o.issues = 2000;
        if (app.count("--latency-ms") == 0) o.latency_ms = 20;
        if (app.count("--nightly-issues") == 0) o.nightly_issues = 2000;
        if (app.count("--scenarios") == 0) scenarios = "1,2,4,5";
    }
    o.flavors = split(flavors);
    o.backends = backends.empty() ? (o.postgres_url.empty() ? std::vector<std::string>{"sqlite"}
                                                            : std::vector<std::string>{"sqlite", "postgres"})
                                  : split(backends);
    o.scenarios.clear();
    for (const auto& s : split(scenarios)) o.scenarios.push_back(std::stoi(s));
    for (const auto& b : o.backends)
        if (b == "postgres" && o.postgres_url.empty()) {
            std::cerr << "jira2sql_bench: postgres needs --postgres-url or J2S_TEST_POSTGRES_URL\n";
            return 2;
        }

    fs::path work;
    std::unique_ptr<j2s::it::TempDir> temp;
    if (!work_dir.empty()) {
        work = fs::absolute(work_dir);
        fs::create_directories(work);
    } else {
        temp = std::make_unique<j2s::it::TempDir>();
        work = temp->path();
    }
    if (o.keep) ::setenv("J2S_KEEP_TEST_DIRS", "1", 1);
    try {
        Bench bench(o, work);
        return bench.run();
    } catch (const std::exception& e) {
        std::cerr << "jira2sql_bench: " << e.what() << "\n";
        return 1;
    }
}
