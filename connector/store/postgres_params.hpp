#pragma once
// Helpers the PostgreSQL store's translation units share (internal to the store module): parameter encodings
// and the translation of libpqxx failures into StoreError without the password.

#include <pqxx/pqxx>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres_store.hpp"
#include "util/errors.hpp"

namespace j2s::pg {

// A parameter that may be SQL NULL (libpqxx 6 passes a null `const char*` as NULL).
inline const char* nullable(const std::optional<std::string>& v) { return v ? v->c_str() : nullptr; }
inline const char* nullable(const std::optional<bool>& v) {
    if (!v) return nullptr;
    return *v ? "true" : "false";
}

// A bigint[] literal for `= ANY($1::bigint[])`: one parameter however many ids.
inline std::string int_array(const std::vector<std::int64_t>& ids) {
    std::string out = "{";
    for (std::size_t i = 0; i < ids.size(); ++i) {
        if (i) out += ',';
        out += std::to_string(ids[i]);
    }
    return out + "}";
}

// Runs `body` on the store's connection `db`; libpqxx failures become StoreError naming `what` and `where`, with
// the URL's password scrubbed. A connection lost earlier fails at once instead of reconnecting silently.
template <class F>
auto guarded(pqxx::connection* db, const std::string& where, const std::string& url, const char* what, F&& body)
    -> decltype(body()) {
    if (!db || !db->is_open())
        throw StoreError(std::string(what) + " on " + where + " is impossible: the connection was lost earlier");
    try {
        return body();
    } catch (const Error&) {
        throw;
    } catch (const pqxx::sql_error& e) {
        std::string message = PostgresStore::scrub(e.what(), url);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw StoreError(std::string(what) + " on " + where + " failed: " + message + " (SQLSTATE " + e.sqlstate() + ")");
    } catch (const pqxx::failure& e) {
        throw StoreError(std::string(what) + " on " + where + " failed: " + PostgresStore::scrub(e.what(), url));
    }
}

}  // namespace j2s::pg
