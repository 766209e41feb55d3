#pragma once
// `remap`: recomputes mapped columns of every stored issue from its stored `raw` JSON, without calling
// Jira (issue 5, item 6). Also the refill of columns a mapping change added or retyped, which `sync`,
// `migrate` and `remap` run right after applying the change.
//
// The issues are read in batches keyed by id (id > last done, ORDER BY id), transformed on a few threads
// (parsing the JSON is the cost), and each batch is written with its checkpoint in one transaction:
// sync_state row `remap_state_key(scope)` holds {"columns":[...],"after_id":N}. A remap that is killed
// resumes from there on the next `remap` (or `sync` / `migrate` for a refill). Every remap is a row of
// sync_runs with mode `remap`.
//
// A value that its column cannot take follows the column's on_error: `null` stores NULL; `dead_letter`
// leaves the row's stored values as they are and records a dead letter (stage transform, payload the raw
// JSON); the run then ends `partial`.

#include <cstdint>
#include <string>
#include <vector>

#include "mapping/mapping.hpp"
#include "store/store.hpp"
#include "sync/progress_observer.hpp"

namespace j2s {

struct RemapOptions {
    // true (`remap`): every mapped column. false (refill after a mapping change): only the columns the
    // store marks refill_pending, plus those of an interrupted refill.
    bool all_columns = true;
    int batch_size = 2000;
    int threads = 0;  // transform threads; 0: up to 4, by the machine's cores
    // Told of every batch, against the stored issues left to rewrite. Optional; not owned.
    ProgressObserver* progress = nullptr;
};

struct RemapSummary {
    bool ran = false;  // false when there was nothing to do (no run row was written)
    bool resumed = false;
    std::int64_t run_id = 0;
    RunStatus status = RunStatus::succeeded;
    RunCounters counters;  // issues_upserted = rows rewritten; dead_lettered
    std::int64_t issues_read = 0;
    std::vector<std::string> columns;
    double seconds = 0;
};

// The sync_state key of the remap checkpoint of `scope_key`.
std::string remap_state_key(const std::string& scope_key);

// REQUIRES: the store is migrated, its mapped columns match `mapping` (sync_mapped_columns), every
// `field:` column is resolved, and the caller holds the run lock of `scope_key`.
// A failure closes the run `failed`, keeps the checkpoint, and rethrows.
RemapSummary run_remap(Store& store, const Mapping& mapping, const std::string& scope_key,
                       const RemapOptions& options = {});

// What `sync`, `migrate` and `remap` do after migrating: applies the mapping's column set to the store
// (sync_mapped_columns: add / drop / retype, recorded in mapping_changes), records the field ids of the
// resolved `field:` columns, and, when `can_refill` (every field: column is resolved), refills the
// columns that were added or retyped, or finishes an interrupted refill. Without `can_refill` the refill
// waits for the next run that can resolve the fields (a warning says so).
// Returns the refill's summary (ran == false when there was nothing to refill or it had to wait).
RemapSummary apply_mapping(Store& store, const Mapping& mapping, const std::string& scope_key, bool can_refill);

// "remap succeeded: 1000 issues rewritten (columns a, b), 0 dead-lettered, 1.2 s (833 issues/s)"
std::string remap_summary_line(const RemapSummary& summary);

}  // namespace j2s
