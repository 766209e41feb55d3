#pragma once
// Which of a page's entity rows are committed with it, and which issues still owe their full comment or
// worklog set. Pure.

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "store/store.hpp"
#include "sync/issue_entities.hpp"
#include "util/time.hpp"

namespace j2s {

struct PageEntities {
    EntityRows rows;
    std::vector<std::int64_t> comment_overflow;  // issues whose full comment set is to be fetched
    std::vector<std::int64_t> worklog_overflow;
};

// `stored`: `updated` of the page's issues already in the store. An issue whose page copy is older than its
// stored copy contributes nothing (a newer run wrote newer rows). `worklogs_of_stored_issues` false (Cloud once
// the worklog feeds have a watermark): worklogs come only from issues new to the store, the feeds bring the
// changes of the others.
PageEntities select_page_entities(std::vector<IssueEntities>&& issues,
                                  const std::unordered_map<std::int64_t, Timestamp>& stored,
                                  bool worklogs_of_stored_issues);

// Moves every row and list of `from` to the end of `into`.
void append_entity_rows(EntityRows& into, EntityRows&& from);

// One row per id (the last one), one membership per (issue, sprint) with from_field and dates merged as the store
// would apply them one after the other, each *_complete_for once: a single upsert statement must not touch a row
// twice (a link on two issues of one page, a sprint in many issues' fields).
void dedupe_entity_rows(EntityRows& rows);

}  // namespace j2s
