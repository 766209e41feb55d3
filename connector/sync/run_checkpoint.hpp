#pragma once
// What an interrupted run leaves in sync_state.checkpoint: enough to finish the same scan later and to
// set the same watermark it would have set.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jira/search_cursor.hpp"
#include "util/time.hpp"

namespace j2s {

enum class SyncMode { incremental, full, jql };
const char* sync_mode_name(SyncMode mode);

// One slice of the scan (a range of creation times) and how far it has been read and written.
struct SliceCheckpoint {
    CreatedRange range;
    CursorState cursor;
};

struct RunCheckpoint {
    SyncMode mode = SyncMode::incremental;
    Timestamp run_started{};               // Jira's clock when the scan began: the watermark it earns
    std::optional<Timestamp> lower_bound;  // updated >= this; none for a full scan
    std::vector<SliceCheckpoint> slices;   // empty until the scan is planned
    // Issues stored with a truncated changelog whose remaining histories are not written yet.
    std::vector<std::int64_t> changelog_pending;
    // Issues stored with only the first of their comments / worklogs (Jira embeds up to 100 / 20), whose full
    // sets are fetched after the scan.
    std::vector<std::int64_t> comment_pending;
    std::vector<std::int64_t> worklog_pending;

    bool planned() const { return !slices.empty(); }
    bool scan_done() const;

    std::string to_json() const;
    // Throws Error (exit 1) telling the user about `sync --restart` when the text is unreadable.
    static RunCheckpoint from_json(const std::string& text);
};

}  // namespace j2s
