#pragma once
// The typed values that flow from the mapping into the store. Neither side knows about the other:
// the mapping produces these, each backend decides how to write them.

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace j2s {

enum class ColumnType { text, integer, number, boolean, timestamp, date, json };

// "text" -> ColumnType::text; nullopt for an unknown name.
std::optional<ColumnType> column_type_from_name(const std::string& name);
const char* column_type_name(ColumnType t);

// A converted value ready for storage:
// - monostate: SQL NULL
// - int64_t:   integer
// - double:    number
// - bool:      boolean
// - string:    text; timestamp as `YYYY-MM-DDTHH:MM:SS.sssZ` (UTC); date as `YYYY-MM-DD`; json as JSON text
using SqlValue = std::variant<std::monostate, std::int64_t, double, bool, std::string>;

struct ColumnDef {
    std::string name;
    ColumnType type;
    bool operator==(const ColumnDef&) const = default;
};

}  // namespace j2s
