#include "page_token.hpp"

#include "base64.hpp"

#include <functional>

namespace j2s::fake {

namespace {
std::string scope_hash(std::string_view scope) {
    // FNV-1a: stable across runs and builds, unlike std::hash.
    std::uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : scope) {
        h ^= c;
        h *= 1099511628211ULL;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}
}  // namespace

std::string encode_page_token(std::string_view scope, const SortRow& last_row) {
    json values = json::array();
    for (const auto& v : last_row) values.push_back(json::array({v.text, v.number}));
    const json body = {{"v", 1}, {"h", scope_hash(scope)}, {"after", values}};
    return base64_encode(body.dump(), true);
}

std::optional<SortRow> decode_page_token(std::string_view token, std::string_view scope) {
    auto raw = base64_decode(token);
    if (!raw) return std::nullopt;
    const json body = json::parse(*raw, nullptr, false);
    if (body.is_discarded() || !body.is_object() || body.value("v", 0) != 1 || !body.contains("h") ||
        !body["h"].is_string() || body["h"].get<std::string>() != scope_hash(scope) || !body.contains("after") ||
        !body["after"].is_array())
        return std::nullopt;
    SortRow row;
    for (const auto& v : body["after"]) {
        if (!v.is_array() || v.size() != 2 || !v[0].is_string() || !v[1].is_number_integer()) return std::nullopt;
        row.push_back({v[0].get<std::string>(), v[1].get<std::int64_t>()});
    }
    return row;
}

}  // namespace j2s::fake
