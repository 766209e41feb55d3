#pragma once
// Where in a block-style YAML file (the config and the mapping) a problem lies, for error messages that name the
// file, the line and the key even when yaml-cpp cannot parse the file at all.
//
// yaml-cpp reports a syntax error by position only, reports a flow collection that never closes ("[a, b") on a
// later line than the one that opened it, and takes a quoted value that never closes as running to the end of
// the file without complaint, so the keys after it silently vanish. check_yaml_text() catches the last two
// before parsing; yaml_syntax_error() turns a yaml-cpp error into a ConfigError naming the key of its line.

#include <string>

#include "util/errors.hpp"

namespace j2s {

// The dotted key path line `line` (1-based) belongs to, e.g. "jira.auth.token" or "columns[2].field": the key
// the line starts, else the one it continues (a line of a multi-line value, an item of a list). "" when none.
std::string yaml_key_path_at(const std::string& text, int line);

// Throws ConfigError "FILE:LINE: KEY: invalid YAML: ..." at the line where a quoted value or a flow collection
// (`[`, `{`) opens that is never closed.
void check_yaml_text(const std::string& text, const std::string& file);

// The ConfigError for a yaml-cpp parse error at `mark_line` (0-based; negative when unknown) with `message`.
ConfigError yaml_syntax_error(const std::string& text, const std::string& file, int mark_line, const std::string& message);

}  // namespace j2s
