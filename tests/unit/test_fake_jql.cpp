// The fake Jira's JQL parser and evaluator, its keyset paging, and its data generator.
#include "generator.hpp"
#include "issue_store.hpp"
#include "jql_eval.hpp"
#include "jql_parser.hpp"
#include "page_token.hpp"
#include "search_engine.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <set>

using namespace j2s::fake;
using j2s::Timestamp;

namespace {

Timestamp utc(const char* text) { return *j2s::parse_jira_timestamp(text); }

const Timestamp fixed_now = utc("2024-06-01T12:00:00.000Z");

// A small site: ALPHA-1..3 and BETA-1..2 with known fields and times.
struct Site {
    IssueStore store{Flavor::cloud, fixed_now};

    Site() {
        auto lock = store.write_lock();
        add(10000, "ALPHA", 1, "2024-01-15T17:59:59.999Z", "2024-05-01T00:00:00.000Z", "To Do", "Bug", {"backend"}, "alice");
        add(10001, "ALPHA", 2, "2024-01-15T18:00:00.000Z", "2024-05-20T00:00:00.000Z", "In Progress", "Task", {}, "");
        add(10002, "ALPHA", 3, "2024-01-15T04:30:00.000Z", "2024-06-01T11:00:00.000Z", "Done", "Story", {"ux", "backend"}, "bob");
        add(10003, "BETA", 1, "2024-02-01T00:00:00.000Z", "2024-02-02T00:00:00.000Z", "Done", "Bug", {"ux"}, "alice");
        add(10004, "BETA", 2, "2024-03-01T00:00:00.000Z", "2024-03-02T00:00:00.000Z", "To Do", "Task", {}, "bob");
    }

    void add(std::int64_t id, const char* project, std::int64_t number, const char* created, const char* updated,
             const char* status, const char* type, std::vector<std::string> labels, const char* assignee) {
        Issue issue;
        issue.id = id;
        issue.project_key = project;
        issue.number = number;
        issue.key = std::string(project) + "-" + std::to_string(number);
        issue.created = utc(created);
        issue.updated = utc(updated);
        json fields = {{"summary", "s"},
                       {"status", {{"name", status}, {"id", "1"}}},
                       {"issuetype", {{"name", type}, {"id", "2"}}},
                       {"labels", labels},
                       {"assignee", *assignee ? json{{"accountId", assignee}, {"displayName", assignee}} : json(nullptr)}};
        issue.fields = std::make_shared<const json>(fields);
        store.add_issue(std::move(issue));
    }

    // Ids (ascending) of the issues matching `jql` for an account in `zone`.
    std::vector<std::int64_t> ids(const std::string& jql, const std::string& zone = "UTC") {
        auto lock = store.read_lock();
        const JqlQuery q = parse_jql(jql);
        JqlMatcher m(q, store, zone, fixed_now);
        std::vector<std::int64_t> out;
        for (const auto& issue : store.all())
            if (m.matches(issue)) out.push_back(issue.id);
        std::sort(out.begin(), out.end());
        return out;
    }

    // Error message of a query that must fail to parse or bind.
    std::string error(const std::string& jql) {
        try {
            ids(jql);
        } catch (const JqlError& e) {
            return e.what();
        }
        return "no error";
    }
};

using Ids = std::vector<std::int64_t>;

}  // namespace

TEST_CASE("JQL project clauses by key or id, = != IN NOT IN, case-insensitive keywords", "[fake][jql]") {
    Site s;
    CHECK(s.ids("project = ALPHA") == Ids{10000, 10001, 10002});
    CHECK(s.ids("project = alpha") == Ids{10000, 10001, 10002});
    CHECK(s.ids("project != ALPHA") == Ids{10003, 10004});
    CHECK(s.ids("project in (BETA)") == Ids{10003, 10004});
    CHECK(s.ids("PROJECT NOT IN (beta, 'ALPHA')").empty());
    CHECK(s.ids("project = 10001") == Ids{10003, 10004});  // BETA was the second project created
    CHECK_THAT(s.error("project = NOPE"), Catch::Contains("The value 'NOPE' does not exist for the field 'project'"));
    CHECK_THAT(s.error("project > ALPHA"), Catch::Contains("The operator '>' is not supported by the 'project' field"));
}

TEST_CASE("JQL key/id clauses compare ids numerically and keys within their project", "[fake][jql]") {
    Site s;
    CHECK(s.ids("key = ALPHA-2") == Ids{10001});
    CHECK(s.ids("issuekey in (alpha-1, BETA-2)") == Ids{10000, 10004});
    CHECK(s.ids("id = 10003") == Ids{10003});
    CHECK(s.ids("issue != 10003 AND project = BETA") == Ids{10004});
    CHECK(s.ids("key NOT IN (ALPHA-1, ALPHA-2)") == Ids{10002, 10003, 10004});
    CHECK(s.ids("key > ALPHA-1") == Ids{10001, 10002});  // BETA issues are not "greater"
    CHECK(s.ids("key >= ALPHA-2") == Ids{10001, 10002});
    CHECK(s.ids("key < ALPHA-3") == Ids{10000, 10001});
    CHECK(s.ids("key <= BETA-1") == Ids{10003});
    CHECK(s.ids("id > 10002") == Ids{10003, 10004});
    CHECK(s.ids("id <= 10001") == Ids{10000, 10001});
    CHECK_THAT(s.error("key = banana"), Catch::Contains("The issue key 'banana' for field 'key' is invalid"));
}

TEST_CASE("JQL AND binds tighter than OR, NOT and parentheses", "[fake][jql]") {
    Site s;
    // A OR (B AND C), not (A OR B) AND C.
    CHECK(s.ids("key = ALPHA-1 OR project = BETA AND status = Done") == Ids{10000, 10003});
    CHECK(s.ids("(key = ALPHA-1 OR project = BETA) AND status = Done") == Ids{10003});
    CHECK(s.ids("NOT project = ALPHA") == Ids{10003, 10004});
    CHECK(s.ids("not (project = ALPHA or status = 'To Do')") == Ids{10003});
    CHECK(s.ids("project = ALPHA AND NOT status = Done AND NOT key = ALPHA-2") == Ids{10000});
    CHECK(s.ids("project = ALPHA && status != Done || key = BETA-2") == Ids{10000, 10001, 10004});
    CHECK(s.ids("((project = BETA))") == Ids{10003, 10004});
}

TEST_CASE("JQL status, issuetype, labels and assignee", "[fake][jql]") {
    Site s;
    CHECK(s.ids("status = \"In Progress\"") == Ids{10001});
    CHECK(s.ids("status in ('to do', Done)") == Ids{10000, 10002, 10003, 10004});
    CHECK(s.ids("issuetype = Bug") == Ids{10000, 10003});
    CHECK(s.ids("type != Bug") == Ids{10001, 10002, 10004});
    CHECK(s.ids("labels = backend") == Ids{10000, 10002});
    CHECK(s.ids("labels is EMPTY") == Ids{10001, 10004});
    CHECK(s.ids("labels IS NOT EMPTY AND labels != backend") == Ids{10003});
    CHECK(s.ids("assignee = alice") == Ids{10000, 10003});
    CHECK(s.ids("assignee IS EMPTY") == Ids{10001});
    CHECK(s.ids("assignee = EMPTY") == Ids{10001});
    CHECK(s.ids("assignee != alice") == Ids{10002, 10004});  // an unassigned issue never matches !=
}

TEST_CASE("JQL dates are read in the account's zone, to the minute", "[fake][jql][time]") {
    Site s;
    // UTC-8: 2024-01-15 10:00 is 18:00Z. ALPHA-1 was created 1 ms before, ALPHA-2 exactly then.
    const std::string la = "America/Los_Angeles";
    CHECK(s.ids("created >= '2024-01-15 10:00' AND project = ALPHA", la) == Ids{10001});
    CHECK(s.ids("created < \"2024-01-15 10:00\" AND project = ALPHA", la) == Ids{10000, 10002});
    CHECK(s.ids("created = '2024/01/15 10:00'", la) == Ids{10001});
    CHECK(s.ids("created > '2024-01-15 09:59' AND created < '2024-01-15 10:01'", la) == Ids{10000, 10001});
    // UTC+5:30: 2024-01-15 10:00 is 04:30Z, ALPHA-3's creation instant.
    const std::string kolkata = "Asia/Kolkata";
    CHECK(s.ids("created = '2024-01-15 10:00'", kolkata) == Ids{10002});
    CHECK(s.ids("created >= '2024-01-15 10:01' AND project = ALPHA", kolkata) == Ids{10000, 10001});
    CHECK(s.ids("created <= '2024-01-15 09:59'", kolkata).empty());
    // The same text in UTC is a different instant.
    CHECK(s.ids("created = '2024-01-15 10:00'").empty());
    // Date-only values are midnight in the zone; unquoted dates work.
    CHECK(s.ids("created >= 2024-02-01 AND created < 2024/03/01") == Ids{10003});
    CHECK(s.ids("created >= 2024-02-01 AND created < 2024/03/01", la) == Ids{10004});
}

TEST_CASE("JQL epoch milliseconds and relative dates", "[fake][jql][time]") {
    Site s;
    const auto ms = utc("2024-01-15T18:00:00.000Z").time_since_epoch().count();
    CHECK(s.ids("created >= " + std::to_string(ms) + " AND project = ALPHA") == Ids{10001});
    CHECK(s.ids("created < " + std::to_string(ms) + " AND project = ALPHA") == Ids{10000, 10002});
    // now is 2024-06-01 12:00Z: ALPHA-3 was updated 1 h ago, ALPHA-2 12.5 days ago.
    CHECK(s.ids("updated >= -2h") == Ids{10002});
    CHECK(s.ids("updated >= -90m") == Ids{10002});
    CHECK(s.ids("updated > -30m").empty());
    CHECK(s.ids("updated >= -13d") == Ids{10001, 10002});
    CHECK(s.ids("updated >= '-2w'") == Ids{10001, 10002});
    CHECK_THAT(s.error("updated > yesterday"),
               Catch::Contains("Date value 'yesterday' for field 'updated' is invalid"));
    CHECK_THAT(s.error("created > '2024-02-30'"), Catch::Contains("is invalid"));
}

TEST_CASE("JQL syntax errors carry Jira's wording and position", "[fake][jql]") {
    Site s;
    CHECK(s.error("project = ALPHA AND") ==
          "Error in the JQL Query: Expecting a field name but got 'EOF'. (line 1, character 20)");
    CHECK_THAT(s.error("project ALPHA"),
               Catch::StartsWith("Error in the JQL Query: Expecting operator but got 'ALPHA'.") &&
                   Catch::EndsWith("(line 1, character 9)"));
    CHECK(s.error("project = ALPHA garbage") ==
          "Error in the JQL Query: Expecting either 'OR' or 'AND' but got 'garbage'. (line 1, character 17)");
    CHECK(s.error("(project = ALPHA") == "Error in the JQL Query: Expecting ')' but got 'EOF'. (line 1, character 17)");
    CHECK(s.error("summary = 'abc") ==
          "Error in the JQL Query: The quoted string 'abc' has not been completed. (line 1, character 11)");
    CHECK_THAT(s.error("project = order"), Catch::Contains("(line 1, character 11)") && Catch::Contains("'order'"));
    CHECK_THAT(s.error("project = ALPHA\nAND status ="), Catch::EndsWith("(line 2, character 13)"));
    CHECK(s.error("foo = 1") == "Field 'foo' does not exist or you do not have permission to view it.");
    CHECK(s.error("project = ALPHA ORDER BY bar") ==
          "Field 'bar' does not exist or you do not have permission to view it.");
    CHECK_THAT(s.error("project = A ORDER BY key, id, created, updated, priority, status, project, key"),
               Catch::Contains("7"));
}

TEST_CASE("JQL quoted strings take escapes, ORDER BY alone has no restriction", "[fake][jql]") {
    auto q = parse_jql(R"(labels = "a \"b\" c" AND labels = 'it\'s')");
    REQUIRE(q.where);
    CHECK(q.where->children.at(0)->clause.values.at(0).text == "a \"b\" c");
    CHECK(q.where->children.at(1)->clause.values.at(0).text == "it's");
    auto unbounded = parse_jql("order by key DESC");
    CHECK_FALSE(unbounded.where);
    REQUIRE(unbounded.order.size() == 1);
    CHECK(unbounded.order[0].descending);
    CHECK_FALSE(parse_jql("").where);
}

TEST_CASE("ORDER BY sorts with a stable id tiebreak", "[fake][jql]") {
    Site s;
    auto lock = s.store.read_lock();
    auto run = [&](const std::string& jql) {
        const auto q = parse_jql(jql);
        JqlMatcher m(q, s.store, "UTC", fixed_now);
        Ids out;
        for (const Issue* i : search_after(s.store, q, m, std::nullopt, 100).issues) out.push_back(i->id);
        return out;
    };
    CHECK(run("project in (ALPHA, BETA) ORDER BY key DESC") == Ids{10004, 10003, 10002, 10001, 10000});
    CHECK(run("project in (ALPHA, BETA) ORDER BY updated ASC") == Ids{10003, 10004, 10000, 10001, 10002});
    CHECK(run("project in (ALPHA, BETA) ORDER BY status ASC, created DESC") ==
          Ids{10004, 10003, 10001, 10000, 10002});  // all status ids are "1": created DESC decides
    CHECK(run("project in (ALPHA, BETA) ORDER BY project DESC") == Ids{10003, 10004, 10000, 10001, 10002});
}

TEST_CASE("keyset tokens: an issue edited between pages is never skipped", "[fake][paging]") {
    IssueStore store(Flavor::cloud, fixed_now);
    {
        auto lock = store.write_lock();
        generate_issues(store, {250, 42, {"ALPHA"}, fixed_now});
    }
    const std::string jql = "project = ALPHA ORDER BY updated ASC";
    const auto q = parse_jql(jql);
    std::set<std::int64_t> seen;
    std::optional<SortRow> after;
    std::string token;
    int pages = 0;
    for (;;) {
        KeysetPage page;
        {
            auto lock = store.read_lock();
            JqlMatcher m(q, store, "UTC", fixed_now);
            if (!token.empty()) {
                after = decode_page_token(token, jql);
                REQUIRE(after);
            }
            page = search_after(store, q, m, after, 50);
        }
        for (const Issue* i : page.issues) seen.insert(i->id);
        ++pages;
        if (pages == 1) {
            // Move the first row of page 1 to the very end; offset paging would now skip a row.
            auto lock = store.write_lock();
            Issue* first = store.find(std::to_string(page.issues.front()->id));
            first->updated = fixed_now + std::chrono::hours(1);
        }
        if (!page.has_more) break;
        token = encode_page_token(jql, page.last_row);
    }
    CHECK(seen.size() == 250);
    CHECK(pages == 6);  // 250 rows + the moved one seen again
    // A token only works for the query it came from.
    CHECK_FALSE(decode_page_token(token, "project = BETA ORDER BY updated ASC"));
    CHECK_FALSE(decode_page_token("not a token!", jql));
}

TEST_CASE("generator: same seed, same issues, another seed, other issues", "[fake][generator]") {
    auto render_all = [](std::uint64_t seed) {
        IssueStore store(Flavor::cloud, fixed_now);
        auto lock = store.write_lock();
        generate_issues(store, {300, seed, {"ALPHA", "BETA", "GAMMA"}, fixed_now});
        std::string out;
        for (const auto& issue : store.all()) {
            out += issue.key + std::to_string(issue.id) + std::to_string(issue.created.time_since_epoch().count()) +
                   std::to_string(issue.updated.time_since_epoch().count()) + store.fields_of(issue)->dump();
            for (const auto& h : store.histories_of(issue)) out += std::to_string(h.id) + h.items.dump();
        }
        return out;
    };
    const auto a = render_all(7);
    CHECK(a == render_all(7));
    CHECK(a != render_all(8));
}

TEST_CASE("generator: shapes follow Jira's data", "[fake][generator]") {
    IssueStore store(Flavor::cloud, fixed_now);
    auto lock = store.write_lock();
    generate_issues(store, {2000, 3, {"ALPHA", "BETA", "GAMMA"}, fixed_now});
    REQUIRE(store.all().size() == 2000);
    CHECK(store.all().front().id == 10000);
    int over40 = 0, over100 = 0, items = 0, with_field_id = 0;
    std::int64_t previous_id = 0;
    for (const auto& issue : store.all()) {
        CHECK(issue.id > previous_id);
        previous_id = issue.id;
        CHECK(issue.created <= issue.updated);
        CHECK(issue.updated <= fixed_now);
        CHECK(issue.created >= fixed_now - std::chrono::days(731));
        const auto histories = store.histories_of(issue);
        CHECK(histories.size() <= 400);
        if (histories.size() > 40) ++over40;
        if (histories.size() > 100) ++over100;
        for (std::size_t i = 0; i < histories.size(); ++i) {
            const auto& h = histories[i];
            CHECK(h.created >= issue.created);
            CHECK(h.created <= issue.updated);
            if (i > 0) {
                CHECK(h.id > histories[i - 1].id);
                CHECK(h.created >= histories[i - 1].created);
            }
            for (const auto& item : h.items) {
                ++items;
                if (item.contains("fieldId")) ++with_field_id;
                CHECK((item["fieldtype"] == "jira" || item["fieldtype"] == "custom") == true);
            }
        }
        if (!histories.empty()) CHECK(histories.back().created == issue.updated);
    }
    CHECK(over40 >= 30);  // ~3% of 2000 have 150..400
    CHECK(over100 >= 30);
    CHECK(over40 < 120);
    const double share = static_cast<double>(with_field_id) / items;
    CHECK(share > 0.05);
    CHECK(share < 0.15);
    // Cloud users have accountId and no name; some issues have a parent resolved to a real issue.
    int parents = 0;
    for (std::size_t i = 0; i < 300; ++i) {
        const auto f = store.fields_of(store.all()[i]);
        CHECK((*f)["reporter"].contains("accountId"));
        CHECK_FALSE((*f)["reporter"].contains("name"));
        if (f->contains("parent")) {
            ++parents;
            CHECK(store.find((*f)["parent"]["key"].get<std::string>()) != nullptr);
        }
    }
    CHECK(parents > 0);
}

TEST_CASE("generator: 200,000 issues are generated quickly", "[fake][generator][.slow]") {
    IssueStore store(Flavor::cloud, fixed_now);
    auto lock = store.write_lock();
    const auto start = std::chrono::steady_clock::now();
    generate_issues(store, {200000, 1, {"ALPHA", "BETA", "GAMMA"}, fixed_now});
    const auto elapsed = std::chrono::steady_clock::now() - start;
    CHECK(store.all().size() == 200000);
    CHECK(elapsed < std::chrono::seconds(10));
}
