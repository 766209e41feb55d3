#include "issue_renderer.hpp"

#include "entity_renderer.hpp"
#include "field_catalog.hpp"
#include "generator.hpp"

#include <algorithm>

namespace j2s::fake {

namespace {

std::vector<std::string> split_commas(const std::string& text) {
    std::vector<std::string> out;
    std::string item;
    for (char c : text + ",") {
        if (c == ',') {
            const auto b = item.find_first_not_of(' ');
            const auto e = item.find_last_not_of(' ');
            if (b != std::string::npos) out.push_back(item.substr(b, e - b + 1));
            item.clear();
        } else {
            item += c;
        }
    }
    return out;
}

const char* const timestamp_fields[] = {"resolutiondate", "statuscategorychangedate", "lastViewed"};
const char* const rich_text_fields[] = {"description", "environment", notes_field};

}  // namespace

FieldSelection parse_field_selection(const std::vector<std::string>& specs, const std::string& default_spec) {
    std::vector<std::string> items;
    for (const auto& s : specs)
        for (auto& i : split_commas(s)) items.push_back(std::move(i));
    if (items.empty()) items = split_commas(default_spec);
    FieldSelection sel;
    for (const auto& item : items) {
        if (item == "*all" || item == "*navigable") {
            sel.all = true;
            sel.non_navigable = sel.non_navigable || item == "*all";
        } else if (item == "id") continue;
        else if (item == "key") sel.key_requested = true;
        else if (item[0] == '-') sel.exclude.insert(item.substr(1));
        else sel.include.insert(item);
    }
    return sel;
}

std::set<std::string> parse_expand(const std::vector<std::string>& specs) {
    std::set<std::string> out;
    for (const auto& s : specs)
        for (auto item : split_commas(s)) {
            std::transform(item.begin(), item.end(), item.begin(), [](unsigned char c) { return std::tolower(c); });
            out.insert(item);
        }
    return out;
}

json render_history(const History& history, const RenderContext& ctx) {
    return {{"id", std::to_string(history.id)},
            {"author", history.author.is_null() ? render_user(users().at(history.author_index), ctx) : history.author},
            {"created", format_jira_timestamp(history.created, ctx.timezone)},
            {"items", history.items}};
}

json served_fields(const IssueStore& store, const Issue& issue, const RenderContext& ctx) {
    json fields = *store.fields_of(issue);
    fields["created"] = format_jira_timestamp(issue.created, ctx.timezone);
    fields["updated"] = format_jira_timestamp(issue.updated, ctx.timezone);
    fields["issuelinks"] = embedded_links(store, issue, ctx);
    if (const auto spent = store.entities().time_spent_seconds(issue); spent > 0) fields["timespent"] = spent;
    for (const char* name : timestamp_fields) {
        auto it = fields.find(name);
        if (it == fields.end() || !it->is_string()) continue;
        if (auto t = parse_jira_timestamp(it->get<std::string>())) *it = format_jira_timestamp(*t, ctx.timezone);
    }
    // Cloud's v2 API serves the same rich-text fields as wiki strings.
    if (ctx.api_version == 2)
        for (const char* name : rich_text_fields) {
            auto it = fields.find(name);
            if (it != fields.end() && it->is_object()) *it = adf_to_text(*it);
        }
    return fields;
}

json render_issue(const IssueStore& store, const Issue& issue, const RenderContext& ctx, const RenderOptions& options) {
    const std::string id = std::to_string(issue.id);
    if (options.bare_ids && options.fields.ids_only() && !options.changelog) {
        json out = {{"id", id}};
        if (options.fields.key_requested) out["key"] = issue.key;
        return out;
    }
    json out = {{"expand", "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations"},
                {"id", id},
                {"self", api_prefix(ctx) + "/issue/" + id},
                {"key", issue.key}};
    json fields = json::object();
    if (!options.fields.ids_only()) {
        json all = served_fields(store, issue, ctx);
        for (auto it = all.begin(); it != all.end(); ++it)
            if (options.fields.selects(it.key())) fields[it.key()] = std::move(it.value());
        if (options.fields.selects_non_navigable("comment")) fields["comment"] = embedded_comments(store, issue, ctx);
        if (options.fields.selects_non_navigable("worklog")) fields["worklog"] = embedded_worklogs(store, issue, ctx);
    }
    out["fields"] = std::move(fields);
    if (options.changelog) {
        auto histories = store.histories_of(issue);
        const std::size_t total = histories.size();
        std::size_t take = options.changelog_cap ? std::min<std::size_t>(total, *options.changelog_cap) : total;
        json list = json::array();
        for (std::size_t i = 0; i < take; ++i) list.push_back(render_history(histories[total - 1 - i], ctx));
        out["changelog"] = {{"startAt", 0}, {"maxResults", take}, {"total", total}, {"histories", std::move(list)}};
    }
    return out;
}

}  // namespace j2s::fake
