// SqliteStore: the queries of deletion reconciliation (sync/reconciler.hpp).

#include <SQLiteCpp/SQLiteCpp.h>

#include <chrono>

#include "store/sqlite_store.hpp"
#include "util/errors.hpp"

namespace j2s {

StoredIssueIds SqliteStore::stored_issue_ids() {
    try {
        StoredIssueIds out;
        SQLite::Statement q(*m_db, "SELECT id, deleted_at IS NULL FROM issues ORDER BY id");
        while (q.executeStep()) (q.getColumn(1).getInt() ? out.live : out.soft_deleted).push_back(q.getColumn(0).getInt64());
        return out;
    } catch (const SQLite::Exception& e) {
        throw StoreError("reading the stored issue ids on " + describe() + " failed: " + e.what());
    }
}

ReconcileApplied SqliteStore::apply_reconciliation(const ReconcileChanges& changes) {
    try {
        ReconcileApplied out;
        const std::string deleted_at = format_utc(changes.deleted_at);
        const std::string now = format_utc(
            std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()));
        SQLite::Transaction tx(*m_db);
        SQLite::Statement soft_delete(*m_db,
                                      "UPDATE issues SET deleted_at = ?, deleted_reason = ?, synced_at = ? "
                                      "WHERE id = ? AND deleted_at IS NULL");
        const auto mark = [&](const std::vector<std::int64_t>& ids, const char* reason) {
            std::int64_t n = 0;
            for (const auto id : ids) {
                soft_delete.bind(1, deleted_at);
                soft_delete.bind(2, reason);
                soft_delete.bind(3, now);
                soft_delete.bind(4, static_cast<std::int64_t>(id));
                n += soft_delete.exec();
                soft_delete.reset();
            }
            return n;
        };
        out.deleted = mark(changes.deleted, "deleted");
        out.out_of_scope = mark(changes.out_of_scope, "out_of_scope");
        SQLite::Statement restore(*m_db,
                                  "UPDATE issues SET deleted_at = NULL, deleted_reason = NULL, synced_at = ? "
                                  "WHERE id = ? AND deleted_at IS NOT NULL");
        for (const auto id : changes.restored) {
            restore.bind(1, now);
            restore.bind(2, static_cast<std::int64_t>(id));
            out.restored += restore.exec();
            restore.reset();
        }
        tx.commit();
        return out;
    } catch (const SQLite::Exception& e) {
        throw StoreError("recording soft deletes on " + describe() + " failed: " + e.what());
    }
}

}  // namespace j2s
