#include <catch2/catch.hpp>

#include "sync/page_transformer.hpp"

using namespace j2s;

namespace {

Mapping mapping_for(const std::string& yaml) {
    Mapping m = Mapping::parse(yaml, "test.yaml");
    m.resolve_fields({});
    return m;
}

nlohmann::json issue(int id, const std::string& updated, int embedded, int total, const std::string& due = "2025-01-31") {
    nlohmann::json histories = nlohmann::json::array();
    for (int i = 0; i < embedded; ++i)
        histories.push_back({{"id", std::to_string(id * 1000 + i)},
                             {"created", updated},
                             {"items", {{{"field", "status"}, {"fieldtype", "jira"}, {"toString", "Done"}}}}});
    return {{"id", std::to_string(id)},
            {"key", "P-" + std::to_string(id)},
            {"fields",
             {{"created", "2024-01-01T00:00:00.000+0000"},
              {"updated", updated},
              {"project", {{"key", "P"}}},
              {"duedate", due}}},
            {"changelog", {{"startAt", 0}, {"maxResults", embedded}, {"total", total}, {"histories", histories}}}};
}

}  // namespace

TEST_CASE("a page becomes rows, truncated changelogs are flagged, raw has no changelog", "[transform]") {
    const auto mapping = mapping_for("columns:\n  - name: due\n    source: fields.duedate\n    type: date\n");
    std::vector<nlohmann::json> page{issue(1, "2024-02-01T10:00:00.000+0100", 2, 2),
                                     issue(2, "2024-02-02T10:00:00.000+0000", 40, 120)};
    const auto out = transform_page(std::move(page), mapping, true);
    REQUIRE(out.issues.size() == 2);
    REQUIRE(out.issues[0].project_key == "P");
    REQUIRE(format_utc(out.issues[0].updated) == "2024-02-01T09:00:00.000Z");
    REQUIRE(std::get<std::string>(out.issues[0].mapped[0]) == "2025-01-31");
    REQUIRE(out.issues[0].raw_json.find("changelog") == std::string::npos);
    REQUIRE(out.changelog.size() == 42);
    REQUIRE(out.truncated.size() == 1);
    REQUIRE(out.truncated[0].id == 2);
    REQUIRE(out.dead_letters.empty());
}

TEST_CASE("one bad issue is dead-lettered with its payload, the others go through", "[transform]") {
    const auto mapping = mapping_for("columns:\n  - name: due\n    source: fields.duedate\n    type: date\n");
    std::vector<nlohmann::json> page{issue(1, "2024-02-01T10:00:00.000+0000", 1, 1, "N/A"),
                                     issue(2, "2024-02-01T10:00:00.000+0000", 1, 1)};
    page.push_back({{"key", "P-3"}, {"fields", nlohmann::json::object()}});  // no id
    const auto out = transform_page(std::move(page), mapping, true);
    REQUIRE(out.issues.size() == 1);
    REQUIRE(out.issues[0].id == 2);
    REQUIRE(out.changelog.size() == 1);  // the dead issue's histories are not written
    REQUIRE(out.dead_letters.size() == 2);
    REQUIRE(out.dead_letters[0].issue_id == 1);
    REQUIRE(out.dead_letters[0].stage == "transform");
    REQUIRE_THAT(out.dead_letters[0].error, Catch::Contains("due"));
    REQUIRE_THAT(out.dead_letters[0].payload, Catch::Contains("\"P-1\""));
    REQUIRE_FALSE(out.dead_letters[1].issue_id.has_value());
    REQUIRE(out.dead_letters[1].issue_key == "P-3");
}

TEST_CASE("without changelog sync, embedded histories are ignored", "[transform]") {
    const auto mapping = mapping_for("columns: []\n");
    std::vector<nlohmann::json> page{issue(1, "2024-02-01T10:00:00.000+0000", 40, 90)};
    const auto out = transform_page(std::move(page), mapping, false);
    REQUIRE(out.changelog.empty());
    REQUIRE(out.truncated.empty());
}
