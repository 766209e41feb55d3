#pragma once
// Parsing Jira's response bodies. nlohmann's own parser reads one character at a time and was more than
// half of the connector's CPU in a backfill (callgrind: 53% of instructions, most in lexer::scan_string).
// simdjson (Debian's libsimdjson-dev) finds the structure with SIMD instructions; its output is copied into
// the nlohmann::json the rest of the pipeline uses, so nothing downstream changes.

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace j2s {

// The body as JSON, or nullopt when it is not valid JSON (a body cut short, an HTML error page).
// The result is the same value nlohmann::json::parse gives: objects keep the last of duplicate keys,
// integers stay int64/uint64, and anything simdjson declines (integers past 64 bits, a scalar at the
// root) goes through nlohmann's parser instead. May grow `body`'s capacity (simdjson reads past the end).
std::optional<nlohmann::json> parse_response_json(std::string& body);

// A parsed body read in parts: each part is copied into nlohmann::json only when asked for, so a caller going
// through a large array (a bulk changelog page of 10,000 histories) holds the parsed document, a few times
// smaller than the same values as nlohmann nodes, plus one element at a time. Values are the ones
// parse_response_json gives (same fallback to nlohmann's parser, last of duplicate keys).
class JsonDocument {
public:
    // A value inside the document; valid while the document lives.
    class Value {
    public:
        // The member `key` of an object (the last one, if repeated); nullopt if missing or not an object.
        std::optional<Value> find(std::string_view key) const;
        // `visit` for each element of an array, in order; nothing for any other value.
        void for_each_element(const std::function<void(const Value&)>& visit) const;
        nlohmann::json to_json() const;

    private:
        friend class JsonDocument;
        explicit Value(simdjson::dom::element element) : m_value(element) {}
        explicit Value(const nlohmann::json* value) : m_value(value) {}
        std::variant<simdjson::dom::element, const nlohmann::json*> m_value;
    };

    // nullopt when the body is not valid JSON. May grow `body`'s capacity; the document does not refer to
    // `body` afterwards. The parser is its own while the document lives (never waiting for one: a thread may
    // hold two documents), taken from and given back to a small cache of idle parsers.
    static std::optional<JsonDocument> parse(std::string& body);

    Value root() const;

private:
    struct ReturnParser {
        void operator()(simdjson::dom::parser* parser) const;
    };
    JsonDocument() = default;
    std::unique_ptr<simdjson::dom::parser, ReturnParser> m_parser;  // owns the document m_root points into
    simdjson::dom::element m_root;
    std::unique_ptr<nlohmann::json> m_fallback;  // set when nlohmann parsed the body instead
};

}  // namespace j2s
