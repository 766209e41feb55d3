#include "store/migrations.hpp"

#include <algorithm>
#include <map>
#include <regex>

#include "util/errors.hpp"
#include "util/sha256.hpp"

namespace j2s {

std::vector<Migration> migrations_for_dialect(const std::vector<EmbeddedMigration>& all,
                                              std::string_view dialect) {
    static const std::regex kFileName(R"(^([0-9]{4})_([a-z0-9_]+)\.sql$)");
    std::vector<Migration> out;
    for (const auto& m : all) {
        if (dialect != m.dialect) continue;
        const std::string file = m.file_name;
        std::smatch match;
        if (!std::regex_match(file, match, kFileName))
            throw StoreError("migration file " + std::string(dialect) + "/" + file +
                             " is not named NNNN_name.sql (four digits, then lower-case letters, digits, _)");
        Migration mig;
        mig.version = std::stoi(match[1].str());
        if (mig.version < 1)
            throw StoreError("migration file " + std::string(dialect) + "/" + file +
                             " has version 0; versions start at 0001");
        mig.name = match[2].str();
        mig.file_name = file;
        mig.sql = m.sql;
        mig.checksum = sha256_hex(mig.sql);
        out.push_back(std::move(mig));
    }
    std::sort(out.begin(), out.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    for (std::size_t i = 1; i < out.size(); ++i)
        if (out[i].version == out[i - 1].version)
            throw StoreError("migration files " + std::string(dialect) + "/" + out[i - 1].file_name +
                             " and " + out[i].file_name + " share version " + std::to_string(out[i].version));
    return out;
}

std::vector<Migration> migrations_for_dialect(std::string_view dialect) {
    return migrations_for_dialect(embedded_migrations(), dialect);
}

std::vector<Migration> plan_migrations(const std::vector<AppliedMigration>& applied,
                                       const std::vector<Migration>& available) {
    std::map<int, const Migration*> by_version;
    for (const auto& m : available) by_version[m.version] = &m;

    std::map<int, const AppliedMigration*> done;
    for (const auto& a : applied) {
        const auto it = by_version.find(a.version);
        if (it == by_version.end()) {
            int newest = by_version.empty() ? 0 : by_version.rbegin()->first;
            throw StoreError("the database has migration " + std::to_string(a.version) + " (" + a.name +
                             ") which this jira2sql does not know (it knows up to " + std::to_string(newest) +
                             "); the database was migrated by a newer version: upgrade jira2sql");
        }
        const Migration& m = *it->second;
        if (a.checksum != m.checksum)
            throw StoreError(
                "migration " + m.file_name + " was applied with checksum " + a.checksum +
                " but the file now has " + m.checksum +
                "; released migrations must never be edited: restore the original file and put the "
                "change in a new migration, or, if the database was changed by hand, repair it and "
                "update schema_migrations.checksum");
        done[a.version] = &a;
    }

    // Applying an older migration after a newer one would run it against a schema it was not written
    // for, so a gap in the applied versions is refused rather than filled.
    const int newest_applied = done.empty() ? 0 : done.rbegin()->first;
    std::vector<Migration> pending;
    for (const auto& m : available) {
        if (done.count(m.version)) continue;
        if (m.version < newest_applied)
            throw StoreError("migration " + m.file_name +
                             " is missing from the database although the newer migration " +
                             std::to_string(newest_applied) +
                             " was applied; migrations must be added with a version "
                             "above every released one: renumber it");
        pending.push_back(m);
    }
    return pending;
}

}  // namespace j2s
