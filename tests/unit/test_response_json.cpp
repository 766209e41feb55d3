// parse_response_json must give exactly what nlohmann::json::parse gives, for every body Jira may send:
// recorded real responses, escapes, numbers at the edges, duplicate keys, and bodies that are not JSON.
#include <catch2/catch.hpp>


#include "jira/response_json.hpp"
#include "real_responses.hpp"

#include <string>
#include <vector>

using j2s::parse_response_json;

namespace {

void require_same_as_nlohmann(std::string body) {
    INFO(body.substr(0, 200));
    const auto expected = nlohmann::json::parse(body, nullptr, false);
    const auto got = parse_response_json(body);
    if (expected.is_discarded()) {
        CHECK_FALSE(got.has_value());
        return;
    }
    REQUIRE(got.has_value());
    CHECK(*got == expected);
    // == treats 1 and 1.0 alike; the types must match too (an id read as a double would lose digits).
    CHECK(got->dump() == expected.dump());
}

}  // namespace

TEST_CASE("response json: every recorded real response parses as nlohmann parses it", "[response_json]") {
    const auto texts = real_response_texts();
    CHECK(texts.size() >= 5);
    for (const auto& text : texts) require_same_as_nlohmann(text);
}

TEST_CASE("response json: scalars, escapes and numbers keep their types", "[response_json]") {
    for (const char* body : {
             R"({"id":"10001","n":10001,"neg":-5,"zero":-0,"f":1.5,"e":1e3,"small":2.5e-308,"t":true,"u":null})",
             R"({"big":18446744073709551615,"min":-9223372036854775808,"max":9223372036854775807})",
             R"({"text":"line\nbreak \"quoted\" \\ \/ tab\t \u00e9 \ud83d\ude00 raw é 😀"})",
             R"([{"a":[]},{},[[[]]],"s",1,null])",
             R"({"dup":1,"dup":2,"nested":{"dup":"x","dup":"y"}})",
             R"(  {"padded": "by whitespace"}  )",
             R"({"emptyKey":{"":1},"unicodeKey\u00e9":2})",
         })
        require_same_as_nlohmann(body);
}

TEST_CASE("response json: what simdjson declines still parses through nlohmann", "[response_json]") {
    // An integer past 64 bits: nlohmann reads it as a double.
    require_same_as_nlohmann(R"({"huge":123456789012345678901234567890})");
    // A scalar at the root.
    require_same_as_nlohmann("42");
    require_same_as_nlohmann(R"("just a string")");
}

TEST_CASE("response json: bodies that are not JSON give nullopt", "[response_json]") {
    for (const char* body : {
             R"({"issues":[{"id":"1"},{"id":"2"})",  // cut short
             R"({"a":1} trailing)",
             R"({"a":1}{"b":2})",
             "<html><body>502 Bad Gateway</body></html>",
             "",
             R"({"a":tru})",
             R"({"a":"\x"})",
             "{\"bad utf8\":\"\xff\xfe\"}",
             R"({"a":01})",
         }) {
        std::string text = body;
        INFO(text);
        CHECK_FALSE(parse_response_json(text).has_value());
        CHECK(nlohmann::json::parse(body, nullptr, false).is_discarded());
    }
}

TEST_CASE("response json: a large generated page parses as nlohmann parses it", "[response_json]") {
    nlohmann::json page = {{"isLast", false}, {"nextPageToken", "abc"}, {"issues", nlohmann::json::array()}};
    for (int i = 0; i < 500; ++i) {
        nlohmann::json histories = nlohmann::json::array();
        for (int h = 0; h < 20; ++h)
            histories.push_back({{"id", std::to_string(i * 100 + h)},
                                 {"created", "2024-01-02T03:04:05.678+0000"},
                                 {"items", {{{"field", "status"}, {"fromString", "To Do"}, {"toString", "Done \u2713"}}}}});
        page["issues"].push_back({{"id", std::to_string(10000 + i)},
                                  {"key", "P-" + std::to_string(i)},
                                  {"fields", {{"summary", "Issue \"" + std::to_string(i) + "\"\n"}, {"points", i * 0.5}}},
                                  {"changelog", {{"total", 20}, {"histories", histories}}}});
    }
    require_same_as_nlohmann(page.dump());
}

// JsonDocument reads a body in parts; every part must be the value parse_response_json would have given.
namespace {

using j2s::JsonDocument;

void require_document_same_as_nlohmann(std::string body) {
    INFO(body.substr(0, 200));
    const auto expected = nlohmann::json::parse(body, nullptr, false);
    const auto document = JsonDocument::parse(body);
    if (expected.is_discarded()) {
        CHECK_FALSE(document.has_value());
        return;
    }
    REQUIRE(document.has_value());
    const auto got = document->root().to_json();
    CHECK(got.dump() == expected.dump());
}

std::vector<std::string> collect_ids(const JsonDocument::Value& array) {
    std::vector<std::string> ids;
    array.for_each_element([&](const JsonDocument::Value& item) {
        const auto id = item.find("id");
        REQUIRE(id.has_value());
        ids.push_back(id->to_json().get<std::string>());
    });
    return ids;
}

}  // namespace

TEST_CASE("json document: every recorded real response reads as nlohmann parses it", "[response_json]") {
    for (const auto& text : real_response_texts()) require_document_same_as_nlohmann(text);
}

TEST_CASE("json document: members and elements read in parts", "[response_json]") {
    std::string body =
        R"({"issueChangeLogs":[{"issueId":"10001","changeHistories":[{"id":"1"},{"id":"2"}]},)"
        R"({"issueId":"10002","changeHistories":[{"id":"3"}]}],"nextPageToken":"tok","dup":1,"dup":2})";
    const auto document = JsonDocument::parse(body);
    REQUIRE(document.has_value());
    const auto root = document->root();
    // The body's text may be reused by the caller: the document does not refer to it.
    body.assign(body.size(), ' ');

    const auto logs = root.find("issueChangeLogs");
    REQUIRE(logs.has_value());
    std::vector<std::string> issue_ids;
    std::vector<std::string> history_ids;
    logs->for_each_element([&](const JsonDocument::Value& entry) {
        issue_ids.push_back(entry.find("issueId")->to_json().get<std::string>());
        for (auto& id : collect_ids(*entry.find("changeHistories"))) history_ids.push_back(id);
    });
    CHECK(issue_ids == std::vector<std::string>{"10001", "10002"});
    CHECK(history_ids == std::vector<std::string>{"1", "2", "3"});
    CHECK(root.find("nextPageToken")->to_json() == "tok");
    CHECK(root.find("dup")->to_json() == 2);  // the last of duplicate keys, as nlohmann keeps
    CHECK_FALSE(root.find("missing").has_value());
    // find on a non-object and for_each on a non-array give nothing rather than throwing.
    CHECK_FALSE(logs->find("issueId").has_value());
    int visits = 0;
    root.for_each_element([&](const JsonDocument::Value&) { ++visits; });
    root.find("nextPageToken")->for_each_element([&](const JsonDocument::Value&) { ++visits; });
    CHECK(visits == 0);
}

TEST_CASE("json document: what simdjson declines reads through nlohmann, the same way", "[response_json]") {
    std::string body = R"({"huge":123456789012345678901234567890,"list":[{"id":"7"},{"id":"8"}],"k":1,"k":3})";
    const auto document = JsonDocument::parse(body);
    REQUIRE(document.has_value());
    const auto root = document->root();
    CHECK(root.to_json().dump() == nlohmann::json::parse(body).dump());
    CHECK(root.find("huge")->to_json().is_number_float());
    CHECK(collect_ids(*root.find("list")) == std::vector<std::string>{"7", "8"});
    CHECK(root.find("k")->to_json() == 3);
    CHECK_FALSE(root.find("missing").has_value());
    require_document_same_as_nlohmann("42");
}

TEST_CASE("json document: bodies that are not JSON give nullopt", "[response_json]") {
    for (const char* body : {R"({"issues":[{"id":"1"})", "<html>502</html>", "", R"({"a":1} trailing)"}) {
        std::string text = body;
        INFO(text);
        CHECK_FALSE(JsonDocument::parse(text).has_value());
    }
}
