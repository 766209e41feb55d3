#pragma once
// How far a long operation other than a sync run has got, told to whoever shows it (the CLI's progress line
// and progress events), so that sync/ reports progress without knowing about terminals or log formats.
// `reconcile` reports its census, `remap` the stored issues it rewrites, `retry-dead-letters` the dead
// letters it re-fetched. (A sync run reports through RunObserver in sync_runner.hpp, which carries more.)

#include <cstdint>
#include <optional>
#include <string>

namespace j2s {

// Called from the thread that does the work. Every method has an empty default; an observer must not throw.
class ProgressObserver {
public:
    virtual ~ProgressObserver() = default;
    // The work starts. Its expected total is the number of issues Jira says match `count_jql` when that is
    // not empty (counted by the observer, which must not hold the work up for it), else `known_total` (what
    // the operation counted itself), else unknown.
    virtual void progress_started(const std::string& /*count_jql*/, std::optional<std::int64_t> /*known_total*/) {}
    // `done` issues of the work are finished (cumulative, not an increment).
    virtual void progress_advanced(std::int64_t /*done*/) {}
    // All the counted work is finished: `done` issues, which is the exact total (the expected one was an
    // estimate, or had not arrived). Not called when the work fails.
    virtual void progress_finished(std::int64_t /*done*/) {}
};

}  // namespace j2s
