#pragma once
// Chooses the backend from database.url. The only place that knows which Store classes exist.

#include <memory>

#include "config/config.hpp"
#include "store/store.hpp"

namespace j2s {

// `sqlite:PATH` (also `sqlite://PATH`, so `sqlite:///abs/path` works) opens SqliteStore;
// `postgresql://...` / `postgres://...` select PostgreSQL.
// Throws ConfigError (exit 2) for an unknown scheme or an empty path, StoreError if the database
// cannot be opened. Messages never contain the URL's password.
std::unique_ptr<Store> open_store(const DatabaseConfig& db);

}  // namespace j2s
