#pragma once
// Base64 for Basic credentials and (URL-safe, unpadded) for opaque page tokens.

#include <optional>
#include <string>
#include <string_view>

namespace j2s::fake {

std::string base64_encode(std::string_view data, bool url_safe = false);
// Accepts both alphabets, with or without padding. Returns nullopt on any other character.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace j2s::fake
