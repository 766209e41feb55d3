#pragma once
// Edits applied while a scan pages: a trigger holds a list of mutations (mutations.hpp) and fires just before
// the k-th search page request (cloud search/jql, server /rest/api/2/search) counted since it was added is
// answered, so its edits fall between page k-1 and page k. Each trigger fires once. Thread-safe.

#include "model.hpp"

#include <mutex>
#include <vector>

namespace j2s::fake {

struct FakeApp;

struct SearchTrigger {
    std::int64_t id = 0;
    int on_search_page = 1;  // fires before answering this search request (1-based)
    json actions;            // [{op: update|create|delete|move, issue?, fields?, items?, project?}]
    int seen = 0;            // search requests counted since it was added (also after it fired)
    bool fired = false;
    json results = json::array();  // one per action once fired: {op, result} or {op, error}
};

class TriggerRegistry {
public:
    // Parses the control API's JSON {on_search_page, actions}; throws std::invalid_argument on bad input.
    json add(const json& spec);
    // Counts one search request for every trigger; returns those due now (marked fired), in the order added.
    std::vector<SearchTrigger> count_search_request();
    void record_results(std::int64_t id, json results);
    // Held by a search request from counting until its due edits are applied, so a later search request
    // cannot compute its page in between.
    std::unique_lock<std::mutex> firing_lock() { return std::unique_lock(m_firing); }
    json list() const;
    void clear();

private:
    mutable std::mutex m_mutex;
    std::mutex m_firing;
    std::vector<SearchTrigger> m_triggers;
    std::int64_t m_next_id = 1;

    static json view(const SearchTrigger& t);
};

// Called by the search routes before they compute a page: applies the actions of every trigger due at this
// request under one write lock of the store (an action that fails, e.g. on an unknown issue, records its
// error and the others still apply).
void fire_search_triggers(FakeApp& app);

}  // namespace j2s::fake
