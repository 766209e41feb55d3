#pragma once
// Everything a route handler needs, owned by FakeServer and shared by the worker threads. The store
// has its own reader/writer lock; settings, the request log, the fault list and the triggers lock themselves.

#include "auth.hpp"
#include "catalog.hpp"
#include "faults.hpp"
#include "issue_store.hpp"
#include "options.hpp"
#include "prerendered_issues.hpp"
#include "request_log.hpp"
#include "settings.hpp"
#include "triggers.hpp"

namespace j2s::fake {

struct FakeApp {
    explicit FakeApp(const FakeOptions& opts, Timestamp anchor)
        : options(opts),
          store(opts.flavor, anchor),
          settings(opts),
          auth(opts.auth_email, opts.auth_token, opts.bearer_token) {}

    RenderContext context(int api_version) const {
        RenderContext ctx;
        ctx.flavor = options.flavor;
        ctx.api_version = api_version;
        ctx.timezone = settings.snapshot().timezone;
        ctx.base_url = store.base_url();
        return ctx;
    }
    int native_version() const { return options.flavor == Flavor::cloud ? 3 : 2; }

    const FakeOptions options;
    IssueStore store;
    Settings settings;
    Authenticator auth;
    RequestLog requests;
    FaultRegistry faults;
    TriggerRegistry triggers;
    PrerenderedIssues prerendered;  // empty unless --prerender
};

}  // namespace j2s::fake
