#pragma once
// A recursive-descent JQL parser: OR binds looser than AND, NOT and parentheses as in Jira, keywords
// case-insensitive, values quoted ('..' or "..", backslash escapes) or bare words. Throws JqlError
// with Jira's wording and a (line, character) position.

#include "jql_ast.hpp"

#include <string_view>

namespace j2s::fake {

JqlQuery parse_jql(std::string_view text);

}  // namespace j2s::fake
