#pragma once
// Dropping the connection a request came on, with nothing sent: cpp-httplib 0.11 gives a handler no access
// to its socket, and a content provider that gives up (how truncate_body cuts a body) only runs after the
// status line and headers went out. So the socket is found by the request's two ends (local and remote
// address and port, which identify one TCP connection) among the process's descriptors and shut down, with
// SO_LINGER 0 so the final close resets it. The descriptor itself stays open: httplib still owns and closes it.

#include <httplib.h>

namespace j2s::fake {

// True if the connection was found and shut down; httplib's later writes to it fail.
bool drop_connection(const httplib::Request& req);

}  // namespace j2s::fake
