#pragma once
// nlohmann::json::dump() for the hot path: the same bytes, several times faster. Every stored issue's raw
// JSON is written with it; nlohmann's serializer decodes each string one byte at a time through its UTF-8
// state machine, and that was 14% of a Cloud backfill's instructions once parsing was fast (callgrind).

#include <string>

#include <nlohmann/json.hpp>

namespace j2s {

// Exactly value.dump() (compact, no ASCII escaping): same escapes, same number formatting, keys in the
// object's order. Anything unusual (invalid UTF-8, binary values) is handed to nlohmann, so its errors
// are unchanged too.
std::string dump_json(const nlohmann::json& value);

}  // namespace j2s
