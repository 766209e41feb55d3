#pragma once
// One page of search results -> typed rows. Pure (no I/O) and thread-safe for a resolved const Mapping, so
// several fetching threads can transform their pages while one thread writes.

#include <vector>

#include <nlohmann/json.hpp>

#include "jira/issue_list.hpp"
#include "mapping/mapping.hpp"
#include "store/store.hpp"
#include "sync/issue_entities.hpp"

namespace j2s {

struct TransformedPage {
    std::vector<IssueRecord> issues;
    std::vector<ChangelogItemRecord> changelog;  // from the histories embedded in the search results
    std::vector<DeadLetterRecord> dead_letters;
    struct Truncated {
        std::int64_t id;
        Timestamp updated;
    };
    std::vector<Truncated> truncated;  // issues whose embedded changelog is incomplete (total > embedded)
    std::vector<IssueEntities> entities;  // one per issue that went through, when entities are enabled
};

struct TransformOptions {
    bool with_changelog = true;
    EntityOptions entities;  // none enabled: the issue path exactly as without entities
};

// A problem with one issue (unreadable id or dates, a value its column cannot take, a malformed history, comment,
// worklog, link or sprint) dead-letters that issue; the rest of the page goes through. `issues` is consumed.
// The mapping sees the issue as Jira sent it; raw_json leaves out the changelog and what drop_entity_fields drops.
TransformedPage transform_page(std::vector<nlohmann::json>&& issues, const Mapping& mapping,
                               const TransformOptions& options);
TransformedPage transform_page(std::vector<nlohmann::json>&& issues, const Mapping& mapping, bool with_changelog);
// As above, converting one issue at a time: the page never exists whole as nlohmann::json, and its parsed
// document is freed on return.
TransformedPage transform_page(IssueList issues, const Mapping& mapping, const TransformOptions& options);

}  // namespace j2s
