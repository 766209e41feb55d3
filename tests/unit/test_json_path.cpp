#include "mapping/json_path.hpp"

#include <catch2/catch.hpp>

using namespace j2s;
using nlohmann::json;

namespace {

// Evaluates `path` on `doc`; JSON null stands for "no value" (the evaluator returns nullptr).
json eval(const std::string& path, const json& doc) {
    json storage;
    const json* result = JsonPath::compile(path).evaluate(doc, storage);
    if (result == nullptr) return json();
    REQUIRE(!result->is_null());  // null is reported as nullptr, never as a JSON null value
    return *result;
}

bool missing(const std::string& path, const json& doc) {
    json storage;
    return JsonPath::compile(path).evaluate(doc, storage) == nullptr;
}

const json k_issue = json::parse(R"({
  "key": "ABC-1",
  "fields": {
    "summary": "Hello",
    "status": {"name": "To Do", "statusCategory": {"name": "New"}},
    "assignee": null,
    "labels": ["a", "b"],
    "fixVersions": [{"name": "1.0"}, {"id": "2"}, {"name": null}, {"name": "2.0"}],
    "emptyList": [],
    "subtasks": [
      {"key": "S-1", "fields": {"components": [{"name": "c1"}, {"name": "c2"}]}},
      {"key": "S-2", "fields": {"components": []}},
      {"key": "S-3", "fields": {"components": "not an array"}},
      {"key": "S-4", "fields": {"components": [{"name": "c3"}]}}
    ],
    "matrix": [[1, 2], [3]],
    "numbers": [0, null, 2]
  }
})");

}  // namespace

TEST_CASE("json path: plain keys reach nested values", "[json_path]") {
    CHECK(eval("key", k_issue) == "ABC-1");
    CHECK(eval("fields.summary", k_issue) == "Hello");
    CHECK(eval("fields.status.statusCategory.name", k_issue) == "New");
    CHECK(eval("fields.status", k_issue).at("name") == "To Do");
}

TEST_CASE("json path: the empty path is the document itself", "[json_path]") {
    CHECK(eval("", json(5)) == 5);
    CHECK(missing("", json()));
}

TEST_CASE("json path: missing keys and nulls give no value, never an error", "[json_path]") {
    CHECK(missing("fields.nope", k_issue));
    CHECK(missing("fields.nope.deeper.still", k_issue));
    CHECK(missing("fields.assignee", k_issue));                 // JSON null
    CHECK(missing("fields.assignee.accountId", k_issue));       // through null
    CHECK(missing("fields.summary.length", k_issue));           // key into a string
    CHECK(missing("fields.labels.first", k_issue));             // key into an array
    CHECK(missing("fields.status[0]", k_issue));                // index into an object
    CHECK(missing("anything", json("a string document")));
}

TEST_CASE("json path: [N] indexes arrays, out of range or null gives no value", "[json_path]") {
    CHECK(eval("fields.labels[0]", k_issue) == "a");
    CHECK(eval("fields.labels[1]", k_issue) == "b");
    CHECK(missing("fields.labels[2]", k_issue));
    CHECK(eval("fields.fixVersions[3].name", k_issue) == "2.0");
    CHECK(missing("fields.fixVersions[1].name", k_issue));  // element lacks the key
    CHECK(missing("fields.fixVersions[2].name", k_issue));  // element's key is null
    CHECK(missing("fields.numbers[1]", k_issue));           // element is null
    CHECK(eval("fields.matrix[0][1]", k_issue) == 2);
    CHECK(missing("fields.assignee[0]", k_issue));
    CHECK(eval("[1]", json::array({"x", "y"})) == "y");
}

TEST_CASE("json path: [*] maps over an array and drops missing values", "[json_path]") {
    CHECK(eval("fields.fixVersions[*].name", k_issue) == json::array({"1.0", "2.0"}));
    CHECK(eval("fields.labels[*]", k_issue) == json::array({"a", "b"}));
    CHECK(eval("fields.numbers[*]", k_issue) == json::array({0, 2}));
    CHECK(eval("[*].name", json::parse(R"([{"name":"s1"},{"name":"s2"}])")) == json::array({"s1", "s2"}));
}

TEST_CASE("json path: [*] over an empty array is an empty array, over a non-array no value", "[json_path]") {
    CHECK(eval("fields.emptyList[*].name", k_issue) == json::array());
    CHECK(missing("fields.summary[*]", k_issue));
    CHECK(missing("fields.status[*].name", k_issue));
    CHECK(missing("fields.assignee[*].name", k_issue));  // null
    CHECK(missing("fields.nope[*]", k_issue));           // missing
}

TEST_CASE("json path: nested [*] flattens and skips elements that do not match", "[json_path]") {
    CHECK(eval("fields.subtasks[*].fields.components[*].name", k_issue) == json::array({"c1", "c2", "c3"}));
    CHECK(eval("fields.matrix[*][*]", k_issue) == json::array({1, 2, 3}));
    CHECK(eval("fields.matrix[*][0]", k_issue) == json::array({1, 3}));
    // Without a second [*] an element that is itself an array stays an array.
    CHECK(eval("fields.matrix[*]", k_issue) == json::parse("[[1,2],[3]]"));
}

TEST_CASE("json path: then() appends a path, as field columns do", "[json_path]") {
    const JsonPath path = JsonPath::key("fields").then(JsonPath::key("fixVersions")).then(JsonPath::compile("[*].name"));
    CHECK(path.text() == "fields.fixVersions[*].name");
    CHECK(path.has_wildcard());
    json storage;
    const json* result = path.evaluate(k_issue, storage);
    REQUIRE(result != nullptr);
    CHECK(*result == json::array({"1.0", "2.0"}));
    CHECK(JsonPath::key("fields").then(JsonPath()).text() == "fields");
}

TEST_CASE("json path: compile splits keys, indexes and wildcards", "[json_path]") {
    using Kind = JsonPath::Step::Kind;
    const JsonPath path = JsonPath::compile("fields.customfield_10020[0].name[*]");
    REQUIRE(path.steps().size() == 5);
    CHECK(path.steps()[0] == JsonPath::Step{Kind::key, "fields", 0});
    CHECK(path.steps()[1] == JsonPath::Step{Kind::key, "customfield_10020", 0});
    CHECK(path.steps()[2] == JsonPath::Step{Kind::index, "", 0});
    CHECK(path.steps()[3] == JsonPath::Step{Kind::key, "name", 0});
    CHECK(path.steps()[4] == JsonPath::Step{Kind::all, "", 0});
    CHECK_FALSE(JsonPath::compile("a.b[2]").has_wildcard());
    CHECK(JsonPath::compile("avatarUrls.48x48").steps()[1].key == "48x48");
}

TEST_CASE("json path: malformed paths are rejected with a reason", "[json_path]") {
    for (const char* bad : {"a..b", ".a", "a.", "a[", "a[]", "a[x]", "a[-1]", "a[1", "a]", "a[0]b", "a.[0]",
                            "a b", "fields. summary", "a[0].", "a[1.5]", "]"}) {
        INFO(bad);
        CHECK_THROWS_AS(JsonPath::compile(bad), JsonPathError);
    }
    CHECK_THROWS_WITH(JsonPath::compile("a..b"), Catch::Contains("empty key") && Catch::Contains("position 3"));
    CHECK_THROWS_WITH(JsonPath::compile("a[x]"), Catch::Contains("'x'"));
}
