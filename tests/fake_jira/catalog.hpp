#pragma once
// The site's reference data (users, statuses, issue types, priorities, resolutions, teams, sprints) and
// how each is written for a flavor. Shapes follow the recorded payloads: Cloud users carry accountId,
// accountType and timeZone and no name/key; Server users carry name, key and emailAddress.

#include "model.hpp"

#include <string>
#include <vector>

namespace j2s::fake {

// What a response is being rendered for. api_version is 3 or 2: Cloud serves both, and v2 gives text
// fields as wiki strings where v3 gives Atlassian Document Format.
struct RenderContext {
    Flavor flavor = Flavor::cloud;
    int api_version = 3;
    std::string timezone = "UTC";
    std::string base_url;
};

struct UserInfo {
    std::string account_id;  // Cloud
    std::string name;        // Server name == key
    std::string display_name;
    std::string email;
    std::string time_zone;
};

struct StatusInfo {
    std::string id, name;
    int category;  // 2 new, 4 indeterminate, 3 done
};

struct NamedInfo {
    std::string id, name;
};

const std::vector<UserInfo>& users();
const std::vector<StatusInfo>& statuses();
const std::vector<NamedInfo>& issue_types();   // the last one is Sub-task
const std::vector<NamedInfo>& priorities();    // Highest first; id "1".."5"
const std::vector<NamedInfo>& resolutions();
const std::vector<NamedInfo>& teams();
const std::vector<std::string>& label_pool();

std::string api_prefix(const RenderContext& ctx);  // base_url + "/rest/api/N"

json render_user(const UserInfo& user, const RenderContext& ctx);
json render_status(const StatusInfo& status, const RenderContext& ctx);
json render_issue_type(std::size_t index, const RenderContext& ctx);
json render_priority(std::size_t index, const RenderContext& ctx);
json render_resolution(std::size_t index, const RenderContext& ctx);
json render_team(std::size_t index, const RenderContext& ctx);
json render_project(const Project& project, const RenderContext& ctx);
// The user's identifier as Jira writes it in changelog from/to: accountId on Cloud, name on Server.
std::string user_ref(const UserInfo& user, Flavor flavor);

// Sprints belong to a project's board; sprint n of a project (0-based) spans two weeks ending at
// `anchor - (count-1-n)*14 days`, so the newest is active.
json render_sprint(std::int64_t project_id, int n, Timestamp anchor);
constexpr int sprints_per_project = 12;

}  // namespace j2s::fake
