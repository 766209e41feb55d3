// Mapping::load / Mapping::parse: the YAML file format and its validation. Every error names the
// file, the line (yaml-cpp marks are 0-based, messages 1-based) and the key.

#include <algorithm>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "config/yaml_location.hpp"
#include "mapping/mapping.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

const char* const k_type_names = "text, integer, number, boolean, timestamp, date, json";
const char* const k_transform_names = "adf_to_text, sha256, join, lower, upper, trim";
const std::set<std::string> k_column_keys{"name",      "type",     "source",   "field",
                                          "path",      "transform", "on_error", "required"};

int line_of(const YAML::Node& node) {
    const YAML::Mark mark = node.Mark();
    return mark.line >= 0 ? mark.line + 1 : 0;
}

bool is_valid_column_name(const std::string& name) {
    if (name.empty() || name.size() > 63) return false;
    const auto lower_or_underscore = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
    if (!lower_or_underscore(name[0])) return false;
    for (char c : name)
        if (!lower_or_underscore(c) && !(c >= '0' && c <= '9')) return false;
    return true;
}

// Reads one column entry; `key_prefix` is "columns[N]".
class ColumnReader {
public:
    ColumnReader(const std::string& file, std::string key_prefix) : m_file(file), m_prefix(std::move(key_prefix)) {}

    [[noreturn]] void fail(const YAML::Node& at, const std::string& key, const std::string& message) const {
        throw ConfigError(m_file, line_of(at), key.empty() ? m_prefix : m_prefix + "." + key, message);
    }

    std::string scalar(const YAML::Node& value, const std::string& key) const {
        if (value.IsNull()) fail(value, key, "expected a value");
        if (!value.IsScalar()) fail(value, key, "expected a string");
        return value.Scalar();
    }

    std::vector<std::string> field_candidates(const YAML::Node& value) const {
        std::vector<std::string> out;
        if (value.IsSequence()) {
            for (const auto& item : value) {
                const std::string name = scalar(item, "field");
                if (name.empty()) fail(item, "field", "a field name must not be empty");
                out.push_back(name);
            }
            if (out.empty()) fail(value, "field", "expected a field name or a non-empty list of names");
            return out;
        }
        const std::string name = scalar(value, "field");
        if (name.empty()) fail(value, "field", "a field name must not be empty");
        out.push_back(name);
        return out;
    }

    JsonPath path(const YAML::Node& value, const std::string& key, const std::string& text) const {
        try {
            return JsonPath::compile(text);
        } catch (const JsonPathError& e) {
            fail(value, key, "malformed path '" + text + "': " + e.what());
        }
    }

private:
    const std::string& m_file;
    std::string m_prefix;
};

// The optional `users:` section: `{email: text | sha256}`; absent, empty or without `email`: no e-mail.
EmailPolicy parse_users_section(const YAML::Node& users, const std::string& file) {
    if (users.IsNull()) return EmailPolicy::omit;
    if (!users.IsMap()) throw ConfigError(file, line_of(users), "users", "expected a mapping like '{email: sha256}'");
    EmailPolicy policy = EmailPolicy::omit;
    bool seen_email = false;
    for (const auto& entry : users) {
        const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
        if (key != "email")
            throw ConfigError(file, line_of(entry.first), "users." + key, "unknown key (the only key is 'email')");
        if (seen_email) throw ConfigError(file, line_of(entry.first), "users.email", "duplicate key");
        seen_email = true;
        const YAML::Node& value = entry.second;
        const std::string text = value.IsScalar() ? value.Scalar() : std::string();
        if (text == "text") {
            policy = EmailPolicy::text;
        } else if (text == "sha256") {
            policy = EmailPolicy::sha256;
        } else {
            const YAML::Node& at = value.IsNull() ? entry.first : value;
            const std::string problem = value.IsScalar() ? "unknown value '" + text + "'" : "expected a value";
            throw ConfigError(file, line_of(at), "users.email",
                              problem + " (expected text or sha256; leave the key out to store no e-mail)");
        }
    }
    return policy;
}

}  // namespace

const std::vector<std::string>& fixed_issue_columns() {
    static const std::vector<std::string> columns{"id",  "key",        "project_key",    "created",  "updated",
                                                  "raw", "deleted_at", "deleted_reason", "synced_at"};
    return columns;
}

Mapping Mapping::load(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw ConfigError(file.string() + ": cannot read the mapping file");
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) throw ConfigError(file.string() + ": cannot read the mapping file");
    return parse(text.str(), file.string());
}

Mapping Mapping::parse(const std::string& yaml_text, const std::string& file) {
    check_yaml_text(yaml_text, file);
    YAML::Node root;
    try {
        root = YAML::Load(yaml_text);
    } catch (const YAML::ParserException& e) {
        throw yaml_syntax_error(yaml_text, file, e.mark.line, e.msg);
    }
    if (!root.IsMap()) throw ConfigError(file, line_of(root), "", "expected a top-level 'columns:' list");
    std::set<std::string> seen_keys;
    for (const auto& entry : root) {
        const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
        if (key != "columns" && key != "users")
            throw ConfigError(file, line_of(entry.first), key,
                              "unknown key (the top-level keys are 'columns' and 'users')");
        // yaml-cpp keeps both copies of a repeated key and would silently use the first.
        if (!seen_keys.insert(key).second) throw ConfigError(file, line_of(entry.first), key, "duplicate key");
    }
    const YAML::Node list = static_cast<const YAML::Node&>(root)["columns"];  // const: no insertion
    if (!list) throw ConfigError(file, line_of(root), "", "expected a top-level 'columns:' list");
    if (!list.IsNull() && !list.IsSequence())
        throw ConfigError(file, line_of(list), "columns", "expected a list of columns");

    Mapping mapping;
    mapping.m_file = file;
    if (const YAML::Node users = static_cast<const YAML::Node&>(root)["users"])
        mapping.m_users_email = parse_users_section(users, file);
    std::set<std::string> names;
    const auto& fixed = fixed_issue_columns();
    std::size_t index = 0;
    for (const auto& item : list) {
        const std::string prefix = "columns[" + std::to_string(index++) + "]";
        const ColumnReader reader(file, prefix);
        if (!item.IsMap()) reader.fail(item, "", "expected a mapping with name, type and source or field");

        std::map<std::string, YAML::Node> keys;
        for (const auto& entry : item) {
            const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : std::string();
            if (k_column_keys.count(key) == 0)
                reader.fail(entry.first, key, "unknown key (expected name, type, source, field, path, transform, "
                                              "on_error, required)");
            if (!keys.emplace(key, entry.second).second) reader.fail(entry.first, key, "duplicate key");
        }
        const auto get = [&keys](const char* key) -> const YAML::Node* {
            const auto it = keys.find(key);
            return it == keys.end() ? nullptr : &it->second;
        };

        ColumnSpec spec;
        spec.line = line_of(item);
        Compiled compiled;

        const YAML::Node* name = get("name");
        if (name == nullptr) reader.fail(item, "", "missing 'name'");
        spec.name = reader.scalar(*name, "name");
        if (!is_valid_column_name(spec.name))
            reader.fail(*name, "name", "invalid column name '" + spec.name + "' (expected [a-z_][a-z0-9_]{0,62})");
        if (std::find(fixed.begin(), fixed.end(), spec.name) != fixed.end())
            reader.fail(*name, "name", "'" + spec.name + "' is a fixed column of issues and cannot be mapped");
        if (!names.insert(spec.name).second) reader.fail(*name, "name", "duplicate column name '" + spec.name + "'");

        const YAML::Node* type = get("type");
        if (type == nullptr) reader.fail(item, "", "missing 'type' (expected " + std::string(k_type_names) + ")");
        const std::string type_name = reader.scalar(*type, "type");
        const auto column_type = column_type_from_name(type_name);
        if (!column_type)
            reader.fail(*type, "type", "unknown type '" + type_name + "' (expected " + k_type_names + ")");
        spec.type = *column_type;

        const YAML::Node* source = get("source");
        const YAML::Node* field = get("field");
        const YAML::Node* path = get("path");
        if (source != nullptr && field != nullptr)
            reader.fail(*field, "field", "a column has either 'source' or 'field', not both");
        if (source == nullptr && field == nullptr) reader.fail(item, "", "missing 'source' or 'field'");
        if (path != nullptr && field == nullptr) reader.fail(*path, "path", "'path' is only allowed with 'field'");
        if (source != nullptr) {
            spec.source = reader.scalar(*source, "source");
            if (spec.source.empty()) reader.fail(*source, "source", "the path must not be empty");
            compiled.path = reader.path(*source, "source", spec.source);
            compiled.state = State::ready;
        } else {
            spec.field_candidates = reader.field_candidates(*field);
            spec.field = spec.field_candidates.front();
            spec.field_line = line_of(*field);
            if (path != nullptr) {
                spec.path = reader.scalar(*path, "path");
                compiled.inner = reader.path(*path, "path", spec.path);
            }
            compiled.state = State::unresolved;
        }

        if (const YAML::Node* required = get("required")) {
            if (field == nullptr) reader.fail(*required, "required", "'required' is only allowed with 'field'");
            bool value = true;
            if (!required->IsScalar() || !YAML::convert<bool>::decode(*required, value))
                reader.fail(*required, "required", "expected true or false");
            spec.required = value;
        }

        if (const YAML::Node* transform = get("transform")) {
            const std::string transform_text = reader.scalar(*transform, "transform");
            const auto parsed = transform_from_name(transform_text);
            if (!parsed)
                reader.fail(*transform, "transform",
                            "unknown transform '" + transform_text + "' (expected " + k_transform_names + ")");
            spec.transform = *parsed;
        }

        if (const YAML::Node* on_error = get("on_error")) {
            // `on_error: null` is a YAML null, not the string "null".
            const std::string value = on_error->IsNull() ? "null" : reader.scalar(*on_error, "on_error");
            if (value == "null") {
                spec.on_error = OnError::null;
            } else if (value == "dead_letter") {
                spec.on_error = OnError::dead_letter;
            } else {
                reader.fail(*on_error, "on_error", "unknown on_error '" + value + "' (expected dead_letter or null)");
            }
        }

        mapping.m_columns.push_back(std::move(spec));
        mapping.m_compiled.push_back(std::move(compiled));
    }
    return mapping;
}

}  // namespace j2s
