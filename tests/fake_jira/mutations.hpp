#pragma once
// Edits of the fake's data: create, update, add histories, delete and move an issue. The control API calls
// them on command and the search-page triggers (triggers.hpp) call them while a scan pages, so both make
// exactly the same change. Every function REQUIRES the store's write lock (the caller takes it, so several
// edits can be applied atomically), throws std::invalid_argument on a malformed spec and IssueNotFound when
// the issue does not exist. `now` is the fake clock's time of the edit.

#include "app.hpp"

#include <stdexcept>
#include <string>

namespace j2s::fake {

struct IssueNotFound : std::runtime_error {
    IssueNotFound() : std::runtime_error("Issue does not exist or you do not have permission to see it.") {}
};

// An issue as GET /_fake/issues shows it. REQUIRES the store's read (or write) lock.
json control_view(const FakeApp& app, const Issue& issue);

// {project, fields?} -> {id, key}. created = updated = now.
json create_issue(FakeApp& app, const json& spec, Timestamp now);
// {fields?, items?}: replaces the given top-level fields, updated = now, and appends one history with the
// items (if any). -> the control view.
json update_issue(FakeApp& app, const std::string& id_or_key, const json& spec, Timestamp now);
// Appends `count` label histories at now. -> {id, key, histories}.
json add_histories(FakeApp& app, const std::string& id_or_key, int count, Timestamp now);
// -> {deleted: id}.
json delete_issue(FakeApp& app, const std::string& id_or_key);
// {project}: the next key in that project (created if new), a Key/project history. -> the control view.
json move_issue(FakeApp& app, const std::string& id_or_key, const json& spec, Timestamp now);

}  // namespace j2s::fake
