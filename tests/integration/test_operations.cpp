// Running unattended: structured logs, the metrics file, status during and after runs, the progress line
// on a (pseudo) terminal, verify, and the scheduling units.

#include <catch2/catch.hpp>

#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "db_reader.hpp"
#include "harness.hpp"
#include "prom_parser.hpp"
#include "util/time.hpp"

using namespace j2s;
using namespace j2s::it;
namespace fs = std::filesystem;

namespace {

const std::map<std::string, std::string> kEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (!line.empty()) out.push_back(line);
    return out;
}

std::string slurp(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

double unix_of(const std::string& stored) {
    auto t = parse_jira_timestamp(stored);
    REQUIRE(t.has_value());
    return std::chrono::duration<double>(t->time_since_epoch()).count();
}

nlohmann::json status_json(const fs::path& config, const fs::path& dir) {
    auto r = run_jira2sql({"--config", config.string(), "status", "--json"}, dir, kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return nlohmann::json::parse(r.out);
}

// Runs `argv` with stdin/stdout/stderr on a pseudo terminal; returns everything it wrote and its exit code.
std::pair<std::string, int> run_on_pty(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                                       const fs::path& dir) {
    int master = -1;
    struct winsize ws {};
    ws.ws_col = 200;
    ws.ws_row = 40;
    const pid_t pid = forkpty(&master, nullptr, nullptr, &ws);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        if (::chdir(dir.c_str()) != 0) _exit(127);
        for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
        std::vector<char*> args;
        for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
        args.push_back(nullptr);
        ::execv(args[0], args.data());
        _exit(127);
    }
    std::string out;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{master, POLLIN, 0};
        if (::poll(&p, 1, 200) > 0) {
            const ssize_t n = ::read(master, buf, sizeof buf);
            if (n <= 0) break;  // EIO: the child closed the terminal
            out.append(buf, static_cast<std::size_t>(n));
        }
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);
    return {out, WIFEXITED(status) ? WEXITSTATUS(status) : -1};
}

// The lines a terminal ends up showing for `raw`: "\r" returns to the start of the line, ESC[2K erases it.
std::vector<std::string> screen_of(const std::string& raw) {
    std::vector<std::string> lines{""};
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw.compare(i, 4, "\x1b[2K") == 0) {
            lines.back().clear();
            i += 3;
        } else if (raw[i] == '\n') {
            lines.emplace_back();
        } else if (raw[i] != '\r') {
            lines.back() += raw[i];
        }
    }
    return lines;
}

// Every progress line `raw` drew for `what` ("reconcile: ..."), in order: the text after each "\r\x1b[2K" that
// starts with `what: `, up to the next "\r" or newline.
std::vector<std::string> progress_draws(const std::string& raw, const std::string& what) {
    std::vector<std::string> out;
    const std::string draw = "\r\x1b[2K" + what + ": ";
    for (auto p = raw.find(draw); p != std::string::npos; p = raw.find(draw, p + 1)) {
        const auto begin = p + 4;
        out.push_back(raw.substr(begin, raw.find_first_of("\r\n", begin) - begin));
    }
    return out;
}

// "reconcile: 120 / 300 issues (40%) | ..." -> {120, 300}; no total -> {120, -1}.
std::pair<long long, long long> done_of_total(const std::string& draw) {
    const auto colon = draw.find(": ");
    auto digits = [](std::string text) {
        text.erase(std::remove(text.begin(), text.end(), ','), text.end());
        return std::stoll(text);
    };
    const auto slash = draw.find(" / ");
    const auto issues = draw.find(" issues");
    if (slash != std::string::npos && slash < issues)
        return {digits(draw.substr(colon + 2, slash - colon - 2)), digits(draw.substr(slash + 3, issues - slash - 3))};
    return {digits(draw.substr(colon + 2, issues - colon - 2)), -1};
}

// The default mapping with due_date read from the summary: no summary is a date, so every issue is a
// dead letter (a `transform` one, which a retry with the same mapping fails again).
fs::path mapping_failing_every_issue(const fs::path& dir) {
    std::ifstream in(source_dir() + "/mappings/default.yaml");
    std::string mapping((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string due = "    source: fields.duedate\n    type: date\n";
    const auto at = mapping.find(due);
    REQUIRE(at != std::string::npos);
    mapping.replace(at, due.size(), "    source: fields.summary\n    type: date\n");
    const fs::path path = dir / "failing.yaml";
    std::ofstream(path) << mapping;
    return path;
}

// A command's progress on a terminal: drawn from 0 of the total, at least once more, the last draw at the
// total; and erased, so the screen keeps only the log lines.
void check_progress_on_terminal(const std::string& raw, const std::string& what, long long total, int code,
                                int expected_code) {
    INFO(raw);
    REQUIRE(code == expected_code);
    const auto draws = progress_draws(raw, what);
    REQUIRE(draws.size() >= 2);
    CAPTURE(draws);
    REQUIRE(done_of_total(draws.front()).first == 0);
    const auto [last_done, last_total] = done_of_total(draws.back());
    REQUIRE(last_total == total);  // the line shows done of the expected total ...
    REQUIRE(last_done == total);   // ... and ends at it
    REQUIRE_THAT(draws.back(), Catch::Contains(" issues (100%) | ") && Catch::Contains(" issues/s | elapsed "));
    for (const auto& line : screen_of(raw)) {
        CAPTURE(line);
        REQUIRE(line.rfind(what + ": ", 0) == std::string::npos);
        if (!line.empty()) REQUIRE(line.rfind("20", 0) == 0);  // each log line starts on a clean line
    }
}

// A run on a pipe: no progress text, no terminal control characters.
void check_no_progress(const ProcessResult& r, long long total) {
    INFO(r.err);
    REQUIRE(r.err.find("issues/s | elapsed") == std::string::npos);
    REQUIRE(r.err.find(" / " + std::to_string(total) + " issues (") == std::string::npos);
    REQUIRE(r.err.find('\x1b') == std::string::npos);
    REQUIRE(r.err.find('\r') == std::string::npos);
}

}  // namespace

TEST_CASE("ops: every JSON log line is one object with time, level, event and the run id", "[e2e][ops][logs]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 120;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.page_size = 25;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();

    auto r = run_jira2sql({"--config", config.string(), "--log-format", "json", "-v", "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const auto lines = lines_of(r.err);
    REQUIRE(lines.size() > 5);
    std::int64_t run_id = 0;
    int requests = 0, pages = 0;
    nlohmann::json finished;
    for (const auto& line : lines) {
        CAPTURE(line);
        const auto j = nlohmann::json::parse(line);  // throws on anything but one JSON value per line
        REQUIRE(j.is_object());
        REQUIRE(j["time"].is_string());
        REQUIRE(parse_jira_timestamp(j["time"].get<std::string>()).has_value());
        REQUIRE(j["level"].is_string());
        REQUIRE(j["event"].is_string());
        REQUIRE(j["message"].is_string());
        const std::string event = j["event"];
        if (event == "run_started") {
            run_id = j["run_id"].get<std::int64_t>();
            REQUIRE(j["mode"] == "full");
            REQUIRE(j["level"] == "info");
        }
        if (run_id > 0) REQUIRE(j["run_id"] == run_id);  // every line once the run has an id
        if (event == "http_request") {
            ++requests;
            REQUIRE(j["level"] == "debug");
            REQUIRE(j["method"].is_string());
            REQUIRE(j["path"].get<std::string>().rfind("/rest/api/", 0) == 0);
            REQUIRE(j["status"].is_number_integer());
            REQUIRE(j["ms"].is_number_integer());
            REQUIRE(j["retry"].is_number_integer());
        }
        if (j["level"] == "debug" && j["message"].get<std::string>().find("committed") != std::string::npos) ++pages;
        if (event == "run_finished") finished = j;
    }
    REQUIRE(run_id > 0);
    REQUIRE(requests > 0);
    REQUIRE(pages >= 5);
    REQUIRE_FALSE(finished.is_null());
    // The summary's fields are the run's row.
    REQUIRE(rows(db, "SELECT id, status, issues_upserted, changelog_items_written, dead_lettered, requests, retries FROM sync_runs") ==
            std::vector<std::string>{std::to_string(run_id) + "|" + finished["status"].get<std::string>() + "|" +
                                     std::to_string(finished["issues_upserted"].get<long long>()) + "|" +
                                     std::to_string(finished["changelog_items_written"].get<long long>()) + "|" +
                                     std::to_string(finished["dead_lettered"].get<long long>()) + "|" +
                                     std::to_string(finished["requests"].get<long long>()) + "|" +
                                     std::to_string(finished["retries"].get<long long>())});
    REQUIRE(finished["issues_upserted"] == 120);
    // No secret at any verbosity.
    REQUIRE(r.err.find("demo-token") == std::string::npos);
    REQUIRE(r.err.find("ZGVtb0BleGFtcGxlLmNvbTpkZW1vLXRva2Vu") == std::string::npos);  // base64 of email:token
}

TEST_CASE("ops: info level is a handful of lines per run, and -q is silent on success", "[e2e][ops][logs]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 300;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.page_size = 20;  // 15 pages: page lines must not show at info
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto first = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    REQUIRE(lines_of(first.err).size() <= 8);
    auto again = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(again.err);
    REQUIRE(again.exit_code == 0);
    REQUIRE(lines_of(again.err).size() <= 4);
    auto quiet = run_jira2sql({"--config", config.string(), "-q", "sync"}, dir.path(), kEnv);
    REQUIRE(quiet.exit_code == 0);
    REQUIRE(quiet.err.empty());
}

TEST_CASE("ops: the metrics file parses strictly and matches sync_runs, also for a failed run", "[e2e][ops][metrics]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 80;
    FakeJira fake(fo, dir.path());
    // Two 429s on the first search: retries and throttled responses are counted.
    const std::string search = flavor == "cloud" ? "/search/jql" : "/rest/api/2/search";
    fake.post("/_fake/faults", {{"path_regex", search}, {"status", 429}, {"count", 2}, {"headers", {{"Retry-After", "0"}}}});
    ConfigOptions co;
    co.flavor = flavor;
    co.page_size = 20;
    co.extra_yaml = "metrics_file: metrics/jira2sql.prom\n";  // relative to the config's folder
    fs::create_directories(dir.path() / "metrics");
    const auto config = write_config(dir.path(), fake.base_url(), co);
    const std::string db = (dir.path() / "jira.db").string();
    const fs::path prom = dir.path() / "metrics" / "jira2sql.prom";

    auto r = run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    const std::string text = slurp(prom);
    INFO(text);
    const auto e = prom::parse(text);
    for (const auto& s : e.samples) REQUIRE(e.type.count(s.name) == 1);
    const auto row = rows(db, "SELECT id, started_at, finished_at, issues_upserted, changelog_items_written, dead_lettered, "
                              "soft_deleted, requests, retries FROM sync_runs")[0];
    std::vector<std::string> f;
    std::stringstream ss(row);
    for (std::string part; std::getline(ss, part, '|');) f.push_back(part);
    REQUIRE(e.value("jira2sql_last_run_status", {{"command", "sync"}, {"status", "succeeded"}}) == 1);
    REQUIRE(e.value("jira2sql_last_run_success") == 1);
    REQUIRE(e.value("jira2sql_last_run_id") == std::stod(f[0]));
    REQUIRE(e.value("jira2sql_last_run_start_timestamp_seconds") == Approx(unix_of(f[1])).margin(0.001));
    REQUIRE(e.value("jira2sql_last_run_end_timestamp_seconds") == Approx(unix_of(f[2])).margin(0.001));
    REQUIRE(e.value("jira2sql_last_run_duration_seconds") == Approx(unix_of(f[2]) - unix_of(f[1])).margin(0.002));
    REQUIRE(e.value("jira2sql_last_run_issues_upserted") == 80);
    REQUIRE(e.value("jira2sql_last_run_issues_upserted") == std::stod(f[3]));
    REQUIRE(e.value("jira2sql_last_run_changelog_items_written") == std::stod(f[4]));
    REQUIRE(e.value("jira2sql_last_run_dead_lettered") == std::stod(f[5]));
    REQUIRE(e.value("jira2sql_last_run_soft_deleted") == std::stod(f[6]));
    REQUIRE(e.value("jira2sql_last_run_requests") == std::stod(f[7]));
    REQUIRE(e.value("jira2sql_last_run_retries") == std::stod(f[8]));
    REQUIRE(e.value("jira2sql_last_run_retries") >= 2);
    REQUIRE(e.value("jira2sql_last_run_throttled_responses") == 2);
    REQUIRE(e.value("jira2sql_dead_letters_open") == 0);
    REQUIRE(e.value("jira2sql_watermark_lag_seconds") >= 0);
    REQUIRE(e.value("jira2sql_watermark_lag_seconds") < 120);
    // Nothing but the file itself is left in the folder (the temporary file was renamed).
    REQUIRE(std::distance(fs::directory_iterator(dir.path() / "metrics"), fs::directory_iterator()) == 1);

    // promtool, when installed, agrees.
    if (std::system("command -v promtool >/dev/null 2>&1") == 0) {
        const std::string cmd = "promtool check metrics < '" + prom.string() + "' > '" + (dir.path() / "promtool.out").string() + "' 2>&1";
        const int rc = std::system(cmd.c_str());
        INFO(slurp(dir.path() / "promtool.out"));
        REQUIRE(rc == 0);
    } else {
        WARN("promtool not installed (Debian package `prometheus`): checked with the strict parser only");
    }

    // A failed run (credentials refused mid-run) still writes the file, with status failed and the failed
    // run's own counters; --metrics-file overrides the config key.
    fake.post("/_fake/faults", {{"path_regex", search}, {"status", 401}, {"count", 100}});
    const fs::path other = dir.path() / "other.prom";
    auto failed = run_jira2sql({"--config", config.string(), "--metrics-file", other.string(), "sync", "--full"}, dir.path(), kEnv);
    INFO(failed.err);
    REQUIRE(failed.exit_code == 1);
    const auto fe = prom::parse(slurp(other));
    REQUIRE(fe.value("jira2sql_last_run_status", {{"command", "sync"}, {"status", "failed"}}) == 1);
    REQUIRE(fe.value("jira2sql_last_run_success") == 0);
    REQUIRE(fe.value("jira2sql_last_run_exit_code") == 1);
    const auto failed_row = rows(db, "SELECT id, requests, status FROM sync_runs ORDER BY id DESC LIMIT 1")[0];
    REQUIRE(failed_row == std::to_string(static_cast<long long>(fe.value("jira2sql_last_run_id"))) + "|" +
                              std::to_string(static_cast<long long>(fe.value("jira2sql_last_run_requests"))) + "|failed");
}

TEST_CASE("ops: status says whether a run is going on, how the last one ended, and how old the data is", "[e2e][ops][status]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 200;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.page_size = 10;
    const auto config = write_config(dir.path(), fake.base_url(), co);

    // Before any run.
    auto s0 = status_json(config, dir.path());
    REQUIRE(s0["running"]["active"] == false);
    REQUIRE(s0["last_run"].is_null());
    REQUIRE(s0["watermark_age_seconds"].is_null());

    // After a success.
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    auto s1 = status_json(config, dir.path());
    REQUIRE(s1["running"]["active"] == false);
    REQUIRE(s1["last_run"]["status"] == "succeeded");
    REQUIRE(s1["last_run"]["succeeded"] == true);
    REQUIRE(s1["watermark_age_seconds"].get<double>() >= 0);
    REQUIRE(s1["watermark_age_seconds"].get<double>() < 120);
    REQUIRE(s1["dead_letters_open"] == 0);

    // During a run: slow the fake down and look while it pages.
    fake.post("/_fake/config", {{"latency_ms", 60}});
    ChildProcess running({jira2sql_binary(), "--config", config.string(), "sync", "--full"}, kEnv, dir.path());
    nlohmann::json during;
    for (int i = 0; i < 100; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        during = status_json(config, dir.path());
        if (during["running"]["active"] == true && !during["running"]["since"].is_null()) break;
    }
    REQUIRE(running.running());
    REQUIRE(during["running"]["active"] == true);
    REQUIRE(during["running"]["mode"] == "full");
    REQUIRE(during["running"]["holder"].get<std::string>().find("pid " + std::to_string(running.pid())) != std::string::npos);
    const std::string since = during["running"]["since"];
    REQUIRE(rows((dir.path() / "jira.db").string(), "SELECT started_at FROM sync_runs WHERE status = 'running'") ==
            std::vector<std::string>{since});
    auto text = run_jira2sql({"--config", config.string(), "status"}, dir.path(), kEnv);
    REQUIRE_THAT(text.out, Catch::Contains("running:     yes, full run") && Catch::Contains("since " + since));
    // Status took no lock: the run goes on (and a killed run leaves a `running` row without a lock).
    running.kill_hard();
    auto killed = status_json(config, dir.path());
    REQUIRE(killed["running"]["active"] == false);
    REQUIRE(killed["running"]["interrupted_run_id"].is_number_integer());

    // After a failure.
    fake.post("/_fake/config", {{"latency_ms", 0}});
    fake.post("/_fake/faults", {{"path_regex", "/search/jql"}, {"status", 403}, {"count", 100}});
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 1);
    auto s2 = status_json(config, dir.path());
    REQUIRE(s2["running"]["active"] == false);
    REQUIRE(s2["last_run"]["status"] == "failed");
    REQUIRE(s2["last_run"]["succeeded"] == false);
    REQUIRE_THAT(s2["last_run"]["error"].get<std::string>(), Catch::Contains("HTTP 403"));
    auto text2 = run_jira2sql({"--config", config.string(), "status"}, dir.path(), kEnv);
    REQUIRE_THAT(text2.out, Catch::Contains("running:     no") && Catch::Contains("last run:    failed") &&
                                Catch::Contains("dead letters: 0 open") && Catch::Contains("old)"));
}

TEST_CASE("ops: a terminal shows one live progress line, a pipe or a file gets none", "[e2e][ops][progress]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 300;
    fo.latency_ms = 40;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.page_size = 10;
    const auto config = write_config(dir.path(), fake.base_url(), co);

    auto [out, code] = run_on_pty({jira2sql_binary(), "--config", config.string(), "sync"}, kEnv, dir.path());
    INFO(out);
    REQUIRE(code == 0);
    REQUIRE_THAT(out, Catch::Contains("\r\x1b[2Ksync: "));
    REQUIRE_THAT(out, Catch::Contains(" / 300 issues ("));  // the approximate count arrived
    REQUIRE_THAT(out, Catch::Contains("issues/s | elapsed "));
    REQUIRE_THAT(out, Catch::Contains("| ETA "));
    // What the terminal shows at the end: the log lines, each on a clean line, and no progress left over
    // (it was erased before every log line and at the end).
    const auto shown = screen_of(out);
    bool summary_shown = false;
    for (const auto& line : shown) {
        CAPTURE(line);
        REQUIRE(line.find("issues/s") == std::string::npos);
        if (line.find("info sync succeeded: 300 issues upserted") != std::string::npos) {
            summary_shown = true;
            REQUIRE(line.rfind("20", 0) == 0);  // starts with its timestamp, not after progress text
        }
    }
    REQUIRE(summary_shown);

    // Not a terminal: no progress, no escape codes. -q on a terminal: nothing at all on success.
    auto piped = run_jira2sql({"--config", config.string(), "sync", "--full"}, dir.path(), kEnv);
    REQUIRE(piped.exit_code == 0);
    REQUIRE(piped.err.find("issues/s") == std::string::npos);
    REQUIRE(piped.err.find('\x1b') == std::string::npos);
    REQUIRE(piped.err.find('\r') == std::string::npos);
    auto [quiet_out, quiet_code] = run_on_pty({jira2sql_binary(), "--config", config.string(), "-q", "sync", "--full"}, kEnv, dir.path());
    REQUIRE(quiet_code == 0);
    REQUIRE(quiet_out.find("issues/s") == std::string::npos);
}

TEST_CASE("ops: with JSON logs, progress comes as events every few seconds", "[e2e][ops][progress]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 600;
    fo.latency_ms = 500;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.page_size = 10;  // 60 pages of 0.5 s over at most 4 connections: more than one 5 s progress interval
    const auto config = write_config(dir.path(), fake.base_url(), co);
    auto r = run_jira2sql({"--config", config.string(), "--log-format", "json", "sync"}, dir.path(), kEnv);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    int progress = 0;
    for (const auto& line : lines_of(r.err)) {
        const auto j = nlohmann::json::parse(line);
        if (j["event"] != "progress") continue;
        ++progress;
        REQUIRE(j["issues_done"].get<long long>() > 0);
        REQUIRE(j["issues_expected"] == 600);
        REQUIRE(j["issues_per_second"].is_number());
        REQUIRE(j["elapsed_seconds"].get<double>() >= 5);
    }
    REQUIRE(progress >= 1);
    REQUIRE(r.err.find('\x1b') == std::string::npos);
}

TEST_CASE("ops: reconcile and remap draw the live progress line up to their total, a pipe gets none",
          "[e2e][ops][progress]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = "server";
    fo.generate = 300;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = "server";
    co.max_concurrency = 1;  // Server census pages one at a time
    const auto config = write_config(dir.path(), fake.base_url(), co);
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);
    // The census in 15 pages of at least 40 ms, one at a time: it lasts longer than one redraw interval
    // (250 ms), so a line between 0 and the total is drawn too.
    fake.post("/_fake/config", {{"latency_ms", 40}, {"server_page_cap", 20}});

    auto [reconciled, reconcile_code] = run_on_pty({jira2sql_binary(), "--config", config.string(), "reconcile"}, kEnv, dir.path());
    check_progress_on_terminal(reconciled, "reconcile", 300, reconcile_code, 0);
    bool between = false;
    for (const auto& draw : progress_draws(reconciled, "reconcile")) {
        const auto done = done_of_total(draw).first;
        between |= done > 0 && done < 300;
    }
    REQUIRE(between);
    REQUIRE_THAT(reconciled, Catch::Contains("info reconcile succeeded"));

    // remap never calls Jira: its total is the stored rows (one batch of 300 here).
    auto [remapped, remap_code] = run_on_pty({jira2sql_binary(), "--config", config.string(), "remap"}, kEnv, dir.path());
    check_progress_on_terminal(remapped, "remap", 300, remap_code, 0);
    REQUIRE_THAT(remapped, Catch::Contains("info remap succeeded: 300 issues rewritten"));

    // Not a terminal, or -q on one: no progress.
    check_no_progress(run_jira2sql({"--config", config.string(), "reconcile"}, dir.path(), kEnv), 300);
    check_no_progress(run_jira2sql({"--config", config.string(), "remap"}, dir.path(), kEnv), 300);
    for (const std::string command : {"reconcile", "remap"}) {
        auto [quiet_out, quiet_code] = run_on_pty({jira2sql_binary(), "--config", config.string(), "-q", command}, kEnv, dir.path());
        INFO(quiet_out);
        REQUIRE(quiet_code == 0);
        REQUIRE(progress_draws(quiet_out, command).empty());
        REQUIRE(quiet_out.find(" issues (") == std::string::npos);
    }
}

TEST_CASE("ops: retry-dead-letters and a one-page cloud census draw their progress up to the total",
          "[e2e][ops][progress]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.generate = 250;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.mapping = mapping_failing_every_issue(dir.path()).string();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 3);
    REQUIRE(scalar((dir.path() / "jira.db").string(), "SELECT count(*) FROM dead_letters WHERE resolved_at IS NULL") == 250);

    // Re-fetched 100 at a time; each still fails (exit 3).
    auto [out, code] = run_on_pty({jira2sql_binary(), "--config", config.string(), "retry-dead-letters"}, kEnv, dir.path());
    check_progress_on_terminal(out, "retry-dead-letters", 250, code, 3);
    REQUIRE_THAT(out, Catch::Contains("250 attempted, 0 resolved, 250 still open"));
    check_no_progress(run_jira2sql({"--config", config.string(), "retry-dead-letters"}, dir.path(), kEnv), 250);

    // The census is one page of 250 ids, done before the redraw interval and maybe before Jira's count
    // answers: the line still ends at 250 of 250.
    auto [census, census_code] = run_on_pty({jira2sql_binary(), "--config", config.string(), "reconcile"}, kEnv, dir.path());
    check_progress_on_terminal(census, "reconcile", 250, census_code, 0);
}

TEST_CASE("ops: with JSON logs, reconcile and retry-dead-letters log progress events with their fields",
          "[e2e][ops][progress]") {
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = "server";
    fo.generate = 200;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = "server";
    co.max_concurrency = 1;  // Server census pages one at a time, so it lasts as long as counted below
    co.mapping = mapping_failing_every_issue(dir.path()).string();
    const auto config = write_config(dir.path(), fake.base_url(), co);
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 3);
    // Slower than the first 5 s interval: the census reads 20 pages of 10 ids, the retry 2 chunks of 100
    // issues in pages of 10, each page at least 400 ms (the retry reports after each chunk: at >= 4 s
    // and >= 8 s).
    fake.post("/_fake/config", {{"latency_ms", 400}, {"server_page_cap", 10}});

    const auto progress_events = [](const ProcessResult& r, const std::string& command) {
        INFO(r.err);
        std::vector<nlohmann::json> events;
        nlohmann::json run_id;
        for (const auto& line : lines_of(r.err)) {
            CAPTURE(line);
            const auto j = nlohmann::json::parse(line);  // throws on anything but one JSON value per line
            REQUIRE(j.is_object());
            if (j.at("event") == "run_finished") run_id = j.at("run_id");
            if (j.at("event") == "progress") events.push_back(j);
        }
        REQUIRE(run_id.is_number_integer());
        for (const auto& j : events) {
            CAPTURE(j.dump());
            REQUIRE(j.at("level") == "info");
            REQUIRE(j.at("run_id") == run_id);
            REQUIRE(j.at("command") == command);
            REQUIRE(j.at("issues_done").get<long long>() > 0);
            REQUIRE(j.at("issues_done").get<long long>() <= 200);
            REQUIRE(j.at("issues_expected") == 200);
            REQUIRE(j.at("issues_per_second").get<double>() > 0);
            REQUIRE(j.at("elapsed_seconds").get<double>() >= 5);
            REQUIRE(j.at("eta_seconds").get<double>() >= 0);
            REQUIRE_THAT(j.at("message").get<std::string>(), Catch::StartsWith(command + ": "));
        }
        REQUIRE(r.err.find('\x1b') == std::string::npos);
        return events;
    };

    auto reconciled = run_jira2sql({"--config", config.string(), "--log-format", "json", "reconcile"}, dir.path(), kEnv);
    REQUIRE(reconciled.exit_code == 0);
    REQUIRE(progress_events(reconciled, "reconcile").size() >= 1);

    auto retried = run_jira2sql({"--config", config.string(), "--log-format", "json", "retry-dead-letters"}, dir.path(), kEnv);
    REQUIRE(retried.exit_code == 3);
    REQUIRE(progress_events(retried, "retry-dead-letters").size() >= 1);
}

TEST_CASE("ops: verify matches after a sync and reports deleted, new and edited issues", "[e2e][ops][verify]") {
    const std::string flavor = GENERATE("cloud", "server");
    CAPTURE(flavor);
    TempDir dir;
    FakeJiraOptions fo;
    fo.flavor = flavor;
    fo.generate = 90;
    FakeJira fake(fo, dir.path());
    ConfigOptions co;
    co.flavor = flavor;
    const auto config = write_config(dir.path(), fake.base_url(), co);
    REQUIRE(run_jira2sql({"--config", config.string(), "sync"}, dir.path(), kEnv).exit_code == 0);

    auto ok = run_jira2sql({"--config", config.string(), "verify", "--sample", "20"}, dir.path(), kEnv);
    INFO(ok.out + ok.err);
    REQUIRE(ok.exit_code == 0);
    REQUIRE_THAT(ok.out, Catch::Contains("PROJECT") && Catch::Contains("ALPHA") && Catch::Contains("BETA") &&
                             Catch::Contains("GAMMA") && !Catch::Contains("MISMATCH"));
    REQUIRE_THAT(ok.out, Catch::Contains("sample: 20 issues re-fetched, 0 differ"));

    // Drift without a sync: one ALPHA issue deleted, a new project appears, and an edit hidden from the
    // watermark (the fake's clock set back, so the edit looks older than the last sync).
    const auto served = fake.issues();
    std::string alpha_key;
    for (const auto& i : served)
        if (i["project_key"] == "ALPHA") alpha_key = i["key"];
    fake.del("/_fake/issues/" + alpha_key);
    fake.post("/_fake/issues", {{"project", "DELTA"}, {"fields", {{"summary", "new project"}}}});
    auto drifted = run_jira2sql({"--config", config.string(), "verify"}, dir.path(), kEnv);
    INFO(drifted.out + drifted.err);
    REQUIRE(drifted.exit_code == 1);
    bool alpha_row = false, rest_row = false;
    for (const auto& line : lines_of(drifted.out)) {
        if (line.rfind("ALPHA ", 0) == 0) alpha_row = line.find("-1") != std::string::npos && line.find("MISMATCH") != std::string::npos;
        if (line.rfind("(rest of scope)", 0) == 0) rest_row = line.find("+1") != std::string::npos && line.find("MISMATCH") != std::string::npos;
    }
    REQUIRE(alpha_row);
    REQUIRE(rest_row);
    // Within the tolerance it passes.
    REQUIRE(run_jira2sql({"--config", config.string(), "verify", "--tolerance", "1"}, dir.path(), kEnv).exit_code == 0);

    // An edit the sync did not see: --sample reports it (every live row is sampled here).
    const std::string edited = served[0]["key"];
    fake.post("/_fake/clock", {{"offset_seconds", -86400}});
    fake.post("/_fake/issues/" + edited + "/update", {{"fields", {{"summary", "edited behind the sync's back"}}}});
    fake.post("/_fake/clock", {{"offset_seconds", 0}});
    auto sampled = run_jira2sql({"--config", config.string(), "verify", "--tolerance", "1", "--sample", "1000"}, dir.path(), kEnv);
    INFO(sampled.out + sampled.err);
    REQUIRE(sampled.exit_code == 1);
    REQUIRE_THAT(sampled.out, Catch::Contains(alpha_key) && Catch::Contains("missing"));
    bool summary_drift = false;
    for (const auto& line : lines_of(sampled.out))
        if (line.rfind(edited + " ", 0) == 0 && line.find("summary") != std::string::npos &&
            line.find("edited behind") != std::string::npos && line.find("DRIFT") != std::string::npos)
            summary_drift = true;
    REQUIRE(summary_drift);
}

TEST_CASE("ops: the systemd units pass systemd-analyze verify", "[ops][scheduling]") {
    const fs::path units = fs::path(source_dir()) / "scripts" / "systemd";
    REQUIRE(fs::exists(units / "jira2sql.service"));
    REQUIRE(fs::exists(units / "jira2sql.timer"));
    REQUIRE(fs::exists(fs::path(source_dir()) / "scripts" / "cron" / "jira2sql.cron"));
    if (std::system("command -v systemd-analyze >/dev/null 2>&1") != 0) {
        if (std::getenv("CI")) FAIL("CI=1 but systemd-analyze is missing (Debian package `systemd`)");
        WARN("systemd-analyze is not installed (Debian package `systemd`): the units were not verified");
        return;
    }
    // The service's ExecStart must exist for verify: point a copy at a stand-in binary in a temp folder.
    TempDir dir;
    const fs::path unit_dir = dir.path() / "units";
    fs::create_directories(unit_dir);
    std::string service = slurp(units / "jira2sql.service");
    const std::string installed = "/usr/local/bin/jira2sql";
    REQUIRE(service.find(installed) != std::string::npos);
    for (auto p = service.find(installed); p != std::string::npos; p = service.find(installed, p))
        service.replace(p, installed.size(), jira2sql_binary()), p += jira2sql_binary().size();
    std::ofstream(unit_dir / "jira2sql.service") << service;
    fs::copy_file(units / "jira2sql.timer", unit_dir / "jira2sql.timer");
    const std::string out = (dir.path() / "verify.out").string();
    const std::string cmd = "cd '" + unit_dir.string() + "' && SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "
                            "./jira2sql.service ./jira2sql.timer > '" + out + "' 2>&1";
    const int rc = std::system(cmd.c_str());
    const std::string text = slurp(out);
    INFO(text);
    REQUIRE(rc == 0);
    // verify exits 0 for some warnings: none may mention our units.
    REQUIRE(text.find("jira2sql.service:") == std::string::npos);
    REQUIRE(text.find("jira2sql.timer:") == std::string::npos);
}
