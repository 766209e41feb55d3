#pragma once
// Writes issues and histories as the REST API returns them: the selected fields, created/updated and
// other timestamps in the account's zone offset, ADF or wiki text by API version, and an embedded
// changelog page (newest first) when expanded. REQUIRES the store's read lock.

#include "issue_store.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace j2s::fake {

// Jira's `fields` parameter: `*all`, `*navigable`, explicit ids, `-id` exclusions, comma lists and
// repeated parameters. `id`/`key` are not fields: they are always part of the issue.
struct FieldSelection {
    bool all = false;
    std::set<std::string> include;
    std::set<std::string> exclude;
    bool key_requested = false;
    // `*all` (unlike `*navigable`) also selects comment and worklog, as in Jira's recorded payloads.
    bool non_navigable = false;

    bool selects(const std::string& field) const {
        return !exclude.count(field) && (all || include.count(field));
    }
    bool selects_non_navigable(const std::string& field) const {
        return !exclude.count(field) && (non_navigable || include.count(field));
    }
    // True when nothing but id/key was asked for: Cloud then serves the large id-only pages.
    bool ids_only() const { return !all && include.empty(); }
};

FieldSelection parse_field_selection(const std::vector<std::string>& specs, const std::string& default_spec);

// Comma-separated expand list -> its lower-cased items.
std::set<std::string> parse_expand(const std::vector<std::string>& specs);

struct RenderOptions {
    FieldSelection fields;
    bool changelog = false;
    std::optional<int> changelog_cap;  // nullopt: every history
    // Cloud's search/jql answers an id-only request with bare {"id"} objects; other endpoints always
    // return the issue bean.
    bool bare_ids = false;
};

json render_issue(const IssueStore& store, const Issue& issue, const RenderContext& ctx, const RenderOptions& options);
json render_history(const History& history, const RenderContext& ctx);
// The issue's fields with timestamps in the zone and text fields in the context's API version.
json served_fields(const IssueStore& store, const Issue& issue, const RenderContext& ctx);

}  // namespace j2s::fake
