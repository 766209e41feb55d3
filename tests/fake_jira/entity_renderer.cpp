#include "entity_renderer.hpp"

#include "generator.hpp"

#include <algorithm>

namespace j2s::fake {

namespace {

json text_to_adf(const std::string& text) {
    json content = json::array();
    std::size_t start = 0;
    while (start <= text.size()) {
        const auto end = std::min(text.find('\n', start), text.size());
        const std::string line = text.substr(start, end - start);
        json para = {{"type", "paragraph"}};
        para["content"] = line.empty() ? json::array() : json::array({{{"type", "text"}, {"text", line}}});
        content.push_back(std::move(para));
        start = end + 1;
    }
    return {{"type", "doc"}, {"version", 1}, {"content", content}};
}

json user_at(int index, const RenderContext& ctx) { return render_user(users().at(static_cast<std::size_t>(index)), ctx); }

std::string ts(Timestamp t, const RenderContext& ctx) { return format_jira_timestamp(t, ctx.timezone); }

bool empty_text(const json& text) {
    return text.is_null() || (text.is_string() && text.get<std::string>().empty());
}

}  // namespace

std::string format_time_spent(std::int64_t seconds) {
    if (seconds <= 0) return "0m";
    const std::int64_t minutes_total = seconds / 60;
    const std::int64_t units[] = {5 * 8 * 60, 8 * 60, 60, 1};
    const char* names[] = {"w", "d", "h", "m"};
    std::string out;
    std::int64_t rest = minutes_total;
    for (int i = 0; i < 4; ++i) {
        const std::int64_t n = rest / units[i];
        rest %= units[i];
        if (n == 0) continue;
        if (!out.empty()) out += ' ';
        out += std::to_string(n) + names[i];
    }
    return out.empty() ? "0m" : out;
}

json render_text(const json& text, const RenderContext& ctx) {
    if (text.is_null()) return nullptr;
    if (ctx.api_version == 3) return text.is_object() ? text : text_to_adf(text.get<std::string>());
    return text.is_object() ? json(adf_to_text(text)) : text;
}

json render_comment(const Comment& c, const RenderContext& ctx) {
    const std::string id = std::to_string(c.id);
    json out = {{"self", api_prefix(ctx) + "/issue/" + std::to_string(c.issue_id) + "/comment/" + id},
                {"id", id},
                {"author", user_at(c.author, ctx)},
                {"body", render_text(c.body, ctx)},
                {"updateAuthor", user_at(c.update_author, ctx)},
                {"created", ts(c.created, ctx)},
                {"updated", ts(c.updated, ctx)}};
    if (ctx.flavor == Flavor::cloud) out["jsdPublic"] = true;
    return out;
}

json render_worklog(const Worklog& w, const RenderContext& ctx) {
    const std::string id = std::to_string(w.id);
    json out = {{"self", api_prefix(ctx) + "/issue/" + std::to_string(w.issue_id) + "/worklog/" + id},
                {"author", user_at(w.author, ctx)},
                {"updateAuthor", user_at(w.update_author, ctx)}};
    if (!empty_text(w.comment)) out["comment"] = render_text(w.comment, ctx);
    out["created"] = ts(w.created, ctx);
    out["updated"] = ts(w.updated, ctx);
    out["started"] = ts(w.started, ctx);
    out["timeSpent"] = format_time_spent(w.seconds);
    out["timeSpentSeconds"] = w.seconds;
    out["id"] = id;
    out["issueId"] = std::to_string(w.issue_id);
    return out;
}

json embedded_comments(const IssueStore& store, const Issue& issue, const RenderContext& ctx) {
    const auto comments = store.entities().comments_of(issue);
    const std::size_t take = ctx.flavor == Flavor::cloud
                                 ? std::min<std::size_t>(comments.size(), embedded_comment_cap)
                                 : comments.size();
    json list = json::array();
    for (std::size_t i = 0; i < take; ++i) list.push_back(render_comment(comments[i], ctx));
    json out = {{"comments", std::move(list)}};
    // Cloud's embedded page links to the comment endpoint (recorded Cloud data); Server's does not.
    if (ctx.flavor == Flavor::cloud) out["self"] = api_prefix(ctx) + "/issue/" + std::to_string(issue.id) + "/comment";
    out["maxResults"] = take;
    out["total"] = comments.size();
    out["startAt"] = 0;
    return out;
}

json embedded_worklogs(const IssueStore& store, const Issue& issue, const RenderContext& ctx) {
    const auto worklogs = store.entities().worklogs_of(issue);
    const std::size_t take = std::min<std::size_t>(worklogs.size(), embedded_worklog_cap);
    json list = json::array();
    for (std::size_t i = 0; i < take; ++i) list.push_back(render_worklog(worklogs[i], ctx));
    return {{"startAt", 0}, {"maxResults", embedded_worklog_cap}, {"total", worklogs.size()}, {"worklogs", std::move(list)}};
}

json render_link_type(const LinkType& type, const RenderContext& ctx) {
    return {{"id", type.id},
            {"name", type.name},
            {"inward", type.inward},
            {"outward", type.outward},
            {"self", api_prefix(ctx) + "/issueLinkType/" + type.id}};
}

json embedded_links(const IssueStore& store, const Issue& issue, const RenderContext& ctx) {
    json out = json::array();
    for (const auto& link : store.entities().links_of(store, issue.id)) {
        const bool outward = link.from == issue.id;
        const Issue* other = store.find_by_id(outward ? link.to : link.from);
        if (!other) continue;
        const auto fields = store.fields_of(*other);
        json summary = json::object();
        for (const char* f : {"summary", "status", "priority", "issuetype"})
            if (fields->contains(f)) summary[f] = (*fields)[f];
        const std::string id = std::to_string(link.id);
        out.push_back({{"id", id},
                       {"self", api_prefix(ctx) + "/issueLink/" + id},
                       {"type", render_link_type(link_types().at(link.type), ctx)},
                       {outward ? "outwardIssue" : "inwardIssue",
                        {{"id", std::to_string(other->id)},
                         {"key", other->key},
                         {"self", api_prefix(ctx) + "/issue/" + std::to_string(other->id)},
                         {"fields", std::move(summary)}}}});
    }
    return out;
}

json render_project_entry(const IssueStore& store, const Project& project, const RenderContext& ctx,
                          const std::set<std::string>& expand) {
    const bool cloud = ctx.flavor == Flavor::cloud;
    json out = render_project(project, ctx);
    out["expand"] = cloud ? "description,lead,issueTypes,url,projectKeys,permissions,insight"
                          : "description,lead,url,projectKeys";
    if (cloud) {
        out["style"] = "classic";
        out["isPrivate"] = false;
        out["properties"] = json::object();
    }
    if (expand.count("description")) out["description"] = project.name + " — tracked by the fake Jira";
    if (expand.count("lead"))
        out["lead"] = user_at(static_cast<int>(project.id % static_cast<std::int64_t>(users().size())), ctx);
    if (cloud && expand.count("insight")) {
        std::int64_t count = 0;
        Timestamp last{};
        for (const auto& issue : store.all())
            if (!issue.deleted && issue.project_key == project.key) {
                ++count;
                last = std::max(last, issue.updated);
            }
        out["insight"] = {{"totalIssueCount", count}, {"lastIssueUpdateTime", ts(last, ctx)}};
    }
    return out;
}

std::optional<json> render_agile_sprint(const IssueStore& store, std::int64_t sprint_id) {
    // render_sprint numbers sprint n of a project as (project id % 1000) * 100 + n + 1.
    if (sprint_id < 1) return std::nullopt;
    const std::int64_t board = (sprint_id - 1) / 100;
    const int n = static_cast<int>((sprint_id - 1) % 100);
    if (n >= sprints_per_project) return std::nullopt;
    for (const Project* p : store.projects()) {
        if (p->id % 1000 != board) continue;
        json s = render_sprint(p->id, n, store.anchor());
        json out = {{"id", s["id"]},
                    {"self", store.base_url() + "/rest/agile/1.0/sprint/" + std::to_string(sprint_id)},
                    {"state", s["state"]},
                    {"name", s["name"]},
                    {"startDate", s["startDate"]},
                    {"endDate", s["endDate"]}};
        if (s.contains("completeDate")) out["completeDate"] = s["completeDate"];
        out["originBoardId"] = s["boardId"];
        out["goal"] = s["goal"];
        return out;
    }
    return std::nullopt;
}

}  // namespace j2s::fake
