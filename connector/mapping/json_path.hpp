#pragma once
// A compiled path into a JSON document: `fields.fixVersions[*].name`, `fields.customfield_10020[0].id`,
// `[*].name`. Compiled once when the mapping loads so evaluating it per issue parses nothing.
//
// Syntax: keys separated by `.`; after a key (or at the start) any number of `[N]` (array index,
// N >= 0) or `[*]` (every element). A key is any run of characters other than `.`, `[`, `]` and
// whitespace. The empty path denotes the document itself.
//
// Semantics:
// - A missing key, an out-of-range index, a step into a non-object/non-array, or JSON null gives
//   "no value" (nullptr), never an error. This holds through `[N]` and `[*]`.
// - `[*]` on an array evaluates the rest of the path on each element and yields a JSON array of the
//   results; elements whose result is missing or null are dropped. Several `[*]` flatten into one
//   array (`a[*].b[*]` yields every b element of every a, like JSONPath), so `join` sees plain values.
// - `[*]` on a non-array gives no value.
//
// Thread-safety: a compiled JsonPath is immutable; evaluate() may be called concurrently.

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace j2s {

// Thrown by JsonPath::compile; what() says what is wrong and where (without the path itself, which
// the caller quotes in its own message).
class JsonPathError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

class JsonPath {
public:
    struct Step {
        enum class Kind { key, index, all };
        Kind kind = Kind::key;
        std::string key;        // for Kind::key
        std::size_t index = 0;  // for Kind::index
        bool operator==(const Step&) const = default;
    };

    JsonPath() = default;  // the empty path: the document itself

    // Throws JsonPathError for a malformed path (empty key such as `a..b` or a trailing `.`,
    // an unclosed or empty bracket, an index that is not a non-negative integer, text after `]`
    // that is not `.` or `[`, whitespace).
    static JsonPath compile(std::string_view text);

    // A path made of a single key step, for `field:` columns (`fields` then the field id).
    static JsonPath key(std::string name);

    // This path followed by `rest`.
    JsonPath then(const JsonPath& rest) const;

    // The value at this path, or nullptr when missing or JSON null. The result points into `root`
    // or, when the path contains `[*]`, into `storage` (overwritten). Never throws for any input.
    const nlohmann::json* evaluate(const nlohmann::json& root, nlohmann::json& storage) const;

    bool has_wildcard() const { return m_has_wildcard; }
    const std::vector<Step>& steps() const { return m_steps; }
    const std::string& text() const { return m_text; }

private:
    void collect(const nlohmann::json& node, std::size_t step, nlohmann::json& out) const;
    const nlohmann::json* walk(const nlohmann::json* node, std::size_t from, std::size_t to) const;

    std::vector<Step> m_steps;
    std::string m_text;
    bool m_has_wildcard = false;
};

}  // namespace j2s
