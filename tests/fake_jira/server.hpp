#pragma once
// The fake Jira server: builds the data set from the options, serves the REST API and the control API
// over loopback HTTP on httplib's thread pool, and applies auth, injected faults, latency, the Date
// header and the request log to every /rest request.

#include "app.hpp"

#include <httplib.h>

#include <memory>
#include <thread>

namespace j2s::fake {

class FakeServer {
public:
    // Generates the data set. Throws std::exception with a readable message on bad options.
    explicit FakeServer(FakeOptions options);
    ~FakeServer();
    FakeServer(const FakeServer&) = delete;
    FakeServer& operator=(const FakeServer&) = delete;

    // Binds the listening socket (port 0: any free port), loads the fixtures and returns the port.
    int bind();
    // Serves until stop(). REQUIRES: bind().
    void run();
    // bind() + run() on a background thread; returns once the server accepts connections.
    int start();
    // Stops serving; safe to call from any thread and more than once.
    void stop();

    int port() const { return m_port; }
    FakeApp& app() { return *m_app; }

private:
    std::unique_ptr<FakeApp> m_app;
    httplib::Server m_http;
    std::thread m_thread;
    int m_port = -1;

    void install_middleware();
};

// Writes `text` to `path` through a temporary file and a rename, so a reader never sees half of it.
void write_file_atomically(const std::string& path, const std::string& text);

}  // namespace j2s::fake
