#include "sync/entity_rows.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <map>
#include <string_view>

#include "jira/jira_api.hpp"
#include "mapping/adf_to_text.hpp"
#include "util/errors.hpp"
#include "util/json_dump.hpp"

namespace j2s {

namespace {

using nlohmann::json;

constexpr const char* k_sprint_custom_type = "com.pyxis.greenhopper.jira:gh-sprint";

std::optional<std::string> text(const json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
}

// Cloud v3 gives rich text as ADF, v2 (Server, or Cloud's v2 API) as a wiki-markup string: decided by the
// value, so a v2 payload read on a Cloud site still gives its text.
std::optional<std::string> rich_text(const json& object, const char* key) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object()) return adf_to_text(*it);
    return it->dump();
}

// `what` names the entity in errors, e.g. "comment 10005 of issue 10001".
std::int64_t required_id(const json& object, const char* key, const std::string& what) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) throw Error(what + " has no " + key);
    try {
        return json_id(*it);
    } catch (const Error&) {
        throw Error(what + " has an unreadable " + key + ": " + it->dump());
    }
}

std::int64_t entity_id(const json& object, const std::string& what) {
    if (!object.is_object()) throw Error(what + " is not a JSON object: " + object.dump().substr(0, 200));
    return required_id(object, "id", what);
}

Timestamp required_time(const json& object, const char* key, const std::string& what) {
    auto value = text(object, key);
    if (!value) throw Error(what + " has no " + key + " time");
    auto t = parse_jira_timestamp(*value);
    if (!t) throw Error(what + " has an unreadable " + key + " time '" + *value + "'");
    return *t;
}

// `updated` is always sent by Jira; a payload without it has not been edited, so it reads as `created`.
Timestamp updated_or_created(const json& object, Timestamp created, const std::string& what) {
    if (auto it = object.find("updated"); it == object.end() || it->is_null()) return created;
    return required_time(object, "updated", what);
}

std::optional<std::string> person_of(const json& object, const char* key, Flavor flavor) {
    auto it = object.find(key);
    return it == object.end() ? std::nullopt : person_id(*it, flavor);
}

std::optional<Timestamp> optional_time(const std::optional<std::string>& value, const char* key,
                                       const std::string& what) {
    if (!value || value->empty()) return std::nullopt;
    auto t = parse_jira_timestamp(*value);
    if (!t) throw Error(what + " has an unreadable " + key + " '" + *value + "'");
    return t;
}

std::optional<std::int64_t> optional_number(const json& object, const char* key, const std::string& what) {
    auto it = object.find(key);
    if (it == object.end() || it->is_null()) return std::nullopt;
    try {
        return json_id(*it);
    } catch (const Error&) {
        throw Error(what + " has an unreadable " + key + ": " + it->dump());
    }
}

std::string lower_ascii(std::string s) {
    for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Old Server/DC versions send only the display form ("1w 2d 3h 30m"). Read with Jira's default time
// tracking (8-hour days, 5-day weeks): a site configured otherwise is then approximate, which beats
// dead-lettering the issue that carries the worklog.
std::optional<std::int64_t> parse_time_spent(const std::string& display) {
    std::int64_t total = 0;
    bool any = false;
    std::size_t i = 0;
    while (i < display.size()) {
        if (display[i] == ' ') {
            ++i;
            continue;
        }
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(display.data() + i, display.data() + display.size(), n);
        if (ec != std::errc() || end == display.data() + display.size()) return std::nullopt;
        i = static_cast<std::size_t>(end - display.data());
        std::int64_t unit = 0;
        switch (display[i]) {
            case 'w':
                unit = 5 * 8 * 3600;
                break;
            case 'd':
                unit = 8 * 3600;
                break;
            case 'h':
                unit = 3600;
                break;
            case 'm':
                unit = 60;
                break;
            case 's':
                unit = 1;
                break;
            default:
                return std::nullopt;
        }
        total += n * unit;
        any = true;
        ++i;
    }
    return any ? std::optional<std::int64_t>(total) : std::nullopt;
}

std::int64_t time_spent_seconds(const json& worklog, const std::string& what) {
    if (auto it = worklog.find("timeSpentSeconds"); it != worklog.end() && !it->is_null()) {
        if (it->is_number_integer()) return it->get<std::int64_t>();
        throw Error(what + " has an unreadable timeSpentSeconds: " + it->dump());
    }
    if (auto display = text(worklog, "timeSpent"))
        if (auto seconds = parse_time_spent(*display)) return *seconds;
    throw Error(what + " has no readable timeSpentSeconds or timeSpent");
}

// --- Server/DC legacy sprint strings ---

// The keys GreenHopper writes into Sprint@...[...]. A value may itself contain ',' (a name "Q1, week 2"),
// so a field starts only at ",<known key>=": unknown keys stay part of the value before them.
constexpr std::array<std::string_view, 14> k_legacy_sprint_keys{"id",
                                                                "rapidViewId",
                                                                "state",
                                                                "name",
                                                                "startDate",
                                                                "endDate",
                                                                "completeDate",
                                                                "activatedDate",
                                                                "sequence",
                                                                "goal",
                                                                "autoStartStop",
                                                                "synced",
                                                                "incompleteIssuesDestinationId",
                                                                "originBoardId"};

bool is_legacy_key(std::string_view key) {
    return std::find(k_legacy_sprint_keys.begin(), k_legacy_sprint_keys.end(), key) !=
           k_legacy_sprint_keys.end();
}

// "key=value,key=value" (the text between the brackets) -> key -> value; "<null>" -> nullopt.
std::map<std::string, std::optional<std::string>, std::less<>> legacy_fields(std::string_view body) {
    std::vector<std::size_t> starts;  // where each "key=" begins
    for (std::size_t pos = 0; pos < body.size(); ++pos) {
        if (pos != 0 && body[pos - 1] != ',') continue;
        const auto eq = body.find('=', pos);
        if (eq == std::string_view::npos) break;
        if (is_legacy_key(body.substr(pos, eq - pos))) starts.push_back(pos);
    }
    std::map<std::string, std::optional<std::string>, std::less<>> out;
    for (std::size_t k = 0; k < starts.size(); ++k) {
        const auto begin = starts[k];
        const auto end =
            k + 1 < starts.size() ? starts[k + 1] - 1 : body.size();  // drop the ',' before the next
        const auto eq = body.find('=', begin);
        const std::string key(body.substr(begin, eq - begin));
        const std::string value(body.substr(eq + 1, end - eq - 1));
        if (value == "<null>")
            out[key] = std::nullopt;
        else
            out[key] = value;
    }
    return out;
}

SprintRecord legacy_sprint_record(const std::string& value) {
    const auto open = value.find('[');
    const auto close = value.rfind(']');
    if (open == std::string::npos || close == std::string::npos || close < open)
        throw Error("a Sprint field value is neither an object nor a Sprint@...[...] string: " +
                    value.substr(0, 200));
    auto fields = legacy_fields(std::string_view(value).substr(open + 1, close - open - 1));
    const auto get = [&](const char* key) -> std::optional<std::string> {
        auto it = fields.find(key);
        return it == fields.end() ? std::nullopt : it->second;
    };
    const auto id_text = get("id");
    std::int64_t id = 0;
    if (!id_text) throw Error("a Sprint field value has no id: " + value.substr(0, 200));
    auto [end, ec] = std::from_chars(id_text->data(), id_text->data() + id_text->size(), id);
    if (ec != std::errc() || end != id_text->data() + id_text->size())
        throw Error("a Sprint field value has an unreadable id '" + *id_text + "'");
    const std::string what = "sprint " + std::to_string(id);

    SprintRecord r;
    r.id = id;
    r.name = get("name").value_or("");
    if (auto state = get("state")) r.state = lower_ascii(*state);
    if (auto board = get("rapidViewId")) {
        std::int64_t b = 0;
        auto [bend, bec] = std::from_chars(board->data(), board->data() + board->size(), b);
        if (bec != std::errc() || bend != board->data() + board->size())
            throw Error(what + " has an unreadable rapidViewId '" + *board + "'");
        r.board_id = b;
    }
    r.goal = get("goal");
    r.start_date = optional_time(get("startDate"), "startDate", what);
    r.end_date = optional_time(get("endDate"), "endDate", what);
    r.complete_date = optional_time(get("completeDate"), "completeDate", what);
    r.raw_json = json(value).dump();
    return r;
}

// The shape shared by the Sprint field's objects and the agile API; only the board key differs.
SprintRecord object_sprint_record(const json& sprint, const char* board_key) {
    SprintRecord r;
    r.id = entity_id(sprint, "a sprint");
    const std::string what = "sprint " + std::to_string(r.id);
    r.name = text(sprint, "name").value_or("");
    if (auto state = text(sprint, "state")) r.state = lower_ascii(*state);
    r.board_id = optional_number(sprint, board_key, what);
    r.goal = text(sprint, "goal");
    r.start_date = optional_time(text(sprint, "startDate"), "startDate", what);
    r.end_date = optional_time(text(sprint, "endDate"), "endDate", what);
    r.complete_date = optional_time(text(sprint, "completeDate"), "completeDate", what);
    r.raw_json = sprint.dump();
    return r;
}

// "12, 14" / "" / null / a number -> the sprint ids in it.
std::vector<std::int64_t> sprint_ids(const json& item, const char* key, const std::string& what) {
    std::vector<std::int64_t> out;
    auto it = item.find(key);
    if (it == item.end() || it->is_null()) return out;
    if (it->is_number_integer()) {
        out.push_back(it->get<std::int64_t>());
        return out;
    }
    if (!it->is_string()) throw Error(what + " has an unreadable Sprint '" + key + "': " + it->dump());
    const std::string& list = it->get_ref<const std::string&>();
    std::size_t begin = 0;
    while (begin <= list.size()) {
        auto end = std::min(list.find(',', begin), list.size());
        auto first = list.find_first_not_of(' ', begin);
        std::string token;
        if (first != std::string::npos && first < end) {
            auto last = list.find_last_not_of(' ', end - 1);
            token = list.substr(first, last - first + 1);
        }
        if (!token.empty()) {
            std::int64_t id = 0;
            auto [p, ec] = std::from_chars(token.data(), token.data() + token.size(), id);
            if (ec != std::errc() || p != token.data() + token.size())
                throw Error(what + " has a Sprint '" + key + "' that is not a list of ids: '" + list + "'");
            out.push_back(id);
        }
        begin = end + 1;
    }
    return out;
}

bool is_sprint_item(const json& item, const std::set<std::string>& sprint_fields) {
    if (!item.is_object()) return false;
    if (auto field_id = text(item, "fieldId")) return sprint_fields.count(*field_id) > 0;
    return text(item, "field") == std::optional<std::string>("Sprint");
}

}  // namespace

std::optional<std::string> person_id(const nlohmann::json& person, Flavor flavor) {
    if (!person.is_object()) return std::nullopt;
    if (flavor == Flavor::cloud) return text(person, "accountId");
    if (auto key = text(person, "key")) return key;
    return text(person, "name");
}

CommentRecord comment_record(const nlohmann::json& comment, std::int64_t issue_id, Flavor flavor) {
    const std::string of_issue = " of issue " + std::to_string(issue_id);
    CommentRecord r;
    r.id = entity_id(comment, "a comment" + of_issue);
    const std::string what = "comment " + std::to_string(r.id) + of_issue;
    r.issue_id = issue_id;
    r.author_id = person_of(comment, "author", flavor);
    r.update_author_id = person_of(comment, "updateAuthor", flavor);
    r.created = required_time(comment, "created", what);
    r.updated = updated_or_created(comment, r.created, what);
    r.body_text = rich_text(comment, "body");
    r.raw_json = dump_json(comment);
    return r;
}

WorklogRecord worklog_record(const nlohmann::json& worklog, std::int64_t issue_id, Flavor flavor) {
    const std::string of_issue = " of issue " + std::to_string(issue_id);
    WorklogRecord r;
    r.id = entity_id(worklog, "a worklog" + of_issue);
    const std::string what = "worklog " + std::to_string(r.id) + of_issue;
    r.issue_id = optional_number(worklog, "issueId", what).value_or(issue_id);
    r.author_id = person_of(worklog, "author", flavor);
    r.update_author_id = person_of(worklog, "updateAuthor", flavor);
    r.started = required_time(worklog, "started", what);
    r.time_spent_seconds = time_spent_seconds(worklog, what);
    r.comment_text = rich_text(worklog, "comment");
    r.created = required_time(worklog, "created", what);
    r.updated = updated_or_created(worklog, r.created, what);
    r.raw_json = dump_json(worklog);
    return r;
}

std::vector<IssueLinkRecord> link_records(const nlohmann::json& issuelinks, std::int64_t issue_id,
                                          const std::string& issue_key) {
    std::vector<IssueLinkRecord> out;
    if (issuelinks.is_null()) return out;
    const std::string of_issue = " of issue " + std::to_string(issue_id);
    if (!issuelinks.is_array())
        throw Error("the issuelinks" + of_issue + " are not a list: " + issuelinks.dump().substr(0, 200));
    for (const auto& link : issuelinks) {
        IssueLinkRecord r;
        r.id = entity_id(link, "an issue link" + of_issue);
        const std::string what = "issue link " + std::to_string(r.id) + of_issue;
        if (auto type = link.find("type"); type != link.end() && type->is_object()) {
            r.type_id = text(*type, "id");
            r.type_name = text(*type, "name").value_or("");
            r.outward_text = text(*type, "outward");
            r.inward_text = text(*type, "inward");
        }
        if (r.type_name.empty()) throw Error(what + " has no type name");
        const auto outward = link.find("outwardIssue");
        const auto inward = link.find("inwardIssue");
        const bool is_outward = outward != link.end() && outward->is_object();
        const bool is_inward = inward != link.end() && inward->is_object();
        if (is_outward == is_inward)
            throw Error(what + (is_outward ? " has both outwardIssue and inwardIssue"
                                           : " has neither outwardIssue nor inwardIssue"));
        const json& other = is_outward ? *outward : *inward;
        const std::int64_t other_id = required_id(other, "id", what + "'s other issue");
        const auto other_key = text(other, "key");
        if (is_outward) {
            r.source_issue_id = issue_id;
            r.source_issue_key = issue_key;
            r.target_issue_id = other_id;
            r.target_issue_key = other_key;
        } else {
            r.source_issue_id = other_id;
            r.source_issue_key = other_key;
            r.target_issue_id = issue_id;
            r.target_issue_key = issue_key;
        }
        r.raw_json = dump_json(link);
        out.push_back(std::move(r));
    }
    return out;
}

std::set<std::string> sprint_field_ids(const std::vector<JiraField>& fields) {
    std::set<std::string> out;
    for (const auto& f : fields)
        if (f.custom_type == std::optional<std::string>(k_sprint_custom_type)) out.insert(f.id);
    return out;
}

SprintRecord sprint_record(const nlohmann::json& value) {
    if (value.is_string()) return legacy_sprint_record(value.get<std::string>());
    if (!value.is_object())
        throw Error("a Sprint field value is neither an object nor a string: " + value.dump().substr(0, 200));
    return object_sprint_record(value, "boardId");
}

SprintRecord agile_sprint_record(const nlohmann::json& sprint) {
    return object_sprint_record(sprint, "originBoardId");
}

std::vector<IssueSprintRecord> sprint_changes(const nlohmann::json& history, std::int64_t issue_id,
                                              const std::set<std::string>& sprint_fields) {
    std::vector<IssueSprintRecord> out;
    auto items = history.find("items");
    if (!history.is_object() || items == history.end() || !items->is_array()) return out;
    if (std::none_of(items->begin(), items->end(),
                     [&](const json& i) { return is_sprint_item(i, sprint_fields); }))
        return out;

    const std::string of_issue = " of issue " + std::to_string(issue_id);
    std::string what = "a changelog history" + of_issue;
    if (auto id = history.find("id"); id != history.end())
        what = "changelog history " + (id->is_string() ? id->get<std::string>() : id->dump()) + of_issue;
    const Timestamp at = required_time(history, "created", what);
    const auto record_for = [&](std::int64_t sprint) -> IssueSprintRecord& {
        for (auto& r : out)
            if (r.sprint_id == sprint) return r;
        IssueSprintRecord r;
        r.issue_id = issue_id;
        r.sprint_id = sprint;
        return out.emplace_back(r);
    };
    for (const auto& item : *items) {
        if (!is_sprint_item(item, sprint_fields)) continue;
        const auto from = sprint_ids(item, "from", what);
        const auto to = sprint_ids(item, "to", what);
        for (auto id : to)
            if (std::find(from.begin(), from.end(), id) == from.end()) record_for(id).added_at = at;
        for (auto id : from)
            if (std::find(to.begin(), to.end(), id) == to.end()) record_for(id).removed_at = at;
    }
    return out;
}

}  // namespace j2s
