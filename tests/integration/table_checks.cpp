#include "table_checks.hpp"

#include <catch2/catch.hpp>

#include <httplib.h>

#include <algorithm>
#include <map>
#include <regex>
#include <sstream>

#include "util/time.hpp"

namespace j2s::it {

using nlohmann::json;

std::string utc(const json& jira_time) {
    auto t = parse_jira_timestamp(jira_time.get<std::string>());
    REQUIRE(t.has_value());
    return format_utc(*t);
}

std::string text_or_null(const json& j) {
    if (j.is_null()) return "NULL";
    return j.is_string() ? j.get<std::string>() : j.dump();
}

namespace {
// The columns expected_issue_row and expected_items render, in their order.
const char* const kIssueColumns = "id, key, project_key, created, updated, summary, status, deleted_at";
const char* const kItemColumns =
    "history_id, item_index, issue_id, created, field, field_id, from_value, from_string, to_value, to_string";
}  // namespace

std::string expected_issue_row(const json& issue) {
    const auto& f = issue["fields"];
    return std::to_string(issue["id"].get<long long>()) + "|" + issue["key"].get<std::string>() + "|" +
           issue["project_key"].get<std::string>() + "|" + utc(issue["created"]) + "|" + utc(issue["updated"]) + "|" +
           text_or_null(f["summary"]) + "|" + text_or_null(f["status"]["name"]) + "|NULL";
}

std::set<std::string> expected_items(const json& issue) {
    std::set<std::string> out;
    const std::string id = std::to_string(issue["id"].get<long long>());
    for (const auto& h : issue["histories"]) {
        int index = 0;
        for (const auto& item : h["items"])
            out.insert(text_or_null(h["id"]) + "|" + std::to_string(index++) + "|" + id + "|" + utc(h["created"]) + "|" +
                       text_or_null(item["field"]) + "|" + text_or_null(item.value("fieldId", json())) + "|" +
                       text_or_null(item.value("from", json())) + "|" + text_or_null(item.value("fromString", json())) +
                       "|" + text_or_null(item.value("to", json())) + "|" + text_or_null(item.value("toString", json())));
    }
    return out;
}

std::map<long long, std::string> stored_issues(const TableReader& db) {
    std::map<long long, std::string> out;
    for (auto& r : db.rows(std::string("SELECT ") + kIssueColumns + " FROM issues"))
        out[std::stoll(r.substr(0, r.find('|')))] = r;
    return out;
}

std::map<long long, std::set<std::string>> stored_items(const TableReader& db) {
    std::map<long long, std::set<std::string>> out;
    for (auto& r : db.rows(std::string("SELECT ") + kItemColumns + " FROM issue_changelog")) {
        const auto first = r.find('|'), second = r.find('|', first + 1);
        out[std::stoll(r.substr(second + 1, r.find('|', second + 1) - second - 1))].insert(r);
    }
    return out;
}

void require_tables_match_fake(const TableReader& db, FakeJira& fake, const std::set<long long>& deleted) {
    const auto served = fake.issues();
    auto stored = stored_issues(db);
    auto items = stored_items(db);
    for (const auto& issue : served) {
        const long long id = issue["id"].get<long long>();
        CAPTURE(id);
        REQUIRE(stored.count(id) == 1);
        REQUIRE(stored[id] == expected_issue_row(issue));
        REQUIRE(items[id] == expected_items(issue));
        stored.erase(id);
        items.erase(id);
    }
    for (const auto& [id, row] : stored) {
        INFO("a row the fake does not serve: " << row);
        REQUIRE(deleted.count(id) == 1);
    }
    for (const auto& [id, set] : items) {
        INFO("changelog rows of issue " << id << ", which the fake does not serve");
        REQUIRE(deleted.count(id) == 1);
    }
}

std::vector<std::string> table_snapshot(const TableReader& db) {
    auto out = db.rows(
        "SELECT id, key, project_key, created, updated, raw, deleted_at, summary, status, story_points, "
        "sprint_names, description FROM issues ORDER BY id");
    auto items = db.rows("SELECT * FROM issue_changelog ORDER BY history_id, item_index");
    out.insert(out.end(), items.begin(), items.end());
    out.push_back("dead=" + std::to_string(db.scalar("SELECT count(*) FROM dead_letters")));
    return out;
}

std::vector<json> requests_to(FakeJira& fake, const std::string& path) {
    std::vector<json> out;
    for (auto& r : fake.requests())
        if (r["path"] == path) out.push_back(r);
    return out;
}

}  // namespace j2s::it

// ---- entities ------------------------------------------------------------------------------------

namespace j2s::it {

namespace {

std::string person(const json& user, bool cloud) {
    if (!user.is_object()) return "NULL";
    return text_or_null(user.value(cloud ? "accountId" : "key", json()));
}

// The ADF the fake writes (paragraphs of text, mentions and hard breaks; bullet lists of such paragraphs) flattened
// as mapping/adf_to_text.hpp documents body_text: one line per paragraph, lines joined with "\n", empty paragraphs no line,
// a mention as its text. Written here, not borrowed from the connector, so the check stays independent; any other
// node fails the test rather than guessing.
std::string inline_text(const json& node) {
    const std::string type = node.value("type", "");
    if (type == "text") return node.value("text", "");
    if (type == "mention") return node["attrs"].value("text", "");
    if (type == "hardBreak") return "\n";
    FAIL("an ADF inline node the check does not know: " << node.dump());
    return "";
}

void adf_lines(const json& node, std::vector<std::string>& lines) {
    const std::string type = node.value("type", "");
    if (type == "paragraph") {
        std::string line;
        for (const auto& child : node.value("content", json::array())) line += inline_text(child);
        if (!line.empty()) lines.push_back(line);
    } else if (type == "doc" || type == "bulletList" || type == "orderedList" || type == "listItem") {
        for (const auto& child : node.value("content", json::array())) adf_lines(child, lines);
    } else {
        FAIL("an ADF block the check does not know: " << node.dump());
    }
}

std::string flatten_adf(const json& doc) {
    std::vector<std::string> lines;
    adf_lines(doc, lines);
    std::string out;
    for (const auto& l : lines) out += (out.empty() ? "" : "\n") + l;
    return out;
}

// A comment body or worklog comment as the tables keep it: ADF flattened, wiki text as it is, absent -> NULL.
std::string rich_text(const json& holder, const char* key) {
    if (!holder.contains(key) || holder[key].is_null()) return "NULL";
    const json& v = holder[key];
    return v.is_object() ? flatten_adf(v) : text_or_null(v);
}

std::string utc_or_null(const json& holder, const char* key) {
    if (!holder.contains(key) || holder[key].is_null()) return "NULL";
    return utc(holder[key]);
}

std::string id_text(const json& v) { return v.is_string() ? v.get<std::string>() : std::to_string(v.get<long long>()); }

// The ids in a Sprint changelog value ("12, 13" or ""), as Jira writes them.
std::set<long long> sprint_ids(const json& value) {
    std::set<long long> out;
    if (!value.is_string()) return out;
    std::stringstream in(value.get<std::string>());
    std::string part;
    while (std::getline(in, part, ',')) {
        part.erase(std::remove(part.begin(), part.end(), ' '), part.end());
        if (!part.empty()) out.insert(std::stoll(part));
    }
    return out;
}

bool is_sprint_item(const json& item) {
    if (item.contains("fieldId") && item["fieldId"].is_string()) return item["fieldId"] == kFakeSprintField;
    return item.value("field", "") == "Sprint";
}

json authenticated_get(FakeJira& fake, const std::string& path, const std::string& email, const std::string& token) {
    httplib::Client client("127.0.0.1", fake.port());
    client.set_basic_auth(email, token);
    client.set_read_timeout(60, 0);
    auto r = client.Get(path.c_str());
    REQUIRE(r);
    INFO("GET " << path << " -> " << r->status << ": " << r->body);
    REQUIRE(r->status == 200);
    return json::parse(r->body);
}

void keyed(std::map<std::string, std::string>& out, std::vector<std::string> rows, int key_columns = 1) {
    for (auto& r : rows) {
        std::size_t end = std::string::npos, from = 0;
        for (int i = 0; i < key_columns; ++i) {
            end = r.find('|', from);
            from = end + 1;
        }
        out[r.substr(0, end)] = std::move(r);
    }
}

void describe_difference(std::ostringstream& msg, const std::string& table, const std::map<std::string, std::string>& expected,
                         const std::map<std::string, std::string>& stored) {
    int shown = 0;
    std::size_t missing = 0, extra = 0, differing = 0;
    for (const auto& [key, row] : expected) {
        auto it = stored.find(key);
        if (it == stored.end()) {
            ++missing;
            if (shown++ < 4) msg << "  " << table << " missing " << row << "\n";
        } else if (it->second != row) {
            ++differing;
            if (shown++ < 4) msg << "  " << table << " expected " << row << "\n  " << table << "   stored " << it->second << "\n";
        }
    }
    for (const auto& [key, row] : stored)
        if (!expected.count(key)) {
            ++extra;
            if (shown++ < 4) msg << "  " << table << " unexpected " << row << "\n";
        }
    if (missing + extra + differing)
        msg << table << ": " << expected.size() << " expected, " << stored.size() << " stored; " << missing << " missing, "
            << extra << " unexpected, " << differing << " differing\n";
}

}  // namespace

std::set<long long> closed_sprints_in_fields(const json& issues) {
    std::set<long long> out;
    for (const auto& issue : issues) {
        const json field = issue["fields"].value(kFakeSprintField, json());
        if (!field.is_array()) continue;
        for (const auto& s : field)
            if (s.value("state", "") == "closed") out.insert(s["id"].get<long long>());
    }
    return out;
}

EntityRowSet expected_entity_rows(FakeJira& fake, bool cloud, const std::string& email, const std::string& token) {
    EntityRowSet out;
    for (const auto& c : fake.get("/_fake/comments")) {
        // The issue id is in the comment's self link only: .../issue/{issue id}/comment/{id}.
        const std::string self = c["self"];
        const auto at = self.find("/issue/") + 7;
        const std::string issue_id = self.substr(at, self.find('/', at) - at);
        const std::string id = c["id"];
        out.comments[id] = id + "|" + issue_id + "|" + person(c.value("author", json()), cloud) + "|" +
                           person(c.value("updateAuthor", json()), cloud) + "|" + utc(c["created"]) + "|" +
                           utc(c["updated"]) + "|" + rich_text(c, "body");
    }
    for (const auto& w : fake.get("/_fake/worklogs")) {
        const std::string id = w["id"];
        out.worklogs[id] = id + "|" + id_text(w["issueId"]) + "|" + person(w.value("author", json()), cloud) + "|" +
                           person(w.value("updateAuthor", json()), cloud) + "|" + utc(w["started"]) + "|" +
                           std::to_string(w["timeSpentSeconds"].get<long long>()) + "|" + rich_text(w, "comment") + "|" +
                           utc(w["created"]) + "|" + utc(w["updated"]);
    }

    const json issues = fake.issues();
    std::map<std::string, std::string> link_type_ids;  // link id -> type id, as the issues show their links
    std::set<long long> sprints;
    for (const auto& issue : issues) {
        const json& fields = issue["fields"];
        for (const auto& link : fields.value("issuelinks", json::array())) link_type_ids[link["id"]] = link["type"]["id"];

        const std::string issue_id = std::to_string(issue["id"].get<long long>());
        std::set<long long> in_field;
        if (const json field = fields.value(kFakeSprintField, json()); field.is_array())
            for (const auto& s : field) in_field.insert(s["id"].get<long long>());
        std::map<long long, std::string> added, removed;  // newest history time, UTC text (orders as time does)
        for (const auto& h : issue["histories"])
            for (const auto& item : h["items"]) {
                if (!is_sprint_item(item)) continue;
                const auto from = sprint_ids(item.value("from", json())), to = sprint_ids(item.value("to", json()));
                const std::string when = utc(h["created"]);
                for (long long s : to)
                    if (!from.count(s)) added[s] = std::max(added[s], when);
                for (long long s : from)
                    if (!to.count(s)) removed[s] = std::max(removed[s], when);
            }
        std::set<long long> all = in_field;
        for (const auto& [s, when] : added) all.insert(s);
        for (const auto& [s, when] : removed) all.insert(s);
        for (long long s : all) {
            const std::string key = issue_id + "|" + std::to_string(s);
            out.issue_sprints[key] = key + "|" + (in_field.count(s) ? "1" : "0") + "|" +
                                     (added.count(s) ? added[s] : "NULL") + "|" + (removed.count(s) ? removed[s] : "NULL");
            sprints.insert(s);
        }
    }
    for (const auto& l : fake.get("/_fake/links")) {
        const std::string id = std::to_string(l["id"].get<long long>());
        INFO("link " << id << " is shown by none of its issues");
        REQUIRE(link_type_ids.count(id) == 1);
        out.links[id] = id + "|" + link_type_ids[id] + "|" + l["type"].get<std::string>() + "|" +
                        l["outward"].get<std::string>() + "|" + l["inward"].get<std::string>() + "|" +
                        std::to_string(l["from_id"].get<long long>()) + "|" + std::to_string(l["to_id"].get<long long>()) +
                        "|" + text_or_null(l["from"]) + "|" + text_or_null(l["to"]);
    }
    for (long long s : sprints) {
        const json a = authenticated_get(fake, "/rest/agile/1.0/sprint/" + std::to_string(s), email, token);
        const std::string id = std::to_string(s);
        out.sprints[id] = id + "|" + a["name"].get<std::string>() + "|" + text_or_null(a.value("state", json())) + "|" +
                          text_or_null(a.value("originBoardId", json())) + "|" + text_or_null(a.value("goal", json())) +
                          "|" + utc_or_null(a, "startDate") + "|" + utc_or_null(a, "endDate") + "|" +
                          utc_or_null(a, "completeDate");
    }
    return out;
}

EntityRowSet stored_entity_rows(const TableReader& db, bool live_only) {
    const std::string live = live_only ? " WHERE deleted_at IS NULL" : "";
    EntityRowSet out;
    keyed(out.comments, db.rows("SELECT id, issue_id, author_id, update_author_id, created, updated, body_text FROM comments" + live));
    keyed(out.worklogs, db.rows("SELECT id, issue_id, author_id, update_author_id, started, time_spent_seconds, "
                                "comment_text, created, updated FROM worklogs" + live));
    keyed(out.links, db.rows("SELECT id, type_id, type_name, outward_text, inward_text, source_issue_id, target_issue_id, "
                             "source_issue_key, target_issue_key FROM issue_links" + live));
    keyed(out.sprints, db.rows("SELECT id, name, state, board_id, goal, start_date, end_date, complete_date FROM sprints"));
    keyed(out.issue_sprints, db.rows("SELECT issue_id, sprint_id, CASE WHEN in_field THEN 1 ELSE 0 END, added_at, "
                                     "removed_at FROM issue_sprints"),
          2);
    return out;
}

void require_same_entity_rows(const EntityRowSet& expected, const EntityRowSet& stored, const std::string& what) {
    std::ostringstream msg;
    describe_difference(msg, "comments", expected.comments, stored.comments);
    describe_difference(msg, "worklogs", expected.worklogs, stored.worklogs);
    describe_difference(msg, "issue_links", expected.links, stored.links);
    describe_difference(msg, "sprints", expected.sprints, stored.sprints);
    describe_difference(msg, "issue_sprints", expected.issue_sprints, stored.issue_sprints);
    if (!msg.str().empty()) FAIL(what << " differ:\n" << msg.str());
}

void require_entity_tables_match_fake(const TableReader& db, FakeJira& fake, bool cloud) {
    require_same_entity_rows(expected_entity_rows(fake, cloud), stored_entity_rows(db), "the entity tables and the fake's live entities");
}

std::vector<std::string> soft_deleted_ids(const TableReader& db, const std::string& table) {
    return db.rows("SELECT id FROM " + table + " WHERE deleted_at IS NOT NULL ORDER BY id");
}

std::map<std::string, std::string> entity_synced_at(const TableReader& db) {
    std::map<std::string, std::string> out;
    for (const char* table : {"comments", "worklogs", "issue_links", "sprints"})
        for (auto& r : db.rows(std::string("SELECT id, synced_at FROM ") + table)) {
            const auto bar = r.find('|');
            out[std::string(table) + ":" + r.substr(0, bar)] = r.substr(bar + 1);
        }
    for (auto& r : db.rows("SELECT issue_id, sprint_id, synced_at FROM issue_sprints")) {
        const auto bar = r.rfind('|');
        out["issue_sprints:" + r.substr(0, bar)] = r.substr(bar + 1);
    }
    return out;
}

std::vector<std::string> entity_snapshot(const TableReader& db) {
    std::vector<std::string> out;
    const char* const deleted = "CASE WHEN deleted_at IS NULL THEN 'live' ELSE 'deleted' END";
    auto add = [&](const std::string& table, const std::string& sql) {
        for (auto& r : db.rows(sql)) out.push_back(table + ":" + r);
    };
    add("comments", std::string("SELECT id, issue_id, author_id, update_author_id, created, updated, body_text, raw, ") +
                        deleted + " FROM comments ORDER BY id");
    add("worklogs", std::string("SELECT id, issue_id, author_id, update_author_id, started, time_spent_seconds, "
                                "comment_text, created, updated, raw, ") +
                        deleted + " FROM worklogs ORDER BY id");
    add("issue_links", std::string("SELECT id, type_id, type_name, outward_text, inward_text, source_issue_id, "
                                   "target_issue_id, source_issue_key, target_issue_key, raw, ") +
                           deleted + " FROM issue_links ORDER BY id");
    add("sprints", "SELECT id, name, state, board_id, goal, start_date, end_date, complete_date, raw FROM sprints ORDER BY id");
    add("issue_sprints", "SELECT issue_id, sprint_id, CASE WHEN in_field THEN 1 ELSE 0 END, added_at, removed_at "
                         "FROM issue_sprints ORDER BY issue_id, sprint_id");
    add("projects", std::string("SELECT id, key, name, project_type, lead_account_id, raw, ") + deleted +
                        " FROM projects ORDER BY id");
    add("users", "SELECT id, display_name, active, time_zone, account_type, email, raw FROM users ORDER BY id");
    add("entity_state", "SELECT scope_key, entity FROM entity_state ORDER BY scope_key, entity");
    return out;
}

std::vector<json> requests_matching(const json& log, const std::string& path_regex) {
    const std::regex re(path_regex);
    std::vector<json> out;
    for (const auto& r : log)
        if (std::regex_search(r["path"].get<std::string>(), re)) out.push_back(r);
    return out;
}

}  // namespace j2s::it
