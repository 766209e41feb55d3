#pragma once
// Binds a parsed query to the site and evaluates it against issues. Binding resolves every value once
// (dates read in the account's zone, relative dates against the fake clock, projects by key or id,
// issue keys and ids) and throws JqlError with Jira's message for values Jira would reject.

#include "issue_store.hpp"
#include "jql_ast.hpp"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace j2s::fake {

struct Attributes;

// One sort column of a row: compared as (text, number). Keys sort by project key then number.
struct SortValue {
    std::string text;
    std::int64_t number = 0;
    auto operator<=>(const SortValue&) const = default;
};
using SortRow = std::vector<SortValue>;

// What a search orders by: the query's ORDER BY (or created DESC when it has none) followed by id
// ascending, which makes every row's position unique and keyset paging exact.
std::vector<SortKey> effective_order(const JqlQuery& query);
SortRow sort_row(const Issue& issue, const std::vector<SortKey>& order, const IssueStore& store);
// <0, 0, >0 like strcmp, honouring each key's direction.
int compare_rows(const SortRow& a, const SortRow& b, const std::vector<SortKey>& order);

class JqlMatcher {
public:
    // REQUIRES: the store's read lock for the matcher's whole life.
    JqlMatcher(const JqlQuery& query, const IssueStore& store, const std::string& zone, Timestamp now);
    bool matches(const Issue& issue) const;

private:
    struct IssueRef {
        bool by_id = false;
        std::int64_t id = 0;
        std::string project;  // upper-case
        std::int64_t number = 0;
        std::string key;  // upper-case
    };
    struct Bound {
        JqlField field{};
        JqlOp op{};
        bool empty = false;
        std::vector<std::string> texts;   // lower-cased names/ids for the attribute fields, project keys
        std::vector<Timestamp> instants;  // created/updated
        std::vector<IssueRef> issues;     // issue clauses
    };
    struct Node {
        JqlNode::Kind kind;
        std::vector<Node> children;
        Bound clause;
    };
    const IssueStore& m_store;
    std::optional<Node> m_root;
    bool m_needs_attributes = false;

    Node bind(const JqlNode& node, const std::string& zone, Timestamp now);
    bool eval(const Node& node, const Issue& issue, const Attributes* attrs) const;
};

// Resolves a JQL date value: `yyyy-MM-dd[ HH:mm]` / `yyyy/MM/dd[ HH:mm]` in `timezone`, epoch
// milliseconds, or a relative period such as `-5d`, `-2h 30m`, `4w` from `now`.
std::optional<Timestamp> resolve_jql_date(const std::string& text, const std::string& zone, Timestamp now);

}  // namespace j2s::fake
