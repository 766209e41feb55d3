// parse_response_json must give exactly what nlohmann::json::parse gives, for every body Jira may send:
// recorded real responses, escapes, numbers at the edges, duplicate keys, and bodies that are not JSON.
#include <catch2/catch.hpp>


#include "jira/response_json.hpp"
#include "real_responses.hpp"

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
