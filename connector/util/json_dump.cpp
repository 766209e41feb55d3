#include "util/json_dump.hpp"

#include <charconv>
#include <cstdint>
#include <cstring>

namespace j2s {

namespace {

// The escape nlohmann writes for a byte below 0x20, or nullptr when it writes \u00XX.
const char* short_escape(unsigned char c) {
    switch (c) {
    case '\b': return "\\b";
    case '\t': return "\\t";
    case '\n': return "\\n";
    case '\f': return "\\f";
    case '\r': return "\\r";
    default: return nullptr;
    }
}

// Length of the valid UTF-8 sequence starting at s[i] (a byte >= 0x80), or 0 when it is not valid.
std::size_t utf8_sequence(const std::string& s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char lead = byte(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // bounds of the second byte (overlongs, surrogates, > U+10FFFF)
    if (lead >= 0xC2 && lead <= 0xDF) n = 2;
    else if (lead == 0xE0) n = 3, lo = 0xA0;
    else if ((lead >= 0xE1 && lead <= 0xEC) || lead == 0xEE || lead == 0xEF) n = 3;
    else if (lead == 0xED) n = 3, hi = 0x9F;
    else if (lead == 0xF0) n = 4, lo = 0x90;
    else if (lead >= 0xF1 && lead <= 0xF3) n = 4;
    else if (lead == 0xF4) n = 4, hi = 0x8F;
    else return 0;
    if (i + n > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    return n;
}

// True when none of the 8 bytes at `p` needs a look: no byte below 0x20, no '"', no '\\', nothing
// above 0x7F (the usual bit tricks; a false alarm only sends the bytes through the byte-by-byte path).
bool plain_word(const char* p) {
    constexpr std::uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    const std::uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    const std::uint64_t control = (w - ones * 0x20) & ~w;
    const std::uint64_t found = w | control | ((quote - ones) & ~quote) | ((backslash - ones) & ~backslash);
    return (found & high) == 0;
}

struct NotPlain {};  // thrown to hand the whole value to nlohmann

void write_string(const std::string& s, std::string& out) {
    out += '"';
    std::size_t run = 0;  // start of the bytes not yet written
    for (std::size_t i = 0; i < s.size();) {
        if (i + 8 <= s.size() && plain_word(s.data() + i)) {
            i += 8;
            continue;
        }
        const auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            ++i;
            continue;
        }
        if (c >= 0x80) {
            const std::size_t n = utf8_sequence(s, i);
            if (n == 0) throw NotPlain{};
            i += n;
            continue;
        }
        out.append(s, run, i - run);
        if (c == '"') out += "\\\"";
        else if (c == '\\') out += "\\\\";
        else if (const char* e = short_escape(c)) out += e;
        else {
            static const char hex[] = "0123456789abcdef";
            out += "\\u00";
            out += hex[c >> 4];
            out += hex[c & 0xF];
        }
        run = ++i;
    }
    out.append(s, run, std::string::npos);
    out += '"';
}

template <class Int>
void write_integer(Int v, std::string& out) {
    char buffer[24];
    const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
    out.append(buffer, end);
}

void write_value(const nlohmann::json& v, std::string& out) {
    switch (v.type()) {
    case nlohmann::json::value_t::null: out += "null"; return;
    case nlohmann::json::value_t::boolean: out += v.get<bool>() ? "true" : "false"; return;
    case nlohmann::json::value_t::number_integer: write_integer(v.get<std::int64_t>(), out); return;
    case nlohmann::json::value_t::number_unsigned: write_integer(v.get<std::uint64_t>(), out); return;
    case nlohmann::json::value_t::number_float: out += v.dump(); return;  // nlohmann's own shortest form
    case nlohmann::json::value_t::string: write_string(v.get_ref<const std::string&>(), out); return;
    case nlohmann::json::value_t::array: {
        out += '[';
        bool first = true;
        for (const auto& item : v) {
            if (!first) out += ',';
            first = false;
            write_value(item, out);
        }
        out += ']';
        return;
    }
    case nlohmann::json::value_t::object: {
        out += '{';
        bool first = true;
        for (const auto& [key, item] : v.get_ref<const nlohmann::json::object_t&>()) {
            if (!first) out += ',';
            first = false;
            write_string(key, out);
            out += ':';
            write_value(item, out);
        }
        out += '}';
        return;
    }
    default: throw NotPlain{};  // binary, discarded
    }
}

}  // namespace

std::string dump_json(const nlohmann::json& value) {
    std::string out;
    try {
        write_value(value, out);
    } catch (const NotPlain&) {
        return value.dump();
    }
    return out;
}

}  // namespace j2s
