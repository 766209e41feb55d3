#include "jql_parser.hpp"

#include <algorithm>
#include <array>
#include <optional>

namespace j2s::fake {

std::string to_string(JqlOp op) {
    switch (op) {
        case JqlOp::eq: return "=";
        case JqlOp::ne: return "!=";
        case JqlOp::lt: return "<";
        case JqlOp::le: return "<=";
        case JqlOp::gt: return ">";
        case JqlOp::ge: return ">=";
        case JqlOp::in: return "in";
        case JqlOp::not_in: return "not in";
        case JqlOp::is: return "is";
        case JqlOp::is_not: return "is not";
        case JqlOp::like: return "~";
        case JqlOp::not_like: return "!~";
    }
    return "?";
}

namespace {

enum class Tok { word, string, lparen, rparen, comma, op, end };

struct Token {
    Tok kind = Tok::end;
    std::string text;  // word/string contents (unescaped), operator spelling
    int line = 1, column = 1;
};

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string where(int line, int column) {
    return " (line " + std::to_string(line) + ", character " + std::to_string(column) + ")";
}

[[noreturn]] void fail(const std::string& what, int line, int column) {
    throw JqlError("Error in the JQL Query: " + what + where(line, column));
}

bool is_word_char(char c) {
    switch (c) {
        case ' ': case '\t': case '\r': case '\n': case '=': case '!': case '<': case '>': case '(': case ')':
        case ',': case '"': case '\'': case '~': case '&': case '|':
            return false;
        default:
            return true;
    }
}

std::vector<Token> lex(std::string_view text) {
    std::vector<Token> out;
    std::size_t i = 0;
    int line = 1, column = 1;
    auto advance = [&](std::size_t n) {
        for (std::size_t k = 0; k < n && i < text.size(); ++k, ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
                ++column;  // count characters, not UTF-8 continuation bytes
            }
        }
    };
    while (i < text.size()) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            advance(1);
            continue;
        }
        Token t;
        t.line = line;
        t.column = column;
        if (c == '"' || c == '\'') {
            const char quote = c;
            advance(1);
            std::string value;
            bool closed = false;
            while (i < text.size()) {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    const char e = text[i + 1];
                    value += e == 'n' ? '\n' : e == 't' ? '\t' : e;
                    advance(2);
                } else if (text[i] == quote) {
                    advance(1);
                    closed = true;
                    break;
                } else {
                    value += text[i];
                    advance(1);
                }
            }
            if (!closed) fail("The quoted string '" + value + "' has not been completed.", t.line, t.column);
            t.kind = Tok::string;
            t.text = std::move(value);
        } else if (c == '(' || c == ')' || c == ',') {
            t.kind = c == '(' ? Tok::lparen : c == ')' ? Tok::rparen : Tok::comma;
            t.text = std::string(1, c);
            advance(1);
        } else if (c == '=' || c == '<' || c == '>' || c == '!' || c == '~' || c == '&' || c == '|') {
            const std::string_view two = text.substr(i, 2);
            t.kind = Tok::op;
            if (two == "!=" || two == "<=" || two == ">=" || two == "!~" || two == "&&" || two == "||") {
                t.text = std::string(two);
                advance(2);
            } else if (c == '&' || c == '|') {
                fail("Unexpected character '" + std::string(1, c) + "'.", t.line, t.column);
            } else {
                t.text = std::string(1, c);
                advance(1);
            }
        } else {
            std::string value;
            while (i < text.size() && is_word_char(text[i])) {
                if (text[i] == '\\' && i + 1 < text.size()) {
                    value += text[i + 1];
                    advance(2);
                } else {
                    value += text[i];
                    advance(1);
                }
            }
            t.kind = Tok::word;
            t.text = std::move(value);
        }
        out.push_back(std::move(t));
    }
    Token end;
    end.kind = Tok::end;
    end.line = line;
    end.column = column;
    out.push_back(end);
    return out;
}

const std::array<const char*, 12> reserved = {"and", "or", "not", "in", "is", "empty", "null",
                                              "order", "by", "asc", "desc", "was"};

bool is_reserved(const std::string& word) {
    const std::string w = lower(word);
    return std::find_if(reserved.begin(), reserved.end(), [&](const char* r) { return w == r; }) != reserved.end();
}

std::optional<JqlField> field_named(const std::string& name) {
    const std::string n = lower(name);
    if (n == "project") return JqlField::project;
    if (n == "key" || n == "issuekey" || n == "id" || n == "issue") return JqlField::issue;
    if (n == "created" || n == "createddate") return JqlField::created;
    if (n == "updated" || n == "updateddate") return JqlField::updated;
    if (n == "status") return JqlField::status;
    if (n == "issuetype" || n == "type") return JqlField::issuetype;
    if (n == "priority") return JqlField::priority;
    if (n == "resolution") return JqlField::resolution;
    if (n == "labels") return JqlField::labels;
    if (n == "assignee") return JqlField::assignee;
    if (n == "reporter") return JqlField::reporter;
    return std::nullopt;
}

std::optional<SortField> sort_field_named(const std::string& name) {
    const std::string n = lower(name);
    if (n == "created" || n == "createddate") return SortField::created;
    if (n == "updated" || n == "updateddate") return SortField::updated;
    if (n == "key" || n == "issuekey") return SortField::key;
    if (n == "id" || n == "issue") return SortField::id;
    if (n == "priority") return SortField::priority;
    if (n == "project") return SortField::project;
    if (n == "status") return SortField::status;
    return std::nullopt;
}

std::string describe(const Token& t) {
    if (t.kind == Tok::end) return "EOF";
    return t.text;
}

class Parser {
public:
    explicit Parser(std::vector<Token> tokens) : m_tokens(std::move(tokens)) {}

    JqlQuery parse() {
        JqlQuery q;
        if (!at_keyword("order") && peek().kind != Tok::end) q.where = parse_or();
        if (at_keyword("order")) {
            next();
            if (!at_keyword("by")) fail("Expecting 'by' but got '" + describe(peek()) + "'.", peek().line, peek().column);
            next();
            parse_order(q);
        }
        if (peek().kind != Tok::end) {
            const Token& t = peek();
            fail("Expecting either 'OR' or 'AND' but got '" + describe(t) + "'.", t.line, t.column);
        }
        return q;
    }

private:
    std::vector<Token> m_tokens;
    std::size_t m_pos = 0;

    const Token& peek(std::size_t ahead = 0) const { return m_tokens[std::min(m_pos + ahead, m_tokens.size() - 1)]; }
    const Token& next() { return m_tokens[std::min(m_pos++, m_tokens.size() - 1)]; }
    bool at_keyword(const char* kw, std::size_t ahead = 0) const {
        const Token& t = peek(ahead);
        return t.kind == Tok::word && lower(t.text) == kw;
    }

    std::unique_ptr<JqlNode> parse_or() {
        auto left = parse_and();
        if (!(at_keyword("or") || (peek().kind == Tok::op && peek().text == "||"))) return left;
        auto node = std::make_unique<JqlNode>();
        node->kind = JqlNode::Kind::or_;
        node->children.push_back(std::move(left));
        while (at_keyword("or") || (peek().kind == Tok::op && peek().text == "||")) {
            next();
            node->children.push_back(parse_and());
        }
        return node;
    }

    std::unique_ptr<JqlNode> parse_and() {
        auto left = parse_not();
        if (!(at_keyword("and") || (peek().kind == Tok::op && peek().text == "&&"))) return left;
        auto node = std::make_unique<JqlNode>();
        node->kind = JqlNode::Kind::and_;
        node->children.push_back(std::move(left));
        while (at_keyword("and") || (peek().kind == Tok::op && peek().text == "&&")) {
            next();
            node->children.push_back(parse_not());
        }
        return node;
    }

    std::unique_ptr<JqlNode> parse_not() {
        if (at_keyword("not") || (peek().kind == Tok::op && peek().text == "!")) {
            next();
            auto node = std::make_unique<JqlNode>();
            node->kind = JqlNode::Kind::not_;
            node->children.push_back(parse_not());
            return node;
        }
        if (peek().kind == Tok::lparen) {
            next();
            auto inner = parse_or();
            if (peek().kind != Tok::rparen)
                fail("Expecting ')' but got '" + describe(peek()) + "'.", peek().line, peek().column);
            next();
            return inner;
        }
        return parse_clause();
    }

    std::unique_ptr<JqlNode> parse_clause() {
        const Token& name = peek();
        if (name.kind == Tok::end)
            fail("Expecting a field name but got 'EOF'.", name.line, name.column);
        if (name.kind != Tok::word && name.kind != Tok::string)
            fail("Expecting a field name but got '" + describe(name) + "'.", name.line, name.column);
        if (name.kind == Tok::word && is_reserved(name.text))
            fail("The word '" + name.text + "' is a reserved JQL word. You must surround it in quotation marks to use it in a query.",
                 name.line, name.column);
        next();
        auto node = std::make_unique<JqlNode>();
        JqlClause& c = node->clause;
        c.field_name = name.text;
        c.op = parse_operator();
        if (c.op == JqlOp::is || c.op == JqlOp::is_not) {
            const Token& v = peek();
            if (!(at_keyword("empty") || at_keyword("null")))
                fail("Expecting 'EMPTY' or 'NULL' but got '" + describe(v) + "'.", v.line, v.column);
            next();
            c.empty = true;
        } else if (c.op == JqlOp::in || c.op == JqlOp::not_in) {
            const Token& open = peek();
            if (open.kind != Tok::lparen)
                fail("Expecting '(' but got '" + describe(open) + "'.", open.line, open.column);
            next();
            c.values.push_back(parse_value());
            while (peek().kind == Tok::comma) {
                next();
                c.values.push_back(parse_value());
            }
            if (peek().kind != Tok::rparen)
                fail("Expecting ')' but got '" + describe(peek()) + "'.", peek().line, peek().column);
            next();
        } else if (at_keyword("empty") || at_keyword("null")) {
            if (c.op != JqlOp::eq && c.op != JqlOp::ne)
                fail("The operator '" + to_string(c.op) + "' does not support the EMPTY operand.", peek().line, peek().column);
            next();
            c.empty = true;
            c.op = c.op == JqlOp::eq ? JqlOp::is : JqlOp::is_not;
        } else {
            c.values.push_back(parse_value());
        }
        // The field is checked after the syntax, as Jira reports syntax errors first.
        auto field = field_named(name.text);
        if (!field) throw JqlError("Field '" + name.text + "' does not exist or you do not have permission to view it.");
        c.field = *field;
        return node;
    }

    JqlOp parse_operator() {
        const Token& t = peek();
        if (t.kind == Tok::op) {
            static const std::pair<const char*, JqlOp> ops[] = {{"=", JqlOp::eq},  {"!=", JqlOp::ne}, {"<", JqlOp::lt},
                                                                {"<=", JqlOp::le}, {">", JqlOp::gt},  {">=", JqlOp::ge},
                                                                {"~", JqlOp::like}, {"!~", JqlOp::not_like}};
            for (const auto& [text, op] : ops)
                if (t.text == text) {
                    next();
                    return op;
                }
        }
        if (at_keyword("in")) {
            next();
            return JqlOp::in;
        }
        if (at_keyword("not") && at_keyword("in", 1)) {
            next();
            next();
            return JqlOp::not_in;
        }
        if (at_keyword("is")) {
            next();
            if (at_keyword("not")) {
                next();
                return JqlOp::is_not;
            }
            return JqlOp::is;
        }
        fail("Expecting operator but got '" + describe(t) +
                 "'. The valid operators are '=', '!=', '<', '>', '<=', '>=', '~', '!~', 'IN', 'NOT IN', 'IS' and 'IS NOT'.",
             t.line, t.column);
    }

    JqlValue parse_value() {
        const Token& t = peek();
        if (t.kind == Tok::string || (t.kind == Tok::word && !is_reserved(t.text))) {
            next();
            return JqlValue{t.text, t.kind == Tok::string, t.line, t.column};
        }
        if (t.kind == Tok::word)
            fail("Expecting either a value, list or function but got '" + t.text + "'. You must surround '" + t.text +
                     "' in quotation marks to use it as a value.",
                 t.line, t.column);
        fail("Expecting either a value, list or function but got '" + describe(t) + "'.", t.line, t.column);
    }

    void parse_order(JqlQuery& q) {
        for (;;) {
            const Token& t = peek();
            if (t.kind != Tok::word && t.kind != Tok::string)
                fail("Expecting a field name but got '" + describe(t) + "'.", t.line, t.column);
            next();
            auto field = sort_field_named(t.text);
            if (!field) {
                if (t.kind == Tok::word && is_reserved(t.text))
                    fail("The word '" + t.text + "' is a reserved JQL word. You must surround it in quotation marks to use it in a query.",
                         t.line, t.column);
                throw JqlError("Field '" + t.text + "' does not exist or you do not have permission to view it.");
            }
            SortKey key{*field, false};
            if (at_keyword("asc")) {
                next();
            } else if (at_keyword("desc")) {
                next();
                key.descending = true;
            }
            q.order.push_back(key);
            if (peek().kind != Tok::comma) break;
            next();
        }
        if (q.order.size() > 7) throw JqlError("The ORDER BY clause may not contain more than 7 fields.");
    }
};

}  // namespace

JqlQuery parse_jql(std::string_view text) { return Parser(lex(text)).parse(); }

}  // namespace j2s::fake
