// SqliteStore: the queries of the operations commands (status, verify).

#include <SQLiteCpp/SQLiteCpp.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "store/sqlite_store.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

std::string read_holder(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// Whether /proc/locks lists a flock on inode `ino` (Linux). nullopt when /proc/locks cannot be read.
// Lines look like "3: FLOCK  ADVISORY  WRITE 12345 08:01:1234567 0 EOF". Only the inode is compared: the
// device numbers of an overlay file system differ between stat() and /proc/locks.
std::optional<bool> proc_locks_has_flock(ino_t ino) {
    std::ifstream in("/proc/locks");
    if (!in) return std::nullopt;
    std::string line;
    while (std::getline(in, line)) {
        std::istringstream fields(line);
        std::string ordinal, kind, mode, access, pid, device;
        fields >> ordinal >> kind;
        if (kind == "->") fields >> kind;  // a waiter, listed under the holder
        fields >> mode >> access >> pid >> device;
        if (kind != "FLOCK") continue;
        const auto colon = device.rfind(':');
        if (colon == std::string::npos) continue;
        if (device.substr(colon + 1) == std::to_string(ino)) return true;
    }
    return false;
}

}  // namespace

std::optional<std::string> SqliteStore::lock_holder(const std::string& scope_key) {
    const auto path = lock_path(scope_key);
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return std::nullopt;  // never locked
    if (auto listed = proc_locks_has_flock(st.st_ino)) {
        if (!*listed) return std::nullopt;
        return read_holder(path);
    }
    // Without /proc/locks: probe with a shared lock, released at once. A run starting in that instant
    // could see it as taken (exit 4), so this is only the fallback.
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    const int rc = ::flock(fd, LOCK_SH | LOCK_NB);
    const int err = errno;
    ::close(fd);
    if (rc == 0 || err != EWOULDBLOCK) return std::nullopt;
    return read_holder(path);
}

std::vector<std::pair<std::string, std::int64_t>> SqliteStore::live_issues_per_project() {
    try {
        std::vector<std::pair<std::string, std::int64_t>> out;
        SQLite::Statement q(*m_db,
                            "SELECT project_key, count(*) FROM issues WHERE deleted_at IS NULL "
                            "GROUP BY project_key ORDER BY project_key");
        while (q.executeStep()) out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getInt64());
        return out;
    } catch (const SQLite::Exception& e) {
        throw StoreError("counting issues per project on " + describe() + " failed: " + e.what());
    }
}

std::vector<StoredIssueSample> SqliteStore::sample_live_issues(int n) {
    try {
        std::vector<StoredIssueSample> out;
        SQLite::Statement q(*m_db,
                            "SELECT id, key, updated, raw FROM issues WHERE deleted_at IS NULL "
                            "ORDER BY random() LIMIT ?");
        q.bind(1, std::max(n, 0));
        while (q.executeStep())
            out.push_back({q.getColumn(0).getInt64(), q.getColumn(1).getString(), q.getColumn(2).getString(),
                           q.getColumn(3).getString()});
        return out;
    } catch (const SQLite::Exception& e) {
        throw StoreError("sampling issues on " + describe() + " failed: " + e.what());
    }
}

}  // namespace j2s
