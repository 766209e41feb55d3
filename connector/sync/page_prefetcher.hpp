#pragma once
// Fetches search pages ahead of the consumer on a background thread, so that the request for page k+1 is
// in flight while page k is transformed and written. At most `depth` pages wait in memory.
//
// Each page carries the cursor state right after it, which is what must be committed with that page: the
// cursor itself may already be further ahead.

#include <condition_variable>
#include <deque>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "jira/search_cursor.hpp"

namespace j2s {

class PagePrefetcher {
public:
    struct Page {
        std::vector<nlohmann::json> issues;
        CursorState state_after;
    };

    // REQUIRES: `cursor` outlives this object and is not used by anyone else meanwhile.
    PagePrefetcher(SearchCursor& cursor, std::size_t depth);
    // Stops fetching; waits for a request in flight to finish (bounded by the HTTP timeout).
    ~PagePrefetcher();
    PagePrefetcher(const PagePrefetcher&) = delete;
    PagePrefetcher& operator=(const PagePrefetcher&) = delete;

    // The next page in order, nullopt after the last. Rethrows an error the fetching thread hit.
    std::optional<Page> next();

private:
    void run();

    SearchCursor& m_cursor;
    std::size_t m_depth;
    std::mutex m_mutex;
    std::condition_variable m_changed;
    std::deque<Page> m_ready;
    bool m_finished = false;
    bool m_stopping = false;
    std::exception_ptr m_error;
    std::thread m_thread;
};

}  // namespace j2s
