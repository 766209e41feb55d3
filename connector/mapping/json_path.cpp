#include "mapping/json_path.hpp"

#include <charconv>

namespace j2s {

namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

std::string at(std::size_t pos) { return " at position " + std::to_string(pos + 1); }

}  // namespace

JsonPath JsonPath::compile(std::string_view text) {
    JsonPath path;
    path.m_text = std::string(text);
    std::size_t i = 0;
    const std::size_t n = text.size();
    // after_dot: a `.` was just consumed, so a key (not `[`) must follow.
    bool after_dot = false;
    while (i < n) {
        const char c = text[i];
        if (c == '[') {
            if (after_dot) throw JsonPathError("expected a key after '.'" + at(i));
            const std::size_t close = text.find(']', i + 1);
            if (close == std::string_view::npos) throw JsonPathError("unclosed '['" + at(i));
            const std::string_view inside = text.substr(i + 1, close - i - 1);
            if (inside == "*") {
                path.m_steps.push_back({Step::Kind::all, {}, 0});
                path.m_has_wildcard = true;
            } else {
                if (inside.empty()) throw JsonPathError("empty '[]'" + at(i));
                std::size_t index = 0;
                const auto [end, ec] = std::from_chars(inside.data(), inside.data() + inside.size(), index);
                if (ec != std::errc() || end != inside.data() + inside.size())
                    throw JsonPathError("index '" + std::string(inside) +
                                        "' is not a non-negative integer or '*'" + at(i));
                path.m_steps.push_back({Step::Kind::index, {}, index});
            }
            i = close + 1;
            if (i < n && text[i] != '.' && text[i] != '[')
                throw JsonPathError("expected '.' or '[' after ']'" + at(i));
            if (i < n && text[i] == '.') {
                ++i;
                after_dot = true;
                if (i == n) throw JsonPathError("path ends with '.'");
            }
            continue;
        }
        // a key
        std::size_t end = i;
        while (end < n && text[end] != '.' && text[end] != '[' && text[end] != ']') {
            if (is_space(text[end])) throw JsonPathError("whitespace" + at(end));
            ++end;
        }
        if (end == i) {
            if (i < n && text[i] == ']') throw JsonPathError("unexpected ']'" + at(i));
            throw JsonPathError("empty key" + at(i));
        }
        path.m_steps.push_back({Step::Kind::key, std::string(text.substr(i, end - i)), 0});
        after_dot = false;
        i = end;
        if (i < n && text[i] == '.') {
            ++i;
            after_dot = true;
            if (i == n) throw JsonPathError("path ends with '.'");
        } else if (i < n && text[i] == ']') {
            throw JsonPathError("unexpected ']'" + at(i));
        }
    }
    return path;
}

JsonPath JsonPath::key(std::string name) {
    JsonPath path;
    path.m_text = name;
    path.m_steps.push_back({Step::Kind::key, std::move(name), 0});
    return path;
}

JsonPath JsonPath::then(const JsonPath& rest) const {
    JsonPath out = *this;
    out.m_steps.insert(out.m_steps.end(), rest.m_steps.begin(), rest.m_steps.end());
    out.m_has_wildcard = m_has_wildcard || rest.m_has_wildcard;
    if (out.m_text.empty()) {
        out.m_text = rest.m_text;
    } else if (!rest.m_text.empty()) {
        out.m_text += (rest.m_text.front() == '[' ? "" : ".") + rest.m_text;
    }
    return out;
}

// Follows key and index steps [from, to); nullptr as soon as something is missing or null.
const nlohmann::json* JsonPath::walk(const nlohmann::json* node, std::size_t from, std::size_t to) const {
    for (std::size_t s = from; s < to && node != nullptr; ++s) {
        const Step& step = m_steps[s];
        if (step.kind == Step::Kind::key) {
            if (!node->is_object()) return nullptr;
            const auto it = node->find(step.key);
            node = it == node->end() ? nullptr : &*it;
        } else {  // index (wildcards never reach walk)
            if (!node->is_array() || step.index >= node->size()) return nullptr;
            node = &(*node)[step.index];
        }
    }
    return (node == nullptr || node->is_null()) ? nullptr : node;
}

void JsonPath::collect(const nlohmann::json& node, std::size_t step, nlohmann::json& out) const {
    std::size_t next_all = step;
    while (next_all < m_steps.size() && m_steps[next_all].kind != Step::Kind::all) ++next_all;
    const nlohmann::json* reached = walk(&node, step, next_all);
    if (reached == nullptr) return;
    if (next_all == m_steps.size()) {
        out.push_back(*reached);
        return;
    }
    if (!reached->is_array()) return;
    for (const auto& element : *reached) collect(element, next_all + 1, out);
}

const nlohmann::json* JsonPath::evaluate(const nlohmann::json& root, nlohmann::json& storage) const {
    if (!m_has_wildcard) return walk(&root, 0, m_steps.size());
    // The first [*] decides between "no value" (not an array) and an array (possibly empty).
    std::size_t first_all = 0;
    while (m_steps[first_all].kind != Step::Kind::all) ++first_all;
    const nlohmann::json* reached = walk(&root, 0, first_all);
    if (reached == nullptr || !reached->is_array()) return nullptr;
    storage = nlohmann::json::array();
    for (const auto& element : *reached) collect(element, first_all + 1, storage);
    return &storage;
}

}  // namespace j2s
