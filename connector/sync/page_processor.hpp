#pragma once
// One page of search results -> the rows of one PageCommit: typed issue rows, complete changelogs and dead
// letters. Fetches the missing histories of the page's issues in one go (cloud: one bulk call per 1,000
// issues), and only for issues whose embedded changelog is truncated and whose stored copy is older.

#include <vector>

#include <nlohmann/json.hpp>

#include "jira/jira_api.hpp"
#include "mapping/mapping.hpp"
#include "store/store.hpp"

namespace j2s {

class PageProcessor {
public:
    PageProcessor(const Mapping& mapping, JiraApi& api, Store& store, bool with_changelog);

    // Fills issues, changelog, dead_letters and clean_issue_ids of `out` from `issues` (consumed).
    // A problem with one issue (unreadable id/dates, a value its column cannot take) dead-letters that issue;
    // the rest of the page still goes through. Jira failures propagate (the run fails, checkpoint kept).
    void process(std::vector<nlohmann::json>&& issues, PageCommit& out);

private:
    const Mapping& m_mapping;
    JiraApi& m_api;
    Store& m_store;
    bool m_with_changelog;
};

}  // namespace j2s
