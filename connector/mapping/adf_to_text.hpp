#pragma once
// Atlassian Document Format (Jira Cloud v3 descriptions, environment, comment bodies) -> plain text.
//
// One line per block, lines joined with "\n":
// - paragraph, heading, list item paragraph, task/decision item: one line with its inline text;
// - codeBlock: its text (which may itself span lines), trailing newlines dropped;
// - blockquote, panel, expand, lists, layouts and other containers: their inner blocks, in order;
// - table: one line per row, the text of its cells joined with " | ";
// - blocks with no text (rule, media, empty paragraphs) produce no line.
// Inline nodes: text (marks ignored, the text kept, links keep their visible text), mention
// (attrs.text), emoji (attrs.text, else attrs.shortName), hardBreak (a newline inside the line),
// inlineCard/blockCard/embedCard (attrs.url, after a space unless the line is empty or ends
// in whitespace), status (attrs.text), date (attrs.timestamp, epoch
// milliseconds, as YYYY-MM-DD UTC). Unknown nodes contribute the text of their children, so new
// node types degrade to their text rather than disappear.
//
// Never throws for any JSON input; a value that is not an object contributes nothing.

#include <string>

#include <nlohmann/json.hpp>

namespace j2s {

std::string adf_to_text(const nlohmann::json& document);

}  // namespace j2s
