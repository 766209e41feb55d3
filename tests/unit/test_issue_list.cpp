// IssueList: the issues of a search page read from the parsed document one at a time (jira/issue_list.hpp).
#include <catch2/catch.hpp>

#include <memory>
#include <string>
#include <vector>

#include "jira/issue_list.hpp"
#include "jira/response_json.hpp"
#include "util/errors.hpp"

using namespace j2s;

namespace {

IssueList list_of(std::string body) {
    auto document = JsonDocument::parse(body);
    REQUIRE(document.has_value());
    return IssueList(std::make_shared<const JsonDocument>(std::move(*document)), "issues");
}

std::vector<std::int64_t> ids_of(const IssueList& list) {
    std::vector<std::int64_t> ids;
    for (std::size_t i = 0; i < list.size(); ++i) ids.push_back(list.id(i));
    return ids;
}

}  // namespace

TEST_CASE("issue list: ids, updated and each issue as nlohmann parses it", "[issue_list]") {
    const std::string body =
        R"({"issues":[{"id":"10","key":"P-1","fields":{"updated":"2024-01-02T03:04:05.000+0000","n":1}},)"
        R"({"id":11,"key":"P-2","fields":{}},{"id":"12","key":"P-3"}],"total":3})";
    auto list = list_of(body);
    REQUIRE(list.size() == 3);
    CHECK(ids_of(list) == std::vector<std::int64_t>{10, 11, 12});
    CHECK(list.updated(0) == parse_jira_timestamp("2024-01-02T03:04:05.000+0000"));
    CHECK_FALSE(list.updated(1).has_value());
    CHECK_FALSE(list.updated(2).has_value());
    const auto all = nlohmann::json::parse(body)["issues"];
    CHECK(list.to_json(1) == all[1]);
    CHECK(nlohmann::json(list.to_json()) == all);
}

TEST_CASE("issue list: dropping and filtering keep the order and the document", "[issue_list]") {
    auto list = list_of(R"({"issues":[{"id":"1"},{"id":"2"},{"id":"3"},{"id":"4"},{"id":"5"}]})");
    list.drop_front(1);
    CHECK(ids_of(list) == std::vector<std::int64_t>{2, 3, 4, 5});
    list.keep_if([&](std::size_t i) { return list.id(i) % 2 == 0; });
    CHECK(ids_of(list) == std::vector<std::int64_t>{2, 4});
    IssueList moved = std::move(list);
    CHECK(moved.to_json(1) == nlohmann::json{{"id", "4"}});
    moved.drop_front(10);
    CHECK(moved.empty());
}

TEST_CASE("issue list: a missing array is empty, a missing id is an error", "[issue_list]") {
    CHECK(list_of(R"({"total":0})").empty());
    CHECK(list_of(R"({"issues":{"id":"1"}})").empty());
    CHECK(IssueList().empty());
    const auto list = list_of(R"({"issues":[{"key":"P-1"},{"id":"x"}]})");
    CHECK_THROWS_AS(list.id(0), Error);
    CHECK_THROWS_AS(list.id(1), Error);
}
