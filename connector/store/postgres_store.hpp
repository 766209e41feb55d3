#pragma once
// The PostgreSQL backend of Store (`database.url: postgresql://user[:password]@host:port/dbname`, also
// `postgres://`; any libpq URI or key=value string works, and the password may come from the URI,
// PGPASSWORD or ~/.pgpass, which libpq reads itself).
//
// Every table and view lives in one schema (`database.schema`, created if missing). The connection's
// search_path is that schema only and its TimeZone is UTC, so names are unqualified and timestamps read
// back as UTC. The connection never reconnects by itself: a reconnect would silently lose the session
// settings and temporary tables, so a lost connection fails the run (StoreError, exit 1) and the next run
// resumes from the last committed page.
//
// commit_page is batched: the page's issues and changelog items are COPYed into temporary tables and
// moved with one INSERT ... SELECT ... ON CONFLICT statement, so a page costs a fixed number of round
// trips (about 8) whatever its size; only dead letters, which are rare, take one statement each. A page's
// entity rows add one statement per entity table they touch (postgres_store_entity_rows.cpp), none when the
// page has none.
//
// The run lock is a session-level pg_try_advisory_lock held by a second, dedicated connection that the
// RunLock owns. Its key is derived from the schema and the scope, so two schemas in one database do not
// block each other. The server drops the lock when that connection closes, which includes the process
// being killed. The lock connection names itself in application_name so a refused run can say who holds
// the lock.
//
// Secrets: describe() and every error message are built without the password; libpq's own error texts
// are scrubbed of it before they leave this class.

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "store/store.hpp"

namespace j2s {

class PostgresStore final : public Store {
  public:
    // Connects to `url` and makes sure `schema` exists. Throws StoreError (without the password) if the
    // server cannot be reached, refuses the login, or the schema cannot be created; ConfigError if the
    // URL is malformed or the schema name is empty.
    PostgresStore(std::string url, std::string schema);
    ~PostgresStore() override;
    PostgresStore(const PostgresStore&) = delete;
    PostgresStore& operator=(const PostgresStore&) = delete;

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

    const std::string& schema() const { return m_schema; }

    // The advisory lock key acquire_lock(scope_key) uses (schema and scope hashed to 64 bits).
    std::int64_t lock_key(const std::string& scope_key) const;

    // Diagnostics: writes libpq's protocol trace of this store's connection to `out` (nullptr stops).
    // Tests count round trips with it.
    void trace(std::FILE* out);

    // `text` with the password of `url` (raw and percent-decoded) and PGPASSWORD replaced by ***.
    static std::string scrub(const std::string& text, const std::string& url);

  private:
    void create_schema_if_missing();  // by migrate(), the first step that writes
    std::vector<MappingChange> apply_mapped_columns(const std::vector<ColumnDef>& columns);  // *_mapping.cpp
    struct Connection;  // libpqxx's connection and its notice handler, kept out of this header
    std::unique_ptr<Connection> connect(const std::string& what) const;
    std::string scrub(const std::string& text) const;
    template <class F>
    auto guarded(const char* what, F&& body) -> decltype(body());
    void ensure_page_tables();

    std::string m_url;          // secret-bearing: never printed; see describe()
    std::string m_schema;
    std::string m_description;  // the URL without its password, plus the schema
    std::unique_ptr<Connection> m_conn;
    std::vector<std::string> m_mapped_columns;  // order of IssueRecord::mapped
    bool m_page_tables_ready = false;           // the temporary tables match the issues table's shape
};

}  // namespace j2s
