#pragma once
// Route registration, one file per group. Each function adds its handlers to the server.

#include "app.hpp"
#include "issue_renderer.hpp"

#include <httplib.h>

namespace j2s::fake {

void register_meta_routes(httplib::Server& server, FakeApp& app);     // serverInfo, myself, field
void register_search_routes(httplib::Server& server, FakeApp& app);   // search, search/jql, counts
void register_issue_routes(httplib::Server& server, FakeApp& app);    // issue, changelogs, bulk fetches
void register_control_routes(httplib::Server& server, FakeApp& app);  // /_fake/...
void register_entity_routes(httplib::Server& server, FakeApp& app);   // comments, worklogs, projects, users, sprint
void register_entity_control_routes(httplib::Server& server, FakeApp& app);  // /_fake/ comments, worklogs, links
// How a search request renders its issues: its `fields` and `expand`, with the flavor's defaults.
RenderOptions search_render_options(const FakeApp& app, const std::vector<std::string>& fields,
                                    const std::vector<std::string>& expand);
// The API versions the flavor serves: Cloud 3 and 2, Server 2 only.
std::vector<int> served_versions(const FakeApp& app);

}  // namespace j2s::fake
