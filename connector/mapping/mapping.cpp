// Mapping::resolve_fields and Mapping::apply: binding `field:` columns to the site's field ids, and the
// per-issue hot path (which must not parse or allocate more than the values themselves need).

#include <algorithm>
#include <unordered_map>

#include "mapping/mapping.hpp"
#include "mapping/value_convert.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

struct FieldIndex {
    std::unordered_map<std::string, const JiraField*> by_id;
    std::unordered_map<std::string, std::vector<const JiraField*>> by_name;

    explicit FieldIndex(const std::vector<JiraField>& fields) {
        for (const auto& f : fields) {
            by_id.emplace(f.id, &f);
            by_name[f.name].push_back(&f);
        }
    }
};

// What the mapping's own candidates say, before anything remembered is considered.
struct Lookup {
    const JiraField* found = nullptr;
    std::string ambiguous_name;                  // set when a candidate name is shared
    std::vector<const JiraField*> ambiguous_ids;  // the fields sharing it
};

Lookup look_up(const ColumnSpec& spec, const FieldIndex& index) {
    Lookup out;
    for (const auto& candidate : spec.field_candidates) {
        if (const auto it = index.by_id.find(candidate); it != index.by_id.end()) {
            out.found = it->second;
            return out;
        }
        if (const auto it = index.by_name.find(candidate); it != index.by_name.end()) {
            if (it->second.size() == 1) {
                out.found = it->second.front();
            } else {
                out.ambiguous_name = candidate;
                out.ambiguous_ids = it->second;
            }
            return out;
        }
    }
    return out;
}

// "'Story Points'" or "'Story Points' or 'Story point estimate'".
std::string quoted_candidates(const ColumnSpec& spec) {
    std::string out;
    for (const auto& candidate : spec.field_candidates) {
        if (!out.empty()) out += " or ";
        out += "'" + candidate + "'";
    }
    return out;
}

}  // namespace

std::vector<std::string> Mapping::resolve_fields(const std::vector<JiraField>& site_fields,
                                                 const std::map<std::string, std::string>& remembered) {
    const FieldIndex index(site_fields);
    std::vector<std::string> warnings;
    // Computed aside and committed at the end, so an error leaves the mapping as it was.
    std::vector<std::optional<std::string>> ids(m_columns.size());

    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        const ColumnSpec& spec = m_columns[i];
        if (!spec.is_field()) continue;
        const std::string key = "columns[" + std::to_string(i) + "].field";
        const std::string where = m_file + (spec.field_line > 0 ? ":" + std::to_string(spec.field_line) : "") +
                                  ": " + key + ": ";

        const JiraField* memory = nullptr;
        if (const auto it = remembered.find(spec.name); it != remembered.end()) {
            if (const auto f = index.by_id.find(it->second); f != index.by_id.end()) memory = f->second;
        }

        const Lookup lookup = look_up(spec, index);
        if (lookup.found != nullptr) {
            if (memory != nullptr && memory != lookup.found)
                warnings.push_back(where + "field " + quoted_candidates(spec) + " now resolves to id " +
                                   lookup.found->id + " (an earlier run used " + memory->id + ")");
            ids[i] = lookup.found->id;
            continue;
        }
        if (!lookup.ambiguous_ids.empty()) {
            std::string listed;
            for (const JiraField* f : lookup.ambiguous_ids) listed += (listed.empty() ? "" : ", ") + f->id;
            if (memory != nullptr &&
                std::find(lookup.ambiguous_ids.begin(), lookup.ambiguous_ids.end(), memory) !=
                    lookup.ambiguous_ids.end()) {
                warnings.push_back(where + "field name '" + lookup.ambiguous_name + "' is shared by " + listed +
                                   "; still using id " + memory->id + " resolved by an earlier run");
                ids[i] = memory->id;
                continue;
            }
            throw ConfigError(m_file, spec.field_line, key,
                              "field name '" + lookup.ambiguous_name + "' is ambiguous: Jira has several fields "
                              "with that name (" + listed + "); use one of the ids instead");
        }
        if (memory != nullptr) {
            warnings.push_back(where + "field " + quoted_candidates(spec) + " was renamed to '" + memory->name +
                               "' in Jira; still using id " + memory->id);
            ids[i] = memory->id;
            continue;
        }
        if (!spec.required) {
            warnings.push_back(where + "Jira has no field named " + quoted_candidates(spec) + "; column " +
                               spec.name + " stays NULL (required: false)");
            continue;
        }
        throw ConfigError(m_file, spec.field_line, key, "Jira has no field named " + quoted_candidates(spec));
    }

    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        if (!m_columns[i].is_field()) continue;
        m_columns[i].resolved_field_id = ids[i];
        Compiled& compiled = m_compiled[i];
        if (ids[i]) {
            compiled.path = JsonPath::key("fields").then(JsonPath::key(*ids[i])).then(compiled.inner);
            compiled.state = State::ready;
        } else {
            compiled.path = JsonPath();
            compiled.state = State::always_null;
        }
    }
    return warnings;
}

std::map<std::string, std::string> Mapping::resolved_field_ids() const {
    std::map<std::string, std::string> out;
    for (const auto& spec : m_columns)
        if (spec.resolved_field_id) out.emplace(spec.name, *spec.resolved_field_id);
    return out;
}

std::vector<ColumnDef> Mapping::column_defs() const {
    std::vector<ColumnDef> out;
    out.reserve(m_columns.size());
    for (const auto& spec : m_columns) out.push_back({spec.name, spec.type});
    return out;
}

std::vector<SqlValue> Mapping::apply(const nlohmann::json& issue) const {
    std::vector<SqlValue> row;
    row.reserve(m_columns.size());
    nlohmann::json path_storage;
    nlohmann::json transform_storage;
    for (std::size_t i = 0; i < m_columns.size(); ++i) {
        const ColumnSpec& spec = m_columns[i];
        const Compiled& compiled = m_compiled[i];
        if (compiled.state == State::always_null) {
            row.emplace_back(std::monostate{});
            continue;
        }
        if (compiled.state == State::unresolved)
            throw std::logic_error("Mapping::apply: column " + spec.name + " uses field: but resolve_fields() "
                                   "was not called");
        const nlohmann::json* value = compiled.path.evaluate(issue, path_storage);
        value = apply_transform(spec.transform, value, transform_storage);
        try {
            row.push_back(convert_value(value, spec.type));
        } catch (const ConversionError& e) {
            if (spec.on_error == OnError::null) {
                row.emplace_back(std::monostate{});
            } else {
                throw TransformError(spec.name, e.what());
            }
        }
    }
    return row;
}

}  // namespace j2s
