#pragma once
// JSON value -> typed SQL value, per column type (contract section 3, "Types").
//
// - Missing or JSON null -> SQL NULL for every type, never an error.
// - text:      a string as is; a number or boolean as its JSON text (42, 3.5, true); an object or
//              array as its compact JSON.
// - integer:   a JSON integer; a JSON float with an integral value (3.0); a string of ASCII digits
//              with an optional leading '-' ("42", "-7"). Anything else, or out of int64 range, fails.
// - number:    a JSON number; a decimal string ("3.25", "-1e3", ".5", "+2"). Not "NaN"/"inf"/"".
// - boolean:   JSON true/false; the strings "true"/"false" (exactly).
// - timestamp: a string Jira timestamp (see parse_jira_timestamp), stored as format_utc (UTC).
// - date:      a string `YYYY-MM-DD` that is a real calendar date; nothing else (not a timestamp).
// - json:      compact JSON text of any value (a string becomes "\"...\"").
// Invalid UTF-8 inside strings is replaced (U+FFFD) when serialising, never an exception.

#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "core/column.hpp"

namespace j2s {

// The value cannot be converted to the column's type. what() describes value and type, e.g.
// `cannot convert "abc" to integer`.
class ConversionError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// `value` may be nullptr (missing). Throws ConversionError.
SqlValue convert_value(const nlohmann::json* value, ColumnType type);

// Compact JSON text that never throws on invalid UTF-8.
std::string compact_json(const nlohmann::json& value);

// The text form used by `text` columns and by transforms that need text: strings as is, everything
// else as compact JSON.
std::string json_as_text(const nlohmann::json& value);

}  // namespace j2s
