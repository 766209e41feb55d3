#pragma once
// An exclusive, non-blocking advisory lock on a file (flock). The kernel drops it when the descriptor
// closes, including when the process is killed, so a crashed run never blocks the next one.
//
// The lock file is left in place on release: unlinking it would let a waiting process lock the old
// inode while a third one creates and locks a new file, and both would believe they hold the lock.

#include <filesystem>
#include <memory>
#include <string>

#include "store/store.hpp"

namespace j2s {

// Locks `path` (created if missing) and writes `holder` into it, so a process that finds it taken can
// say who holds it. Returns nullptr if another open file description holds the lock (another process,
// or another store in this process), with `current_holder` set to the file's text ("" if unreadable).
// Throws StoreError if the file cannot be created or locked for another reason (e.g. missing folder,
// permissions, a file system without flock).
std::unique_ptr<RunLock> try_lock_file(const std::filesystem::path& path, const std::string& holder,
                                       std::string& current_holder);

}  // namespace j2s
