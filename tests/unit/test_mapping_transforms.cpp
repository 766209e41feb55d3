#include "mapping/transforms.hpp"

#include <catch2/catch.hpp>

using namespace j2s;
using nlohmann::json;

namespace {

// The transform's result, with "no value" as JSON null.
json run(Transform t, const json& value) {
    json storage;
    const json* out = apply_transform(t, &value, storage);
    return out == nullptr ? json() : *out;
}

bool gives_no_value(Transform t, const json& value) {
    json storage;
    return apply_transform(t, &value, storage) == nullptr;
}

const char* const k_abc_sha256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

}  // namespace

TEST_CASE("transform names", "[transform]") {
    CHECK(transform_from_name("adf_to_text") == Transform::adf_to_text);
    CHECK(transform_from_name("sha256") == Transform::sha256);
    CHECK(transform_from_name("join") == Transform::join);
    CHECK(transform_from_name("lower") == Transform::lower);
    CHECK(transform_from_name("upper") == Transform::upper);
    CHECK(transform_from_name("trim") == Transform::trim);
    CHECK_FALSE(transform_from_name("none"));
    CHECK_FALSE(transform_from_name("Lower"));
    CHECK(std::string(transform_name(Transform::join)) == "join");
}

TEST_CASE("transforms: missing and null stay missing", "[transform]") {
    for (auto t : {Transform::none, Transform::adf_to_text, Transform::sha256, Transform::join, Transform::lower,
                   Transform::upper, Transform::trim}) {
        json storage;
        CHECK(apply_transform(t, nullptr, storage) == nullptr);
        CHECK(gives_no_value(t, json()));
    }
}

TEST_CASE("transform adf_to_text: documents become text, strings pass through", "[transform]") {
    const json document = json::parse(
        R"({"type":"doc","version":1,"content":[{"type":"paragraph","content":[{"type":"text","text":"Test issue"}]}]})");
    CHECK(run(Transform::adf_to_text, document) == "Test issue");
    CHECK(run(Transform::adf_to_text, "h1. wiki *markup*") == "h1. wiki *markup*");
    CHECK(run(Transform::adf_to_text, 5) == 5);
}

TEST_CASE("transform sha256: lower-case hex of the UTF-8 text", "[transform]") {
    CHECK(run(Transform::sha256, "abc") == k_abc_sha256);
    CHECK(run(Transform::sha256, "") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(run(Transform::sha256, 123) == run(Transform::sha256, "123"));  // numbers hash as their text
    CHECK(run(Transform::sha256, json::array({"abc", nullptr})) == json::array({k_abc_sha256, nullptr}));
}

TEST_CASE("transform join: array -> ', '-joined text, empty -> no value, non-array passes", "[transform]") {
    CHECK(run(Transform::join, json::array({"1.0", "2.0"})) == "1.0, 2.0");
    CHECK(run(Transform::join, json::array({"only"})) == "only");
    CHECK(run(Transform::join, json::array({1, true, "x", nullptr})) == "1, true, x");
    CHECK(run(Transform::join, json::parse(R"([{"a":1}])")) == R"({"a":1})");
    CHECK(gives_no_value(Transform::join, json::array()));
    CHECK(gives_no_value(Transform::join, json::array({nullptr})));
    CHECK(run(Transform::join, "already text") == "already text");
    CHECK(run(Transform::join, 7) == 7);
}

TEST_CASE("transform lower/upper: ASCII only, UTF-8 bytes untouched, element-wise", "[transform]") {
    CHECK(run(Transform::lower, "MiXeD Case 42") == "mixed case 42");
    CHECK(run(Transform::upper, "MiXeD Case 42") == "MIXED CASE 42");
    CHECK(run(Transform::lower, "ÉCOLE Über") == "École Über");  // only ASCII letters change
    CHECK(run(Transform::upper, "straße") == "STRAßE");
    CHECK(run(Transform::lower, json::array({"A", "B", 3})) == json::array({"a", "b", 3}));
    CHECK(run(Transform::upper, 3.5) == 3.5);
}

TEST_CASE("transform trim: ASCII whitespace at both ends, element-wise", "[transform]") {
    CHECK(run(Transform::trim, "  \t hello world \r\n") == "hello world");
    CHECK(run(Transform::trim, "   ") == "");
    CHECK(run(Transform::trim, "\xC2\xA0x\xC2\xA0") == "\xC2\xA0x\xC2\xA0");  // NBSP is not ASCII: left alone
    CHECK(run(Transform::trim, json::array({" a ", "b "})) == json::array({"a", "b"}));
    CHECK(run(Transform::trim, true) == true);
}
