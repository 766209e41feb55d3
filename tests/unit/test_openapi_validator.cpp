// The OpenAPI request validator used by the conformance test: good requests pass, each kind of problem is
// reported. Most cases run against the extracted Jira subset (fixtures/openapi/), the rest against a small
// inline spec for keywords the Jira operations do not use on requests.

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "../integration/openapi_validator.hpp"

using j2s::it::OpenApiValidator;
using j2s::it::QueryMap;
using nlohmann::json;

namespace {

const OpenApiValidator& jira() {
    static const OpenApiValidator v = OpenApiValidator::load(j2s::it::jira_openapi_subset_path());
    return v;
}

std::string joined(const std::vector<std::string>& problems) {
    std::string out;
    for (const auto& p : problems) out += p + "\n";
    return out;
}

// Exactly one problem, containing every given fragment.
void require_one_problem(const std::vector<std::string>& problems, std::initializer_list<std::string> fragments) {
    INFO(joined(problems));
    REQUIRE(problems.size() == 1);
    for (const auto& f : fragments) REQUIRE_THAT(problems[0], Catch::Contains(f));
}

const json kSearchBody = {{"jql", "project = ALPHA AND updated >= \"2024-01-01 00:00\" ORDER BY updated ASC"},
                          {"maxResults", 100},
                          {"fields", {"*all"}},
                          {"expand", "changelog"},
                          {"nextPageToken", "abc"}};

}  // namespace

TEST_CASE("the Jira subset loads and keeps the spec's version and licence", "[openapi]") {
    REQUIRE_THAT(jira().version(), Catch::StartsWith("1001.0.0-SNAPSHOT-"));
    REQUIRE(jira().spec()["info"]["license"]["name"] == "Apache 2.0");
    for (const char* p : {"/rest/api/3/search/jql", "/rest/api/3/changelog/bulkfetch", "/rest/api/3/field",
                          "/rest/api/3/myself", "/rest/api/3/serverInfo", "/rest/api/3/worklog/updated"})
        REQUIRE(jira().spec()["paths"].contains(p));
}

TEST_CASE("requests the connector makes pass", "[openapi]") {
    CHECK(jira().validate("GET", "/rest/api/3/serverInfo", {}, nullptr).empty());
    CHECK(jira().validate("GET", "/rest/api/3/myself", {}, nullptr).empty());
    CHECK(jira().validate("GET", "/rest/api/3/field", {}, nullptr).empty());
    CHECK(jira().validate("POST", "/rest/api/3/search/jql", {}, kSearchBody).empty());
    CHECK(jira().validate("POST", "/rest/api/3/changelog/bulkfetch", {},
                          {{"issueIdsOrKeys", {"10001", "10002"}}, {"maxResults", 1000}, {"nextPageToken", "t"}})
              .empty());
    CHECK(jira().validate("GET", "/rest/api/3/issue/10001/changelog", {{"startAt", {"0"}}, {"maxResults", {"100"}}},
                          nullptr)
              .empty());
    CHECK(jira().validate("GET", "/rest/api/3/issue/ALPHA-1", {{"fields", {"*all"}}, {"expand", {"changelog"}}}, nullptr)
              .empty());
    CHECK(jira().validate("POST", "/rest/api/3/search/approximate-count", {}, {{"jql", "project = ALPHA"}}).empty());
    CHECK(jira().validate("POST", "/rest/api/3/issue/bulkfetch", {},
                          {{"issueIdsOrKeys", {"10001", "ALPHA-2"}}, {"fields", {"*all"}}, {"expand", {"changelog"}}})
              .empty());
    // GET search/jql with array and boolean query parameters, repeated and comma-separated.
    CHECK(jira().validate("GET", "/rest/api/3/search/jql",
                          {{"jql", {"project = A"}}, {"fields", {"summary,status", "-description"}},
                           {"fieldsByKeys", {"true"}}, {"reconcileIssues", {"10001,10002"}}},
                          nullptr)
              .empty());
    // Worklog and project endpoints for later work.
    CHECK(jira().validate("GET", "/rest/api/3/worklog/updated", {{"since", {"1438013671562"}}}, nullptr).empty());
    CHECK(jira().validate("POST", "/rest/api/3/worklog/list", {}, {{"ids", {1, 2, 3}}}).empty());
    CHECK(jira().validate("GET", "/rest/api/3/project/search", {{"orderBy", {"-key"}}, {"maxResults", {"50"}}}, nullptr)
              .empty());
    // A full URL with a query string, and a site context path.
    CHECK(jira().validate("GET", "https://x.atlassian.net/rest/api/3/issue/10001/changelog?startAt=100&maxResults=50", {},
                          nullptr)
              .empty());
    const auto with_context = OpenApiValidator::load(j2s::it::jira_openapi_subset_path(), "/jira/");
    CHECK(with_context.validate("GET", "/jira/rest/api/3/myself", {}, nullptr).empty());
}

TEST_CASE("literal path segments win over {param} templates", "[openapi]") {
    REQUIRE(jira().match_path("/rest/api/3/issue/bulkfetch") == std::optional<std::string>("/rest/api/3/issue/bulkfetch"));
    REQUIRE(jira().match_path("/rest/api/3/issue/ALPHA-1") == std::optional<std::string>("/rest/api/3/issue/{issueIdOrKey}"));
    REQUIRE_FALSE(jira().match_path("/rest/api/3/issue/").has_value());
}

TEST_CASE("paths, methods and deprecated operations", "[openapi]") {
    require_one_problem(jira().validate("GET", "/rest/api/3/serverinfo", {}, nullptr), {"no path of the spec matches"});
    require_one_problem(jira().validate("GET", "/rest/api/2/search", {{"jql", {"x"}}}, nullptr),
                        {"no path of the spec matches"});
    require_one_problem(jira().validate("GET", "/rest/api/3/changelog/bulkfetch", {}, nullptr),
                        {"method not declared", "POST"});
    require_one_problem(jira().validate("POST", "/rest/api/3/myself", {}, nullptr), {"method not declared"});
    require_one_problem(jira().validate("POST", "/rest/api/3/search", {}, {{"jql", "project = A"}}),
                        {"deprecated", "2025-05-01"});
    require_one_problem(jira().validate("GET", "/rest/api/3/search", {{"jql", {"project = A"}}}, nullptr), {"deprecated"});
}

TEST_CASE("query parameters: declared, typed, bounded, enumerated", "[openapi]") {
    SECTION("undeclared") {
        require_one_problem(jira().validate("GET", "/rest/api/3/myself", {{"startAt", {"0"}}}, nullptr),
                            {"`startAt` is not declared", "declared: expand"});
        require_one_problem(jira().validate("GET", "/rest/api/3/field", {{"expand", {"x"}}}, nullptr),
                            {"`expand` is not declared", "declared: none"});
    }
    SECTION("integer") {
        require_one_problem(
            jira().validate("GET", "/rest/api/3/issue/1/changelog", {{"startAt", {"ten"}}}, nullptr),
            {"`startAt`", "not an integer"});
        require_one_problem(jira().validate("GET", "/rest/api/3/issue/1/changelog", {{"maxResults", {"1.5"}}}, nullptr),
                            {"not an integer"});
        require_one_problem(
            jira().validate("GET", "/rest/api/3/issue/1/changelog", {{"maxResults", {"3000000000"}}}, nullptr),
            {"int32"});
        require_one_problem(jira().validate("GET", "/rest/api/3/search/jql", {{"reconcileIssues", {"1,x"}}}, nullptr),
                            {"`reconcileIssues`", "`x` is not an integer"});
    }
    SECTION("maximum") {
        // project/search: maxResults has maximum 100.
        require_one_problem(jira().validate("GET", "/rest/api/3/project/search", {{"maxResults", {"101"}}}, nullptr),
                            {"above the maximum 100"});
    }
    SECTION("boolean and enum") {
        require_one_problem(jira().validate("GET", "/rest/api/3/search/jql", {{"fieldsByKeys", {"yes"}}}, nullptr),
                            {"not true or false"});
        require_one_problem(jira().validate("GET", "/rest/api/3/project/search", {{"orderBy", {"size"}}}, nullptr),
                            {"`size` is not one of"});
    }
    SECTION("a scalar given twice") {
        require_one_problem(
            jira().validate("GET", "/rest/api/3/issue/1/changelog", {{"startAt", {"0", "100"}}}, nullptr),
            {"given 2 times"});
    }
}

TEST_CASE("request bodies are checked against the operation's schema", "[openapi]") {
    const std::string p = "/rest/api/3/search/jql";
    SECTION("wrong type: expand must be a comma-separated string on search/jql") {
        auto body = kSearchBody;
        body["expand"] = json::array({"changelog"});
        require_one_problem(jira().validate("POST", p, {}, body), {"body/expand", "expected string, got array"});
    }
    SECTION("wrong type: integer, boolean, array items") {
        auto body = kSearchBody;
        body["maxResults"] = "100";
        body["fieldsByKeys"] = "true";
        body["reconcileIssues"] = {10001, "10002"};
        auto problems = jira().validate("POST", p, {}, body);
        INFO(joined(problems));
        REQUIRE(problems.size() == 3);
        REQUIRE_THAT(joined(problems), Catch::Contains("body/maxResults: expected integer") &&
                                           Catch::Contains("body/fieldsByKeys: expected boolean") &&
                                           Catch::Contains("body/reconcileIssues/1: expected integer"));
    }
    SECTION("unknown property") {
        auto body = kSearchBody;
        body["startAt"] = 0;
        require_one_problem(jira().validate("POST", p, {}, body), {"body/startAt: unknown property"});
    }
    SECTION("required property, maxItems, minItems, maximum, minimum, uniqueItems") {
        const std::string c = "/rest/api/3/changelog/bulkfetch";
        require_one_problem(jira().validate("POST", c, {}, {{"maxResults", 10}}),
                            {"required property `issueIdsOrKeys` is missing"});
        json ids = json::array();
        for (int i = 0; i < 1001; ++i) ids.push_back(std::to_string(10000 + i));
        require_one_problem(jira().validate("POST", c, {}, {{"issueIdsOrKeys", ids}}), {"1001 items, more than maxItems 1000"});
        require_one_problem(jira().validate("POST", c, {}, {{"issueIdsOrKeys", json::array()}}), {"fewer than minItems 1"});
        require_one_problem(jira().validate("POST", c, {}, {{"issueIdsOrKeys", {"1"}}, {"maxResults", 10001}}),
                            {"above the maximum 10000"});
        require_one_problem(jira().validate("POST", c, {}, {{"issueIdsOrKeys", {"1"}}, {"maxResults", 0}}),
                            {"below the minimum 1"});
        require_one_problem(jira().validate("POST", c, {}, {{"issueIdsOrKeys", {"1"}}, {"fieldIds", {"status", "status"}}}),
                            {"uniqueItems"});
        json fields = json::array();
        for (int i = 0; i < 11; ++i) fields.push_back("customfield_" + std::to_string(10000 + i));
        require_one_problem(jira().validate("POST", c, {}, {{"issueIdsOrKeys", {"1"}}, {"fieldIds", fields}}),
                            {"body/fieldIds", "more than maxItems 10"});
    }
    SECTION("missing, unexpected and non-JSON bodies") {
        require_one_problem(jira().validate("POST", p, {}, nullptr), {"request body is required"});
        require_one_problem(jira().validate("GET", "/rest/api/3/myself", {}, {{"a", 1}}), {"takes no request body"});
        require_one_problem(jira().validate("POST", p, {}, "jql=project%3DA"), {"not valid JSON"});
        require_one_problem(jira().validate("POST", p, {}, json::array()), {"expected object, got array"});
    }
}

TEST_CASE("a logged request of the fake is validated as sent", "[openapi]") {
    const json good = {{"seq", 1}, {"method", "GET"}, {"path", "/rest/api/3/issue/10001/changelog"},
                       {"query", {{"startAt", {"0"}}, {"maxResults", {"100"}}}}, {"body", nullptr}, {"status", 200}};
    REQUIRE(jira().validate_logged(good).empty());
    auto bad = good;
    bad["query"]["expand"] = {"changelog"};
    require_one_problem(jira().validate_logged(bad), {"`expand` is not declared"});
}

TEST_CASE("schema keywords the Jira request bodies do not exercise", "[openapi]") {
    const json spec = json::parse(R"({
      "openapi": "3.0.1",
      "info": {"version": "t"},
      "paths": {
        "/things/{thingId}": {
          "parameters": [{"in": "path", "name": "thingId", "required": true, "schema": {"type": "integer", "minimum": 1}}],
          "post": {
            "parameters": [{"in": "query", "name": "mode", "required": true, "schema": {"type": "string", "enum": ["a", "b"]}}],
            "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Thing"}}}}
          }
        }
      },
      "components": {"schemas": {
        "Base": {"type": "object", "additionalProperties": false,
                 "properties": {"id": {"type": "string", "readOnly": true}, "name": {"type": "string", "maxLength": 3}}},
        "Thing": {"allOf": [{"$ref": "#/components/schemas/Base"},
                            {"type": "object", "required": ["kind"], "additionalProperties": false,
                             "properties": {"kind": {"type": "string", "enum": ["x", "y"]},
                                            "note": {"type": "string", "nullable": true},
                                            "score": {"type": "number", "minimum": 0, "exclusiveMaximum": true, "maximum": 1},
                                            "tags": {"type": "object", "additionalProperties": {"type": "integer"}},
                                            "free": {"type": "object", "properties": {"a": {"type": "integer"}}, "additionalProperties": true},
                                            "either": {"oneOf": [{"type": "string"}, {"type": "integer"}]}}}]}
      }}
    })");
    const OpenApiValidator v(spec);
    const json good = {{"kind", "x"}, {"name", "abc"}, {"note", nullptr}, {"score", 0.5}, {"tags", {{"t", 1}}},
                       {"free", {{"a", 1}, {"anything", "goes"}}}, {"either", 3}};
    CHECK(v.validate("POST", "/things/7", {{"mode", {"a"}}}, good).empty());

    require_one_problem(v.validate("POST", "/things/7", {}, good), {"required query parameter `mode` is missing"});
    require_one_problem(v.validate("POST", "/things/x", {{"mode", {"a"}}}, good), {"`thingId`", "not an integer"});
    require_one_problem(v.validate("POST", "/things/0", {{"mode", {"a"}}}, good), {"below the minimum 1"});
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"c"}}}, good), {"`c` is not one of"});
    auto body = good;
    body.erase("kind");
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"required property `kind`"});
    body = good;
    body["kind"] = "z";
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"body/kind", "not one of the allowed"});
    body = good;
    body["id"] = "1";
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"body/id", "readOnly"});
    body = good;
    body["name"] = "abcd";
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"maxLength 3"});
    body = good;
    body["score"] = 1;
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"exclusive maximum"});
    body = good;
    body["tags"]["u"] = "no";
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"body/tags/u", "expected integer"});
    body = good;
    body["either"] = true;
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"0 of the 2 oneOf"});
    body = good;
    body["extra"] = 1;  // unknown to both allOf members
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"body/extra: unknown property"});
    body = good;
    body["note"] = 5;
    require_one_problem(v.validate("POST", "/things/7", {{"mode", {"a"}}}, body), {"body/note: expected string"});
}

TEST_CASE("additionalProperties absent counts as closed when the schema lists properties", "[openapi]") {
    const OpenApiValidator v(json::parse(R"({"paths": {}})"));
    const json closed_by_omission = {{"type", "object"}, {"properties", {{"a", {{"type", "integer"}}}}}};
    REQUIRE(v.validate_value({{"a", 1}}, closed_by_omission, "v").empty());
    require_one_problem(v.validate_value({{"b", 1}}, closed_by_omission, "v"), {"v/b: unknown property"});
    // Without `properties` (a free-form object) anything goes.
    REQUIRE(v.validate_value({{"b", 1}}, {{"type", "object"}}, "v").empty());
}
