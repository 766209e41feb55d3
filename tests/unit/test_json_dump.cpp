// dump_json must write exactly what nlohmann's dump() writes: stored raw JSON and the "unchanged, not
// rewritten" comparisons depend on the bytes.
#include <catch2/catch.hpp>


#include "real_responses.hpp"
#include "util/json_dump.hpp"

using j2s::dump_json;
using nlohmann::json;

TEST_CASE("json dump: recorded real responses dump as nlohmann dumps them", "[json_dump]") {
    const auto texts = real_response_texts();
    CHECK(texts.size() >= 5);
    for (const auto& text : texts) {
        const auto value = json::parse(text);
        CHECK(dump_json(value) == value.dump());
    }
}

TEST_CASE("json dump: escapes, unicode and numbers", "[json_dump]") {
    std::string every_control;
    for (int c = 0; c < 0x20; ++c) every_control += static_cast<char>(c);
    every_control += "\x7f \"quoted\" back\\slash /slash";
    const json value = {
        {"controls", every_control},
        {"unicode", "é ✓ 😀 \xe0\xa0\x80 \xf4\x8f\xbf\xbf"},
        {"", "empty key"},
        {"key \"with\" quotes\n", {1, -1, 0, 9223372036854775807LL, -9223372036854775807LL - 1}},
        {"unsigned", 18446744073709551615ULL},
        {"floats", {0.1, -2.5, 1e300, 5e-324, 100.0, -0.0, 3.0e10, 123456789.125}},
        {"nested", {{"a", json::array()}, {"b", json::object()}, {"c", {{"d", {nullptr, true, false}}}}}},
    };
    CHECK(dump_json(value) == value.dump());
    CHECK(dump_json(json("plain")) == "\"plain\"");
    CHECK(dump_json(json(nullptr)) == "null");
}

TEST_CASE("json dump: invalid UTF-8 fails as nlohmann fails", "[json_dump]") {
    for (const char* bad : {"\xff", "a\xc0\xaf", "\xe0\x80\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xc3", "\xe2\x82"}) {
        const json value = {{"text", std::string(bad)}};
        INFO(bad);
        CHECK_THROWS_AS(value.dump(), json::type_error);
        CHECK_THROWS_AS(dump_json(value), json::type_error);
    }
}

TEST_CASE("json dump: a character to escape at every offset of a word", "[json_dump]") {
    for (const std::string& special : std::vector<std::string>{"\"", "\\", "\n", "\x01", "\x1f", "\x7f", "é", "😀"}) {
        for (std::size_t at = 0; at < 20; ++at) {
            const json value = std::string(at, 'a') + special + std::string(20 - at, 'b') + special;
            INFO(value.dump());
            CHECK(dump_json(value) == value.dump());
        }
    }
}
