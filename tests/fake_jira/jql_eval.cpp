#include "jql_eval.hpp"

#include "generator.hpp"

#include <algorithm>

namespace j2s::fake {

// The attribute values JQL compares, lower-cased: every name and id a value may match.
struct Attributes {
    std::vector<std::string> status, issuetype, priority, resolution, assignee, reporter, labels;
};

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool all_digits(std::string_view s) {
    return !s.empty() && s.size() <= 18 && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void add_named(std::vector<std::string>& out, const json& value, std::initializer_list<const char*> keys) {
    if (!value.is_object()) return;
    for (const char* k : keys)
        if (value.contains(k) && value[k].is_string()) out.push_back(lower(value[k].get<std::string>()));
}

void add_user(std::vector<std::string>& out, const UserInfo& u) {
    out = {lower(u.account_id), lower(u.name), lower(u.display_name), lower(u.email)};
}

Attributes attributes_of(const Issue& issue, const IssueStore& store) {
    Attributes a;
    if (issue.seed != 0) {
        const GeneratedCore c = derive_core(issue);
        a.status = {lower(statuses()[c.status].name), statuses()[c.status].id};
        a.issuetype = {lower(issue_types()[c.type].name), issue_types()[c.type].id};
        a.priority = {lower(priorities()[c.priority].name), priorities()[c.priority].id};
        if (c.has_resolution) a.resolution = {lower(resolutions()[c.resolution].name), resolutions()[c.resolution].id};
        if (c.assignee >= 0) add_user(a.assignee, users()[c.assignee]);
        add_user(a.reporter, users()[c.reporter]);
        for (std::size_t i = 0; i < label_pool().size(); ++i)
            if (c.labels & (1u << i)) a.labels.push_back(lower(label_pool()[i]));
        return a;
    }
    const auto fields = store.fields_of(issue);
    const json& f = *fields;
    auto get = [&](const char* k) -> const json& {
        static const json null_value;
        return f.contains(k) ? f[k] : null_value;
    };
    add_named(a.status, get("status"), {"name", "id"});
    add_named(a.issuetype, get("issuetype"), {"name", "id"});
    add_named(a.priority, get("priority"), {"name", "id"});
    add_named(a.resolution, get("resolution"), {"name", "id"});
    add_named(a.assignee, get("assignee"), {"accountId", "name", "key", "displayName", "emailAddress"});
    add_named(a.reporter, get("reporter"), {"accountId", "name", "key", "displayName", "emailAddress"});
    if (get("labels").is_array())
        for (const auto& l : get("labels"))
            if (l.is_string()) a.labels.push_back(lower(l.get<std::string>()));
    return a;
}

bool supports(JqlField field, JqlOp op) {
    switch (field) {
        case JqlField::created:
        case JqlField::updated:
            return op == JqlOp::eq || op == JqlOp::ne || op == JqlOp::lt || op == JqlOp::le || op == JqlOp::gt ||
                   op == JqlOp::ge || op == JqlOp::is || op == JqlOp::is_not || op == JqlOp::in || op == JqlOp::not_in;
        case JqlField::issue:
            return op != JqlOp::like && op != JqlOp::not_like && op != JqlOp::is && op != JqlOp::is_not;
        case JqlField::project:
            return op == JqlOp::eq || op == JqlOp::ne || op == JqlOp::in || op == JqlOp::not_in || op == JqlOp::is ||
                   op == JqlOp::is_not;
        default:
            return op == JqlOp::eq || op == JqlOp::ne || op == JqlOp::in || op == JqlOp::not_in || op == JqlOp::is ||
                   op == JqlOp::is_not;
    }
}


template <class T>
bool compare(JqlOp op, const T& a, const T& b) {
    switch (op) {
        case JqlOp::eq: case JqlOp::in: return a == b;
        case JqlOp::ne: case JqlOp::not_in: return a != b;
        case JqlOp::lt: return a < b;
        case JqlOp::le: return a <= b;
        case JqlOp::gt: return a > b;
        case JqlOp::ge: return a >= b;
        default: return false;
    }
}

bool negative(JqlOp op) { return op == JqlOp::ne || op == JqlOp::not_in; }

}  // namespace

std::optional<Timestamp> resolve_jql_date(const std::string& text, const std::string& zone, Timestamp now) {
    if (all_digits(text) && text.size() >= 5) return Timestamp{std::chrono::milliseconds(std::stoll(text))};
    if (auto t = parse_jql_date(text, zone)) return t;
    // Relative periods: an optional sign and one or more <number><w|d|h|m> groups, spaces allowed.
    std::size_t i = 0;
    int sign = 1;
    if (i < text.size() && (text[i] == '-' || text[i] == '+')) sign = text[i++] == '-' ? -1 : 1;
    std::int64_t total_ms = 0;
    bool any = false;
    while (i < text.size()) {
        if (text[i] == ' ') {
            ++i;
            continue;
        }
        std::int64_t n = 0;
        std::size_t start = i;
        while (i < text.size() && text[i] >= '0' && text[i] <= '9' && i - start < 9) n = n * 10 + (text[i++] - '0');
        if (i == start || i >= text.size()) return std::nullopt;
        const char unit = static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
        const std::int64_t minute = 60'000;
        if (unit == 'w') total_ms += n * 7 * 24 * 60 * minute;
        else if (unit == 'd') total_ms += n * 24 * 60 * minute;
        else if (unit == 'h') total_ms += n * 60 * minute;
        else if (unit == 'm') total_ms += n * minute;
        else return std::nullopt;
        any = true;
    }
    if (!any) return std::nullopt;
    return now + std::chrono::milliseconds(sign * total_ms);
}

JqlMatcher::JqlMatcher(const JqlQuery& query, const IssueStore& store, const std::string& zone, Timestamp now)
    : m_store(store) {
    if (query.where) m_root = bind(*query.where, zone, now);
}

JqlMatcher::Node JqlMatcher::bind(const JqlNode& node, const std::string& zone, Timestamp now) {
    Node out{node.kind, {}, {}};
    if (node.kind != JqlNode::Kind::clause) {
        for (const auto& child : node.children) out.children.push_back(bind(*child, zone, now));
        return out;
    }
    const JqlClause& c = node.clause;
    if (!supports(c.field, c.op))
        throw JqlError("The operator '" + to_string(c.op) + "' is not supported by the '" + c.field_name + "' field.");
    Bound& b = out.clause;
    b.field = c.field;
    b.op = c.op;
    b.empty = c.empty;
    for (const auto& v : c.values) {
        switch (c.field) {
            case JqlField::created:
            case JqlField::updated: {
                auto t = resolve_jql_date(v.text, zone, now);
                if (!t)
                    throw JqlError("Date value '" + v.text + "' for field '" + c.field_name +
                                   "' is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', 'yyyy-MM-dd HH:mm', "
                                   "'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.");
                b.instants.push_back(*t);
                break;
            }
            case JqlField::project: {
                const Project* p = all_digits(v.text) ? m_store.project_by_id(std::stoll(v.text)) : m_store.project(v.text);
                if (!p) throw JqlError("The value '" + v.text + "' does not exist for the field '" + c.field_name + "'.");
                b.texts.push_back(p->key);
                break;
            }
            case JqlField::issue: {
                IssueRef ref;
                if (all_digits(v.text)) {
                    ref.by_id = true;
                    ref.id = std::stoll(v.text);
                } else {
                    const std::string upper = to_upper(v.text);
                    const auto dash = upper.rfind('-');
                    if (dash == std::string::npos || dash == 0 || !all_digits(std::string_view(upper).substr(dash + 1)))
                        throw JqlError("The issue key '" + v.text + "' for field '" + c.field_name + "' is invalid.");
                    ref.project = upper.substr(0, dash);
                    ref.number = std::stoll(upper.substr(dash + 1));
                    ref.key = upper;
                }
                b.issues.push_back(ref);
                break;
            }
            default:
                b.texts.push_back(lower(v.text));
                m_needs_attributes = true;
        }
    }
    if (c.empty && c.field != JqlField::created && c.field != JqlField::updated && c.field != JqlField::project)
        m_needs_attributes = true;
    return out;
}

bool JqlMatcher::matches(const Issue& issue) const {
    if (issue.deleted) return false;
    if (!m_root) return true;
    if (!m_needs_attributes) return eval(*m_root, issue, nullptr);
    const Attributes attrs = attributes_of(issue, m_store);
    return eval(*m_root, issue, &attrs);
}

bool JqlMatcher::eval(const Node& node, const Issue& issue, const Attributes* attrs) const {
    switch (node.kind) {
        case JqlNode::Kind::and_:
            return std::all_of(node.children.begin(), node.children.end(),
                               [&](const Node& c) { return eval(c, issue, attrs); });
        case JqlNode::Kind::or_:
            return std::any_of(node.children.begin(), node.children.end(),
                               [&](const Node& c) { return eval(c, issue, attrs); });
        case JqlNode::Kind::not_:
            return !eval(node.children.front(), issue, attrs);
        case JqlNode::Kind::clause:
            break;
    }
    const Bound& b = node.clause;
    const bool neg = negative(b.op);
    switch (b.field) {
        case JqlField::created:
        case JqlField::updated: {
            if (b.empty) return b.op == JqlOp::is_not;  // both are always set
            const Timestamp t = b.field == JqlField::created ? issue.created : issue.updated;
            if (neg) return std::all_of(b.instants.begin(), b.instants.end(), [&](Timestamp v) { return t != v; });
            return std::any_of(b.instants.begin(), b.instants.end(), [&](Timestamp v) { return compare(b.op, t, v); });
        }
        case JqlField::project: {
            if (b.empty) return b.op == JqlOp::is_not;
            const bool hit = std::find(b.texts.begin(), b.texts.end(), issue.project_key) != b.texts.end();
            return neg ? !hit : hit;
        }
        case JqlField::issue: {
            auto equal = [&](const IssueRef& r) {
                if (r.by_id) return issue.id == r.id;
                if (to_upper(issue.key) == r.key) return true;
                return std::any_of(issue.old_keys.begin(), issue.old_keys.end(),
                                   [&](const std::string& k) { return to_upper(k) == r.key; });
            };
            if (b.op == JqlOp::eq || b.op == JqlOp::in) return std::any_of(b.issues.begin(), b.issues.end(), equal);
            if (neg) return std::none_of(b.issues.begin(), b.issues.end(), equal);
            // Ordering: an id compares ids; a key compares numbers within that key's project.
            const IssueRef& r = b.issues.front();
            if (r.by_id) return compare(b.op, issue.id, r.id);
            return issue.project_key == r.project && compare(b.op, issue.number, r.number);
        }
        default:
            break;
    }
    const std::vector<std::string>* values = nullptr;
    switch (b.field) {
        case JqlField::status: values = &attrs->status; break;
        case JqlField::issuetype: values = &attrs->issuetype; break;
        case JqlField::priority: values = &attrs->priority; break;
        case JqlField::resolution: values = &attrs->resolution; break;
        case JqlField::assignee: values = &attrs->assignee; break;
        case JqlField::reporter: values = &attrs->reporter; break;
        case JqlField::labels: values = &attrs->labels; break;
        default: return false;
    }
    if (b.empty) return (b.op == JqlOp::is) == values->empty();
    // Like Jira, `!=` and NOT IN never match an issue where the field is empty.
    if (values->empty()) return false;
    const bool hit = std::any_of(b.texts.begin(), b.texts.end(), [&](const std::string& v) {
        return std::find(values->begin(), values->end(), v) != values->end();
    });
    return neg ? !hit : hit;
}

std::vector<SortKey> effective_order(const JqlQuery& query) {
    std::vector<SortKey> order = query.order;
    if (order.empty()) order.push_back({SortField::created, true});
    if (std::none_of(order.begin(), order.end(), [](const SortKey& k) { return k.field == SortField::id; }))
        order.push_back({SortField::id, false});
    return order;
}

SortRow sort_row(const Issue& issue, const std::vector<SortKey>& order, const IssueStore& store) {
    SortRow row;
    row.reserve(order.size());
    for (const auto& k : order) {
        switch (k.field) {
            case SortField::created: row.push_back({"", issue.created.time_since_epoch().count()}); break;
            case SortField::updated: row.push_back({"", issue.updated.time_since_epoch().count()}); break;
            case SortField::key: row.push_back({issue.project_key, issue.number}); break;
            case SortField::id: row.push_back({"", issue.id}); break;
            case SortField::project: row.push_back({issue.project_key, 0}); break;
            case SortField::priority:
            case SortField::status: {
                const Attributes a = attributes_of(issue, store);
                const auto& v = k.field == SortField::priority ? a.priority : a.status;
                std::int64_t rank = 0;
                if (v.size() >= 2 && all_digits(v[1])) rank = std::stoll(v[1]);
                // Priority ids run Highest=1..Lowest=5; DESC lists the highest first, as in Jira.
                if (k.field == SortField::priority && rank > 0) rank = 100 - rank;
                row.push_back({"", rank});
                break;
            }
        }
    }
    return row;
}

int compare_rows(const SortRow& a, const SortRow& b, const std::vector<SortKey>& order) {
    for (std::size_t i = 0; i < order.size() && i < a.size() && i < b.size(); ++i) {
        if (a[i] == b[i]) continue;
        const int c = a[i] < b[i] ? -1 : 1;
        return order[i].descending ? -c : c;
    }
    return 0;
}

}  // namespace j2s::fake
