#include "store/store_factory.hpp"

#include <string_view>

#include "store/postgres_store.hpp"
#include "store/sqlite_store.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {
bool starts_with(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }
}  // namespace

std::unique_ptr<Store> open_store(const DatabaseConfig& db) {
    const std::string_view url = db.url;
    if (starts_with(url, "sqlite:")) {
        std::string_view path = url.substr(std::string_view("sqlite:").size());
        // `sqlite://x` is the URL spelling of `sqlite:x`; `sqlite:///abs` keeps its leading slash.
        if (starts_with(path, "//")) path.remove_prefix(2);
        if (path.empty()) throw ConfigError("database.url: sqlite: needs a file path, e.g. sqlite:jira.db");
        return std::make_unique<SqliteStore>(std::filesystem::path(std::string(path)));
    }
    if (starts_with(url, "postgresql://") || starts_with(url, "postgres://"))
        return std::make_unique<PostgresStore>(db.url, db.schema);
    // Only the scheme is echoed: the rest of an unknown URL may hold a password.
    const auto colon = url.find(':');
    const std::string scheme(colon == std::string_view::npos ? std::string_view("(none)")
                                                             : url.substr(0, colon));
    throw ConfigError("database.url: unknown scheme '" + scheme +
                      "'; use sqlite:PATH or postgresql://user@host:port/dbname");
}

}  // namespace j2s
