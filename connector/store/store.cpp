#include "store/store.hpp"

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
