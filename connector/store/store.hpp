#pragma once
// The SQL side of the pipeline. One interface, one implementation per backend (SQLite, PostgreSQL);
// the sync driver only ever talks to this. Nothing here knows about HTTP or Jira's JSON: it receives
// rows that are already typed.
//
// Thread safety: a Store is used by one thread at a time.
// Errors: every method throws StoreError (exit 1) on a database failure; the transaction in flight is
// rolled back, so a failed commit_page leaves the previous checkpoint in place.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/column.hpp"
#include "core/jira_field.hpp"
#include "util/time.hpp"

namespace j2s {

struct IssueRecord {
    std::int64_t id = 0;
    std::string key;
    std::string project_key;
    Timestamp created{};
    Timestamp updated{};
    std::vector<SqlValue> mapped;  // in the order of the last sync_mapped_columns()
    std::string raw_json;          // the issue as Jira returned it, without `changelog`
};

struct ChangelogItemRecord {
    std::int64_t history_id = 0;
    int item_index = 0;
    std::int64_t issue_id = 0;
    std::optional<std::string> author_account_id;
    std::optional<std::string> author_display_name;
    Timestamp created{};
    std::string field;
    std::optional<std::string> field_id;
    std::optional<std::string> field_type;
    std::optional<std::string> from_value, from_string, to_value, to_string;
};

struct DeadLetterRecord {
    std::optional<std::int64_t> issue_id;
    std::string issue_key;
    std::string stage;  // fetch | transform | load
    std::string error;
    std::string payload;
};

struct RunCounters {
    std::int64_t issues_upserted = 0;
    std::int64_t changelog_items_written = 0;
    std::int64_t dead_lettered = 0;
    std::int64_t soft_deleted = 0;
    std::int64_t requests = 0;
    std::int64_t retries = 0;
    RunCounters& operator+=(const RunCounters& o);
};

// Entities that ride issue pages or come from their own endpoints (sync/entity_rows.hpp builds them).
// Ids are Jira's. Timestamps are UTC.
struct CommentRecord {
    std::int64_t id = 0;
    std::int64_t issue_id = 0;
    std::optional<std::string> author_id;         // accountId (Cloud) or key (Server)
    std::optional<std::string> update_author_id;
    Timestamp created{};
    Timestamp updated{};
    std::optional<std::string> body_text;          // ADF flattened (Cloud) or wiki text (Server)
    std::string raw_json;
};

struct WorklogRecord {
    std::int64_t id = 0;
    std::int64_t issue_id = 0;
    std::optional<std::string> author_id;
    std::optional<std::string> update_author_id;
    Timestamp started{};
    std::int64_t time_spent_seconds = 0;
    std::optional<std::string> comment_text;       // NULL when the worklog has no comment
    Timestamp created{};
    Timestamp updated{};
    std::string raw_json;
};

// One row per link id; "A blocks B" is source A (it shows B as outwardIssue), target B.
struct IssueLinkRecord {
    std::int64_t id = 0;
    std::optional<std::string> type_id;
    std::string type_name;                         // e.g. Blocks
    std::optional<std::string> outward_text;       // e.g. blocks
    std::optional<std::string> inward_text;        // e.g. is blocked by
    std::int64_t source_issue_id = 0;
    std::int64_t target_issue_id = 0;
    std::optional<std::string> source_issue_key, target_issue_key;
    std::string raw_json;                          // the link as the issue that carried it showed it
};

struct SprintRecord {
    std::int64_t id = 0;
    std::string name;
    std::optional<std::string> state;              // future | active | closed
    std::optional<std::int64_t> board_id;          // originBoardId (agile) or boardId (Sprint field)
    std::optional<std::string> goal;
    std::optional<Timestamp> start_date, end_date, complete_date;
    std::string raw_json;
};

// An issue's membership of a sprint. `in_field`: the issue's Sprint field holds it now. `added_at` /
// `removed_at`: the last Sprint changelog history that added / removed it (NULL when none says so).
// A row from the field has no dates; a row from the changelog leaves in_field as stored (false when new).
struct IssueSprintRecord {
    std::int64_t issue_id = 0;
    std::int64_t sprint_id = 0;
    bool from_field = false;                       // true: a Sprint field value (sets in_field = true)
    std::optional<Timestamp> added_at;
    std::optional<Timestamp> removed_at;
};

// What a page (or an entity fetch) carries about entities. `*_complete_for` lists the issues whose rows
// above are their WHOLE set: their stored rows missing from it are soft-deleted (comments, worklogs, links)
// or leave the field (issue_sprints.in_field = false). An issue not listed there only gets upserts.
// Upserts never let an older copy overwrite a newer one (comments/worklogs by `updated`); a soft-deleted
// row that comes back is restored.
struct EntityRows {
    std::vector<CommentRecord> comments;
    std::vector<std::int64_t> comments_complete_for;
    std::vector<WorklogRecord> worklogs;
    std::vector<std::int64_t> worklogs_complete_for;
    std::vector<std::int64_t> worklogs_deleted;    // ids Jira reported deleted (Cloud's /worklog/deleted)
    std::vector<IssueLinkRecord> links;
    std::vector<std::int64_t> links_complete_for;
    std::vector<SprintRecord> sprints;             // upserted when a detail (not raw's shape) changed
    std::vector<IssueSprintRecord> issue_sprints;
    std::vector<std::int64_t> sprints_complete_for;  // issues whose from_field rows above are their whole field
    bool empty() const;
};

struct EntityRowsWritten {
    std::int64_t comments = 0;       // rows inserted, changed or restored
    std::int64_t worklogs = 0;
    std::int64_t links = 0;
    std::int64_t sprints = 0;
    std::int64_t issue_sprints = 0;
    std::int64_t soft_deleted = 0;   // comments, worklogs and links newly soft-deleted
    EntityRowsWritten& operator+=(const EntityRowsWritten& o);
};

// Everything one page of search results produces, committed atomically with the checkpoint that says
// the page is done.
struct PageCommit {
    std::int64_t run_id = 0;
    std::string scope_key;
    std::vector<IssueRecord> issues;
    std::vector<ChangelogItemRecord> changelog;
    std::vector<DeadLetterRecord> dead_letters;
    std::vector<std::int64_t> clean_issue_ids;  // processed without error: their open dead letters resolve
    std::string checkpoint_json;                // the cursor after this page
    RunCounters run_totals;                     // the run's counters before this page's writes; the store adds
                                                // this page's PageResult when it saves them
    EntityRows entities;                        // written in the same transaction
    // Saved in entity_state (scope_key, entity) in the same transaction, e.g. a worklog feed's watermark.
    struct EntityState {
        std::string entity;
        std::string state_json;
    };
    std::optional<EntityState> entity_state;
};

struct PageResult {
    std::int64_t issues_written = 0;     // rows inserted or updated (an older or equal copy writes nothing)
    std::int64_t changelog_written = 0;  // items newly inserted
    std::int64_t dead_lettered = 0;
    EntityRowsWritten entities;
};

enum class RunStatus { running, succeeded, failed, partial };
const char* run_status_name(RunStatus s);

struct ScopeState {
    std::optional<Timestamp> watermark;          // Jira's clock at the start of the last good run
    std::optional<std::string> checkpoint_json;  // the cursor of an interrupted run
};

struct RunRow {
    std::int64_t id = 0;
    std::string mode;
    std::string started_at;
    std::optional<std::string> finished_at;
    std::string status;
    RunCounters counters;
    std::optional<std::string> error;
};

struct DeadLetterRow {
    std::int64_t id = 0;
    std::optional<std::int64_t> issue_id;
    std::string issue_key;
    std::string stage;
    std::string error;
    std::string payload;
    std::int64_t attempts = 0;
    std::string first_failed_at;
    std::string last_failed_at;
    std::optional<std::string> resolved_at;
};

struct TableCounts {
    std::int64_t issues = 0;
    std::int64_t issues_live = 0;
    std::int64_t changelog_items = 0;
    std::int64_t dead_letters_open = 0;
};

// A stored issue drawn for `verify --sample`.
struct StoredIssueSample {
    std::int64_t id = 0;
    std::string key;
    std::string updated;   // as stored, UTC `YYYY-MM-DDTHH:MM:SS.sssZ`
    std::string raw_json;
};

// One applied change of the mapped columns, as recorded in mapping_changes (store_mapping docs in
// schema/README.md, "Mapping changes").
struct MappingChange {
    std::string column;
    std::string change;  // added | removed | retyped | field_changed
    std::optional<std::string> old_type, new_type;  // column type names ("integer"); none where n/a
    std::optional<std::string> field_id;            // the (new) Jira field id, for field: columns
    std::optional<std::string> old_field_id;        // field_changed only
    std::string at;                                 // when it was applied (read back only)
};

// A stored issue as remap reads it.
struct StoredRaw {
    std::int64_t id = 0;
    std::string key;
    std::string raw_json;
};

// One batch of a remap, committed atomically with its checkpoint.
struct RemapBatch {
    std::int64_t run_id = 0;
    std::string state_key;             // the sync_state row of the remap checkpoint
    std::vector<std::string> columns;  // the mapped columns written (a subset of the mapped columns)
    std::vector<std::pair<std::int64_t, std::vector<SqlValue>>> rows;  // id -> values in `columns` order
    std::vector<DeadLetterRecord> dead_letters;  // stage transform; the row keeps its stored values
    std::string checkpoint_json;
    RunCounters run_totals;  // before this batch, as in PageCommit
};

// Deletion reconciliation (sync/reconciler.hpp).
struct StoredIssueIds {
    std::vector<std::int64_t> live;          // deleted_at IS NULL, ascending
    std::vector<std::int64_t> soft_deleted;  // deleted_at IS NOT NULL, ascending
};

struct ReconcileChanges {
    Timestamp deleted_at{};                    // Jira's clock when the census started
    std::vector<std::int64_t> deleted;         // gone from Jira: deleted_reason 'deleted'
    std::vector<std::int64_t> out_of_scope;    // exist, no longer match the scope: 'out_of_scope'
    std::vector<std::int64_t> restored;        // back in the census: deleted_at/deleted_reason cleared
};

struct ReconcileApplied {
    std::int64_t deleted = 0;       // rows that were live and are now soft-deleted as 'deleted'
    std::int64_t out_of_scope = 0;  // ... as 'out_of_scope'
    std::int64_t restored = 0;      // rows that were soft-deleted and are live again
};

// Entities (sync/entity_sync.hpp): one row per project / user of a complete listing.
struct ProjectRecord {
    std::int64_t id = 0;
    std::string key;
    std::string name;
    std::optional<std::string> project_type;     // projectTypeKey
    std::optional<std::string> lead_account_id;  // lead.accountId (Cloud) or lead.key (Server)
    std::string raw_json;
};

struct UserRecord {
    std::string id;  // accountId (Cloud) or key (Server)
    std::optional<std::string> display_name;
    std::optional<bool> active;
    std::optional<std::string> time_zone;
    std::optional<std::string> account_type;
    std::optional<std::string> email;  // only when the mapping asks (users.email: text | sha256)
    std::string raw_json;              // without emailAddress unless users.email is text
};

struct ListingApplied {
    std::int64_t written = 0;       // rows inserted, changed, or brought back from soft-deleted
    std::int64_t soft_deleted = 0;  // live rows the listing no longer has (projects only)
};

// Held for the duration of a run; releasing it (destruction, or the process dying) frees the scope.
class RunLock {
public:
    virtual ~RunLock() = default;
};

class Store {
public:
    virtual ~Store() = default;

    // A human-readable description of the target with secrets removed, e.g. "sqlite:/tmp/jira.db".
    virtual std::string describe() const = 0;

    // Applies pending migrations of this backend's dialect in order, each in its own transaction, and
    // records version, name and checksum. Throws StoreError if an applied migration's file has changed.
    // Returns the names applied.
    virtual std::vector<std::string> migrate() = 0;

    // Makes the mapped columns of `issues` match `columns`, in one transaction: adds the missing ones,
    // drops the ones that left the mapping, recreates retyped ones empty (SQLite: drop + add; PostgreSQL:
    // ALTER TYPE ... USING NULL) and marks added/retyped ones refill_pending when the table has rows.
    // Each change goes to mapping_changes and is returned. Other columns and their data are untouched.
    // REQUIRES: migrate() has run. Implemented in *_store_mapping.cpp.
    virtual std::vector<MappingChange> sync_mapped_columns(const std::vector<ColumnDef>& columns) = 0;

    // Mapping changes (*_store_mapping.cpp).
    // Column -> Jira field id recorded for `field:` columns (mapped_columns.field_id): the `remembered`
    // of Mapping::resolve_fields.
    virtual std::map<std::string, std::string> remembered_field_ids() = 0;
    // Records the ids `field:` columns resolved to; a changed id is logged in mapping_changes.
    virtual void remember_field_ids(const std::map<std::string, std::string>& ids) = 0;
    // The recorded changes, oldest first.
    virtual std::vector<MappingChange> mapping_changes() = 0;
    // Mapped columns still waiting to be filled from raw (refill_pending), by name.
    virtual std::vector<std::string> refill_pending_columns() = 0;
    // Clears refill_pending of `columns`.
    virtual void clear_refill_pending(const std::vector<std::string>& columns) = 0;
    // Up to `limit` stored issues with id > after_id, by id.
    virtual std::vector<StoredRaw> read_raw_batch(std::int64_t after_id, int limit) = 0;
    // One transaction: writes `columns` of each row (nothing else of it), records the dead letters, saves
    // the checkpoint under batch.state_key and the run's counters. issues_written counts rows updated.
    virtual PageResult commit_remap_batch(const RemapBatch& batch) = 0;

    // Takes the run lock for `scope_key`, or throws LockedError naming the current holder.
    virtual std::unique_ptr<RunLock> acquire_lock(const std::string& scope_key) = 0;

    virtual ScopeState load_scope_state(const std::string& scope_key) = 0;

    // Inserts a `running` row into sync_runs. Rows of this scope left `running` by a killed process are
    // marked `failed` ("interrupted") first. Returns the new run id.
    virtual std::int64_t start_run(const std::string& scope_key, const std::string& mode, Timestamp started_at) = 0;

    // One transaction: upsert issues (only where the stored copy is older; a live re-appearance clears
    // deleted_at), insert changelog items not yet present, record dead letters (an open one for the same
    // issue gets attempts + 1), resolve dead letters of clean issues, save the checkpoint and the run's
    // counters.
    virtual PageResult commit_page(const PageCommit& page) = 0;

    // Closes the run. With `new_watermark`, stores it; with `clear_checkpoint`, drops the cursor.
    virtual void finish_run(std::int64_t run_id, const std::string& scope_key, RunStatus status, Timestamp finished_at,
                            const RunCounters& counters, const std::string& error,
                            std::optional<Timestamp> new_watermark, bool clear_checkpoint) = 0;

    // `updated` of the stored issues among `ids` (absent ids are not in the map).
    virtual std::unordered_map<std::int64_t, Timestamp> stored_updated(const std::vector<std::int64_t>& ids) = 0;

    virtual void replace_jira_fields(const std::vector<JiraField>& fields) = 0;
    virtual std::vector<JiraField> jira_fields() = 0;

    virtual std::vector<DeadLetterRow> dead_letters(bool include_resolved) = 0;
    virtual std::vector<RunRow> recent_runs(int limit) = 0;
    virtual TableCounts counts() = 0;

    // Operations (status, verify); implemented in *_store_ops.cpp.
    // Who holds the run lock of `scope_key` right now ("" if unknown), or nullopt when it is free. Never
    // takes the lock, so it cannot make a starting run fail.
    virtual std::optional<std::string> lock_holder(const std::string& scope_key) = 0;
    // Live issues (deleted_at IS NULL) per project_key, by project_key.
    virtual std::vector<std::pair<std::string, std::int64_t>> live_issues_per_project() = 0;
    // Up to `n` live issues drawn at random.
    virtual std::vector<StoredIssueSample> sample_live_issues(int n) = 0;

    // Deletion reconciliation; implemented in *_store_reconcile.cpp.
    // Every stored issue id, split into live and soft-deleted.
    virtual StoredIssueIds stored_issue_ids() = 0;
    // One transaction: soft-deletes the listed ids that are still live (deleted_at, deleted_reason,
    // synced_at = now) and clears deleted_at/deleted_reason of the restored ones that are soft-deleted. Rows,
    // raw JSON and changelog stay. Ids not stored are ignored.
    virtual ReconcileApplied apply_reconciliation(const ReconcileChanges& changes) = 0;

    // Entities; implemented in *_store_entities.cpp. Each takes a COMPLETE listing (never part of one) and
    // applies it in one transaction: a row whose raw JSON is unchanged is not written (synced_at stays), a
    // new or changed one is upserted with synced_at = now.
    // Projects missing from `projects` get deleted_at = now (if live); a listed soft-deleted one is restored.
    virtual ListingApplied store_projects(const std::vector<ProjectRecord>& projects) = 0;
    // Users are never soft-deleted: Jira keeps deactivated accounts (active = false).
    virtual ListingApplied store_users(const std::vector<UserRecord>& users) = 0;
    // The state saved by PageCommit::entity_state for (scope_key, entity), or nullopt.
    virtual std::optional<std::string> load_entity_state(const std::string& scope_key, const std::string& entity) = 0;
    // Sprints whose details may still change or were never fetched: stored with a state other than
    // `closed`, or named by issue_sprints without a sprints row. Ascending.
    virtual std::vector<std::int64_t> sprints_to_refresh() = 0;
    // Which of `ids` are stored issues (live or soft-deleted): a worklog feed keeps only the worklogs of issues
    // in scope.
    virtual std::vector<std::int64_t> known_issue_ids(const std::vector<std::int64_t>& ids) = 0;
};

}  // namespace j2s
