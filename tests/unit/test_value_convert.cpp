#include "mapping/value_convert.hpp"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

using namespace j2s;
using nlohmann::json;

namespace {

SqlValue convert(const json& value, ColumnType type) { return convert_value(&value, type); }

bool is_null(const SqlValue& v) { return std::holds_alternative<std::monostate>(v); }

template <typename T>
T as(const SqlValue& v) {
    REQUIRE(std::holds_alternative<T>(v));
    return std::get<T>(v);
}

void check_rejects(const json& value, ColumnType type) {
    INFO(value.dump() << " as " << column_type_name(type));
    CHECK_THROWS_AS(convert(value, type), ConversionError);
}

}  // namespace

TEST_CASE("convert: missing and null are NULL for every type", "[convert]") {
    for (auto type : {ColumnType::text, ColumnType::integer, ColumnType::number, ColumnType::boolean,
                      ColumnType::timestamp, ColumnType::date, ColumnType::json}) {
        INFO(column_type_name(type));
        CHECK(is_null(convert_value(nullptr, type)));
        CHECK(is_null(convert(json(), type)));
    }
}

TEST_CASE("convert text: strings as is, scalars as JSON text, containers as compact JSON", "[convert]") {
    CHECK(as<std::string>(convert("héllo", ColumnType::text)) == "héllo");
    CHECK(as<std::string>(convert("", ColumnType::text)) == "");
    CHECK(as<std::string>(convert(42, ColumnType::text)) == "42");
    CHECK(as<std::string>(convert(-3.5, ColumnType::text)) == "-3.5");
    CHECK(as<std::string>(convert(true, ColumnType::text)) == "true");
    CHECK(as<std::string>(convert(json::parse(R"({"a": [1, 2]})"), ColumnType::text)) == R"({"a":[1,2]})");
    CHECK(as<std::string>(convert(json::array({"x", "y"}), ColumnType::text)) == R"(["x","y"])");
}

TEST_CASE("convert integer: integers, integral floats and digit strings", "[convert]") {
    CHECK(as<std::int64_t>(convert(42, ColumnType::integer)) == 42);
    CHECK(as<std::int64_t>(convert(-7, ColumnType::integer)) == -7);
    CHECK(as<std::int64_t>(convert(3.0, ColumnType::integer)) == 3);
    CHECK(as<std::int64_t>(convert("10627", ColumnType::integer)) == 10627);
    CHECK(as<std::int64_t>(convert("-12", ColumnType::integer)) == -12);
    CHECK(as<std::int64_t>(convert("9223372036854775807", ColumnType::integer)) ==
          std::numeric_limits<std::int64_t>::max());
    CHECK(as<std::int64_t>(convert(json(std::numeric_limits<std::int64_t>::min()), ColumnType::integer)) ==
          std::numeric_limits<std::int64_t>::min());
}

TEST_CASE("convert integer: everything else is a conversion error", "[convert]") {
    for (const json& bad : {json(3.5), json("abc"), json("N/A"), json(""), json("-"), json("3.0"), json(" 1"),
                            json("+1"), json("1e3"), json("9223372036854775808"), json(true),
                            json(18446744073709551615ULL), json(1e300), json::array({1}), json::object()}) {
        check_rejects(bad, ColumnType::integer);
    }
    CHECK_THROWS_WITH(convert("abc", ColumnType::integer), "cannot convert \"abc\" to integer");
}

TEST_CASE("convert number: JSON numbers and decimal strings", "[convert]") {
    CHECK(as<double>(convert(3.25, ColumnType::number)) == 3.25);
    CHECK(as<double>(convert(5, ColumnType::number)) == 5.0);
    CHECK(as<double>(convert("3.25", ColumnType::number)) == 3.25);
    CHECK(as<double>(convert("-1e3", ColumnType::number)) == -1000.0);
    CHECK(as<double>(convert("2.", ColumnType::number)) == 2.0);
    CHECK(as<double>(convert(".5", ColumnType::number)) == 0.5);
    CHECK(as<double>(convert("+2", ColumnType::number)) == 2.0);
    CHECK(as<double>(convert("1E-2", ColumnType::number)) == 0.01);
    for (const json& bad : {json("abc"), json(""), json("."), json("1e"), json("1,5"), json("NaN"), json("inf"),
                            json("1e999"), json(" 1"), json("1 "), json("0x10"), json(false), json::object()}) {
        check_rejects(bad, ColumnType::number);
    }
}

TEST_CASE("convert boolean: true/false and their strings only", "[convert]") {
    CHECK(as<bool>(convert(true, ColumnType::boolean)) == true);
    CHECK(as<bool>(convert(false, ColumnType::boolean)) == false);
    CHECK(as<bool>(convert("true", ColumnType::boolean)) == true);
    CHECK(as<bool>(convert("false", ColumnType::boolean)) == false);
    for (const json& bad : {json("yes"), json("TRUE"), json(1), json(0), json(""), json::array()})
        check_rejects(bad, ColumnType::boolean);
}

TEST_CASE("convert timestamp: Jira forms stored as UTC with milliseconds", "[convert]") {
    CHECK(as<std::string>(convert("2024-03-05T14:07:12.345+0100", ColumnType::timestamp)) ==
          "2024-03-05T13:07:12.345Z");
    CHECK(as<std::string>(convert("2022-06-09T16:29:31.871-0700", ColumnType::timestamp)) ==
          "2022-06-09T23:29:31.871Z");
    CHECK(as<std::string>(convert("2024-03-05T14:07:12+01:00", ColumnType::timestamp)) ==
          "2024-03-05T13:07:12.000Z");
    CHECK(as<std::string>(convert("2020-07-27T01:22:00.000Z", ColumnType::timestamp)) ==
          "2020-07-27T01:22:00.000Z");
    for (const json& bad : {json("2024-03-05"), json("yesterday"), json(""), json(1709647632345LL)})
        check_rejects(bad, ColumnType::timestamp);
}

TEST_CASE("convert date: exactly YYYY-MM-DD of a real day", "[convert]") {
    CHECK(as<std::string>(convert("2024-02-29", ColumnType::date)) == "2024-02-29");
    for (const json& bad : {json("2024-02-30"), json("2024-3-5"), json("2024-03-05T14:07:12.345+0100"),
                            json("2024-03-05 "), json("05/03/2024"), json(20240305)})
        check_rejects(bad, ColumnType::date);
}

TEST_CASE("convert json: compact JSON text of any value", "[convert]") {
    CHECK(as<std::string>(convert(json::array({"test"}), ColumnType::json)) == R"(["test"])");
    CHECK(as<std::string>(convert(json::parse(R"({ "a" : 1 })"), ColumnType::json)) == R"({"a":1})");
    CHECK(as<std::string>(convert("text", ColumnType::json)) == R"("text")");
    CHECK(as<std::string>(convert(json::array(), ColumnType::json)) == "[]");
    CHECK(as<std::string>(convert(2.5, ColumnType::json)) == "2.5");
}

TEST_CASE("convert: invalid UTF-8 is replaced, not thrown", "[convert]") {
    const json bad_utf8 = json::array({std::string("a\xff" "b")});
    CHECK(as<std::string>(convert(bad_utf8, ColumnType::json)) == "[\"a\xEF\xBF\xBD" "b\"]");
}
