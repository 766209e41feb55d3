#include <catch2/catch.hpp>

#include "sync/entity_selection.hpp"
#include "sync/page_transformer.hpp"

using namespace j2s;
using nlohmann::json;

namespace {

const std::string kSprintField = "customfield_10020";
const std::string kTime = "2024-02-01T10:00:00.000+0000";

Mapping mapping_for(const std::string& yaml) {
    Mapping m = Mapping::parse(yaml, "test.yaml");
    m.resolve_fields({});
    return m;
}

json comment(int id) {
    return {{"id", std::to_string(id)},
            {"author", {{"accountId", "acc-1"}}},
            {"body", {{"type", "doc"}, {"version", 1}, {"content", {{{"type", "paragraph"}, {"content", {{{"type", "text"}, {"text", "hi"}}}}}}}}},
            {"created", kTime},
            {"updated", kTime}};
}

json worklog(int id, int issue_id) {
    return {{"id", std::to_string(id)},
            {"issueId", std::to_string(issue_id)},
            {"author", {{"accountId", "acc-1"}}},
            {"started", kTime},
            {"timeSpentSeconds", 3600},
            {"created", kTime},
            {"updated", kTime}};
}

json sprint_value(int id, const std::string& state) {
    return {{"id", id}, {"name", "Sprint " + std::to_string(id)}, {"state", state}, {"boardId", 1}};
}

// An issue of a Cloud search page with `comments` of `comment_total` comments, `worklogs` of `worklog_total`
// worklogs, one link and the Sprint field holding `sprints`.
json issue(int id, int comments, int comment_total, int worklogs, int worklog_total, const json& sprints) {
    json c = json::array(), w = json::array();
    for (int i = 0; i < comments; ++i) c.push_back(comment(id * 100 + i));
    for (int i = 0; i < worklogs; ++i) w.push_back(worklog(id * 100 + i, id));
    json fields = {{"created", "2024-01-01T00:00:00.000+0000"},
                   {"updated", kTime},
                   {"project", {{"key", "P"}}},
                   {"comment", {{"comments", c}, {"maxResults", comments}, {"total", comment_total}, {"startAt", 0}}},
                   {"worklog", {{"worklogs", w}, {"maxResults", 20}, {"total", worklog_total}, {"startAt", 0}}},
                   {"issuelinks",
                    {{{"id", std::to_string(500 + id)},
                      {"type", {{"id", "1"}, {"name", "Blocks"}, {"inward", "is blocked by"}, {"outward", "blocks"}}},
                      {"outwardIssue", {{"id", "7"}, {"key", "P-7"}}}}}}};
    fields[kSprintField] = sprints;
    return {{"id", std::to_string(id)}, {"key", "P-" + std::to_string(id)}, {"fields", fields}};
}

json sprint_history(int history_id, const std::string& from, const std::string& to) {
    return {{"id", std::to_string(history_id)},
            {"created", "2024-01-15T09:00:00.000+0000"},
            {"items", {{{"field", "Sprint"}, {"fieldId", kSprintField}, {"from", from}, {"to", to}}}}};
}

TransformOptions all_entities() {
    TransformOptions o;
    o.with_changelog = true;
    o.entities.comments = o.entities.worklogs = o.entities.links = o.entities.sprints = true;
    o.entities.flavor = Flavor::cloud;
    o.entities.sprint_fields = {kSprintField};
    return o;
}

}  // namespace

TEST_CASE("a page's comments, worklogs, links and sprints become rows, raw keeps neither comments nor worklogs",
          "[transform][entities]") {
    const auto mapping = mapping_for("columns:\n  - name: comment_count\n    source: fields.comment.total\n    type: integer\n");
    auto one = issue(1, 2, 2, 3, 25, json::array({sprint_value(11, "closed"), sprint_value(12, "active")}));
    one["changelog"] = {{"startAt", 0}, {"maxResults", 1}, {"total", 1}, {"histories", {sprint_history(900, "11", "11, 12")}}};
    std::vector<json> page{one};
    const auto out = transform_page(std::move(page), mapping, all_entities());

    REQUIRE(out.dead_letters.empty());
    REQUIRE(out.issues.size() == 1);
    // The mapping saw the comment page; the stored raw leaves it (and the worklogs) to their own tables.
    REQUIRE(std::get<std::int64_t>(out.issues[0].mapped[0]) == 2);
    const auto raw = json::parse(out.issues[0].raw_json);
    REQUIRE_FALSE(raw["fields"].contains("comment"));
    REQUIRE_FALSE(raw["fields"].contains("worklog"));
    REQUIRE(raw["fields"].contains("issuelinks"));
    REQUIRE(raw["fields"].contains(kSprintField));

    REQUIRE(out.entities.size() == 1);
    const auto& e = out.entities[0];
    REQUIRE(e.issue_id == 1);
    REQUIRE(e.rows.comments.size() == 2);
    REQUIRE(e.rows.comments[0].body_text == "hi");
    REQUIRE(e.rows.comments_complete_for == std::vector<std::int64_t>{1});
    REQUIRE_FALSE(e.comments_overflow);
    // 3 of 25 worklogs embedded: not the whole set, so nothing may be soft-deleted because of it.
    REQUIRE(e.rows.worklogs.size() == 3);
    REQUIRE(e.rows.worklogs_complete_for.empty());
    REQUIRE(e.worklogs_overflow);
    REQUIRE(e.rows.links.size() == 1);
    REQUIRE(e.rows.links[0].source_issue_id == 1);
    REQUIRE(e.rows.links[0].target_issue_id == 7);
    REQUIRE(e.rows.links_complete_for == std::vector<std::int64_t>{1});
    REQUIRE(e.rows.sprints.size() == 2);
    REQUIRE(e.rows.sprints_complete_for == std::vector<std::int64_t>{1});
    // Two memberships from the field, one from the history that added sprint 12.
    REQUIRE(e.rows.issue_sprints.size() == 3);
    int from_field = 0, added = 0;
    for (const auto& m : e.rows.issue_sprints) {
        from_field += m.from_field ? 1 : 0;
        if (!m.from_field && m.sprint_id == 12 && m.added_at) ++added;
    }
    REQUIRE(from_field == 2);
    REQUIRE(added == 1);
}

TEST_CASE("comments beyond the embedded page are flagged, an empty Sprint field still completes the issue",
          "[transform][entities]") {
    const auto mapping = mapping_for("columns: []\n");
    std::vector<json> page{issue(1, 100, 130, 0, 0, nullptr)};
    page.push_back(issue(2, 0, 0, 0, 0, json::array()));
    page[1]["fields"].erase(kSprintField);  // a field not returned tells nothing
    const auto out = transform_page(std::move(page), mapping, all_entities());
    REQUIRE(out.entities.size() == 2);
    REQUIRE(out.entities[0].comments_overflow);
    REQUIRE(out.entities[0].rows.comments_complete_for.empty());
    REQUIRE(out.entities[0].rows.worklogs_complete_for == std::vector<std::int64_t>{1});
    REQUIRE(out.entities[0].rows.sprints_complete_for == std::vector<std::int64_t>{1});
    REQUIRE(out.entities[0].rows.issue_sprints.empty());
    REQUIRE(out.entities[1].rows.sprints_complete_for.empty());
    REQUIRE(out.entities[1].rows.comments_complete_for == std::vector<std::int64_t>{2});
}

TEST_CASE("a malformed comment, worklog or sprint dead-letters its issue, the others go through",
          "[transform][entities]") {
    const auto mapping = mapping_for("columns: []\n");
    auto bad_comment = issue(1, 2, 2, 0, 0, nullptr);
    bad_comment["fields"]["comment"]["comments"][1].erase("id");
    bad_comment["changelog"] = {{"total", 1}, {"histories", {sprint_history(901, "", "11")}}};
    auto bad_worklog = issue(2, 0, 0, 1, 1, nullptr);
    bad_worklog["fields"]["worklog"]["worklogs"][0]["started"] = "yesterday";
    auto bad_sprint = issue(3, 0, 0, 0, 0, json::array({json{{"name", "no id"}}}));
    std::vector<json> page{bad_comment, bad_worklog, bad_sprint, issue(4, 1, 1, 1, 1, nullptr)};
    const auto out = transform_page(std::move(page), mapping, all_entities());

    REQUIRE(out.issues.size() == 1);
    REQUIRE(out.issues[0].id == 4);
    REQUIRE(out.entities.size() == 1);
    REQUIRE(out.entities[0].issue_id == 4);
    REQUIRE(out.changelog.empty());  // the dead issue's histories are not written either
    REQUIRE(out.dead_letters.size() == 3);
    for (const auto& d : out.dead_letters) REQUIRE(d.stage == "transform");
    REQUIRE(out.dead_letters[0].issue_id == 1);
    REQUIRE_THAT(out.dead_letters[0].error, Catch::Contains("comment"));
    // The payload is the issue as Jira sent it, comments included, for the person who looks at it.
    REQUIRE_THAT(out.dead_letters[0].payload, Catch::Contains("\"comment\""));
    REQUIRE(out.dead_letters[1].issue_id == 2);
    REQUIRE_THAT(out.dead_letters[1].error, Catch::Contains("worklog"));
    REQUIRE_THAT(out.dead_letters[1].error, Catch::Contains("200"));
    REQUIRE(out.dead_letters[2].issue_id == 3);
    REQUIRE_THAT(out.dead_letters[2].error, Catch::Contains("sprint"));
}

TEST_CASE("without entities a page is what it always was: raw keeps comments and worklogs, no entity rows",
          "[transform][entities]") {
    const auto mapping = mapping_for("columns: []\n");
    auto bad = issue(1, 2, 2, 0, 0, nullptr);
    bad["fields"]["comment"]["comments"][1].erase("id");  // nobody reads comments, so nothing is wrong
    std::vector<json> page{bad};
    const auto out = transform_page(std::move(page), mapping, true);
    REQUIRE(out.dead_letters.empty());
    REQUIRE(out.entities.empty());
    const auto raw = json::parse(out.issues[0].raw_json);
    REQUIRE(raw["fields"].contains("comment"));
    REQUIRE(raw["fields"].contains("worklog"));
}

TEST_CASE("only an issue at least as new as its stored copy brings entity rows, stored issues' worklogs can be "
          "left to the feeds",
          "[entities]") {
    const auto t = [](int minute) { return Timestamp{} + std::chrono::minutes(minute); };
    const auto make = [&](std::int64_t id, int minute) {
        IssueEntities e;
        e.issue_id = id;
        e.updated = t(minute);
        CommentRecord c;
        c.id = id * 10;
        c.issue_id = id;
        e.rows.comments.push_back(c);
        e.rows.comments_complete_for.push_back(id);
        WorklogRecord w;
        w.id = id * 10;
        w.issue_id = id;
        e.rows.worklogs.push_back(w);
        e.worklogs_overflow = true;
        e.comments_overflow = id == 3;
        return e;
    };
    // 1: stored newer (skipped); 2: stored equal; 3: new to the store.
    const std::unordered_map<std::int64_t, Timestamp> stored{{1, t(10)}, {2, t(5)}};
    {
        std::vector<IssueEntities> page{make(1, 5), make(2, 5), make(3, 5)};
        const auto chosen = select_page_entities(std::move(page), stored, true);
        REQUIRE(chosen.rows.comments.size() == 2);
        REQUIRE(chosen.rows.comments_complete_for == std::vector<std::int64_t>{2, 3});
        REQUIRE(chosen.rows.worklogs.size() == 2);
        REQUIRE(chosen.worklog_overflow == std::vector<std::int64_t>{2, 3});
        REQUIRE(chosen.comment_overflow == std::vector<std::int64_t>{3});
    }
    {
        std::vector<IssueEntities> page{make(1, 5), make(2, 5), make(3, 5)};
        const auto chosen = select_page_entities(std::move(page), stored, false);
        REQUIRE(chosen.rows.comments.size() == 2);
        REQUIRE(chosen.rows.worklogs.size() == 1);
        REQUIRE(chosen.rows.worklogs[0].issue_id == 3);
        REQUIRE(chosen.worklog_overflow == std::vector<std::int64_t>{3});
    }
}

TEST_CASE("duplicate entity rows of one commit collapse as the store would apply them", "[entities]") {
    EntityRows rows;
    IssueLinkRecord link;
    link.id = 9;
    link.source_issue_id = 1;
    link.target_issue_id = 2;
    rows.links = {link, link};  // both ends of the link on one page
    rows.links_complete_for = {1, 2, 1};
    SprintRecord s;
    s.id = 11;
    s.name = "old";
    rows.sprints.push_back(s);
    s.name = "new";
    rows.sprints.push_back(s);
    const auto at = [](int day) { return Timestamp{} + std::chrono::hours(24 * day); };
    rows.issue_sprints = {{1, 11, false, at(3), std::nullopt},
                          {1, 11, true, std::nullopt, std::nullopt},
                          {1, 11, false, at(1), at(2)},
                          {2, 11, false, at(1), std::nullopt}};
    dedupe_entity_rows(rows);
    REQUIRE(rows.links.size() == 1);
    REQUIRE(rows.links_complete_for == std::vector<std::int64_t>{1, 2});
    REQUIRE(rows.sprints.size() == 1);
    REQUIRE(rows.sprints[0].name == "new");
    REQUIRE(rows.issue_sprints.size() == 2);
    const auto& m = rows.issue_sprints[0];
    REQUIRE(m.issue_id == 1);
    REQUIRE(m.from_field);
    REQUIRE(m.added_at == at(3));
    REQUIRE(m.removed_at == at(2));
    REQUIRE(rows.issue_sprints[1].issue_id == 2);
}
