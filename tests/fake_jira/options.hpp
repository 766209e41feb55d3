#pragma once
// The fake's start-up options (the command line of fake_jira; tests fill the struct directly).

#include "model.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace j2s::fake {

struct FakeOptions {
    Flavor flavor = Flavor::cloud;
    std::string host = "127.0.0.1";
    int port = 0;  // 0: any free port
    std::string port_file;
    std::int64_t generate = 0;
    std::uint64_t seed = 1;
    std::vector<std::string> projects{"ALPHA", "BETA", "GAMMA"};
    std::string fixtures_dir;
    std::string timezone = "UTC";  // the account's profile zone
    std::string auth_email = "demo@example.com";
    std::string auth_token = "demo-token";
    std::string bearer_token;  // non-empty: Bearer auth instead of Basic
    int server_page_cap = 1000;
    int latency_ms = 0;
    std::optional<int> embedded_changelog_cap;
    // Render every issue up front as a backfill's search asks for it (PrerenderedIssues), so that a
    // CPU-bound benchmark measures the connector rather than the fake's JSON writing.
    bool prerender = false;
    // The generator's "now". Default: the start time rounded down to the hour, so runs within the
    // same hour with the same seed produce identical data.
    std::optional<Timestamp> anchor;
};

}  // namespace j2s::fake
