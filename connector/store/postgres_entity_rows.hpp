#pragma once
// PostgreSQL: a page's entity rows and entity state, written inside commit_page's transaction
// (postgres_store_entity_rows.cpp). Internal to the store module.

#include <pqxx/pqxx>
#include <string>

#include "store/store.hpp"

namespace j2s::pg {

// Applies `rows` with the semantics of EntityRows (store.hpp): about one statement per entity table that has
// something to do, each carrying all of its rows as array parameters, so the cost is a few round trips per
// page whatever the number of rows. Nothing is sent when `rows` is empty. `now` (UTC text) becomes
// synced_at and deleted_at.
EntityRowsWritten write_entity_rows(pqxx::transaction_base& tx, const EntityRows& rows,
                                    const std::string& now);

// Upserts entity_state (scope_key, state.entity) with updated_at = `now`.
void save_entity_state(pqxx::transaction_base& tx, const std::string& scope_key,
                       const PageCommit::EntityState& state, const std::string& now);

}  // namespace j2s::pg
