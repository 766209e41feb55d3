#include "mapping/adf_to_text.hpp"

#include <chrono>
#include <cstdint>
#include <string_view>
#include <vector>

#include "util/time.hpp"

namespace j2s {

namespace {

using nlohmann::json;

const std::string& string_attr(const json& node, const char* name) {
    static const std::string empty;
    const auto attrs = node.find("attrs");
    if (attrs == node.end() || !attrs->is_object()) return empty;
    const auto value = attrs->find(name);
    return (value != attrs->end() && value->is_string()) ? value->get_ref<const std::string&>() : empty;
}

const std::string& node_type(const json& node) {
    static const std::string empty;
    const auto type = node.find("type");
    return (type != node.end() && type->is_string()) ? type->get_ref<const std::string&>() : empty;
}

const json* children(const json& node) {
    const auto content = node.find("content");
    return (content != node.end() && content->is_array()) ? &*content : nullptr;
}

bool is_inline_type(std::string_view type) {
    return type == "text" || type == "hardBreak" || type == "mention" || type == "emoji" ||
           type == "inlineCard" || type == "status" || type == "date" || type == "placeholder" ||
           type == "mediaInline" || type == "inlineExtension";
}

// A block whose content is inline nodes (paragraph, heading, codeBlock, taskItem, ...) is one line.
bool has_inline_content(const json& node) {
    const json* content = children(node);
    if (content == nullptr) return false;
    for (const auto& child : *content)
        if (child.is_object() && is_inline_type(node_type(child))) return true;
    return false;
}

std::string epoch_millis_to_date(const std::string& millis) {
    std::int64_t value = 0;
    try {
        std::size_t used = 0;
        value = std::stoll(millis, &used);
        if (used != millis.size()) return millis;
    } catch (const std::exception&) {
        return millis;
    }
    const auto instant = std::chrono::sys_time<std::chrono::milliseconds>(std::chrono::milliseconds(value));
    return format_date(std::chrono::floor<std::chrono::days>(instant));
}

void append_inline(const json& node, std::string& out) {
    if (!node.is_object()) return;
    const std::string& type = node_type(node);
    if (type == "text") {
        const auto text = node.find("text");
        if (text != node.end() && text->is_string()) out += text->get_ref<const std::string&>();
    } else if (type == "hardBreak") {
        out += '\n';
    } else if (type == "mention" || type == "status" || type == "placeholder") {
        out += string_attr(node, "text");
    } else if (type == "emoji") {
        const std::string& text = string_attr(node, "text");
        out += text.empty() ? string_attr(node, "shortName") : text;
    } else if (type == "inlineCard" || type == "blockCard" || type == "embedCard") {
        // Text before a card rarely ends with a space ("see" + card); keep the words apart.
        const std::string& url = string_attr(node, "url");
        if (!url.empty() && !out.empty() && out.back() != ' ' && out.back() != '\n') out += ' ';
        out += url;
    } else if (type == "date") {
        const std::string& stamp = string_attr(node, "timestamp");
        if (!stamp.empty()) out += epoch_millis_to_date(stamp);
    } else if (const json* content = children(node)) {
        for (const auto& child : *content) append_inline(child, out);
    }
}

void trim_trailing_newlines(std::string& text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
}

void collect_blocks(const json& node, std::vector<std::string>& lines);

// The text of a table cell on one line: its blocks joined with a space.
std::string cell_text(const json& cell) {
    std::vector<std::string> parts;
    collect_blocks(cell, parts);
    std::string out;
    for (const auto& part : parts) {
        if (!out.empty()) out += ' ';
        out += part;
    }
    return out;
}

void collect_blocks(const json& node, std::vector<std::string>& lines) {
    if (!node.is_object()) return;
    const std::string& type = node_type(node);
    if (type == "tableRow") {
        std::string row;
        bool first = true;
        if (const json* cells = children(node)) {
            for (const auto& cell : *cells) {
                if (!first) row += " | ";
                row += cell_text(cell);
                first = false;
            }
        }
        if (!row.empty()) lines.push_back(std::move(row));
        return;
    }
    if (type == "blockCard" || type == "embedCard") {
        const std::string& url = string_attr(node, "url");
        if (!url.empty()) lines.push_back(url);
        return;
    }
    if (is_inline_type(type) || has_inline_content(node)) {
        std::string line;
        if (is_inline_type(type)) {
            append_inline(node, line);
        } else {
            for (const auto& child : *children(node)) append_inline(child, line);
        }
        trim_trailing_newlines(line);
        if (!line.empty()) lines.push_back(std::move(line));
        return;
    }
    if (const json* content = children(node)) {
        for (const auto& child : *content) collect_blocks(child, lines);
    }
}

}  // namespace

std::string adf_to_text(const nlohmann::json& document) {
    std::vector<std::string> lines;
    collect_blocks(document, lines);
    std::string out;
    for (const auto& line : lines) {
        if (!out.empty()) out += '\n';
        out += line;
    }
    return out;
}

}  // namespace j2s
