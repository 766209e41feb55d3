#pragma once
// The YAML mapping (contract section 3): which typed columns the `issues` table gets, and how each is
// computed from the issue JSON. Pure logic: no HTTP, no SQL.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/column.hpp"
#include "core/jira_field.hpp"

namespace j2s {

enum class Transform { none, adf_to_text, sha256, join, lower, upper, trim };
enum class OnError { dead_letter, null };

struct ColumnSpec {
    std::string name;
    ColumnType type = ColumnType::text;
    std::string source;                // dotted path with [N] / [*], e.g. "fields.fixVersions[*].name"
    std::string field;                 // a Jira field by display name or id (exclusive with source)
    std::string path;                  // optional path inside the field's value (only with field)
    std::optional<std::string> resolved_field_id;  // set by resolve_fields() for `field:` columns
    Transform transform = Transform::none;
    OnError on_error = OnError::dead_letter;
    int line = 0;  // line in the mapping file, for error messages
};

// Thrown by Mapping::apply when a value cannot be converted and the column says dead_letter.
class TransformError : public std::runtime_error {
public:
    TransformError(std::string column, const std::string& message)
        : std::runtime_error("column " + column + ": " + message), m_column(std::move(column)) {}
    const std::string& column() const { return m_column; }

private:
    std::string m_column;
};

class Mapping {
public:
    // Parses and validates a mapping file. Throws ConfigError naming file, line and key for invalid YAML,
    // unknown keys, missing/duplicate/invalid column names (fixed columns are reserved), both or neither
    // of source/field, path without field, unknown type, transform or on_error, a malformed path.
    static Mapping load(const std::filesystem::path& file);
    static Mapping parse(const std::string& yaml_text, const std::string& file_name_for_errors);

    // Resolves every `field:` reference against the site's fields: by id first, then by display name
    // (case-sensitive; a name shared by several fields is ambiguous and an error). Throws ConfigError
    // naming the mapping file, line and the unresolvable name. `remembered` holds ids resolved by an earlier
    // run (column name -> field id) so a field renamed on the Jira side keeps working.
    void resolve_fields(const std::vector<JiraField>& site_fields);

    // Computes the mapped values of one issue (the JSON object Jira returned), in column order.
    // Throws TransformError for the first column whose value cannot be converted and whose on_error is
    // dead_letter; columns with on_error: null get NULL instead.
    std::vector<SqlValue> apply(const nlohmann::json& issue) const;

    const std::vector<ColumnSpec>& columns() const { return m_columns; }
    std::vector<ColumnDef> column_defs() const;
    const std::string& file_name() const { return m_file; }

private:
    std::string m_file;
    std::vector<ColumnSpec> m_columns;
    // compiled paths, one per column, built after resolve_fields (or at load for source: columns)
    struct Compiled;
    std::vector<std::shared_ptr<const Compiled>> m_compiled;
    void compile(std::size_t index);
};

// The fixed columns of `issues`, which a mapping may not redefine.
const std::vector<std::string>& fixed_issue_columns();

}  // namespace j2s
