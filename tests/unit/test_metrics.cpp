// The metrics file: strict Prometheus text format, the values it is given, atomic replacement.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/metrics.hpp"
#include "prom_parser.hpp"

using namespace j2s;
namespace fs = std::filesystem;

namespace {
RunMetrics sample_metrics() {
    RunMetrics m;
    m.command = "sync";
    m.status = "partial";
    m.mode = "full";
    m.exit_code = 3;
    m.run_id = 7;
    m.started_at = 1700000000.25;
    m.finished_at = 1700000012.75;
    m.counters.issues_upserted = 400;
    m.counters.changelog_items_written = 9123;
    m.counters.dead_lettered = 2;
    m.counters.soft_deleted = 1;
    m.counters.requests = 12;
    m.counters.retries = 3;
    m.throttled = 2;
    m.dead_letters_open = 5;
    m.issues_live = 398;
    m.watermark = 1700000000;
    return m;
}
}  // namespace

TEST_CASE("metrics render as strict exposition text with the run's values", "[metrics]") {
    const auto text = render_metrics(sample_metrics(), 1700000100);
    const auto e = prom::parse(text);
    CHECK(e.value("jira2sql_last_run_status", {{"command", "sync"}, {"status", "partial"}}) == 1);
    CHECK(e.value("jira2sql_last_run_status", {{"command", "sync"}, {"status", "succeeded"}}) == 0);
    CHECK(e.value("jira2sql_last_run_status", {{"command", "sync"}, {"status", "failed"}}) == 0);
    CHECK(e.value("jira2sql_last_run_success") == 1);
    CHECK(e.value("jira2sql_last_run_exit_code") == 3);
    CHECK(e.value("jira2sql_last_run_id") == 7);
    CHECK(e.value("jira2sql_last_run_start_timestamp_seconds") == Approx(1700000000.25));
    CHECK(e.value("jira2sql_last_run_duration_seconds") == Approx(12.5));
    CHECK(e.value("jira2sql_last_run_issues_upserted") == 400);
    CHECK(e.value("jira2sql_last_run_changelog_items_written") == 9123);
    CHECK(e.value("jira2sql_last_run_dead_lettered") == 2);
    CHECK(e.value("jira2sql_last_run_soft_deleted") == 1);
    CHECK(e.value("jira2sql_last_run_requests") == 12);
    CHECK(e.value("jira2sql_last_run_retries") == 3);
    CHECK(e.value("jira2sql_last_run_throttled_responses") == 2);
    CHECK(e.value("jira2sql_dead_letters_open") == 5);
    CHECK(e.value("jira2sql_watermark_lag_seconds") == 100);
    // Every sample has HELP and TYPE.
    for (const auto& s : e.samples) {
        CHECK(e.help.count(s.name) == 1);
        CHECK(e.type.at(s.name) == "gauge");
    }
}

TEST_CASE("a failed run without a database says failed and leaves unknown values out", "[metrics]") {
    RunMetrics m;
    m.command = "sync";
    m.status = "failed";
    m.exit_code = 1;
    m.started_at = 10;
    m.finished_at = 11;
    const auto e = prom::parse(render_metrics(m, 20));
    CHECK(e.value("jira2sql_last_run_status", {{"command", "sync"}, {"status", "failed"}}) == 1);
    CHECK(e.value("jira2sql_last_run_success") == 0);
    CHECK_FALSE(e.has("jira2sql_watermark_lag_seconds"));
    CHECK_FALSE(e.has("jira2sql_dead_letters_open"));
}

TEST_CASE("the strict parser rejects what the textfile collector would", "[metrics][parser]") {
    CHECK_NOTHROW(prom::parse("# HELP a_b x\n# TYPE a_b gauge\na_b{l=\"v\\\"q\\\\\"} 1.5e3\nc NaN\nd +Inf 1700000000000\n"));
    CHECK_THROWS(prom::parse("a 1"));                                 // no trailing newline
    CHECK_THROWS(prom::parse("1a 1\n"));                              // name grammar
    CHECK_THROWS(prom::parse("a{1l=\"v\"} 1\n"));                     // label name grammar
    CHECK_THROWS(prom::parse("a{l=v} 1\n"));                          // unquoted label value
    CHECK_THROWS(prom::parse("a{l=\"v\\t\"} 1\n"));                   // unknown escape
    CHECK_THROWS(prom::parse("a one\n"));                             // not a float
    CHECK_THROWS(prom::parse("a 1\na 2\n"));                          // duplicate series
    CHECK_THROWS(prom::parse("a 1\nb 1\na{x=\"1\"} 1\n"));            // samples of a name apart
    CHECK_THROWS(prom::parse("a 1\n# TYPE a gauge\n"));               // TYPE after samples
    CHECK_THROWS(prom::parse("# TYPE a gauge\n# TYPE a gauge\na 1\n"));  // second TYPE
    CHECK_THROWS(prom::parse("# TYPE a meter\na 1\n"));               // unknown type
}

TEST_CASE("the metrics file is replaced atomically and no temporary file is left", "[metrics]") {
    const fs::path dir = fs::temp_directory_path() / ("j2s-metrics-" + std::to_string(::getpid()));
    fs::create_directories(dir);
    const fs::path file = dir / "jira2sql.prom";
    write_file_atomically(file, "a 1\n");
    write_file_atomically(file, "a 2\n");
    std::ifstream in(file);
    std::stringstream s;
    s << in.rdbuf();
    CHECK(s.str() == "a 2\n");
    CHECK(std::distance(fs::directory_iterator(dir), fs::directory_iterator()) == 1);
    CHECK_THROWS_WITH(write_file_atomically(dir / "missing" / "x.prom", "a 1\n"), Catch::Contains("cannot write the metrics file"));
    fs::remove_all(dir);
}
