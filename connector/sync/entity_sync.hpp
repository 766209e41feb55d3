#pragma once
// The entity step of `sync` (sync.entities): after the issue scan, each enabled entity is listed in full
// and stored in one transaction. Entities fail independently: an error ends that entity's step only, leaves
// its table as it was (a listing cut short is never stored, so nothing is soft-deleted because of it), and
// is reported back so the run ends `partial` without losing the issues' progress.
//
// Cost per run: projects ceil(P / 100) requests on Cloud, 1 on Server; users ceil((U + 1) / 1000).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "jira/jira_api.hpp"
#include "mapping/mapping.hpp"
#include "store/store.hpp"

namespace j2s {

struct EntitySyncResult {
    std::optional<ListingApplied> projects;  // nullopt: not enabled, or failed
    std::optional<ListingApplied> users;
    std::vector<std::string> errors;         // one "<entity>: <what failed>" per failed entity
    std::string summary() const;             // "projects: N stored (M soft-deleted), users: K stored"
};

// `email`: the mapping's users.email (see user_record).
EntitySyncResult sync_entities(JiraApi& api, Store& store, const SyncConfig& sync, Flavor flavor,
                               EmailPolicy email = EmailPolicy::omit);

// One listing entry as a row. Throws j2s::Error when the entry has no id.
ProjectRecord project_record(const nlohmann::json& project, Flavor flavor);
// `email` (the mapping's users.email) decides UserRecord::email: none, emailAddress as is, or its sha256.
// Unless it is `text`, emailAddress is also removed from raw_json, so the address is stored nowhere.
UserRecord user_record(const nlohmann::json& user, Flavor flavor, EmailPolicy email = EmailPolicy::omit);

}  // namespace j2s
