#include "catalog.hpp"

namespace j2s::fake {

const std::vector<UserInfo>& users() {
    static const std::vector<UserInfo> pool = [] {
        const char* names[][3] = {
            {"alice", "Alice Martin", "Europe/Paris"},      {"bob", "Bob Okafor", "Africa/Lagos"},
            {"chen", "陈静", "Asia/Shanghai"},                {"dmitri", "Dmitri Ivanov", "Europe/Moscow"},
            {"elena", "Elena García", "Europe/Madrid"},     {"farah", "Farah Khan", "Asia/Kolkata"},
            {"gus", "Gus O'Neill", "America/New_York"},     {"hana", "Hana Sato", "Asia/Tokyo"},
            {"ingrid", "Ingrid Ångström", "Europe/Stockholm"}, {"jose", "José Núñez", "America/Mexico_City"},
            {"kai", "Kai Müller", "Europe/Berlin"},         {"lena", "Lena Kowalska", "Europe/Warsaw"},
            {"mia", "Mia Krystof", "Australia/Sydney"},     {"noah", "Noah Smith", "America/Los_Angeles"},
            {"olga", "Olga Petrova", "Europe/Moscow"},      {"priya", "Priya Raman", "Asia/Kolkata"},
            {"quinn", "Quinn Taylor", "America/Chicago"},   {"raj", "Raj Patel", "Europe/London"},
            {"sofia", "Sofia Rossi", "Europe/Rome"},        {"tomas", "Tomáš Dvořák", "Europe/Prague"},
            {"uma", "Uma Thurston", "America/Denver"},      {"victor", "Victor Hugo", "Europe/Paris"},
            {"wei", "王伟", "Asia/Shanghai"},                 {"zoe", "Zoë Ek", "Europe/Oslo"},
        };
        std::vector<UserInfo> out;
        int i = 0;
        for (auto& n : names) {
            char account[64];
            std::snprintf(account, sizeof account, "5b10a2844c20165700ede%03d", 100 + i++);
            out.push_back({account, n[0], n[1], std::string(n[0]) + "@example.com", n[2]});
        }
        return out;
    }();
    return pool;
}

const std::vector<StatusInfo>& statuses() {
    static const std::vector<StatusInfo> table = {{"10000", "To Do", 2},       {"3", "In Progress", 4},
                                                  {"10001", "In Review", 4},   {"10002", "Blocked", 4},
                                                  {"10003", "Done", 3}};
    return table;
}

const std::vector<NamedInfo>& issue_types() {
    static const std::vector<NamedInfo> table = {
        {"10001", "Task"}, {"10002", "Bug"}, {"10003", "Story"}, {"10000", "Epic"}, {"10004", "Sub-task"}};
    return table;
}

const std::vector<NamedInfo>& priorities() {
    static const std::vector<NamedInfo> table = {
        {"1", "Highest"}, {"2", "High"}, {"3", "Medium"}, {"4", "Low"}, {"5", "Lowest"}};
    return table;
}

const std::vector<NamedInfo>& resolutions() {
    static const std::vector<NamedInfo> table = {{"10000", "Done"}, {"10001", "Won't Do"}, {"10002", "Duplicate"}};
    return table;
}

const std::vector<NamedInfo>& teams() {
    static const std::vector<NamedInfo> table = {
        {"10100", "Platform"}, {"10101", "Growth"}, {"10102", "Mobile"}, {"10103", "Data & Analytics"}};
    return table;
}

const std::vector<std::string>& label_pool() {
    static const std::vector<std::string> table = {"backend", "frontend", "ux", "tech-debt",
                                                   "customer", "security", "performance", "größe"};
    return table;
}

std::string api_prefix(const RenderContext& ctx) {
    return ctx.base_url + "/rest/api/" + std::to_string(ctx.api_version);
}

namespace {
json avatars(const std::string& seed) {
    const std::string base = "https://avatar-management--avatars.example.net/initials/" + seed + ".png";
    return {{"16x16", base + "?size=16"}, {"24x24", base + "?size=24"},
            {"32x32", base + "?size=32"}, {"48x48", base + "?size=48"}};
}
}  // namespace

json render_user(const UserInfo& user, const RenderContext& ctx) {
    json out;
    if (ctx.flavor == Flavor::cloud) {
        out["self"] = api_prefix(ctx) + "/user?accountId=" + user.account_id;
        out["accountId"] = user.account_id;
        out["accountType"] = "atlassian";
    } else {
        out["self"] = api_prefix(ctx) + "/user?username=" + user.name;
        out["name"] = user.name;
        out["key"] = user.name;
        out["emailAddress"] = user.email;
    }
    out["displayName"] = user.display_name;
    out["active"] = true;
    out["timeZone"] = user.time_zone;
    out["avatarUrls"] = avatars(user.name);
    return out;
}

json render_status(const StatusInfo& status, const RenderContext& ctx) {
    static const char* keys[] = {"", "", "new", "done", "indeterminate"};
    static const char* names[] = {"", "", "To Do", "Done", "In Progress"};
    static const char* colors[] = {"", "", "blue-gray", "green", "yellow"};
    const int c = status.category;
    return {{"self", api_prefix(ctx) + "/status/" + status.id},
            {"id", status.id},
            {"name", status.name},
            {"description", ""},
            {"iconUrl", ctx.base_url + "/"},
            {"statusCategory",
             {{"self", api_prefix(ctx) + "/statuscategory/" + std::to_string(c)},
              {"id", c},
              {"key", keys[c]},
              {"colorName", colors[c]},
              {"name", names[c]}}}};
}

json render_issue_type(std::size_t index, const RenderContext& ctx) {
    const auto& t = issue_types().at(index);
    const bool subtask = t.name == "Sub-task";
    json out = {{"self", api_prefix(ctx) + "/issuetype/" + t.id},
                {"id", t.id},
                {"name", t.name},
                {"description", ""},
                {"iconUrl", ctx.base_url + "/images/icons/issuetypes/" + t.id + ".svg"},
                {"subtask", subtask}};
    if (ctx.flavor == Flavor::cloud) out["hierarchyLevel"] = subtask ? -1 : (t.name == "Epic" ? 1 : 0);
    return out;
}

json render_priority(std::size_t index, const RenderContext& ctx) {
    const auto& p = priorities().at(index);
    return {{"self", api_prefix(ctx) + "/priority/" + p.id},
            {"id", p.id},
            {"name", p.name},
            {"iconUrl", ctx.base_url + "/images/icons/priorities/" + p.name + ".svg"}};
}

json render_resolution(std::size_t index, const RenderContext& ctx) {
    const auto& r = resolutions().at(index);
    return {{"self", api_prefix(ctx) + "/resolution/" + r.id}, {"id", r.id}, {"name", r.name}, {"description", ""}};
}

json render_team(std::size_t index, const RenderContext& ctx) {
    const auto& t = teams().at(index);
    return {{"self", api_prefix(ctx) + "/customFieldOption/" + t.id}, {"value", t.name}, {"id", t.id}};
}

json render_project(const Project& project, const RenderContext& ctx) {
    json out = {{"self", api_prefix(ctx) + "/project/" + std::to_string(project.id)},
                {"id", std::to_string(project.id)},
                {"key", project.key},
                {"name", project.name},
                {"projectTypeKey", "software"},
                {"avatarUrls", avatars("project-" + project.key)}};
    if (ctx.flavor == Flavor::cloud) out["simplified"] = false;
    return out;
}

std::string user_ref(const UserInfo& user, Flavor flavor) {
    return flavor == Flavor::cloud ? user.account_id : user.name;
}

json render_sprint(std::int64_t project_id, int n, Timestamp anchor) {
    using namespace std::chrono;
    const auto end = anchor - days(14) * (sprints_per_project - 1 - n) + days(7);
    const auto start = end - days(14);
    const bool active = n == sprints_per_project - 1;
    json out = {{"id", project_id % 1000 * 100 + n + 1},
                {"name", "Sprint " + std::to_string(n + 1)},
                {"state", active ? "active" : "closed"},
                {"boardId", project_id % 1000 + 1},
                {"goal", n % 3 == 0 ? "Ship the Überprüfung flow" : ""},
                {"startDate", format_utc(floor<milliseconds>(start))},
                {"endDate", format_utc(floor<milliseconds>(end))}};
    if (!active) out["completeDate"] = format_utc(floor<milliseconds>(end + hours(1)));
    return out;
}

}  // namespace j2s::fake
