// bench_remap: how fast `remap` recomputes the mapped columns of stored issues (issue 5, item 6: 100,000
// issues in under 20 s on SQLite). A plain timed program, not a test.
//
//   bench_remap [--issues 100000] [--postgres URL] [--mapping mappings/default.yaml] [--batch 2000]
//
// It generates realistic issues with the fake Jira's own generator (cloud, REST v3: ADF descriptions,
// sprints, users, ...), renders each as search would return it (`*all` fields, no changelog), stores
// them through the Store (commit_page, as a sync does) in a temporary SQLite file (or a fresh schema of
// the PostgreSQL database at URL), and then times run_remap over every mapped column of the mapping.
// Prints the load time, the remap time and issues/s. Build Release for meaningful numbers:
//   cmake -S . -B build-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build-rel --target bench_remap
//   build-rel/bench_remap

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <pqxx/pqxx>
#include <random>
#include <string>

#include "generator.hpp"
#include "field_catalog.hpp"
#include "issue_renderer.hpp"
#include "issue_store.hpp"
#include "mapping/mapping.hpp"
#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "sync/remapper.hpp"

using namespace j2s;
namespace fs = std::filesystem;

namespace {

double seconds_since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

std::vector<JiraField> site_fields() {
    std::vector<JiraField> out;
    for (const auto& f : fake::field_catalog()) {
        JiraField jf;
        jf.id = f.id;
        jf.key = f.id;
        jf.name = f.name;
        jf.custom = f.custom;
        out.push_back(jf);
    }
    return out;
}

}  // namespace

int main(int argc, char** argv) {
    std::int64_t count = 100000;
    std::string postgres_url;
    std::string mapping_file = std::string(J2S_SOURCE_DIR) + "/mappings/default.yaml";
    int batch = 2000;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        auto next = [&]() -> std::string {
            if (i + 1 >= argc) {
                std::cerr << a << " needs a value\n";
                std::exit(2);
            }
            return argv[++i];
        };
        if (a == "--issues") count = std::stoll(next());
        else if (a == "--postgres") postgres_url = next();
        else if (a == "--mapping") mapping_file = next();
        else if (a == "--batch") batch = std::stoi(next());
        else {
            std::cerr << "usage: bench_remap [--issues N] [--postgres URL] [--mapping FILE] [--batch N]\n";
            return 2;
        }
    }
    spdlog::set_level(spdlog::level::warn);

    Mapping mapping = Mapping::load(mapping_file);
    mapping.resolve_fields(site_fields());

    // ---- generate and render
    auto t0 = std::chrono::steady_clock::now();
    const Timestamp anchor = std::chrono::floor<std::chrono::hours>(
        std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
    fake::IssueStore fake_store(fake::Flavor::cloud, anchor);
    fake::GeneratorConfig config;
    config.count = count;
    config.seed = 7;
    config.anchor = anchor;
    {
        auto lock = fake_store.write_lock();
        for (const auto& key : config.projects) fake_store.ensure_project(key);
        fake::generate_issues(fake_store, config);
    }

    // ---- store
    fs::path dir;
    std::unique_ptr<Store> store;
    std::string schema;
    if (postgres_url.empty()) {
        dir = fs::temp_directory_path() / ("bench_remap_" + std::to_string(::getpid()));
        fs::create_directories(dir);
        store = std::make_unique<SqliteStore>(dir / "jira.db");
    } else {
        std::mt19937_64 gen(std::random_device{}());
        schema = "bench_remap_" + std::to_string(gen() % 1000000);
        store = std::make_unique<PostgresStore>(postgres_url, schema);
    }
    store->migrate();
    store->sync_mapped_columns(mapping.column_defs());
    const std::int64_t run_id = store->start_run("bench", "full", Timestamp{});

    fake::RenderContext ctx;
    ctx.flavor = fake::Flavor::cloud;
    ctx.api_version = 3;
    fake::RenderOptions render;
    render.fields = fake::parse_field_selection({}, "*all");
    std::int64_t raw_bytes = 0;
    {
        auto lock = fake_store.read_lock();
        PageCommit page;
        page.run_id = run_id;
        page.scope_key = "bench";
        auto flush = [&] {
            if (page.issues.empty()) return;
            store->commit_page(page);
            page.issues.clear();
        };
        for (const auto& issue : fake_store.all()) {
            if (issue.deleted) continue;
            nlohmann::json rendered = fake::render_issue(fake_store, issue, ctx, render);
            IssueRecord r;
            r.id = std::stoll(rendered["id"].get<std::string>());
            r.key = rendered["key"].get<std::string>();
            r.project_key = rendered["fields"]["project"]["key"].get<std::string>();
            r.created = *parse_jira_timestamp(rendered["fields"]["created"].get<std::string>());
            r.updated = *parse_jira_timestamp(rendered["fields"]["updated"].get<std::string>());
            r.mapped = mapping.apply(rendered);
            r.raw_json = rendered.dump();
            raw_bytes += static_cast<std::int64_t>(r.raw_json.size());
            page.issues.push_back(std::move(r));
            if (page.issues.size() == 1000) flush();
        }
        flush();
    }
    const double load_s = seconds_since(t0);
    std::cout << "stored " << count << " issues (" << raw_bytes / count << " bytes of raw JSON each) in " << load_s
              << " s on " << store->describe() << "\n";

    // ---- remap every column
    RemapOptions options;
    options.batch_size = batch;
    const auto t1 = std::chrono::steady_clock::now();
    const RemapSummary s = run_remap(*store, mapping, "bench", options);
    const double remap_s = seconds_since(t1);
    std::cout << "remap of " << s.columns.size() << " columns: " << s.issues_read << " issues in " << remap_s << " s = "
              << static_cast<long long>(static_cast<double>(s.issues_read) / remap_s) << " issues/s ("
              << s.counters.issues_upserted << " rows rewritten, " << s.counters.dead_lettered << " dead-lettered)\n";

    store.reset();
    if (!dir.empty()) fs::remove_all(dir);
    if (!schema.empty()) {
        try {
            pqxx::connection c(postgres_url);
            pqxx::work tx(c);
            tx.exec("DROP SCHEMA " + tx.quote_name(schema) + " CASCADE");
            tx.commit();
        } catch (const std::exception& e) {
            std::cerr << "could not drop schema " << schema << ": " << e.what() << "\n";
        }
    }
    return s.issues_read == count ? 0 : 1;
}
