// fake_jira: serves a fake Jira Cloud or Server site on loopback for tests, the demo and benchmarks.
#include "server.hpp"

#include <CLI/CLI.hpp>

#include <csignal>
#include <iostream>
#include <pthread.h>

int main(int argc, char** argv) {
    using namespace j2s::fake;
    FakeOptions o;
    std::string flavor = "cloud";
    std::string projects = "ALPHA,BETA,GAMMA";
    int cap = -1;

    CLI::App cli{"Fake Jira REST server (Cloud v3 / Server v2) with a control API under /_fake/"};
    cli.add_option("--flavor", flavor, "cloud or server")->check(CLI::IsMember({"cloud", "server"}))->required();
    cli.add_option("--port", o.port, "port to listen on (0: any free port)");
    cli.add_option("--port-file", o.port_file, "write the port number to this file once listening");
    cli.add_option("--host", o.host, "address to bind");
    cli.add_option("--generate", o.generate, "number of issues to generate")->check(CLI::NonNegativeNumber);
    cli.add_option("--seed", o.seed, "generator seed");
    cli.add_option("--projects", projects, "comma-separated project keys");
    cli.add_option("--fixtures", o.fixtures_dir, "load DIR/issues/*.json in addition")->check(CLI::ExistingDirectory);
    cli.add_option("--timezone", o.timezone, "the account's profile time zone (IANA name)");
    auto* email = cli.add_option("--auth-email", o.auth_email, "accepted Basic auth email");
    auto* token = cli.add_option("--auth-token", o.auth_token, "accepted Basic auth API token");
    auto* bearer = cli.add_option("--bearer-token", o.bearer_token, "accept this Bearer token instead of Basic");
    bearer->excludes(email)->excludes(token);
    cli.add_option("--server-page-cap", o.server_page_cap, "Server: largest maxResults honoured")->check(CLI::PositiveNumber);
    cli.add_option("--latency-ms", o.latency_ms, "delay added to every /rest request")->check(CLI::NonNegativeNumber);
    cli.add_option("--embedded-changelog-cap", cap, "histories embedded by expand=changelog")->check(CLI::NonNegativeNumber);
    cli.add_flag("--prerender", o.prerender,
                 "render every issue once at start-up as a backfill's search asks for it (*all fields, changelog) and "
                 "serve those texts until something is written (for benchmarks)");
    CLI11_PARSE(cli, argc, argv);

    o.flavor = flavor == "cloud" ? Flavor::cloud : Flavor::server;
    o.projects.clear();
    for (std::size_t start = 0; start <= projects.size();) {
        auto end = projects.find(',', start);
        if (end == std::string::npos) end = projects.size();
        if (end > start) o.projects.push_back(projects.substr(start, end - start));
        start = end + 1;
    }
    if (cap >= 0) o.embedded_changelog_cap = cap;

    // Signals go to one waiting thread, which stops the server cleanly; the workers never see them.
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGTERM);
    sigaddset(&signals, SIGINT);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);

    try {
        FakeServer server(o);
        const int port = server.bind();
        std::thread waiter([&server, signals] {
            int sig = 0;
            sigwait(&signals, &sig);
            server.stop();
        });
        waiter.detach();
        if (!o.port_file.empty()) write_file_atomically(o.port_file, std::to_string(port) + "\n");
        std::cout << "listening on " << o.host << ":" << port << std::endl;
        server.run();
        return 0;
    } catch (const std::exception& e) {
        std::cerr << "fake_jira: " << e.what() << "\n";
        return 2;
    }
}
