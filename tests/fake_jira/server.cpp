#include "server.hpp"

#include "connection_drop.hpp"
#include "fixtures_loader.hpp"
#include "generator.hpp"
#include "http_util.hpp"
#include "routes.hpp"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <thread>

namespace j2s::fake {

namespace {

// The per-request facts the logger needs: httplib runs the pre-routing handler, the route and the
// logger of one request on the same worker thread.
struct RequestFacts {
    std::int64_t started_ms = 0;
    std::string auth_scheme = "none";
    std::string fault;    // the injected fault's kind (FaultRule::kind), empty if none
    json fault_headers;   // the headers the fault added (the waits a test must check against)
    bool logged = false;  // already in the request log (a dropped connection is logged when dropped)
};
thread_local RequestFacts t_request;

std::int64_t epoch_ms(Timestamp t) { return t.time_since_epoch().count(); }

bool is_rest(const std::string& path) { return path.rfind("/rest/", 0) == 0; }

// `yyyy-MM-ddTHH:mm:ssZ`, rounded up to the second: a client that waits until then never comes back early.
std::string iso_seconds_ceil(Timestamp t) {
    return format_utc(std::chrono::ceil<std::chrono::seconds>(t)).substr(0, 19) + "Z";
}

void log_request(FakeApp& app, const httplib::Request& req, int status) {
    json query = json::object();
    for (const auto& [k, v] : req.params) query[k].push_back(v);
    json body = nullptr;
    if (!req.body.empty()) {
        body = json::parse(req.body, nullptr, false);
        if (body.is_discarded()) body = req.body;
    }
    json entry = {{"method", req.method},
                  {"path", req.path},
                  {"query", query},
                  {"body", body},
                  {"status", status},
                  {"started_ms", t_request.started_ms},
                  {"finished_ms", epoch_ms(app.settings.now())},
                  {"auth_scheme", t_request.auth_scheme}};
    if (!t_request.fault.empty()) entry["fault"] = t_request.fault;
    if (t_request.fault_headers.is_object() && !t_request.fault_headers.empty())
        entry["fault_headers"] = t_request.fault_headers;
    app.requests.add(std::move(entry));
    t_request.logged = true;
}

Timestamp default_anchor() {
    return std::chrono::floor<std::chrono::hours>(std::chrono::floor<std::chrono::milliseconds>(std::chrono::system_clock::now()));
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp";
    {
        std::ofstream out(tmp, std::ios::trunc);
        out << text;
        if (!out) throw std::runtime_error("cannot write " + tmp);
    }
    if (std::rename(tmp.c_str(), path.c_str()) != 0) throw std::runtime_error("cannot rename " + tmp + " to " + path);
}

FakeServer::FakeServer(FakeOptions options) {
    (void)format_jira_timestamp(Timestamp{}, options.timezone);  // throws on an unknown zone
    const Timestamp anchor = options.anchor.value_or(default_anchor());
    m_app = std::make_unique<FakeApp>(options, anchor);
    {
        auto lock = m_app->store.write_lock();
        for (const auto& key : options.projects) m_app->store.ensure_project(key);
        GeneratorConfig config;
        config.count = options.generate;
        config.seed = options.seed;
        config.projects = options.projects;
        config.anchor = anchor;
        generate_issues(m_app->store, config);
    }
    install_middleware();
    register_meta_routes(m_http, *m_app);
    register_search_routes(m_http, *m_app);
    register_issue_routes(m_http, *m_app);
    register_control_routes(m_http, *m_app);
    register_entity_routes(m_http, *m_app);
    register_entity_control_routes(m_http, *m_app);
    auto not_found = [](const httplib::Request& req, httplib::Response& res) {
        send_error(res, 404, "No resource found for " + req.method + " " + req.path);
    };
    m_http.Get(".*", not_found);
    m_http.Post(".*", not_found);
    m_http.Put(".*", not_found);
    m_http.Delete(".*", not_found);
    m_http.Patch(".*", not_found);
}

FakeServer::~FakeServer() {
    stop();
    if (m_thread.joinable()) m_thread.join();
}

void FakeServer::install_middleware() {
    FakeApp& app = *m_app;
    // httplib keeps a worker per open keep-alive connection. Its default pool (8 threads on a small machine)
    // fills up once clients reconnect after resets and the old connections idle out slowly: new requests then
    // queue unseen, are stamped late in the request log, and look as if sent during a 429's wait. A site
    // serves every connection at once; so does the fake.
    m_http.new_task_queue = [] { return new httplib::ThreadPool(64); };
    m_http.set_tcp_nodelay(true);
    m_http.set_pre_routing_handler([&app](const httplib::Request& req, httplib::Response& res) {
        const auto now = app.settings.now();
        t_request = RequestFacts{epoch_ms(now), "none", "", json(), false};
        res.set_header("Date", http_date(now));
        if (!is_rest(req.path)) return httplib::Server::HandlerResponse::Unhandled;
        const auto auth = app.auth.check(req.get_header_value("Authorization"));
        t_request.auth_scheme = auth.scheme;
        const auto settings = app.settings.snapshot();
        if (settings.latency_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(settings.latency_ms));
        if (!auth.ok) {
            send_error(res, 401, "Client must be authenticated to access this resource.");
            return httplib::Server::HandlerResponse::Handled;
        }
        auto fault = app.faults.take(req.method, req.path);
        if (!fault) return httplib::Server::HandlerResponse::Unhandled;
        t_request.fault = fault->kind();
        if (fault->delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
        if (fault->reset) {
            // Logged with status 0 (nothing is ever sent) before the drop, so the client's next request, sent
            // as soon as it sees the connection go, is logged after it; httplib may not log a response it
            // failed to write.
            log_request(app, req, 0);
            drop_connection(req);
            res.status = 500;
            return httplib::Server::HandlerResponse::Handled;
        }
        res.status = fault->status;
        t_request.fault_headers = fault->headers;
        if (fault->ratelimit_reset_seconds)
            t_request.fault_headers["X-RateLimit-Reset"] = iso_seconds_ceil(
                app.settings.now() + std::chrono::milliseconds(static_cast<std::int64_t>(*fault->ratelimit_reset_seconds * 1000)));
        for (auto it = t_request.fault_headers.begin(); it != t_request.fault_headers.end(); ++it)
            res.set_header(it.key().c_str(), it->get<std::string>());
        if (fault->truncate_body) {
            auto body = std::make_shared<std::string>(fault->body);
            res.set_content_provider(body->size(), "application/json",
                                     [body](std::size_t, std::size_t, httplib::DataSink& sink) {
                                         sink.write(body->data(), body->size() / 2);
                                         return false;  // drops the connection mid-body
                                     });
        } else {
            res.set_content(fault->body, "application/json;charset=UTF-8");
        }
        return httplib::Server::HandlerResponse::Handled;
    });
    // Logged when the response is ready, before httplib writes it (the post-routing handler runs for every
    // response, faults included): a client that reads the log right after a response always finds that
    // request in it. httplib's logger runs after the write, so a request on another connection could be
    // served first and read a log without it.
    m_http.set_post_routing_handler([&app](const httplib::Request& req, httplib::Response& res) {
        if (!is_rest(req.path) || t_request.logged) return;
        log_request(app, req, res.status);
    });
}

int FakeServer::bind() {
    const auto& o = m_app->options;
    m_port = o.port == 0 ? m_http.bind_to_any_port(o.host) : (m_http.bind_to_port(o.host, o.port) ? o.port : -1);
    if (m_port < 0) throw std::runtime_error("cannot listen on " + o.host + ":" + std::to_string(o.port));
    m_app->store.set_base_url("http://" + o.host + ":" + std::to_string(m_port));
    if (!o.fixtures_dir.empty()) {
        auto lock = m_app->store.write_lock();
        load_fixtures(m_app->store, o.fixtures_dir);
    }
    // After the fixtures, and after the base URL (it is in every issue's `self`).
    if (o.prerender)
        m_app->prerendered.build(m_app->store, m_app->context(m_app->native_version()),
                                 search_render_options(*m_app, {"*all"}, {"changelog"}),
                                 std::max(1u, std::thread::hardware_concurrency()));
    return m_port;
}

void FakeServer::run() { m_http.listen_after_bind(); }

int FakeServer::start() {
    const int port = bind();
    m_thread = std::thread([this] { run(); });
    while (!m_http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    return port;
}

void FakeServer::stop() { m_http.stop(); }

}  // namespace j2s::fake
