#pragma once
// Parsing Jira's response bodies. nlohmann's own parser reads one character at a time and was more than
// half of the connector's CPU in a backfill (callgrind: 53% of instructions, most in lexer::scan_string).
// simdjson (Debian's libsimdjson-dev) finds the structure with SIMD instructions; its output is copied into
// the nlohmann::json the rest of the pipeline uses, so nothing downstream changes.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace j2s {

// The body as JSON, or nullopt when it is not valid JSON (a body cut short, an HTML error page).
// The result is the same value nlohmann::json::parse gives: objects keep the last of duplicate keys,
// integers stay int64/uint64, and anything simdjson declines (integers past 64 bits, a scalar at the
// root) goes through nlohmann's parser instead. May grow `body`'s capacity (simdjson reads past the end).
std::optional<nlohmann::json> parse_response_json(std::string& body);

}  // namespace j2s
