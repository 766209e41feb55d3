#pragma once
// SHA-256 for pseudonymising values (the mapping's `sha256` transform) and for migration checksums.

#include <string>
#include <string_view>

namespace j2s {

// The SHA-256 digest of the bytes of `data` as 64 lower-case hex characters.
// Throws j2s::Error only if OpenSSL itself fails (out of memory).
std::string sha256_hex(std::string_view data);

}  // namespace j2s
