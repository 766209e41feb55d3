#include "util/sha256.hpp"

#include <catch2/catch.hpp>

#include <string>

using j2s::sha256_hex;

TEST_CASE("sha256_hex matches the FIPS 180-2 test vectors", "[sha256]") {
    CHECK(sha256_hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
          "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
}

TEST_CASE("sha256_hex hashes bytes, including embedded NULs and UTF-8", "[sha256]") {
    std::string with_nul("a\0b", 3);
    CHECK(sha256_hex(with_nul) != sha256_hex("ab"));
    CHECK(sha256_hex(with_nul).size() == 64);
    // UTF-8 "é" (C3 A9): the hash is of the encoded bytes.
    CHECK(sha256_hex("\xC3\xA9") == sha256_hex(std::string("\xC3\xA9")));
    CHECK(sha256_hex("\xC3\xA9") != sha256_hex("e"));
}

TEST_CASE("sha256_hex output is lower-case hex", "[sha256]") {
    auto h = sha256_hex("jane@example.com");
    REQUIRE(h.size() == 64);
    for (char c : h) CHECK(((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')));
}
