// sync/entity_rows: comments, worklogs, links, sprints and sprint memberships from Jira's JSON, in the shapes
// recorded from real sites (fixtures/real) and served by the fake, on both flavors.

#include <catch2/catch.hpp>
#include <fstream>
#include <functional>
#include <map>

#include "jira/jira_api.hpp"
#include "sync/entity_rows.hpp"
#include "util/errors.hpp"

using namespace j2s;
using nlohmann::json;

namespace {

json real_fixture(const std::string& name) {
    std::ifstream in(std::string(J2S_SOURCE_DIR) + "/fixtures/real/" + name);
    REQUIRE(in.good());
    return json::parse(in);
}

std::string error_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

std::string utc(const std::optional<Timestamp>& t) { return t ? format_utc(*t) : "null"; }

}  // namespace

TEST_CASE("person ids: accountId on cloud, key then name on server", "[entity_rows]") {
    const json cloud_user = {{"accountId", "5b10a"}, {"key", "ignored"}, {"displayName", "A"}};
    CHECK(person_id(cloud_user, Flavor::cloud) == "5b10a");
    CHECK(person_id(json{{"key", "JIRAUSER1"}, {"name", "jsmith"}}, Flavor::server) == "JIRAUSER1");
    CHECK(person_id(json{{"name", "admin"}}, Flavor::server) == "admin");
    CHECK_FALSE(person_id(json{{"name", "admin"}}, Flavor::cloud).has_value());
    CHECK_FALSE(person_id(json(nullptr), Flavor::cloud).has_value());
}

TEST_CASE("a cloud comment: ADF body flattened, authors by accountId, times in UTC", "[entity_rows]") {
    const json comment = json::parse(R"({
      "self": "https://x.atlassian.net/rest/api/3/issue/10001/comment/10005", "id": "10005",
      "author": {"accountId": "acc-1", "displayName": "Ann"},
      "updateAuthor": {"accountId": "acc-2", "displayName": "Bob"},
      "body": {"type": "doc", "version": 1, "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Hello "},
                                          {"type": "mention", "attrs": {"id": "acc-2", "text": "@Bob"}}]},
        {"type": "bulletList", "content": [{"type": "listItem", "content": [
          {"type": "paragraph", "content": [{"type": "text", "text": "first point"}]}]}]}]},
      "created": "2024-03-05T14:07:12.345+0100", "updated": "2024-03-06T09:00:00.000+0100", "jsdPublic": true})");
    const auto r = comment_record(comment, 10001, Flavor::cloud);
    CHECK(r.id == 10005);
    CHECK(r.issue_id == 10001);
    CHECK(r.author_id == "acc-1");
    CHECK(r.update_author_id == "acc-2");
    CHECK(format_utc(r.created) == "2024-03-05T13:07:12.345Z");
    CHECK(format_utc(r.updated) == "2024-03-06T08:00:00.000Z");
    CHECK(r.body_text == "Hello @Bob\nfirst point");
    CHECK(json::parse(r.raw_json) == comment);
}

TEST_CASE("a server comment: wiki text as is, authors by key", "[entity_rows]") {
    const json comment = json::parse(R"({
      "id": "10100", "author": {"key": "JIRAUSER10", "name": "jsmith"}, "updateAuthor": {"name": "admin"},
      "body": "h1. Title\n*bold* text", "created": "2012-01-11T13:33:25.604+1300"})");
    const auto r = comment_record(comment, 7, Flavor::server);
    CHECK(r.author_id == "JIRAUSER10");
    CHECK(r.update_author_id == "admin");
    CHECK(r.body_text == "h1. Title\n*bold* text");
    // No `updated`: never edited, so it reads as created.
    CHECK(r.updated == r.created);
}

TEST_CASE("the recorded cloud v2 comment converts", "[entity_rows]") {
    const json issue = real_fixture(
        "apache__devlake__backend__plugins__jira__e2e__raw_tables___raw_jira_api_issues.csv.row-12453.json");
    const auto& comments = issue["fields"]["comment"]["comments"];
    REQUIRE(comments.size() == 1);
    const auto r = comment_record(comments[0], json_id(issue["id"]), Flavor::cloud);
    CHECK(r.id == 11860);
    CHECK(r.author_id == "5ecfbd0a47d31e0c2a15fd87");
    CHECK(r.body_text ==
          "https://gitlab.com/meri.co/vdev.co/-/commit/cc494508860442bf0d8b53c1647b1f8eb1dd19d4");
    CHECK(format_utc(r.created) == "2020-07-22T07:25:29.121Z");
}

TEST_CASE("comment errors name the comment and its issue", "[entity_rows]") {
    CHECK(error_of([] {
              comment_record(json{{"created", "2024-01-01T00:00:00.000Z"}}, 42, Flavor::cloud);
          }) == "a comment of issue 42 has no id");
    CHECK(error_of([] {
              comment_record(json{{"id", "9"}}, 42, Flavor::cloud);
          }) == "comment 9 of issue 42 has no created time");
    CHECK(error_of([] {
              comment_record(json{{"id", "9"}, {"created", "yesterday"}}, 42, Flavor::cloud);
          }) == "comment 9 of issue 42 has an unreadable created time 'yesterday'");
    CHECK(error_of([] {
              comment_record(json{{"id", "9"}, {"created", "2024-01-01T00:00:00Z"}, {"updated", "soon"}}, 42,
                             Flavor::server);
          }) == "comment 9 of issue 42 has an unreadable updated time 'soon'");
    CHECK(error_of([] {
              comment_record(json{{"id", "x9"}}, 42, Flavor::cloud);
          }) == "a comment of issue 42 has an unreadable id: \"x9\"");
    CHECK(error_of([] { comment_record(json("text"), 42, Flavor::cloud); }) ==
          "a comment of issue 42 is not a JSON object: \"text\"");
}

TEST_CASE("a cloud worklog with an ADF comment, its own issueId wins", "[entity_rows]") {
    const json worklog = json::parse(R"({
      "id": "10010", "issueId": "10085",
      "author": {"accountId": "acc-1"}, "updateAuthor": {"accountId": "acc-3"},
      "comment": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "fixed it"}]}]},
      "created": "2020-06-15T17:07:56.793+0800", "updated": "2020-06-16T08:00:00.000+0800",
      "started": "2020-06-15T17:07:00.000+0800", "timeSpent": "1h", "timeSpentSeconds": 3600})");
    const auto r = worklog_record(worklog, 1, Flavor::cloud);
    CHECK(r.id == 10010);
    CHECK(r.issue_id == 10085);
    CHECK(r.author_id == "acc-1");
    CHECK(r.update_author_id == "acc-3");
    CHECK(format_utc(r.started) == "2020-06-15T09:07:00.000Z");
    CHECK(format_utc(r.created) == "2020-06-15T09:07:56.793Z");
    CHECK(format_utc(r.updated) == "2020-06-16T00:00:00.000Z");
    CHECK(r.time_spent_seconds == 3600);
    CHECK(r.comment_text == "fixed it");
    CHECK(json::parse(r.raw_json) == worklog);
}

TEST_CASE("a worklog without a comment has no comment text", "[entity_rows]") {
    const json worklog =
        json::parse(R"({"id": "5", "author": {"key": "k1"}, "created": "2024-01-01T10:00:00.000+0000",
      "updated": "2024-01-01T10:00:00.000+0000", "started": "2024-01-01T09:00:00.000+0000", "timeSpentSeconds": 900})");
    const auto r = worklog_record(worklog, 77, Flavor::server);
    CHECK(r.issue_id == 77);  // no issueId of its own
    CHECK(r.author_id == "k1");
    CHECK_FALSE(r.update_author_id.has_value());
    CHECK_FALSE(r.comment_text.has_value());
    CHECK(r.time_spent_seconds == 900);
}

TEST_CASE("the recorded old server worklogs: wiki comment, time from timeSpent alone", "[entity_rows]") {
    const json page = real_fixture("sumoheavy__jira-ruby__spec__mock_responses__issue__10002__worklog.json");
    const auto& worklogs = page["worklogs"];
    REQUIRE(worklogs.size() == 3);
    const auto first = worklog_record(worklogs[0], 10002, Flavor::server);
    CHECK(first.id == 10000);
    CHECK(first.author_id == "admin");  // this old server sends name only
    CHECK(first.comment_text == "Some epic work.");
    CHECK(first.time_spent_seconds == (18 * 5 + 2) * 8 * 3600);  // "18w 2d" at 8-hour days, 5-day weeks
    CHECK(format_utc(first.started) == "2012-01-11T00:33:00.000Z");
    CHECK(worklog_record(worklogs[1], 10002, Flavor::server).time_spent_seconds == 4 * 8 * 3600);
    CHECK_FALSE(worklog_record(worklogs[1], 10002, Flavor::server).comment_text.has_value());
}

TEST_CASE("worklog errors name the worklog and its issue", "[entity_rows]") {
    const json ok = json::parse(R"({"id": "5", "created": "2024-01-01T10:00:00.000+0000",
      "started": "2024-01-01T09:00:00.000+0000", "timeSpentSeconds": 900})");
    CHECK(error_of([&] { worklog_record(ok, 3, Flavor::cloud); }).empty());
    auto without_started = ok;
    without_started.erase("started");
    CHECK(error_of([&] { worklog_record(without_started, 3, Flavor::cloud); }) ==
          "worklog 5 of issue 3 has no started time");
    auto no_time = ok;
    no_time.erase("timeSpentSeconds");
    CHECK(error_of([&] { worklog_record(no_time, 3, Flavor::cloud); }) ==
          "worklog 5 of issue 3 has no readable timeSpentSeconds or timeSpent");
    no_time["timeSpent"] = "a while";
    CHECK(error_of([&] { worklog_record(no_time, 3, Flavor::cloud); }) ==
          "worklog 5 of issue 3 has no readable timeSpentSeconds or timeSpent");
    auto text_seconds = ok;
    text_seconds["timeSpentSeconds"] = "900s";
    CHECK(error_of([&] { worklog_record(text_seconds, 3, Flavor::cloud); }) ==
          "worklog 5 of issue 3 has an unreadable timeSpentSeconds: \"900s\"");
    auto bad_issue = ok;
    bad_issue["issueId"] = "ABC-1";
    CHECK(error_of([&] { worklog_record(bad_issue, 3, Flavor::cloud); }) ==
          "worklog 5 of issue 3 has an unreadable issueId: \"ABC-1\"");
    auto no_id = ok;
    no_id.erase("id");
    CHECK(error_of([&] { worklog_record(no_id, 3, Flavor::cloud); }) == "a worklog of issue 3 has no id");
}

TEST_CASE("links: outwardIssue means this issue is the source, inwardIssue the target", "[entity_rows]") {
    // As the fake (and Jira) show "ALPHA-1 blocks ALPHA-2" and "ALPHA-3 duplicates ALPHA-1" on ALPHA-1.
    const json links = json::parse(R"([
      {"id": "10000", "self": "s", "type": {"id": "10001", "name": "Blocks", "inward": "is blocked by", "outward": "blocks"},
       "outwardIssue": {"id": "10002", "key": "ALPHA-2", "fields": {"summary": "two"}}},
      {"id": "10001", "type": {"id": "10002", "name": "Duplicate", "inward": "is duplicated by", "outward": "duplicates"},
       "inwardIssue": {"id": "10003", "key": "ALPHA-3"}}])");
    const auto rows = link_records(links, 10001, "ALPHA-1");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].id == 10000);
    CHECK(rows[0].type_id == "10001");
    CHECK(rows[0].type_name == "Blocks");
    CHECK(rows[0].outward_text == "blocks");
    CHECK(rows[0].inward_text == "is blocked by");
    CHECK(rows[0].source_issue_id == 10001);
    CHECK(rows[0].source_issue_key == "ALPHA-1");
    CHECK(rows[0].target_issue_id == 10002);
    CHECK(rows[0].target_issue_key == "ALPHA-2");
    CHECK(json::parse(rows[0].raw_json) == links[0]);
    CHECK(rows[1].type_name == "Duplicate");
    CHECK(rows[1].source_issue_id == 10003);
    CHECK(rows[1].source_issue_key == "ALPHA-3");
    CHECK(rows[1].target_issue_id == 10001);
    CHECK(rows[1].target_issue_key == "ALPHA-1");

    // The same link seen from the other issue gives the same row.
    const json seen_from_2 = json::parse(R"([{"id": "10000", "type": {"id": "10001", "name": "Blocks",
      "inward": "is blocked by", "outward": "blocks"}, "inwardIssue": {"id": "10001", "key": "ALPHA-1"}}])");
    const auto other = link_records(seen_from_2, 10002, "ALPHA-2");
    REQUIRE(other.size() == 1);
    CHECK(other[0].source_issue_id == rows[0].source_issue_id);
    CHECK(other[0].target_issue_id == rows[0].target_issue_id);
    CHECK(other[0].source_issue_key == rows[0].source_issue_key);
    CHECK(other[0].target_issue_key == rows[0].target_issue_key);

    CHECK(link_records(json::array(), 1, "A-1").empty());
    CHECK(link_records(json(nullptr), 1, "A-1").empty());
}

TEST_CASE("link errors name the link and its issue", "[entity_rows]") {
    const json type = {{"id", "1"}, {"name", "Blocks"}};
    CHECK(error_of([&] {
              link_records(json::array({{{"id", "7"}, {"type", type}}}), 5, "A-5");
          }) == "issue link 7 of issue 5 has neither outwardIssue nor inwardIssue");
    CHECK(error_of([&] {
              link_records(json::array({{{"id", "7"},
                                         {"type", type},
                                         {"outwardIssue", {{"id", "1"}}},
                                         {"inwardIssue", {{"id", "2"}}}}}),
                           5, "A-5");
          }) == "issue link 7 of issue 5 has both outwardIssue and inwardIssue");
    CHECK(error_of([&] {
              link_records(json::array({{{"id", "7"}, {"type", type}, {"outwardIssue", {{"key", "B-1"}}}}}),
                           5, "A-5");
          }) == "issue link 7 of issue 5's other issue has no id");
    CHECK(error_of([&] {
              link_records(json::array({{{"id", "7"}, {"outwardIssue", {{"id", "1"}}}}}), 5, "A-5");
          }) == "issue link 7 of issue 5 has no type name");
    CHECK(error_of([&] {
              link_records(json::array({{{"type", type}}}), 5, "A-5");
          }) == "an issue link of issue 5 has no id");
    CHECK(error_of([&] { link_records(json::object(), 5, "A-5"); }) ==
          "the issuelinks of issue 5 are not a list: {}");
}

TEST_CASE("sprint field ids are the fields of the gh-sprint custom type", "[entity_rows]") {
    std::vector<JiraField> fields(4);
    fields[0].id = "customfield_10020";
    fields[0].custom_type = "com.pyxis.greenhopper.jira:gh-sprint";
    fields[1].id = "customfield_10016";
    fields[1].name = "Sprint";  // a namesake of another type is not a Sprint field
    fields[1].custom_type = "com.atlassian.jira.plugin.system.customfieldtypes:float";
    fields[2].id = "summary";
    fields[3].id = "customfield_10100";
    fields[3].custom_type = "com.pyxis.greenhopper.jira:gh-sprint";
    CHECK(sprint_field_ids(fields) == std::set<std::string>{"customfield_10020", "customfield_10100"});
    CHECK(sprint_field_ids({}).empty());
}

TEST_CASE("the recorded cloud Sprint field object", "[entity_rows]") {
    const json issue = real_fixture(
        "apache__devlake__backend__plugins__jira__e2e__raw_tables___raw_jira_api_issues.csv.row-12453.json");
    const auto& value = issue["fields"]["customfield_10020"][0];
    const auto r = sprint_record(value);
    CHECK(r.id == 17);
    CHECK(r.name == "EE Sprint 9");
    CHECK(r.state == "closed");
    CHECK(r.board_id == 8);
    CHECK(r.goal == "");
    CHECK(utc(r.start_date) == "2020-07-13T01:22:22.745Z");
    CHECK(utc(r.end_date) == "2020-07-27T01:22:00.000Z");
    CHECK(utc(r.complete_date) == "2020-07-27T01:23:43.083Z");
    CHECK(json::parse(r.raw_json) == value);
}

TEST_CASE("a server legacy Sprint string: known keys, <null>, commas inside the name and goal",
          "[entity_rows]") {
    const std::string value =
        "com.atlassian.greenhopper.service.sprint.Sprint@1a2b3c[id=12,rapidViewId=3,state=ACTIVE,"
        "name=Q1, week 2 (a=b),startDate=2015-05-11T10:01:43.163+02:00,endDate=2015-05-25T10:01:00.000+02:00,"
        "completeDate=<null>,activatedDate=2015-05-11T10:01:43.163+02:00,sequence=12,goal=ship it, then "
        "rest]";
    const auto r = sprint_record(json(value));
    CHECK(r.id == 12);
    CHECK(r.name == "Q1, week 2 (a=b)");
    CHECK(r.state == "active");
    CHECK(r.board_id == 3);
    CHECK(r.goal == "ship it, then rest");
    CHECK(utc(r.start_date) == "2015-05-11T08:01:43.163Z");
    CHECK(utc(r.end_date) == "2015-05-25T08:01:00.000Z");
    CHECK_FALSE(r.complete_date.has_value());
    CHECK(json::parse(r.raw_json) == json(value));

    // The shortest form in the wild (FUTURE sprint, no dates, no goal) and an empty goal.
    const auto future = sprint_record(json(
        "com.atlassian.greenhopper.service.sprint.Sprint@5f[id=2,rapidViewId=2,state=FUTURE,name=Sprint 2,"
        "startDate=<null>,endDate=<null>,completeDate=<null>,sequence=2,goal=]"));
    CHECK(future.id == 2);
    CHECK(future.name == "Sprint 2");
    CHECK(future.state == "future");
    CHECK_FALSE(future.start_date.has_value());
    CHECK(future.goal == "");
}

TEST_CASE("sprint value errors name the sprint", "[entity_rows]") {
    CHECK(error_of([] { sprint_record(json("Sprint@1[rapidViewId=3,name=S]")); }) ==
          "a Sprint field value has no id: Sprint@1[rapidViewId=3,name=S]");
    CHECK(error_of([] { sprint_record(json("Sprint 1")); }) ==
          "a Sprint field value is neither an object nor a Sprint@...[...] string: Sprint 1");
    CHECK(error_of([] { sprint_record(json("Sprint@1[id=4,name=S,startDate=next monday]")); }) ==
          "sprint 4 has an unreadable startDate 'next monday'");
    CHECK(error_of([] {
              sprint_record(json{{"id", 4}, {"name", "S"}, {"endDate", "never"}});
          }) == "sprint 4 has an unreadable endDate 'never'");
    CHECK(error_of([] { sprint_record(json{{"name", "S"}}); }) == "a sprint has no id");
    CHECK(error_of([] { sprint_record(json(12)); }) ==
          "a Sprint field value is neither an object nor a string: 12");
}

TEST_CASE("an agile API sprint: the board is originBoardId", "[entity_rows]") {
    const json sprint =
        json::parse(R"({"id": 101, "self": "https://x/rest/agile/1.0/sprint/101", "state": "active",
      "name": "ALPHA Sprint 1", "startDate": "2024-01-01T09:00:00.000Z", "endDate": "2024-01-15T09:00:00.000Z",
      "originBoardId": 1, "goal": "Get it done"})");
    const auto r = agile_sprint_record(sprint);
    CHECK(r.id == 101);
    CHECK(r.name == "ALPHA Sprint 1");
    CHECK(r.state == "active");
    CHECK(r.board_id == 1);
    CHECK(r.goal == "Get it done");
    CHECK(utc(r.start_date) == "2024-01-01T09:00:00.000Z");
    CHECK_FALSE(r.complete_date.has_value());
    CHECK(json::parse(r.raw_json) == sprint);
}

TEST_CASE("sprint changes: added = to - from, removed = from - to, at the history's time", "[entity_rows]") {
    const std::set<std::string> sprint_fields{"customfield_10020"};
    const auto changes = [&](const json& items) {
        return sprint_changes(
            json{{"id", "500"}, {"created", "2020-06-17T15:26:56.197+0800"}, {"items", items}}, 9,
            sprint_fields);
    };
    const std::string at = "2020-06-17T07:26:56.197Z";

    SECTION("moved from one sprint to another (recorded shape)") {
        const auto rows = changes(json::array({{{"field", "Sprint"},
                                                {"fieldtype", "custom"},
                                                {"fieldId", "customfield_10020"},
                                                {"from", "7"},
                                                {"to", "9"}}}));
        REQUIRE(rows.size() == 2);
        CHECK(rows[0].issue_id == 9);
        CHECK(rows[0].sprint_id == 9);
        CHECK_FALSE(rows[0].from_field);
        CHECK(utc(rows[0].added_at) == at);
        CHECK_FALSE(rows[0].removed_at.has_value());
        CHECK(rows[1].sprint_id == 7);
        CHECK(utc(rows[1].removed_at) == at);
        CHECK_FALSE(rows[1].added_at.has_value());
    }
    SECTION("lists with spaces, a sprint in both is unchanged") {
        const auto rows = changes(json::array({{{"field", "Sprint"},
                                                {"fieldId", "customfield_10020"},
                                                {"from", "7, 9"},
                                                {"to", " 9 ,11, 12"}}}));
        REQUIRE(rows.size() == 3);
        CHECK(rows[0].sprint_id == 11);
        CHECK(rows[1].sprint_id == 12);
        CHECK(rows[2].sprint_id == 7);
        CHECK(rows[0].added_at.has_value());
        CHECK(rows[1].added_at.has_value());
        CHECK(rows[2].removed_at.has_value());
    }
    SECTION("empty and null sides") {
        auto rows = changes(json::array(
            {{{"field", "Sprint"}, {"fieldId", "customfield_10020"}, {"from", ""}, {"to", "9"}}}));
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].added_at.has_value());
        rows = changes(json::array(
            {{{"field", "Sprint"}, {"fieldId", "customfield_10020"}, {"from", "9"}, {"to", nullptr}}}));
        REQUIRE(rows.size() == 1);
        CHECK(rows[0].removed_at.has_value());
        // A webhook-style item with only display strings says nothing about ids.
        CHECK(changes(json::array(
                          {{{"field", "Sprint"}, {"from", nullptr}, {"fromString", "S1"}, {"to", nullptr}}}))
                  .empty());
    }
    SECTION("which items count") {
        // Without fieldId, the field name decides; with one, only the site's Sprint field ids count.
        CHECK(changes(json::array({{{"field", "Sprint"}, {"from", ""}, {"to", "3"}}})).size() == 1);
        CHECK(
            changes(json::array(
                        {{{"field", "Sprint"}, {"fieldId", "customfield_99999"}, {"from", ""}, {"to", "3"}}}))
                .empty());
        CHECK(changes(json::array({{{"field", "status"}, {"fieldId", "status"}, {"from", "1"}, {"to", "3"}}}))
                  .empty());
        CHECK(changes(json::array({{{"field", "Sprint (team)"},
                                    {"fieldId", "customfield_10020"},
                                    {"from", ""},
                                    {"to", "4"}}}))
                  .size() == 1);
    }
}

TEST_CASE("the recorded cloud changelog's Sprint items replay to the field's value", "[entity_rows]") {
    const json issue = real_fixture(
        "apache__devlake__backend__plugins__jira__e2e__raw_tables___raw_jira_api_issues.csv.row-12453.json");
    const std::set<std::string> sprint_fields{"customfield_10020"};
    std::map<std::int64_t, std::pair<std::optional<Timestamp>, std::optional<Timestamp>>>
        latest;  // added, removed
    for (const auto& history : issue["changelog"]["histories"])
        for (const auto& c : sprint_changes(history, 10079, sprint_fields)) {
            auto& [added, removed] = latest[c.sprint_id];
            if (c.added_at && (!added || *c.added_at > *added)) added = c.added_at;
            if (c.removed_at && (!removed || *c.removed_at > *removed)) removed = c.removed_at;
        }
    // Sprints 7 -> 9 -> (out) -> 9 -> 17: the issue ends in 17 only, as its Sprint field says.
    REQUIRE(latest.size() == 3);
    for (const auto& [id, times] : latest) {
        CAPTURE(id);
        const bool in_now = times.first && (!times.second || *times.first > *times.second);
        CHECK(in_now == (id == issue["fields"]["customfield_10020"][0]["id"].get<std::int64_t>()));
    }
}

TEST_CASE("sprint change errors name the history and its issue", "[entity_rows]") {
    const std::set<std::string> fields{"customfield_10020"};
    const json item = {{"field", "Sprint"}, {"fieldId", "customfield_10020"}, {"from", ""}, {"to", "9"}};
    CHECK(error_of([&] {
              sprint_changes(json{{"id", "500"}, {"items", {item}}}, 9, fields);
          }) == "changelog history 500 of issue 9 has no created time");
    auto bad = item;
    bad["to"] = "9, Sprint 10";
    CHECK(error_of([&] {
              sprint_changes(json{{"id", "500"}, {"created", "2024-01-01T00:00:00Z"}, {"items", {bad}}}, 9,
                             fields);
          }) ==
          "changelog history 500 of issue 9 has a Sprint 'to' that is not a list of ids: '9, Sprint 10'");
    // A history without Sprint items is none of this function's business, readable or not.
    CHECK(sprint_changes(json{{"id", "1"}, {"items", {{{"field", "status"}}}}}, 9, fields).empty());
}
