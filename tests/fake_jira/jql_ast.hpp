#pragma once
// The parsed form of a JQL query: a boolean tree of clauses plus the ORDER BY list. Values stay text
// here; what they mean (a date in the account's zone, an issue key, a project id) is decided when the
// query is bound to a site in jql_eval.

#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace j2s::fake {

// A JQL error carrying Jira's full message, e.g.
// "Error in the JQL Query: Expecting operator but got 'foo'. ... (line 1, character 9)".
class JqlError : public std::runtime_error {
public:
    explicit JqlError(const std::string& message) : std::runtime_error(message) {}
};

enum class JqlField { project, issue, created, updated, status, issuetype, priority, resolution, labels, assignee, reporter };
enum class JqlOp { eq, ne, lt, le, gt, ge, in, not_in, is, is_not, like, not_like };

struct JqlValue {
    std::string text;
    bool quoted = false;
    int line = 1, column = 1;  // 1-based, as Jira reports them
};

struct JqlClause {
    JqlField field{};
    std::string field_name;  // as written, for messages
    JqlOp op{};
    std::vector<JqlValue> values;  // one value, or the list of IN / NOT IN
    bool empty = false;            // IS [NOT] EMPTY / NULL
};

struct JqlNode {
    enum class Kind { and_, or_, not_, clause } kind = Kind::clause;
    std::vector<std::unique_ptr<JqlNode>> children;
    JqlClause clause;
};

enum class SortField { created, updated, key, id, priority, project, status };

struct SortKey {
    SortField field{};
    bool descending = false;
};

struct JqlQuery {
    std::unique_ptr<JqlNode> where;  // null: no search restriction
    std::vector<SortKey> order;      // as written; empty when there is no ORDER BY
};

std::string to_string(JqlOp op);

}  // namespace j2s::fake
