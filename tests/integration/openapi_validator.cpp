#include "openapi_validator.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>

namespace j2s::it {

using nlohmann::json;

namespace {

const std::set<std::string> kMethods{"get", "put", "post", "delete", "options", "head", "patch", "trace"};

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

std::string upper(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return s;
}

std::vector<std::string> split(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::string::size_type start = 0;
    for (;;) {
        auto pos = s.find(sep, start);
        out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
        if (pos == std::string::npos) return out;
        start = pos + 1;
    }
}

std::string percent_decode(const std::string& in, bool plus_is_space) {
    std::string out;
    for (std::size_t i = 0; i < in.size(); ++i) {
        if (in[i] == '%' && i + 2 < in.size() && std::isxdigit(static_cast<unsigned char>(in[i + 1])) &&
            std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
            out += static_cast<char>(std::stoi(in.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else if (plus_is_space && in[i] == '+') {
            out += ' ';
        } else {
            out += in[i];
        }
    }
    return out;
}

std::string short_json(const json& value) {
    std::string s = value.dump();
    if (s.size() > 80) s = s.substr(0, 77) + "...";
    return s;
}

std::string type_of(const json& value) {
    if (value.is_null()) return "null";
    if (value.is_boolean()) return "boolean";
    if (value.is_number_integer() || value.is_number_unsigned()) return "integer";
    if (value.is_number()) return "number";
    if (value.is_string()) return "string";
    if (value.is_array()) return "array";
    return "object";
}

bool type_fits(const json& value, const std::string& type) {
    if (type == "object") return value.is_object();
    if (type == "array") return value.is_array();
    if (type == "string") return value.is_string();
    if (type == "boolean") return value.is_boolean();
    if (type == "integer") return value.is_number_integer() || value.is_number_unsigned();
    if (type == "number") return value.is_number();
    return true;  // unknown type keyword: not ours to judge
}

std::size_t utf8_length(const std::string& s) {
    std::size_t n = 0;
    for (unsigned char c : s)
        if ((c & 0xC0) != 0x80) ++n;
    return n;
}

// Parses a whole string as a decimal integer (optional sign); nullopt when it is not one or overflows.
std::optional<long double> parse_integer(const std::string& s) {
    if (s.empty()) return std::nullopt;
    std::size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
    if (i == s.size()) return std::nullopt;
    for (std::size_t k = i; k < s.size(); ++k)
        if (!std::isdigit(static_cast<unsigned char>(s[k]))) return std::nullopt;
    errno = 0;
    long double v = std::strtold(s.c_str(), nullptr);
    if (errno == ERANGE) return std::nullopt;
    return v;
}

std::optional<long double> parse_number(const std::string& s) {
    if (s.empty()) return std::nullopt;
    char* end = nullptr;
    errno = 0;
    long double v = std::strtold(s.c_str(), &end);
    if (errno == ERANGE || end != s.c_str() + s.size() || std::isspace(static_cast<unsigned char>(s[0])))
        return std::nullopt;
    return v;
}

std::string number_text(long double v) {
    std::ostringstream os;
    os.precision(20);
    os << v;
    return os.str();
}

// minimum/maximum (OpenAPI 3.0: exclusiveMinimum/exclusiveMaximum are booleans) and the int32/int64 formats.
void check_bounds(long double v, const json& s, const std::string& where, std::vector<std::string>& problems) {
    if (auto it = s.find("minimum"); it != s.end() && it->is_number()) {
        const long double min = it->get<double>();
        const bool exclusive = s.value("exclusiveMinimum", false);
        if (exclusive ? v <= min : v < min)
            problems.push_back(where + ": " + number_text(v) + " is below the " + (exclusive ? "exclusive " : "") +
                               "minimum " + number_text(min));
    }
    if (auto it = s.find("maximum"); it != s.end() && it->is_number()) {
        const long double max = it->get<double>();
        const bool exclusive = s.value("exclusiveMaximum", false);
        if (exclusive ? v >= max : v > max)
            problems.push_back(where + ": " + number_text(v) + " is above the " + (exclusive ? "exclusive " : "") +
                               "maximum " + number_text(max));
    }
    const std::string format = s.value("format", "");
    if (format == "int32" && (v < std::numeric_limits<std::int32_t>::min() || v > std::numeric_limits<std::int32_t>::max()))
        problems.push_back(where + ": " + number_text(v) + " does not fit format int32");
    if (format == "int64" && (v < static_cast<long double>(std::numeric_limits<std::int64_t>::min()) ||
                              v > static_cast<long double>(std::numeric_limits<std::int64_t>::max())))
        problems.push_back(where + ": " + number_text(v) + " does not fit format int64");
}

std::string child(const std::string& where, const std::string& key) { return where + "/" + key; }

}  // namespace

OpenApiValidator::OpenApiValidator(json spec, std::string base_path)
    : m_spec(std::move(spec)), m_base_path(std::move(base_path)) {
    if (!m_spec.is_object() || !m_spec.contains("paths") || !m_spec["paths"].is_object())
        throw std::runtime_error("not an OpenAPI document: no `paths` object");
    while (!m_base_path.empty() && m_base_path.back() == '/') m_base_path.pop_back();
}

OpenApiValidator OpenApiValidator::load(const std::filesystem::path& spec_file, std::string base_path) {
    std::ifstream in(spec_file);
    if (!in) throw std::runtime_error("cannot read " + spec_file.string());
    return OpenApiValidator(json::parse(in), std::move(base_path));
}

std::string OpenApiValidator::version() const {
    return m_spec.contains("info") ? m_spec["info"].value("version", "") : "";
}

const json& OpenApiValidator::resolve(const json& schema) const {
    const json* node = &schema;
    for (int hops = 0; node->is_object() && node->contains("$ref"); ++hops) {
        if (hops > 32) throw std::runtime_error("$ref cycle at " + (*node)["$ref"].dump());
        const std::string ref = (*node)["$ref"].get<std::string>();
        if (ref.rfind("#/", 0) != 0) throw std::runtime_error("external $ref not supported: " + ref);
        const json* target = &m_spec;
        for (auto part : split(ref.substr(2), '/')) {
            for (std::string::size_type p; (p = part.find("~1")) != std::string::npos;) part.replace(p, 2, "/");
            for (std::string::size_type p; (p = part.find("~0")) != std::string::npos;) part.replace(p, 2, "~");
            if (!target->is_object() || !target->contains(part))
                throw std::runtime_error("unresolvable $ref " + ref + " (is the subset's $ref closure complete?)");
            target = &(*target)[part];
        }
        node = target;
    }
    return *node;
}

std::optional<std::string> OpenApiValidator::match_path(const std::string& path) const {
    const auto segments = split(path, '/');
    std::optional<std::string> best;
    int best_literals = -1;
    for (const auto& [templ, item] : m_spec["paths"].items()) {
        const auto parts = split(templ, '/');
        if (parts.size() != segments.size()) continue;
        int literals = 0;
        bool ok = true;
        for (std::size_t i = 0; i < parts.size() && ok; ++i) {
            const auto& p = parts[i];
            if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
                ok = !segments[i].empty();
            } else {
                ok = p == segments[i];
                ++literals;
            }
        }
        // OpenAPI: concrete paths match before templated ones (/issue/bulkfetch before /issue/{issueIdOrKey}).
        if (ok && literals > best_literals) {
            best = templ;
            best_literals = literals;
        }
    }
    return best;
}

std::vector<std::string> OpenApiValidator::validate_value(const json& value, const json& schema, const std::string& where,
                                                          bool in_request) const {
    std::vector<std::string> problems;
    check(value, schema, where, in_request, 0, problems);
    return problems;
}

// Unknown object properties: rejected when the schema lists `properties` and `additionalProperties` is false
// OR ABSENT. OpenAPI's default for an absent keyword is "allowed", but Atlassian's generator writes
// `additionalProperties: false` explicitly on 808 of the 942 object schemas with properties in the full spec
// (and on 188 of the 190 request-body schemas with properties), and `true` on the 75 that really are open
// (maps such as IssueUpdateDetails.fields). An absent keyword is therefore an omission, not a promise of
// openness — in the extracted subset it occurs only on IssueUpdateMetadata, a response-only schema — and
// the strict reading catches a misspelt property in a request body, which is what this check is for.
// `additionalProperties: true` or a schema (then validated against it) opens the object.
void OpenApiValidator::check(const json& value, const json& schema_in, const std::string& where, bool in_request,
                             int depth, std::vector<std::string>& problems) const {
    if (depth > 64) {
        problems.push_back(where + ": schema nesting deeper than 64 levels");
        return;
    }
    const json& s = resolve(schema_in);
    if (!s.is_object() || s.empty()) return;  // {} accepts anything

    if (value.is_null() && s.value("nullable", false)) return;

    // allOf: composition. Merge the members' object keywords so a property declared by one member is not
    // "unknown" to another; every non-object keyword of each member is still applied.
    if (auto all = s.find("allOf"); all != s.end() && all->is_array()) {
        json merged = s;
        merged.erase("allOf");
        bool any_open = false;
        for (const auto& member_ref : *all) {
            const json& member = resolve(member_ref);
            if (!member.is_object()) continue;
            json flat_member = member;
            // a nested allOf is handled by recursing on the member for its non-object keywords
            for (const auto& [k, v] : member.items()) {
                if (k == "properties" && v.is_object()) {
                    for (const auto& [pk, pv] : v.items())
                        if (!merged["properties"].contains(pk)) merged["properties"][pk] = pv;
                } else if (k == "required" && v.is_array()) {
                    for (const auto& r : v) merged["required"].push_back(r);
                } else if (k == "additionalProperties") {
                    if (!(v.is_boolean() && !v.get<bool>())) any_open = true;
                } else if (k == "allOf" || k == "oneOf" || k == "anyOf") {
                    // validate separately below
                } else if (!merged.contains(k)) {
                    merged[k] = v;
                }
            }
            if (member.contains("allOf") || member.contains("oneOf") || member.contains("anyOf")) {
                json nested = json::object();
                for (const char* k : {"allOf", "oneOf", "anyOf"})
                    if (member.contains(k)) nested[k] = member[k];
                check(value, nested, where, in_request, depth + 1, problems);
            }
        }
        if (!s.contains("additionalProperties") && any_open) merged["additionalProperties"] = true;
        check(value, merged, where, in_request, depth + 1, problems);
        return;
    }
    for (const char* kind : {"oneOf", "anyOf"}) {
        auto alts = s.find(kind);
        if (alts == s.end() || !alts->is_array()) continue;
        std::size_t passing = 0;
        std::vector<std::string> first_failure;
        for (const auto& alt : *alts) {
            std::vector<std::string> p;
            check(value, alt, where, in_request, depth + 1, p);
            if (p.empty()) ++passing;
            else if (first_failure.empty()) first_failure = p;
        }
        const bool ok = std::string(kind) == "oneOf" ? passing == 1 : passing >= 1;
        if (!ok)
            problems.push_back(where + ": matches " + std::to_string(passing) + " of the " + std::to_string(alts->size()) +
                               " " + kind + " alternatives" +
                               (first_failure.empty() ? "" : " (first: " + first_failure.front() + ")"));
    }

    if (auto t = s.find("type"); t != s.end() && t->is_string()) {
        if (!type_fits(value, t->get<std::string>())) {
            problems.push_back(where + ": expected " + t->get<std::string>() + ", got " + type_of(value) + " " +
                               short_json(value));
            return;
        }
    }
    if (auto e = s.find("enum"); e != s.end() && e->is_array()) {
        if (std::find(e->begin(), e->end(), value) == e->end())
            problems.push_back(where + ": " + short_json(value) + " is not one of the allowed values " + short_json(*e));
    }

    if (value.is_number()) check_bounds(value.get<double>(), s, where, problems);

    if (value.is_string()) {
        const auto n = utf8_length(value.get<std::string>());
        if (auto it = s.find("maxLength"); it != s.end() && it->is_number_integer() && n > it->get<std::size_t>())
            problems.push_back(where + ": string of " + std::to_string(n) + " characters is longer than maxLength " +
                               it->dump());
        if (auto it = s.find("minLength"); it != s.end() && it->is_number_integer() && n < it->get<std::size_t>())
            problems.push_back(where + ": string of " + std::to_string(n) + " characters is shorter than minLength " +
                               it->dump());
    }

    if (value.is_array()) {
        if (auto it = s.find("maxItems"); it != s.end() && it->is_number_integer() && value.size() > it->get<std::size_t>())
            problems.push_back(where + ": " + std::to_string(value.size()) + " items, more than maxItems " + it->dump());
        if (auto it = s.find("minItems"); it != s.end() && it->is_number_integer() && value.size() < it->get<std::size_t>())
            problems.push_back(where + ": " + std::to_string(value.size()) + " items, fewer than minItems " + it->dump());
        if (s.value("uniqueItems", false)) {
            std::set<std::string> seen;
            for (const auto& item : value)
                if (!seen.insert(item.dump()).second) {
                    problems.push_back(where + ": duplicate item " + short_json(item) + " but uniqueItems is true");
                    break;
                }
        }
        if (auto items = s.find("items"); items != s.end()) {
            std::size_t i = 0;
            for (const auto& item : value) check(item, *items, child(where, std::to_string(i++)), in_request, depth + 1, problems);
        }
    }

    if (value.is_object()) {
        const json empty = json::object();
        auto props_it = s.find("properties");
        const json& props = props_it != s.end() && props_it->is_object() ? *props_it : empty;
        if (auto req = s.find("required"); req != s.end() && req->is_array())
            for (const auto& name : *req)
                if (name.is_string() && !value.contains(name.get<std::string>()))
                    problems.push_back(where + ": required property `" + name.get<std::string>() + "` is missing");
        if (auto it = s.find("maxProperties"); it != s.end() && it->is_number_integer() && value.size() > it->get<std::size_t>())
            problems.push_back(where + ": " + std::to_string(value.size()) + " properties, more than maxProperties " + it->dump());
        if (auto it = s.find("minProperties"); it != s.end() && it->is_number_integer() && value.size() < it->get<std::size_t>())
            problems.push_back(where + ": " + std::to_string(value.size()) + " properties, fewer than minProperties " + it->dump());
        auto additional = s.find("additionalProperties");
        // See the comment above this function: absent counts as false when the schema lists properties.
        const bool closed = props_it != s.end() &&
                            (additional == s.end() || (additional->is_boolean() && !additional->get<bool>()));
        for (const auto& [k, v] : value.items()) {
            if (auto p = props.find(k); p != props.end()) {
                const json& ps = resolve(*p);
                if (in_request && ps.is_object() && ps.value("readOnly", false))
                    problems.push_back(child(where, k) + ": property is readOnly and must not be sent in a request");
                check(v, *p, child(where, k), in_request, depth + 1, problems);
            } else if (closed) {
                problems.push_back(child(where, k) + ": unknown property (the schema declares only " +
                                   [&] {
                                       std::string names;
                                       for (const auto& [pk, pv] : props.items()) names += (names.empty() ? "" : ", ") + pk;
                                       return names;
                                   }() +
                                   ")");
            } else if (additional != s.end() && additional->is_object()) {
                check(v, *additional, child(where, k), in_request, depth + 1, problems);
            }
        }
    }
}

void OpenApiValidator::check_query_value(const std::string& name, const std::string& value, const json& schema_in,
                                         const std::string& where, std::vector<std::string>& problems) const {
    const json& s = resolve(schema_in);
    if (!s.is_object()) return;
    const std::string type = s.value("type", "");
    const std::string label = where + " query parameter `" + name + "`";
    if (type == "integer") {
        auto v = parse_integer(value);
        if (!v) {
            problems.push_back(label + ": `" + value + "` is not an integer");
            return;
        }
        check_bounds(*v, s, label, problems);
    } else if (type == "number") {
        auto v = parse_number(value);
        if (!v) {
            problems.push_back(label + ": `" + value + "` is not a number");
            return;
        }
        check_bounds(*v, s, label, problems);
    } else if (type == "boolean") {
        if (value != "true" && value != "false") problems.push_back(label + ": `" + value + "` is not true or false");
    } else if (type == "string") {
        const auto n = utf8_length(value);
        if (auto it = s.find("maxLength"); it != s.end() && it->is_number_integer() && n > it->get<std::size_t>())
            problems.push_back(label + ": longer than maxLength " + it->dump());
        if (auto it = s.find("minLength"); it != s.end() && it->is_number_integer() && n < it->get<std::size_t>())
            problems.push_back(label + ": shorter than minLength " + it->dump());
    }
    if (auto e = s.find("enum"); e != s.end() && e->is_array()) {
        bool found = false;
        for (const auto& allowed : *e)
            found = found || (allowed.is_string() ? allowed.get<std::string>() == value : allowed.dump() == value);
        if (!found) problems.push_back(label + ": `" + value + "` is not one of " + short_json(*e));
    }
}

std::vector<std::string> OpenApiValidator::validate(const std::string& method, const std::string& raw_path,
                                                    const QueryMap& query_in, const json& body) const {
    std::vector<std::string> problems;
    std::string path = raw_path;
    QueryMap query = query_in;
    // A full URL: drop scheme and authority.
    if (auto scheme = path.find("://"); scheme != std::string::npos) {
        auto slash = path.find('/', scheme + 3);
        path = slash == std::string::npos ? "/" : path.substr(slash);
    }
    // A query string in the path: fold it into the map.
    if (auto q = path.find('?'); q != std::string::npos) {
        for (const auto& pair : split(path.substr(q + 1), '&')) {
            if (pair.empty()) continue;
            auto eq = pair.find('=');
            query[percent_decode(pair.substr(0, eq), true)].push_back(
                eq == std::string::npos ? "" : percent_decode(pair.substr(eq + 1), true));
        }
        path.erase(q);
    }
    if (!m_base_path.empty() && path.rfind(m_base_path, 0) == 0) path = path.substr(m_base_path.size());

    const std::string m = lower(method);
    const std::string where = upper(method) + " " + path + ":";
    auto templ = match_path(path);
    if (!templ) {
        problems.push_back(where + " no path of the spec matches");
        return problems;
    }
    const json& item = m_spec["paths"][*templ];
    if (!kMethods.count(m) || !item.contains(m)) {
        std::string allowed;
        for (const auto& [k, v] : item.items())
            if (kMethods.count(k)) allowed += (allowed.empty() ? "" : ", ") + upper(k);
        problems.push_back(where + " method not declared for " + *templ + " (declared: " + allowed + ")");
        return problems;
    }
    const json& op = item[m];
    if (op.value("deprecated", false)) {
        std::string detail;
        if (auto ch = op.find("x-changes"); ch != op.end() && ch->is_array())
            for (const auto& c : *ch)
                detail += " (" + c.value("type", std::string("change")) + " effective " +
                          c.value("effective", std::string("?")) + ", " + c.value("details", std::string()) + ")";
        problems.push_back(where + " operation " + op.value("operationId", *templ) + " is deprecated" + detail);
    }

    // Parameters: path-level ones, overridden by the operation's (same name and location).
    std::map<std::pair<std::string, std::string>, const json*> params;
    for (const json* list : {item.contains("parameters") ? &item["parameters"] : nullptr,
                             op.contains("parameters") ? &op["parameters"] : nullptr}) {
        if (!list || !list->is_array()) continue;
        for (const auto& p_ref : *list) {
            const json& p = resolve(p_ref);
            params[{p.value("in", ""), p.value("name", "")}] = &p;
        }
    }

    // Path parameters.
    const auto templ_parts = split(*templ, '/');
    const auto path_parts = split(path, '/');
    for (std::size_t i = 0; i < templ_parts.size(); ++i) {
        const auto& t = templ_parts[i];
        if (t.size() < 3 || t.front() != '{') continue;
        const std::string name = t.substr(1, t.size() - 2);
        auto it = params.find({"path", name});
        if (it == params.end()) {
            problems.push_back(where + " path parameter `" + name + "` is not declared by the operation");
            continue;
        }
        if (it->second->contains("schema"))
            check_query_value(name, percent_decode(path_parts[i], false), (*it->second)["schema"], where + " path", problems);
    }

    // Query parameters.
    for (const auto& [name, values] : query) {
        auto it = params.find({"query", name});
        if (it == params.end()) {
            std::string declared;
            for (const auto& [key, p] : params)
                if (key.first == "query") declared += (declared.empty() ? "" : ", ") + key.second;
            problems.push_back(where + " query parameter `" + name + "` is not declared for this operation (declared: " +
                               (declared.empty() ? "none" : declared) + ")");
            continue;
        }
        const json& p = *it->second;
        if (!p.contains("schema")) continue;
        const json& s = resolve(p["schema"]);
        if (s.value("type", "") == "array") {
            // form style, explode: repeated names; Jira also takes comma-separated lists.
            std::vector<std::string> items;
            for (const auto& v : values)
                for (const auto& piece : split(v, ',')) items.push_back(piece);
            if (auto mx = s.find("maxItems"); mx != s.end() && mx->is_number_integer() && items.size() > mx->get<std::size_t>())
                problems.push_back(where + " query parameter `" + name + "`: " + std::to_string(items.size()) +
                                   " items, more than maxItems " + mx->dump());
            if (s.contains("items"))
                for (const auto& piece : items) check_query_value(name, piece, s["items"], where, problems);
        } else {
            if (values.size() > 1)
                problems.push_back(where + " query parameter `" + name + "` is given " + std::to_string(values.size()) +
                                   " times but is not an array");
            for (const auto& v : values) check_query_value(name, v, s, where, problems);
        }
    }
    for (const auto& [key, p] : params)
        if (key.first == "query" && p->value("required", false) && !query.count(key.second))
            problems.push_back(where + " required query parameter `" + key.second + "` is missing");

    // Request body.
    const bool has_body = !body.is_null();
    if (auto rb_it = op.find("requestBody"); rb_it != op.end()) {
        const json& rb = resolve(*rb_it);
        const json* schema = nullptr;
        if (auto c = rb.find("content"); c != rb.end() && c->is_object()) {
            for (const auto& [type, media] : c->items())
                if (type.rfind("application/json", 0) == 0 && media.contains("schema")) schema = &media["schema"];
        }
        if (!has_body) {
            if (rb.value("required", false)) problems.push_back(where + " the request body is required");
        } else if (!schema) {
            problems.push_back(where + " a JSON body was sent but the operation takes no JSON body");
        } else if (body.is_string() && resolve(*schema).value("type", "") != "string") {
            // the fake logs a body it could not parse as JSON as a string
            problems.push_back(where + " the body is not valid JSON: " + short_json(body));
        } else {
            for (auto& p : validate_value(body, *schema, upper(method) + " " + path + " body"))
                problems.push_back(std::move(p));
        }
    } else if (has_body) {
        problems.push_back(where + " the operation takes no request body, but one was sent: " + short_json(body));
    }
    return problems;
}

std::vector<std::string> OpenApiValidator::validate_logged(const json& entry) const {
    QueryMap query;
    if (auto q = entry.find("query"); q != entry.end() && q->is_object()) {
        for (const auto& [k, v] : q->items()) {
            auto& list = query[k];
            if (v.is_array()) {
                for (const auto& x : v) list.push_back(x.is_string() ? x.get<std::string>() : x.dump());
            } else {
                list.push_back(v.is_string() ? v.get<std::string>() : v.dump());
            }
        }
    }
    return validate(entry.value("method", ""), entry.value("path", ""), query,
                    entry.contains("body") ? entry["body"] : json());
}

std::filesystem::path jira_openapi_subset_path() {
    return std::filesystem::path(J2S_SOURCE_DIR) / "fixtures" / "openapi" / "jira-openapi-v3-subset.json";
}

}  // namespace j2s::it
