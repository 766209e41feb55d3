#pragma once
// The column transforms of contract section 3, applied to the JSON value before type conversion.
//
// - adf_to_text: an object (an ADF document) -> its plain text (see adf_to_text.hpp); a string passes
//                through unchanged; anything else passes through.
// - sha256:      a string -> lower-case hex SHA-256 of its UTF-8 bytes; a number, boolean or object ->
//                the hash of its JSON text; an array -> element-wise.
// - join:        an array -> its elements' text (strings as is, others as compact JSON) joined with
//                ", ", null elements skipped; an array with nothing to join -> no value (NULL);
//                a non-array passes through.
// - lower/upper: ASCII letters of a string change case; other bytes (UTF-8 multibyte sequences) are
//                left alone; non-strings pass through; an array -> element-wise.
// - trim:        ASCII whitespace removed from both ends of a string; otherwise as lower/upper.
// Missing or null stays missing (nullptr) for every transform.

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace j2s {

enum class Transform { none, adf_to_text, sha256, join, lower, upper, trim };

// "adf_to_text" -> Transform::adf_to_text; nullopt for an unknown name ("none" is not a valid name).
std::optional<Transform> transform_from_name(const std::string& name);
const char* transform_name(Transform t);

// Applies `t` to `value` (nullptr = missing). Returns `value` itself when nothing changes, otherwise a
// pointer to `storage` (overwritten), or nullptr for no value. Never throws for any input (sha256
// throws j2s::Error only if OpenSSL itself fails).
const nlohmann::json* apply_transform(Transform t, const nlohmann::json* value, nlohmann::json& storage);

}  // namespace j2s
