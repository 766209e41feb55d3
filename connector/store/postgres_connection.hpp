#pragma once
// PostgresStore's connection, shared by the files that define its members (postgres_store.cpp,
// postgres_store_mapping.cpp). Not part of the store's interface.

#include <memory>
#include <pqxx/pqxx>

#include "store/postgres_store.hpp"

namespace j2s {

struct PostgresStore::Connection {
    std::unique_ptr<pqxx::connection> db;
    std::unique_ptr<pqxx::errorhandler> notices;  // registered on db, so it goes first
    ~Connection() { notices.reset(); }
};

}  // namespace j2s
