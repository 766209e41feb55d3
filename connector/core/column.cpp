#include "core/column.hpp"

#include <array>
#include <utility>

namespace j2s {

namespace {
constexpr std::array<std::pair<const char*, ColumnType>, 7> kTypeNames{{
    {"text", ColumnType::text},
    {"integer", ColumnType::integer},
    {"number", ColumnType::number},
    {"boolean", ColumnType::boolean},
    {"timestamp", ColumnType::timestamp},
    {"date", ColumnType::date},
    {"json", ColumnType::json},
}};
}  // namespace

std::optional<ColumnType> column_type_from_name(const std::string& name) {
    for (const auto& [n, t] : kTypeNames)
        if (name == n) return t;
    return std::nullopt;
}

const char* column_type_name(ColumnType t) {
    for (const auto& [n, type] : kTypeNames)
        if (type == t) return n;
    return "text";
}

}  // namespace j2s
