#pragma once
// A strict parser of the Prometheus text exposition format (0.0.4), enough to hold the metrics file to
// the grammar node_exporter's textfile collector accepts: comment lines (`# HELP name text`,
// `# TYPE name counter|gauge|histogram|summary|untyped`, other `#` comments), samples
// `name{label="value",...} value [timestamp]`, metric names [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]* (not starting "__"), label values with \\ \" \n escapes only, Go float values
// (incl. NaN, +Inf, -Inf), at most one HELP and one TYPE per name, TYPE before the first sample of its name,
// samples of one name together, no duplicate series, a trailing newline. Throws std::runtime_error naming
// the line.

#include <cctype>
#include <cstdlib>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace j2s::prom {

struct Sample {
    std::string name;
    std::map<std::string, std::string> labels;
    double value = 0;
};

struct Exposition {
    std::vector<Sample> samples;
    std::map<std::string, std::string> help, type;

    // The value of `name` with exactly `labels`; throws if absent.
    double value(const std::string& name, const std::map<std::string, std::string>& labels = {}) const {
        for (const auto& s : samples)
            if (s.name == name && s.labels == labels) return s.value;
        throw std::runtime_error("no sample " + name);
    }
    bool has(const std::string& name) const {
        for (const auto& s : samples)
            if (s.name == name) return true;
        return false;
    }
};

namespace detail {
inline bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
inline bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }
inline bool valid_metric_name(const std::string& n) {
    if (n.empty() || !name_start(n[0])) return false;
    for (char c : n)
        if (!name_char(c)) return false;
    return true;
}
inline bool valid_label_name(const std::string& n) {
    if (n.empty() || n[0] == ':' || !name_start(n[0]) || n.rfind("__", 0) == 0) return false;
    for (char c : n)
        if (!name_char(c) || c == ':') return false;
    return true;
}
inline double parse_float(const std::string& text, const std::string& where) {
    if (text == "NaN") return std::numeric_limits<double>::quiet_NaN();
    if (text == "+Inf" || text == "Inf") return std::numeric_limits<double>::infinity();
    if (text == "-Inf") return -std::numeric_limits<double>::infinity();
    if (text.empty()) throw std::runtime_error(where + ": missing value");
    for (char c : text)
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-'))
            throw std::runtime_error(where + ": bad float '" + text + "'");
    char* end = nullptr;
    const double v = std::strtod(text.c_str(), &end);
    if (end != text.c_str() + text.size()) throw std::runtime_error(where + ": bad float '" + text + "'");
    return v;
}
}  // namespace detail

inline Exposition parse(const std::string& text) {
    using namespace detail;
    if (text.empty() || text.back() != '\n') throw std::runtime_error("the exposition must end with a newline");
    Exposition out;
    std::set<std::string> finished_names, series;
    std::string current;
    std::size_t pos = 0;
    int line_no = 0;
    while (pos < text.size()) {
        const std::size_t eol = text.find('\n', pos);
        const std::string line = text.substr(pos, eol - pos);
        pos = eol + 1;
        const std::string where = "line " + std::to_string(++line_no);
        if (line.empty()) continue;
        if (line[0] == '#') {
            if (line.rfind("# HELP ", 0) == 0 || line.rfind("# TYPE ", 0) == 0) {
                const bool is_help = line[2] == 'H';
                const std::string rest = line.substr(7);
                const auto sp = rest.find(' ');
                const std::string name = rest.substr(0, sp);
                const std::string arg = sp == std::string::npos ? "" : rest.substr(sp + 1);
                if (!valid_metric_name(name)) throw std::runtime_error(where + ": bad metric name '" + name + "'");
                auto& table = is_help ? out.help : out.type;
                if (table.count(name)) throw std::runtime_error(where + ": second " + (is_help ? "HELP" : "TYPE") + " for " + name);
                if (!is_help) {
                    static const std::set<std::string> types{"counter", "gauge", "histogram", "summary", "untyped"};
                    if (!types.count(arg)) throw std::runtime_error(where + ": bad type '" + arg + "'");
                    for (const auto& s : out.samples)
                        if (s.name == name) throw std::runtime_error(where + ": TYPE after samples of " + name);
                }
                table[name] = arg;
            }
            continue;
        }
        Sample s;
        std::size_t i = 0;
        while (i < line.size() && name_char(line[i])) ++i;
        s.name = line.substr(0, i);
        if (!valid_metric_name(s.name)) throw std::runtime_error(where + ": bad metric name in '" + line + "'");
        if (i < line.size() && line[i] == '{') {
            ++i;
            while (true) {
                if (i < line.size() && line[i] == '}') {
                    ++i;
                    break;
                }
                std::size_t start = i;
                while (i < line.size() && line[i] != '=') ++i;
                const std::string label = line.substr(start, i - start);
                if (!valid_label_name(label)) throw std::runtime_error(where + ": bad label name '" + label + "'");
                if (i + 1 >= line.size() || line[i + 1] != '"') throw std::runtime_error(where + ": label value must be quoted");
                i += 2;
                std::string value;
                while (true) {
                    if (i >= line.size()) throw std::runtime_error(where + ": unterminated label value");
                    char c = line[i++];
                    if (c == '"') break;
                    if (c == '\\') {
                        if (i >= line.size()) throw std::runtime_error(where + ": dangling escape");
                        char e = line[i++];
                        if (e == 'n') value += '\n';
                        else if (e == '\\' || e == '"') value += e;
                        else throw std::runtime_error(where + ": bad escape \\" + std::string(1, e));
                    } else {
                        value += c;
                    }
                }
                if (s.labels.count(label)) throw std::runtime_error(where + ": duplicate label " + label);
                s.labels[label] = value;
                if (i < line.size() && line[i] == ',') ++i;
                else if (i < line.size() && line[i] == '}') continue;
                else throw std::runtime_error(where + ": expected , or } after a label");
            }
        }
        if (i >= line.size() || line[i] != ' ') throw std::runtime_error(where + ": expected one space before the value");
        ++i;
        const std::string rest = line.substr(i);
        const auto sp = rest.find(' ');
        s.value = parse_float(rest.substr(0, sp), where);
        if (sp != std::string::npos) {
            const std::string ts = rest.substr(sp + 1);
            if (ts.empty() || ts.find_first_not_of("-0123456789") != std::string::npos)
                throw std::runtime_error(where + ": bad timestamp '" + ts + "'");
        }
        if (s.name != current) {
            if (finished_names.count(s.name)) throw std::runtime_error(where + ": samples of " + s.name + " are not together");
            if (!current.empty()) finished_names.insert(current);
            current = s.name;
        }
        std::string id = s.name;
        for (const auto& [k, v] : s.labels) id += "\x1f" + k + "=" + v;
        if (!series.insert(id).second) throw std::runtime_error(where + ": duplicate series " + s.name);
        out.samples.push_back(std::move(s));
    }
    return out;
}

}  // namespace j2s::prom
