#include "mapping/value_convert.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string_view>

#include "util/time.hpp"

namespace j2s {

namespace {

using nlohmann::json;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// A short, single-line rendering of the offending value for error messages (they end up in
// dead_letters.error, so they must stay small).
std::string describe(const json& value) {
    std::string text = compact_json(value);
    constexpr std::size_t max_chars = 80;
    if (text.size() > max_chars) text = text.substr(0, max_chars) + "...";
    return text;
}

[[noreturn]] void fail(const json& value, ColumnType type, const std::string& why = {}) {
    std::string message = "cannot convert " + describe(value) + " to " + column_type_name(type);
    if (!why.empty()) message += " (" + why + ")";
    throw ConversionError(message);
}

std::int64_t to_integer(const json& value) {
    if (value.is_number_integer() && !value.is_number_unsigned()) return value.get<std::int64_t>();
    if (value.is_number_unsigned()) {
        const auto u = value.get<std::uint64_t>();
        if (u > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            fail(value, ColumnType::integer, "out of range");
        return static_cast<std::int64_t>(u);
    }
    if (value.is_number_float()) {
        const double d = value.get<double>();
        // 2^63 is exactly representable; anything >= it does not fit.
        if (!std::isfinite(d) || std::trunc(d) != d || d < -9223372036854775808.0 || d >= 9223372036854775808.0)
            fail(value, ColumnType::integer);
        return static_cast<std::int64_t>(d);
    }
    if (value.is_string()) {
        const std::string& s = value.get_ref<const std::string&>();
        const std::size_t start = (!s.empty() && s[0] == '-') ? 1 : 0;
        if (s.size() == start) fail(value, ColumnType::integer);
        for (std::size_t i = start; i < s.size(); ++i)
            if (!is_digit(s[i])) fail(value, ColumnType::integer);
        std::int64_t out = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec != std::errc() || end != s.data() + s.size()) fail(value, ColumnType::integer, "out of range");
        return out;
    }
    fail(value, ColumnType::integer);
}

// [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?
bool is_decimal(std::string_view s) {
    std::size_t i = 0;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++digits;
    if (i < s.size() && s[i] == '.') {
        ++i;
        while (i < s.size() && is_digit(s[i])) ++i, ++digits;
    }
    if (digits == 0) return false;
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
        std::size_t exponent_digits = 0;
        while (i < s.size() && is_digit(s[i])) ++i, ++exponent_digits;
        if (exponent_digits == 0) return false;
    }
    return i == s.size();
}

double to_number(const json& value) {
    if (value.is_number()) return value.get<double>();
    if (value.is_string()) {
        std::string_view s = value.get_ref<const std::string&>();
        if (!is_decimal(s)) fail(value, ColumnType::number);
        if (s[0] == '+') s.remove_prefix(1);  // from_chars rejects a leading '+'
        double out = 0;
        const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
        if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(out))
            fail(value, ColumnType::number, "out of range");
        return out;
    }
    fail(value, ColumnType::number);
}

bool to_boolean(const json& value) {
    if (value.is_boolean()) return value.get<bool>();
    if (value.is_string()) {
        const std::string& s = value.get_ref<const std::string&>();
        if (s == "true") return true;
        if (s == "false") return false;
    }
    fail(value, ColumnType::boolean);
}

std::string to_timestamp(const json& value) {
    if (value.is_string()) {
        if (const auto t = parse_jira_timestamp(value.get_ref<const std::string&>())) return format_utc(*t);
    }
    fail(value, ColumnType::timestamp);
}

std::string to_date(const json& value) {
    if (value.is_string()) {
        if (const auto d = parse_date(value.get_ref<const std::string&>())) return format_date(*d);
    }
    fail(value, ColumnType::date);
}

}  // namespace

std::string compact_json(const json& value) {
    return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string json_as_text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    return compact_json(value);
}

SqlValue convert_value(const json* value, ColumnType type) {
    if (value == nullptr || value->is_null()) return std::monostate{};
    switch (type) {
        case ColumnType::text: return json_as_text(*value);
        case ColumnType::integer: return to_integer(*value);
        case ColumnType::number: return to_number(*value);
        case ColumnType::boolean: return to_boolean(*value);
        case ColumnType::timestamp: return to_timestamp(*value);
        case ColumnType::date: return to_date(*value);
        case ColumnType::json: return compact_json(*value);
    }
    fail(*value, type, "unknown column type");
}

}  // namespace j2s
