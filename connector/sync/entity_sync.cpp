#include "sync/entity_sync.hpp"

#include <spdlog/spdlog.h>

#include <fmt/format.h>

#include "sync/entity_rows.hpp"
#include "util/errors.hpp"
#include "util/sha256.hpp"

namespace j2s {

namespace {

std::optional<std::string> text(const nlohmann::json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

}  // namespace

ProjectRecord project_record(const nlohmann::json& project, Flavor flavor) {
    ProjectRecord r;
    r.id = json_id(project.value("id", nlohmann::json()));
    r.key = text(project, "key").value_or("");
    r.name = text(project, "name").value_or(r.key);
    r.project_type = text(project, "projectTypeKey");
    if (auto lead = project.find("lead"); lead != project.end()) r.lead_account_id = person_id(*lead, flavor);
    r.raw_json = project.dump();
    return r;
}

UserRecord user_record(const nlohmann::json& user, Flavor flavor, EmailPolicy email) {
    auto id = person_id(user, flavor);
    if (!id || id->empty())
        throw Error(std::string("Jira listed a user without ") + (flavor == Flavor::cloud ? "an accountId" : "a key"));
    UserRecord r;
    r.id = *id;
    r.display_name = text(user, "displayName");
    if (auto it = user.find("active"); it != user.end() && it->is_boolean()) r.active = it->get<bool>();
    r.time_zone = text(user, "timeZone");
    r.account_type = text(user, "accountType");
    const auto address = text(user, "emailAddress");
    // An empty address (hidden by the account's privacy settings, or blanked) is none: hashing it would give
    // every such user the same digest.
    if (address && !address->empty()) {
        if (email == EmailPolicy::text) r.email = *address;
        if (email == EmailPolicy::sha256) r.email = sha256_hex(*address);
    }
    if (email == EmailPolicy::text || !user.contains("emailAddress")) {
        r.raw_json = user.dump();
    } else {
        nlohmann::json without = user;
        without.erase("emailAddress");
        r.raw_json = without.dump();
    }
    return r;
}

std::string EntitySyncResult::summary() const {
    std::vector<std::string> parts;
    if (projects) parts.push_back(fmt::format("projects: {} stored ({} soft-deleted)", projects->written, projects->soft_deleted));
    if (users) parts.push_back(fmt::format("users: {} stored", users->written));
    for (const auto& e : errors) parts.push_back(e.substr(0, e.find(':')) + ": failed");
    std::string line;
    for (const auto& part : parts) line += (line.empty() ? "" : ", ") + part;
    return line;
}

EntitySyncResult sync_entities(JiraApi& api, Store& store, const SyncConfig& sync, Flavor flavor, EmailPolicy email) {
    EntitySyncResult out;
    // Each entity on its own: a failure is recorded and the next one still runs.
    const auto step = [&](Entity entity, auto&& body) {
        if (!sync.has(entity)) return;
        try {
            body();
        } catch (const std::exception& e) {
            out.errors.push_back(std::string(entity_name(entity)) + ": " + e.what());
            spdlog::error("{} were not synced: {}", entity_name(entity), e.what());
        }
    };
    step(Entity::projects, [&] {
        std::vector<ProjectRecord> rows;
        for (const auto& p : api.projects()) rows.push_back(project_record(p, flavor));
        out.projects = store.store_projects(rows);
    });
    step(Entity::users, [&] {
        std::vector<UserRecord> rows;
        for (const auto& u : api.users()) rows.push_back(user_record(u, flavor, email));
        out.users = store.store_users(rows);
    });
    if (!sync.entities.empty()) spdlog::info("{}", out.summary());
    return out;
}

}  // namespace j2s
