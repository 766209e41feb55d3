#include "store/file_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "util/errors.hpp"

namespace j2s {

namespace {

class FileLock final : public RunLock {
  public:
    explicit FileLock(int fd) : m_fd(fd) {}
    ~FileLock() override { ::close(m_fd); }  // closing the last descriptor releases the flock
    FileLock(const FileLock&) = delete;
    FileLock& operator=(const FileLock&) = delete;

  private:
    int m_fd;
};

std::string read_all(int fd) {
    std::string out;
    char buf[512];
    off_t offset = 0;
    for (;;) {
        const ssize_t n = ::pread(fd, buf, sizeof buf, offset);
        if (n <= 0) break;
        out.append(buf, static_cast<std::size_t>(n));
        offset += n;
        if (out.size() > 4096) break;  // a holder line is short; never trust a file to be
    }
    while (!out.empty() && (out.back() == '\n' || out.back() == '\0')) out.pop_back();
    return out;
}

}  // namespace

std::unique_ptr<RunLock> try_lock_file(const std::filesystem::path& path, const std::string& holder,
                                       std::string& current_holder) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) throw StoreError("cannot open lock file " + path.string() + ": " + std::strerror(errno));

    int rc;
    do rc = ::flock(fd, LOCK_EX | LOCK_NB);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        const int err = errno;
        if (err == EWOULDBLOCK) {
            current_holder = read_all(fd);
            ::close(fd);
            return nullptr;
        }
        ::close(fd);
        throw StoreError("cannot lock " + path.string() + ": " + std::strerror(err));
    }

    auto lock = std::make_unique<FileLock>(fd);
    // The holder text is informational only: failing to write it must not fail the run.
    const std::string line = holder + "\n";
    if (::ftruncate(fd, 0) == 0) {
        [[maybe_unused]] const ssize_t written = ::pwrite(fd, line.data(), line.size(), 0);
    }
    return lock;
}

}  // namespace j2s
