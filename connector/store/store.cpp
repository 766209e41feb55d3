#include "store/store.hpp"

#include "util/errors.hpp"

namespace j2s {

RunCounters& RunCounters::operator+=(const RunCounters& o) {
    issues_upserted += o.issues_upserted;
    changelog_items_written += o.changelog_items_written;
    dead_lettered += o.dead_lettered;
    soft_deleted += o.soft_deleted;
    requests += o.requests;
    retries += o.retries;
    return *this;
}

bool EntityRows::empty() const {
    return comments.empty() && comments_complete_for.empty() && worklogs.empty() && worklogs_complete_for.empty() &&
           worklogs_deleted.empty() && links.empty() && links_complete_for.empty() && sprints.empty() &&
           issue_sprints.empty() && sprints_complete_for.empty();
}

EntityRowsWritten& EntityRowsWritten::operator+=(const EntityRowsWritten& o) {
    comments += o.comments;
    worklogs += o.worklogs;
    links += o.links;
    sprints += o.sprints;
    issue_sprints += o.issue_sprints;
    soft_deleted += o.soft_deleted;
    return *this;
}

// TEMP-NONPURE: until both backends implement them (issue 8 in progress); made pure again after.
std::optional<std::string> Store::load_entity_state(const std::string&, const std::string&) {
    throw StoreError("load_entity_state is not implemented by " + describe());
}
std::vector<std::int64_t> Store::sprints_to_refresh() {
    throw StoreError("sprints_to_refresh is not implemented by " + describe());
}
std::vector<std::int64_t> Store::known_issue_ids(const std::vector<std::int64_t>&) {
    throw StoreError("known_issue_ids is not implemented by " + describe());
}

const char* run_status_name(RunStatus s) {
    switch (s) {
        case RunStatus::running:
            return "running";
        case RunStatus::succeeded:
            return "succeeded";
        case RunStatus::failed:
            return "failed";
        case RunStatus::partial:
            return "partial";
    }
    return "failed";
}

}  // namespace j2s
