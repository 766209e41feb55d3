#pragma once
// The YAML mapping (contract section 3): which typed columns the `issues` table gets, and how each is
// computed from the issue JSON. Pure logic: no HTTP, no SQL. The full file format, including this
// implementation's extensions (`field:` candidate lists, `required: false`), is in mappings/README.md.
//
// Life cycle: load()/parse() validate the file and compile every path; resolve_fields() binds `field:`
// columns to the site's field ids; apply() then turns issues into rows without parsing anything.
// Thread-safety: after resolve_fields() returns, a Mapping is immutable and apply() may run on many
// threads at once. load/parse/resolve_fields must not run concurrently with anything else.

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/column.hpp"
#include "core/jira_field.hpp"
#include "mapping/json_path.hpp"
#include "mapping/transforms.hpp"

namespace j2s {

enum class OnError { dead_letter, null };

// What the users table keeps of an account's e-mail address (mapping section `users: {email: ...}`): nothing
// (the default; emailAddress is also dropped from users.raw), the address as text, or its lower-case hex
// SHA-256 (pseudonymised, equal to the `sha256` transform of the same address).
enum class EmailPolicy { omit, text, sha256 };

struct ColumnSpec {
    std::string name;
    ColumnType type = ColumnType::text;
    std::string source;  // dotted path with [N] / [*], e.g. "fields.fixVersions[*].name"; empty for field:
    // `field:` as written: the first (or only) candidate, and all candidates in order (a YAML list
    // `field: [A, B]` resolves to the first the site has). Both empty for source: columns.
    std::string field;
    std::vector<std::string> field_candidates;
    std::string path;     // optional path inside the field's value (only with field)
    bool required = true;  // `required: false`: an unresolvable field gives an always-NULL column
    std::optional<std::string> resolved_field_id;  // set by resolve_fields() for `field:` columns
    Transform transform = Transform::none;
    OnError on_error = OnError::dead_letter;
    int line = 0;        // line of the column in the mapping file, for error messages
    int field_line = 0;  // line of its `field:` value

    bool is_field() const { return !field_candidates.empty(); }
};

// Thrown by Mapping::apply when a value cannot be converted and the column says dead_letter.
// what(): "column NAME: cannot convert VALUE to TYPE".
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
    Mapping() = default;  // no mapped columns

    // Parses and validates a mapping file. Throws ConfigError "FILE:LINE: columns[N].KEY: problem"
    // (N counts from 0) for: unreadable file, invalid YAML, a top level other than a `columns:` list and an
    // optional `users:` section (`email: text | sha256`), unknown or duplicate keys, missing/duplicate/invalid
    // column names (fixed columns are reserved),
    // both or neither of source/field, path without field, required without field, a missing or
    // unknown type, unknown transform or on_error, a malformed path. An empty list is valid.
    static Mapping load(const std::filesystem::path& file);
    static Mapping parse(const std::string& yaml_text, const std::string& file_name_for_errors);

    // Binds every `field:` column to a field id of the site. Each candidate is tried in order: by id
    // (customfield_10016, summary), then by exact, case-sensitive display name; the first that exists
    // wins. A candidate name shared by several fields is an error listing their ids (it does not fall
    // through to the next candidate). When no candidate resolves: ConfigError
    // "FILE:LINE: columns[N].field: Jira has no field named 'X'", unless the column has
    // `required: false` (then it stays NULL, with a warning).
    //
    // `remembered` (column name -> field id resolved by an earlier run) keeps a field that was renamed
    // in Jira working: if no candidate resolves by name but the remembered id still exists, that id is
    // used with the warning "field 'X' was renamed to 'Y' in Jira; still using id ID". A remembered id
    // also settles an ambiguous name it is one of. If the names now resolve to a different id than
    // remembered, the mapping wins (it was probably edited) and a warning says so.
    //
    // Returns the warnings (each prefixed "FILE:LINE: columns[N].field: "). On error nothing changes.
    // May be called again (e.g. after the field list was refreshed); it starts from scratch.
    std::vector<std::string> resolve_fields(const std::vector<JiraField>& site_fields,
                                            const std::map<std::string, std::string>& remembered = {});

    // Column name -> field id for every resolved `field:` column: what to pass as `remembered` next run.
    std::map<std::string, std::string> resolved_field_ids() const;

    // Computes the mapped values of one issue (the JSON object Jira returned), in column order.
    // Missing values and nulls give NULL. Throws TransformError for the first column whose value
    // cannot be converted and whose on_error is dead_letter; columns with on_error: null get NULL.
    // REQUIRES: resolve_fields() has been called if any column uses `field:` (else std::logic_error).
    std::vector<SqlValue> apply(const nlohmann::json& issue) const;

    const std::vector<ColumnSpec>& columns() const { return m_columns; }
    std::vector<ColumnDef> column_defs() const;
    const std::string& file_name() const { return m_file; }
    EmailPolicy users_email() const { return m_users_email; }

private:
    enum class State : unsigned char { ready, always_null, unresolved };
    struct Compiled {
        JsonPath path;   // the full path from the issue root, valid when state == ready
        JsonPath inner;  // `path:` of a field column, compiled at load
        State state = State::unresolved;
    };

    std::string m_file;
    std::vector<ColumnSpec> m_columns;
    std::vector<Compiled> m_compiled;  // one per column
    EmailPolicy m_users_email = EmailPolicy::omit;
};

// The fixed columns of `issues`, which a mapping may not redefine.
const std::vector<std::string>& fixed_issue_columns();

}  // namespace j2s
