#include "sync/changelog_rows.hpp"

#include "jira/jira_api.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

std::optional<std::string> text_of(const nlohmann::json& object, const char* name) {
    auto it = object.find(name);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    return it->dump();
}

}  // namespace

void append_changelog_rows(std::int64_t issue_id, const nlohmann::json& history, std::vector<ChangelogItemRecord>& out) {
    if (!history.contains("id")) throw Error("a changelog history has no id");
    const std::int64_t history_id = json_id(history["id"]);
    auto created_text = text_of(history, "created");
    std::optional<Timestamp> created = created_text ? parse_jira_timestamp(*created_text) : std::nullopt;
    if (!created) throw Error("changelog history " + std::to_string(history_id) + " has no readable created time");

    std::optional<std::string> account_id, display_name;
    if (auto author = history.find("author"); author != history.end() && author->is_object()) {
        account_id = text_of(*author, "accountId");
        if (!account_id) account_id = text_of(*author, "key");
        if (!account_id) account_id = text_of(*author, "name");
        display_name = text_of(*author, "displayName");
    }

    auto items = history.find("items");
    if (items == history.end() || !items->is_array()) return;
    int index = 0;
    for (const auto& item : *items) {
        ChangelogItemRecord row;
        row.history_id = history_id;
        row.item_index = index++;
        row.issue_id = issue_id;
        row.author_account_id = account_id;
        row.author_display_name = display_name;
        row.created = *created;
        row.field = text_of(item, "field").value_or("");
        row.field_id = text_of(item, "fieldId");
        row.field_type = text_of(item, "fieldtype");
        row.from_value = text_of(item, "from");
        row.from_string = text_of(item, "fromString");
        row.to_value = text_of(item, "to");
        row.to_string = text_of(item, "toString");
        out.push_back(std::move(row));
    }
}

}  // namespace j2s
