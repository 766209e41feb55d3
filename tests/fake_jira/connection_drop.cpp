#include "connection_drop.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace j2s::fake {

namespace {

// The address and port of one end of a socket, as httplib writes them into a Request.
bool endpoint(const sockaddr_storage& a, std::string& host, int& port) {
    char buf[INET6_ADDRSTRLEN] = {};
    if (a.ss_family == AF_INET) {
        const auto& v4 = reinterpret_cast<const sockaddr_in&>(a);
        if (!inet_ntop(AF_INET, &v4.sin_addr, buf, sizeof buf)) return false;
        port = ntohs(v4.sin_port);
    } else if (a.ss_family == AF_INET6) {
        const auto& v6 = reinterpret_cast<const sockaddr_in6&>(a);
        if (!inet_ntop(AF_INET6, &v6.sin6_addr, buf, sizeof buf)) return false;
        port = ntohs(v6.sin6_port);
    } else {
        return false;
    }
    host = buf;
    return true;
}

bool is_connection_of(int fd, const httplib::Request& req) {
    sockaddr_storage local{}, peer{};
    socklen_t local_len = sizeof local, peer_len = sizeof peer;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) != 0) return false;
    if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &peer_len) != 0) return false;
    std::string local_host, peer_host;
    int local_port = -1, peer_port = -1;
    if (!endpoint(local, local_host, local_port) || !endpoint(peer, peer_host, peer_port)) return false;
    return local_port == req.local_port && peer_port == req.remote_port && peer_host == req.remote_addr &&
           (req.local_addr.empty() || local_host == req.local_addr);
}

}  // namespace

bool drop_connection(const httplib::Request& req) {
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        int fd = -1;
        try {
            fd = std::stoi(entry.path().filename().string());
        } catch (const std::exception&) {
            continue;
        }
        if (!is_connection_of(fd, req)) continue;
        const linger abort_on_close{1, 0};
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &abort_on_close, sizeof abort_on_close);
        shutdown(fd, SHUT_RDWR);
        return true;
    }
    return false;
}

}  // namespace j2s::fake
