#pragma once
// The SQLite backend of Store (`database.url: sqlite:PATH`).
//
// The database is opened in WAL mode (readers such as an analyst's sqlite3 shell never block a run),
// synchronous=NORMAL (a committed page survives a process crash; a power cut may lose the last pages,
// which the checkpoint then re-reads), foreign_keys on, and a 5 s busy timeout so a reader holding the
// file briefly does not fail a commit.
//
// Timestamps are stored as `YYYY-MM-DDTHH:MM:SS.sssZ` text, which orders correctly as text.
// The run lock is a flock on `<db path>.<first 12 hex of sha256(scope_key)>.lock`, next to the database.
//
// Mapped columns: sync_mapped_columns() adds new columns, drops removed ones (ALTER TABLE DROP COLUMN)
// and recreates retyped ones empty, to be refilled from raw by a remap (sqlite_store_mapping.cpp).

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace SQLite {
class Database;
class Statement;
}  // namespace SQLite

namespace j2s {

class SqliteStore final : public Store {
  public:
    // Opens (creating if missing) the database file at `path`. Throws StoreError naming the path if its
    // folder does not exist or the file cannot be opened as a SQLite database.
    explicit SqliteStore(std::filesystem::path path);
    ~SqliteStore() override;
    SqliteStore(const SqliteStore&) = delete;
    SqliteStore& operator=(const SqliteStore&) = delete;

    std::string describe() const override;
    std::vector<std::string> migrate() override;
    std::vector<MappingChange> sync_mapped_columns(const std::vector<ColumnDef>& columns) override;  // *_mapping.cpp
    std::map<std::string, std::string> remembered_field_ids() override;
    void remember_field_ids(const std::map<std::string, std::string>& ids) override;
    std::vector<MappingChange> mapping_changes() override;
    std::vector<std::string> refill_pending_columns() override;
    void clear_refill_pending(const std::vector<std::string>& columns) override;
    std::vector<StoredRaw> read_raw_batch(std::int64_t after_id, int limit) override;
    PageResult commit_remap_batch(const RemapBatch& batch) override;
    std::unique_ptr<RunLock> acquire_lock(const std::string& scope_key) override;
    ScopeState load_scope_state(const std::string& scope_key) override;
    std::int64_t start_run(const std::string& scope_key, const std::string& mode,
                           Timestamp started_at) override;
    PageResult commit_page(const PageCommit& page) override;
    void finish_run(std::int64_t run_id, const std::string& scope_key, RunStatus status,
                    Timestamp finished_at, const RunCounters& counters, const std::string& error,
                    std::optional<Timestamp> new_watermark, bool clear_checkpoint) override;
    std::unordered_map<std::int64_t, Timestamp> stored_updated(const std::vector<std::int64_t>& ids) override;
    void replace_jira_fields(const std::vector<JiraField>& fields) override;
    std::vector<JiraField> jira_fields() override;
    std::vector<DeadLetterRow> dead_letters(bool include_resolved) override;
    std::vector<RunRow> recent_runs(int limit) override;
    TableCounts counts() override;
    std::optional<std::string> lock_holder(const std::string& scope_key) override;  // *_store_ops.cpp
    std::vector<std::pair<std::string, std::int64_t>> live_issues_per_project() override;
    std::vector<StoredIssueSample> sample_live_issues(int n) override;
    StoredIssueIds stored_issue_ids() override;                                    // *_store_reconcile.cpp
    ReconcileApplied apply_reconciliation(const ReconcileChanges& changes) override;
    ListingApplied store_projects(const std::vector<ProjectRecord>& projects) override;  // *_store_entities.cpp
    ListingApplied store_users(const std::vector<UserRecord>& users) override;
    std::optional<std::string> load_entity_state(const std::string& scope_key, const std::string& entity) override;
    std::vector<std::int64_t> sprints_to_refresh() override;
    std::vector<std::int64_t> known_issue_ids(const std::vector<std::int64_t>& ids) override;

    // The lock file acquire_lock(scope_key) uses.
    std::filesystem::path lock_path(const std::string& scope_key) const;

  private:
    std::vector<MappingChange> apply_mapped_columns(const std::vector<ColumnDef>& columns);  // *_mapping.cpp
    struct PageStatements;  // prepared once, reused by every commit_page
    PageStatements& page_statements();
    // Entity rows and entity state of a page, inside commit_page's transaction (sqlite_store_entity_rows.cpp).
    // Their statements are prepared on first use only, so pages without entities never pay for them.
    struct EntityStatements;
    struct EntityStatementsDeleter {  // defined where EntityStatements is, so this header needs no more of it
        void operator()(EntityStatements* p) const;
    };
    EntityStatements& entity_statements();
    void reset_entity_statements();
    EntityRowsWritten write_entity_rows(const EntityRows& rows, const std::string& now);
    void save_entity_state(const std::string& scope_key, const PageCommit::EntityState& state, const std::string& now);

    std::filesystem::path m_path;
    std::unique_ptr<SQLite::Database> m_db;
    std::vector<std::string> m_mapped_columns;  // order of IssueRecord::mapped
    std::unique_ptr<PageStatements> m_page;     // reset whenever the issues table changes shape
    // Created by the first page that carries entities.
    std::unique_ptr<EntityStatements, EntityStatementsDeleter> m_entity;
};

}  // namespace j2s
