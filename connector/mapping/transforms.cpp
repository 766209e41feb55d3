#include "mapping/transforms.hpp"

#include <array>
#include <utility>

#include "mapping/adf_to_text.hpp"
#include "mapping/value_convert.hpp"
#include "util/sha256.hpp"

namespace j2s {

namespace {

using nlohmann::json;

constexpr std::array<std::pair<Transform, const char*>, 6> k_names{{
    {Transform::adf_to_text, "adf_to_text"},
    {Transform::sha256, "sha256"},
    {Transform::join, "join"},
    {Transform::lower, "lower"},
    {Transform::upper, "upper"},
    {Transform::trim, "trim"},
}};

bool is_ascii_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// A transform on one string; applied to scalars directly and to arrays element-wise.
std::string apply_to_string(Transform t, std::string text) {
    switch (t) {
        case Transform::lower:
            for (char& c : text)
                if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
            return text;
        case Transform::upper:
            for (char& c : text)
                if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
            return text;
        case Transform::trim: {
            std::size_t begin = 0;
            std::size_t end = text.size();
            while (begin < end && is_ascii_space(text[begin])) ++begin;
            while (end > begin && is_ascii_space(text[end - 1])) --end;
            return text.substr(begin, end - begin);
        }
        case Transform::sha256: return sha256_hex(text);
        default: return text;
    }
}

// lower/upper/trim touch only strings; sha256 hashes any scalar or object by its text.
json apply_scalar(Transform t, const json& value) {
    if (value.is_null()) return value;
    if (value.is_string()) return apply_to_string(t, value.get<std::string>());
    if (t == Transform::sha256) return apply_to_string(t, json_as_text(value));
    return value;
}

}  // namespace

std::optional<Transform> transform_from_name(const std::string& name) {
    for (const auto& [t, n] : k_names)
        if (name == n) return t;
    return std::nullopt;
}

const char* transform_name(Transform t) {
    for (const auto& [candidate, n] : k_names)
        if (candidate == t) return n;
    return "none";
}

const json* apply_transform(Transform t, const json* value, json& storage) {
    if (value == nullptr || value->is_null()) return nullptr;
    switch (t) {
        case Transform::none: return value;
        case Transform::adf_to_text:
            if (!value->is_object()) return value;
            storage = adf_to_text(*value);
            return &storage;
        case Transform::join: {
            if (!value->is_array()) return value;
            std::string joined;
            bool any = false;
            for (const auto& element : *value) {
                if (element.is_null()) continue;
                if (any) joined += ", ";
                joined += json_as_text(element);
                any = true;
            }
            if (!any) return nullptr;
            storage = std::move(joined);
            return &storage;
        }
        case Transform::sha256:
        case Transform::lower:
        case Transform::upper:
        case Transform::trim:
            if (value->is_array()) {
                json out = json::array();
                for (const auto& element : *value) out.push_back(apply_scalar(t, element));
                storage = std::move(out);
            } else {
                if (!value->is_string() && t != Transform::sha256) return value;
                storage = apply_scalar(t, *value);
            }
            return &storage;
    }
    return value;
}

}  // namespace j2s
