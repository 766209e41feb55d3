#include "config/yaml_location.hpp"

#include <cctype>
#include <optional>
#include <sstream>
#include <vector>

namespace j2s {

namespace {

struct Frame {
    int indent;
    std::string name;  // a key, or "[N]" for a list item
    bool item;
    int items = 0;  // list items seen directly under this key
};

std::string join(const std::vector<Frame>& frames) {
    std::string out;
    for (const auto& f : frames) {
        if (f.item) out += f.name;
        else out += (out.empty() ? "" : ".") + f.name;
    }
    return out;
}

// The key a block-style line starts with at `from` ("name" in `name: x`, `"a b"` unquoted), if any.
std::optional<std::string> key_at(const std::string& line, std::size_t from) {
    if (from >= line.size()) return std::nullopt;
    const char first = line[from];
    if (first == '"' || first == '\'') {
        const auto close = line.find(first, from + 1);
        if (close == std::string::npos || close + 1 >= line.size() || line[close + 1] != ':') return std::nullopt;
        if (close + 2 < line.size() && line[close + 2] != ' ' && line[close + 2] != '\t') return std::nullopt;
        return line.substr(from + 1, close - from - 1);
    }
    if (first == '#' || first == '[' || first == '{' || first == '-' || first == '|' || first == '>') return std::nullopt;
    for (std::size_t i = from; i < line.size(); ++i) {
        if (line[i] == '#' && i > from && (line[i - 1] == ' ' || line[i - 1] == '\t')) return std::nullopt;
        if (line[i] == ':' && (i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t')) {
            std::size_t end = i;
            while (end > from && (line[end - 1] == ' ' || line[end - 1] == '\t')) --end;
            return end > from ? std::optional<std::string>(line.substr(from, end - from)) : std::nullopt;
        }
    }
    return std::nullopt;
}

// One pass over the text: the key path of every line, and what is still open at the end.
struct Scan {
    std::vector<std::string> paths;  // index 0 = line 1
    int open_quote_line = 0;         // a quoted value never closed, opened on this line
    int open_flow_line = 0;          // a `[` or `{` never closed, opened on this line
    char open_flow = 0;
};

Scan scan(const std::string& text) {
    Scan out;
    std::vector<Frame> frames;
    char quote = 0;      // inside a quoted value that continues on the next line
    int flow_depth = 0;  // inside `[...]` / `{...}` that continues on the next line
    int block_indent = -1;  // inside a `|` / `>` block scalar of a key at this indent
    std::string continued_path;
    std::istringstream in(text);
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        std::size_t indent = 0;
        while (indent < line.size() && (line[indent] == ' ' || line[indent] == '\t')) ++indent;
        const bool blank = indent == line.size() || line[indent] == '#';

        if (block_indent >= 0 && (blank || static_cast<int>(indent) > block_indent)) {
            out.paths.push_back(continued_path);  // text of a block scalar: anything goes
            continue;
        }
        block_indent = -1;
        if (quote || flow_depth > 0) {
            out.paths.push_back(continued_path);
        } else if (blank) {
            out.paths.push_back(join(frames));
            continue;
        } else {
            std::size_t at = indent;
            const bool starts_item = line[at] == '-' && (at + 1 == line.size() || line[at + 1] == ' ');
            // Close what this line is not inside of. A list may sit at the indent of its key ("key:\n- a").
            while (!frames.empty()) {
                const Frame& top = frames.back();
                if (top.indent < static_cast<int>(indent)) break;
                if (starts_item && !top.item && top.indent == static_cast<int>(indent)) break;
                frames.pop_back();
            }
            while (at < line.size() && line[at] == '-' && (at + 1 == line.size() || line[at + 1] == ' ')) {
                int index = 0;
                if (!frames.empty()) index = frames.back().items++;
                frames.push_back({static_cast<int>(at), "[" + std::to_string(index) + "]", true});
                ++at;
                while (at < line.size() && line[at] == ' ') ++at;
            }
            if (auto key = key_at(line, at)) {
                frames.push_back({static_cast<int>(at), *key, false});
                // A `|` or `>` value: the more indented lines that follow are its text.
                auto colon = line.find(':', at + key->size());
                std::size_t v = colon == std::string::npos ? line.size() : colon + 1;
                while (v < line.size() && line[v] == ' ') ++v;
                if (v < line.size() && (line[v] == '|' || line[v] == '>')) block_indent = static_cast<int>(indent);
            }
            out.paths.push_back(join(frames));
            continued_path = out.paths.back();
            if (block_indent >= 0) continue;
        }

        // Quotes and flow collections, which may run over several lines. A quote opens a quoted value only
        // where a value can begin, so the apostrophe in `o'brien` does not.
        bool node_start = true;
        for (std::size_t i = 0; i < line.size(); ++i) {
            const char c = line[i];
            if (quote) {
                if (quote == '"' && c == '\\') ++i;
                else if (quote == '\'' && c == '\'' && i + 1 < line.size() && line[i + 1] == '\'') ++i;
                else if (c == quote) quote = 0, node_start = false;
                continue;
            }
            if (c == ' ' || c == '\t') continue;
            if (c == '#' && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t')) break;
            if ((c == '"' || c == '\'') && node_start) {
                quote = c;
                out.open_quote_line = line_no;
                continue;
            }
            if ((c == '[' || c == '{') && (node_start || flow_depth > 0)) {
                if (flow_depth++ == 0) out.open_flow_line = line_no, out.open_flow = c;
                node_start = true;
                continue;
            }
            if ((c == ']' || c == '}') && flow_depth > 0) {
                --flow_depth;
                node_start = false;
                continue;
            }
            if (c == ',' && flow_depth > 0) {
                node_start = true;
                continue;
            }
            if (c == ':' && (i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t')) {
                node_start = true;
                continue;
            }
            if (c == '-' && node_start && (i + 1 == line.size() || line[i + 1] == ' ')) continue;
            node_start = false;
        }
    }
    if (!quote) out.open_quote_line = 0;
    if (flow_depth == 0) out.open_flow_line = 0;
    return out;
}

std::string path_at(const Scan& s, int line) {
    if (line < 1 || line > static_cast<int>(s.paths.size())) return "";
    return s.paths[static_cast<std::size_t>(line - 1)];
}

}  // namespace

std::string yaml_key_path_at(const std::string& text, int line) { return path_at(scan(text), line); }

void check_yaml_text(const std::string& text, const std::string& file) {
    const Scan s = scan(text);
    if (s.open_quote_line)
        throw ConfigError(file, s.open_quote_line, path_at(s, s.open_quote_line),
                          "invalid YAML: a quoted value starts on this line but its closing quote is missing");
    if (s.open_flow_line)
        throw ConfigError(file, s.open_flow_line, path_at(s, s.open_flow_line),
                          std::string("invalid YAML: the '") + s.open_flow + "' on this line is never closed (missing '" +
                              (s.open_flow == '[' ? ']' : '}') + "')");
}

ConfigError yaml_syntax_error(const std::string& text, const std::string& file, int mark_line, const std::string& message) {
    const int line = mark_line < 0 ? 0 : mark_line + 1;
    return ConfigError(file, line, line > 0 ? yaml_key_path_at(text, line) : "", "invalid YAML: " + message);
}

}  // namespace j2s
