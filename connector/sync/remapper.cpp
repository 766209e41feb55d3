#include "sync/remapper.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "util/errors.hpp"
#include "util/log_event.hpp"

namespace j2s {

namespace {

Timestamp now_utc() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
}

struct Checkpoint {
    std::vector<std::string> columns;
    std::int64_t after_id = 0;

    std::string to_json() const { return nlohmann::json{{"columns", columns}, {"after_id", after_id}}.dump(); }
    static std::optional<Checkpoint> parse(const std::optional<std::string>& text) {
        if (!text) return std::nullopt;
        const auto j = nlohmann::json::parse(*text, nullptr, false);
        if (j.is_discarded() || !j.is_object() || !j.contains("columns") || !j["columns"].is_array() ||
            !j.contains("after_id") || !j["after_id"].is_number_integer()) {
            spdlog::warn("the remap checkpoint is unreadable; the remap starts over");
            return std::nullopt;
        }
        Checkpoint c;
        for (const auto& col : j["columns"])
            if (col.is_string()) c.columns.push_back(col.get<std::string>());
        c.after_id = j["after_id"].get<std::int64_t>();
        return c;
    }
};

// The transformed values of one batch, computed on `threads` threads.
struct Transformed {
    std::vector<std::pair<std::int64_t, std::vector<SqlValue>>> rows;
    std::vector<DeadLetterRecord> dead_letters;
};

Transformed transform_batch(std::vector<StoredRaw>& batch, const Mapping& mapping, const std::vector<std::size_t>& picks,
                            int threads) {
    struct Slot {
        bool ok = false;
        std::vector<SqlValue> values;
        std::string error;
    };
    std::vector<Slot> slots(batch.size());
    auto work = [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            Slot& slot = slots[i];
            try {
                const auto issue = nlohmann::json::parse(batch[i].raw_json);
                auto all = mapping.apply(issue);
                slot.values.reserve(picks.size());
                for (const std::size_t p : picks) slot.values.push_back(std::move(all[p]));
                slot.ok = true;
            } catch (const TransformError& e) {
                slot.error = e.what();
            } catch (const nlohmann::json::exception& e) {
                slot.error = std::string("stored raw JSON is unreadable: ") + e.what();
            }
        }
    };
    const std::size_t n = batch.size();
    const std::size_t workers = std::max<std::size_t>(1, std::min<std::size_t>(static_cast<std::size_t>(threads), n / 64 + 1));
    if (workers == 1) {
        work(0, n);
    } else {
        std::vector<std::thread> pool;
        const std::size_t chunk = (n + workers - 1) / workers;
        for (std::size_t w = 0; w < workers; ++w) {
            const std::size_t begin = w * chunk, end = std::min(n, begin + chunk);
            if (begin < end) pool.emplace_back(work, begin, end);
        }
        for (auto& t : pool) t.join();
    }
    Transformed out;
    out.rows.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
        if (slots[i].ok) {
            out.rows.emplace_back(batch[i].id, std::move(slots[i].values));
            continue;
        }
        spdlog::warn("remap: issue {} goes to the dead letters: {}", batch[i].key, slots[i].error);
        DeadLetterRecord dead;
        dead.issue_id = batch[i].id;
        dead.issue_key = batch[i].key;
        dead.stage = "transform";
        dead.error = slots[i].error;
        dead.payload = std::move(batch[i].raw_json);
        out.dead_letters.push_back(std::move(dead));
    }
    return out;
}

std::string joined(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
}

}  // namespace

std::string remap_state_key(const std::string& scope_key) { return "remap: " + scope_key; }

std::string remap_summary_line(const RemapSummary& s) {
    const double rate = s.seconds > 0 ? static_cast<double>(s.issues_read) / s.seconds : 0.0;
    return fmt::format("remap {}: {} issues rewritten (columns {}), {} dead-lettered, 0 requests, {:.1f} s ({:.0f} issues/s)",
                       run_status_name(s.status), s.counters.issues_upserted, joined(s.columns),
                       s.counters.dead_lettered, s.seconds, rate);
}

RemapSummary run_remap(Store& store, const Mapping& mapping, const std::string& scope_key, const RemapOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const std::string key = remap_state_key(scope_key);
    std::vector<std::string> mapped;
    for (const auto& c : mapping.columns()) mapped.push_back(c.name);
    const std::set<std::string> mapped_set(mapped.begin(), mapped.end());

    const auto previous = Checkpoint::parse(store.load_scope_state(key).checkpoint_json);
    std::set<std::string> target;
    if (options.all_columns) {
        target = mapped_set;
    } else {
        for (const auto& c : store.refill_pending_columns())
            if (mapped_set.count(c)) target.insert(c);
        if (previous)
            for (const auto& c : previous->columns)
                if (mapped_set.count(c)) target.insert(c);
    }

    RemapSummary summary;
    Checkpoint checkpoint;
    if (previous) {
        const std::set<std::string> before(previous->columns.begin(), previous->columns.end());
        std::set<std::string> still;  // the interrupted run's columns that are still mapped
        for (const auto& c : before)
            if (mapped_set.count(c)) still.insert(c);
        if (still == target && !target.empty()) {
            checkpoint.after_id = previous->after_id;
            summary.resumed = true;
        } else {
            spdlog::info("an interrupted remap (columns {}) is superseded by a remap of columns {}",
                         joined(previous->columns), joined({target.begin(), target.end()}));
        }
    } else if (target.empty()) {
        return summary;  // nothing to refill
    }
    // Columns in mapping order, so the summary reads like the mapping.
    for (const auto& c : mapped)
        if (target.count(c)) checkpoint.columns.push_back(c);
    std::vector<std::size_t> picks;
    for (std::size_t i = 0; i < mapped.size(); ++i)
        if (target.count(mapped[i])) picks.push_back(i);
    summary.columns = checkpoint.columns;
    summary.ran = true;

    summary.run_id = store.start_run(key, "remap", now_utc());
    set_log_run_id(summary.run_id);
    log_event(spdlog::level::info, "run_started",
              {{"mode", "remap"}, {"resumed", summary.resumed}, {"columns", checkpoint.columns}},
              "{} of columns {} from the stored raw JSON{}", options.all_columns ? "remap" : "refill",
              joined(checkpoint.columns),
              summary.resumed ? fmt::format(" (resuming after issue id {})", checkpoint.after_id) : std::string());

    const int threads = options.threads > 0
                            ? options.threads
                            : static_cast<int>(std::clamp<unsigned>(std::thread::hardware_concurrency(), 1u, 4u));
    try {
        if (!checkpoint.columns.empty()) {
            if (options.progress) {
                // The rows still to rewrite: all of them, or those after a resumed checkpoint. The store counts
                // no "rows after an id", and the ids alone are light (8 bytes a row).
                const StoredIssueIds ids = store.stored_issue_ids();
                std::int64_t left = 0;
                for (const auto* list : {&ids.live, &ids.soft_deleted})
                    left += list->end() - std::upper_bound(list->begin(), list->end(), checkpoint.after_id);
                options.progress->progress_started("", left);
            }
            for (;;) {
                auto batch = store.read_raw_batch(checkpoint.after_id, std::max(1, options.batch_size));
                if (batch.empty()) break;
                const std::int64_t last = batch.back().id;
                summary.issues_read += static_cast<std::int64_t>(batch.size());
                Transformed t = transform_batch(batch, mapping, picks, threads);
                RemapBatch commit;
                commit.run_id = summary.run_id;
                commit.state_key = key;
                commit.columns = checkpoint.columns;
                commit.rows = std::move(t.rows);
                commit.dead_letters = std::move(t.dead_letters);
                checkpoint.after_id = last;
                commit.checkpoint_json = checkpoint.to_json();
                commit.run_totals = summary.counters;
                const PageResult r = store.commit_remap_batch(commit);
                summary.counters.issues_upserted += r.issues_written;
                summary.counters.dead_lettered += r.dead_lettered;
                if (options.progress) options.progress->progress_advanced(summary.issues_read);
                spdlog::debug("remap: {} issues done, up to id {}", summary.issues_read, last);
            }
            if (options.progress) options.progress->progress_finished(summary.issues_read);
        }
        store.clear_refill_pending(checkpoint.columns);
    } catch (const std::exception& e) {
        summary.status = RunStatus::failed;
        summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        try {
            store.finish_run(summary.run_id, key, RunStatus::failed, now_utc(), summary.counters, e.what(), std::nullopt,
                             false);
        } catch (const std::exception& inner) {
            spdlog::error("could not record the failed remap: {}", inner.what());
        }
        throw;
    }
    summary.status = summary.counters.dead_lettered > 0 ? RunStatus::partial : RunStatus::succeeded;
    summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    store.finish_run(summary.run_id, key, summary.status, now_utc(), summary.counters, "", std::nullopt, true);
    return summary;
}

RemapSummary apply_mapping(Store& store, const Mapping& mapping, const std::string& scope_key, bool can_refill) {
    store.sync_mapped_columns(mapping.column_defs());
    store.remember_field_ids(mapping.resolved_field_ids());
    if (!can_refill) {
        const auto pending = store.refill_pending_columns();
        if (!pending.empty())
            spdlog::warn("columns {} still have to be filled from the stored raw JSON, which needs the field: "
                         "references resolved: the next `sync` (or `remap` once the field list is stored) does it",
                         joined(pending));
        return {};
    }
    RemapOptions options;
    options.all_columns = false;
    RemapSummary summary = run_remap(store, mapping, scope_key, options);
    if (summary.ran) spdlog::info("{}", remap_summary_line(summary));
    return summary;
}

}  // namespace j2s
