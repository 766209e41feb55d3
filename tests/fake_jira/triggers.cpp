#include "triggers.hpp"

#include "mutations.hpp"

#include <stdexcept>

namespace j2s::fake {

namespace {

// `issue` may be given as a key or a numeric id.
std::string issue_of(const json& action) {
    const auto& issue = action["issue"];
    return issue.is_string() ? issue.get<std::string>() : std::to_string(issue.get<std::int64_t>());
}

void check_action(const json& action) {
    if (!action.is_object() || !action.contains("op") || !action["op"].is_string())
        throw std::invalid_argument("every action needs a string 'op'");
    const std::string op = action["op"];
    if (op != "update" && op != "create" && op != "delete" && op != "move")
        throw std::invalid_argument("op must be update, create, delete or move, not '" + op + "'");
    if (op != "create" && (!action.contains("issue") || !(action["issue"].is_string() || action["issue"].is_number_integer())))
        throw std::invalid_argument(op + " needs 'issue' (a key or an id)");
    if ((op == "create" || op == "move") && (!action.contains("project") || !action["project"].is_string()))
        throw std::invalid_argument(op + " needs 'project' (string)");
}

json apply(FakeApp& app, const json& action, Timestamp now) {
    const std::string op = action["op"];
    if (op == "create") return create_issue(app, action, now);
    if (op == "update") return update_issue(app, issue_of(action), action, now);
    if (op == "delete") return delete_issue(app, issue_of(action));
    return move_issue(app, issue_of(action), action, now);
}

}  // namespace

json TriggerRegistry::add(const json& spec) {
    if (!spec.is_object() || !spec.contains("on_search_page") || !spec["on_search_page"].is_number_integer() ||
        spec["on_search_page"].get<long long>() < 1)
        throw std::invalid_argument("on_search_page (integer >= 1) is required");
    if (!spec.contains("actions") || !spec["actions"].is_array() || spec["actions"].empty())
        throw std::invalid_argument("actions (a non-empty array) is required");
    for (const auto& action : spec["actions"]) check_action(action);
    SearchTrigger t;
    t.on_search_page = spec["on_search_page"].get<int>();
    t.actions = spec["actions"];
    std::lock_guard lock(m_mutex);
    t.id = m_next_id++;
    m_triggers.push_back(t);
    return view(t);
}

std::vector<SearchTrigger> TriggerRegistry::count_search_request() {
    std::lock_guard lock(m_mutex);
    std::vector<SearchTrigger> due;
    for (auto& t : m_triggers) {
        if (++t.seen == t.on_search_page) {
            t.fired = true;
            due.push_back(t);
        }
    }
    return due;
}

void TriggerRegistry::record_results(std::int64_t id, json results) {
    std::lock_guard lock(m_mutex);
    for (auto& t : m_triggers)
        if (t.id == id) t.results = std::move(results);
}

json TriggerRegistry::view(const SearchTrigger& t) {
    return {{"id", t.id},         {"on_search_page", t.on_search_page}, {"actions", t.actions},
            {"seen", t.seen},     {"fired", t.fired},                   {"results", t.results}};
}

json TriggerRegistry::list() const {
    std::lock_guard lock(m_mutex);
    json out = json::array();
    for (const auto& t : m_triggers) out.push_back(view(t));
    return out;
}

void TriggerRegistry::clear() {
    std::lock_guard lock(m_mutex);
    m_triggers.clear();
}

void fire_search_triggers(FakeApp& app) {
    auto firing = app.triggers.firing_lock();
    auto due = app.triggers.count_search_request();
    if (due.empty()) return;
    const auto now = app.settings.now();
    auto lock = app.store.write_lock();
    for (const auto& t : due) {
        json results = json::array();
        for (const auto& action : t.actions) {
            try {
                results.push_back({{"op", action["op"]}, {"result", apply(app, action, now)}});
            } catch (const std::exception& e) {
                results.push_back({{"op", action["op"]}, {"error", e.what()}});
            }
        }
        app.triggers.record_results(t.id, std::move(results));
    }
}

}  // namespace j2s::fake
