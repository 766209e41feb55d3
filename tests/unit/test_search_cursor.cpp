#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "jira/search_cursor.hpp"
#include "scripted_transport.hpp"

using namespace j2s;
using namespace j2s::testing;

namespace {

struct MiniIssue {
    std::int64_t id;
    std::string key;
    Timestamp updated;
};

Timestamp at(const std::string& text) { return *parse_jira_timestamp(text); }

std::string query_value(const std::string& url, const std::string& name) {
    auto pos = url.find(name + "=");
    if (pos == std::string::npos) return "";
    auto end = url.find('&', pos);
    std::string raw = url.substr(pos + name.size() + 1, end == std::string::npos ? std::string::npos : end - pos - name.size() - 1);
    std::string out;
    for (std::size_t i = 0; i < raw.size(); ++i) {
        if (raw[i] == '%' && i + 2 < raw.size()) {
            out += static_cast<char>(std::stoi(raw.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += raw[i];
        }
    }
    return out;
}

// Just enough of Jira's search for the cursor: `updated >= "date"` in UTC, ORDER BY updated, key.
std::vector<MiniIssue> matching(const std::vector<MiniIssue>& all, const std::string& jql) {
    auto pos = jql.find("updated >= \"");
    REQUIRE(pos != std::string::npos);
    auto since = parse_jql_date(jql.substr(pos + 12, 16), "UTC");
    REQUIRE(since.has_value());
    std::vector<MiniIssue> out;
    for (const auto& i : all)
        if (i.updated >= *since) out.push_back(i);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
        return std::tie(a.updated, a.key) < std::tie(b.updated, b.key);
    });
    return out;
}

nlohmann::json issue_json(const MiniIssue& i) {
    return {{"id", std::to_string(i.id)}, {"key", i.key}, {"fields", {{"updated", format_utc(i.updated)}}}};
}

JiraConfig config_for(Flavor flavor) {
    JiraConfig c;
    c.base_url = "https://jira.example.com";
    c.flavor = flavor;
    c.token = "t";
    c.max_requests_per_second = 1000;
    return c;
}

std::vector<MiniIssue> make_issues(int n) {
    std::vector<MiniIssue> out;
    for (int i = 0; i < n; ++i)
        out.push_back({10000 + i, "P-" + std::to_string(i + 1),
                       at("2024-01-01T00:00:00.000Z") + std::chrono::minutes(i / 3) + std::chrono::seconds(i % 3)});
    return out;
}

}  // namespace

TEST_CASE("search JQL: scope kept, its ORDER BY dropped, dates in the account's zone rounded down", "[cursor]") {
    const auto t = at("2024-01-10T08:07:59.999Z");
    REQUIRE(build_search_jql("project = ABC ORDER BY created DESC", t, "America/Los_Angeles") ==
            "(project = ABC) AND updated >= \"2024-01-10 00:07\" ORDER BY updated ASC, key ASC");
    REQUIRE(build_search_jql("", t, "Asia/Kolkata") == "updated >= \"2024-01-10 13:37\" ORDER BY updated ASC, key ASC");
    REQUIRE(build_search_jql("summary ~ \"order by\"", std::nullopt, "UTC") ==
            "(summary ~ \"order by\") AND updated >= \"1970-01-01 00:00\" ORDER BY updated ASC, key ASC");
    REQUIRE(strip_order_by("project = X order   by key") == "project = X");
    REQUIRE(strip_order_by("reorder = 1") == "reorder = 1");
}

TEST_CASE("server paging survives rows leaving the result between pages", "[cursor]") {
    auto data = make_issues(25);
    int page_requests = 0;
    ScriptedTransport transport([&](const HttpRequest& r) {
        const auto jql = query_value(r.url, "jql");
        const auto start = std::stoll(query_value(r.url, "startAt"));
        const auto size = std::stoll(query_value(r.url, "maxResults"));
        auto rows = matching(data, jql);
        nlohmann::json issues = nlohmann::json::array();
        for (auto i = start; i < std::min<std::int64_t>(start + size, rows.size()); ++i) issues.push_back(issue_json(rows[i]));
        ++page_requests;
        nlohmann::json body = {{"startAt", start}, {"maxResults", size}, {"total", rows.size()}, {"issues", issues}};
        return json_response(200, body.dump());
    });
    ManualClock clock;
    JiraClient client(config_for(Flavor::server), transport, clock);
    JiraApi api(client);
    SearchCursor cursor(api, "project = P", std::nullopt, "UTC", 10, false);

    std::set<std::int64_t> seen;
    auto page = cursor.next_page();
    REQUIRE(page->size() == 10);
    for (auto& i : page->to_json()) seen.insert(json_id(i["id"]));
    // Two rows already read are edited (move to the end) and one is deleted: offsets shift by three.
    data[0].updated = at("2024-02-01T00:00:00.000Z");
    data[1].updated = at("2024-02-01T00:00:01.000Z");
    data.erase(data.begin() + 2);
    while (auto next = cursor.next_page())
        for (auto& i : next->to_json()) seen.insert(json_id(i["id"]));
    for (const auto& i : data) REQUIRE(seen.count(i.id) == 1);
    REQUIRE(cursor.state().done);
}

TEST_CASE("server paging reads the page size back from the response", "[cursor]") {
    auto data = make_issues(12);
    ScriptedTransport transport([&](const HttpRequest& r) {
        const auto start = std::stoll(query_value(r.url, "startAt"));
        const std::int64_t cap = 4;  // the site lowers maxResults on its own
        auto rows = matching(data, query_value(r.url, "jql"));
        nlohmann::json issues = nlohmann::json::array();
        for (auto i = start; i < std::min<std::int64_t>(start + cap, rows.size()); ++i) issues.push_back(issue_json(rows[i]));
        return json_response(200, nlohmann::json({{"startAt", start}, {"maxResults", cap}, {"total", rows.size()}, {"issues", issues}}).dump());
    });
    ManualClock clock;
    JiraClient client(config_for(Flavor::server), transport, clock);
    JiraApi api(client);
    SearchCursor cursor(api, "", std::nullopt, "UTC", 100, false);
    std::vector<std::int64_t> ids;
    while (auto page = cursor.next_page())
        for (auto& i : page->to_json()) ids.push_back(json_id(i["id"]));
    REQUIRE(ids.size() == 12);
    REQUIRE(std::set<std::int64_t>(ids.begin(), ids.end()).size() == 12);
}

TEST_CASE("cloud paging follows nextPageToken and only with the JQL it was issued for", "[cursor]") {
    auto data = make_issues(7);
    std::vector<nlohmann::json> bodies;
    ScriptedTransport transport([&](const HttpRequest& r) {
        auto body = nlohmann::json::parse(r.body);
        bodies.push_back(body);
        auto rows = matching(data, body["jql"].get<std::string>());
        std::size_t start = body.contains("nextPageToken") ? std::stoul(body["nextPageToken"].get<std::string>()) : 0;
        std::size_t end = std::min(rows.size(), start + body["maxResults"].get<std::size_t>());
        nlohmann::json out = {{"issues", nlohmann::json::array()}, {"isLast", end >= rows.size()}};
        for (auto i = start; i < end; ++i) out["issues"].push_back(issue_json(rows[i]));
        if (end < rows.size()) out["nextPageToken"] = std::to_string(end);
        return json_response(200, out.dump());
    });
    ManualClock clock;
    JiraClient client(config_for(Flavor::cloud), transport, clock);
    JiraApi api(client);

    const auto since = at("2023-12-31T00:00:00.000Z");
    SearchCursor cursor(api, "project = P", since, "UTC", 3, true);
    auto first = cursor.next_page();
    REQUIRE(first->size() == 3);
    const CursorState saved = cursor.state();
    REQUIRE(saved.next_page_token == "3");
    REQUIRE(bodies[0]["expand"] == "changelog");
    REQUIRE(bodies[0]["fields"] == nlohmann::json::array({"*all"}));

    // Resumed with the same scope: the token is used with the same JQL.
    SearchCursor resumed(api, "project = P", since, "UTC", 3, true, saved);
    resumed.next_page();
    REQUIRE(bodies[1]["nextPageToken"] == "3");
    REQUIRE(bodies[1]["jql"] == bodies[0]["jql"]);

    // Resumed after the account's zone changed: the JQL differs, so the token is not sent; the scan restarts
    // from the minute of the newest issue read.
    SearchCursor moved(api, "project = P", since, "Asia/Kolkata", 3, true, saved);
    auto page = moved.next_page();
    REQUIRE_FALSE(bodies[2].contains("nextPageToken"));
    REQUIRE(bodies[2]["jql"] != bodies[0]["jql"]);
    // Rows already read in that minute with the same `updated` are not returned again.
    for (auto& i : page->to_json()) REQUIRE(json_id(i["id"]) > 10002);
}

TEST_CASE("server paging under a steady stream of edits finds its anchor instead of re-reading the minute", "[cursor]") {
    // 120 issues updated within one minute; after every page one issue already read is edited (it moves to
    // the end) or deleted, so the offsets shift before every page request.
    std::vector<MiniIssue> data;
    for (int i = 0; i < 120; ++i)
        data.push_back({10000 + i, "P-" + std::to_string(1000 + i), at("2024-01-01T00:00:00.000Z") + std::chrono::milliseconds(i * 100)});
    int requests = 0;
    ScriptedTransport transport([&](const HttpRequest& r) {
        ++requests;
        const auto start = std::stoll(query_value(r.url, "startAt"));
        const auto size = std::stoll(query_value(r.url, "maxResults"));
        auto rows = matching(data, query_value(r.url, "jql"));
        nlohmann::json issues = nlohmann::json::array();
        for (auto i = start; i < std::min<std::int64_t>(start + size, rows.size()); ++i) issues.push_back(issue_json(rows[i]));
        return json_response(200, nlohmann::json({{"startAt", start}, {"maxResults", size}, {"total", rows.size()}, {"issues", issues}}).dump());
    });
    ManualClock clock;
    JiraClient client(config_for(Flavor::server), transport, clock);
    JiraApi api(client);
    SearchCursor cursor(api, "project = P", std::nullopt, "UTC", 10, false);

    std::map<std::int64_t, Timestamp> read;  // id -> newest `updated` returned
    std::vector<std::int64_t> read_order;
    std::set<std::int64_t> deleted;
    int edits = 0;
    auto edit_time = at("2024-01-01T00:00:30.000Z");
    while (auto page = cursor.next_page()) {
        for (auto& i : page->to_json()) {
            const auto id = json_id(i["id"]);
            const auto updated = *issue_updated(i);
            REQUIRE((read.count(id) == 0 || read[id] < updated));  // never the same version twice
            read[id] = updated;
            read_order.push_back(id);
        }
        if (edits >= 30 || read_order.size() < 3) continue;
        // An issue read two pages ago (still before the anchor): every other time edited, else deleted.
        const auto victim = read_order[read_order.size() - std::min<std::size_t>(read_order.size(), 15)];
        auto it = std::find_if(data.begin(), data.end(), [&](const MiniIssue& m) { return m.id == victim; });
        if (it == data.end()) continue;
        if (++edits % 2) {
            edit_time += std::chrono::milliseconds(1);
            it->updated = std::max(edit_time, data.back().updated + std::chrono::milliseconds(1));
            std::rotate(it, it + 1, data.end());
        } else {
            deleted.insert(victim);
            data.erase(it);
        }
    }
    // Every live issue was read at its newest version, nothing was read twice at the same version...
    for (const auto& i : data) {
        CAPTURE(i.id);
        REQUIRE(read.count(i.id) == 1);
        REQUIRE(read[i.id] == i.updated);
    }
    // ...and the shifts cost one extra request each, not a re-read of the whole minute per page.
    const int pages = static_cast<int>(read_order.size() + 9) / 10;
    CAPTURE(requests, pages, edits);
    REQUIRE(edits >= 10);
    REQUIRE(requests <= pages + edits + 3);
}

TEST_CASE("server paging: an edited anchor is not looked for further on, so no row is skipped", "[cursor]") {
    auto data = make_issues(15);
    ScriptedTransport transport([&](const HttpRequest& r) {
        const auto start = std::stoll(query_value(r.url, "startAt"));
        const auto size = std::stoll(query_value(r.url, "maxResults"));
        auto rows = matching(data, query_value(r.url, "jql"));
        nlohmann::json issues = nlohmann::json::array();
        for (auto i = start; i < std::min<std::int64_t>(start + size, rows.size()); ++i) issues.push_back(issue_json(rows[i]));
        return json_response(200, nlohmann::json({{"startAt", start}, {"maxResults", size}, {"total", rows.size()}, {"issues", issues}}).dump());
    });
    ManualClock clock;
    JiraClient client(config_for(Flavor::server), transport, clock);
    JiraApi api(client);
    SearchCursor cursor(api, "project = P", std::nullopt, "UTC", 10, false);
    std::set<std::int64_t> seen;
    auto page = cursor.next_page();
    REQUIRE(page->size() == 10);
    for (auto& i : page->to_json()) seen.insert(json_id(i["id"]));
    // A row before the anchor is deleted and the anchor itself (the 10th row) is edited: it moves to the
    // end, within a page of where it was, behind the five rows not read yet.
    data.erase(data.begin());
    data[8].updated = at("2024-02-01T00:00:00.000Z");
    while (auto next = cursor.next_page())
        for (auto& i : next->to_json()) seen.insert(json_id(i["id"]));
    for (const auto& i : data) REQUIRE(seen.count(i.id) == 1);
}
