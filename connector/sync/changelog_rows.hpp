#pragma once
// Jira change histories -> issue_changelog rows (one per changed field of a history).

#include <cstdint>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.hpp"

namespace j2s {

// Appends the rows of `history` (a Jira `Changelog` object) of issue `issue_id` to `out`.
// `author_account_id` is accountId (Cloud) or key/name (Server); `fieldId` is often missing and stays NULL;
// `from`/`to` that are not strings are stored as their JSON text. Throws j2s::Error when the history has
// no id or no readable `created` (the issue then goes to the dead letters).
void append_changelog_rows(std::int64_t issue_id, const nlohmann::json& history, std::vector<ChangelogItemRecord>& out);

}  // namespace j2s
