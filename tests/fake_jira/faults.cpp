#include "faults.hpp"

#include <stdexcept>

namespace j2s::fake {

namespace {
std::string upper(std::string s) {
    for (char& c : s)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return s;
}

std::string default_body(int status) {
    std::string message = "Injected fault.";
    if (status == 429) message = "Rate limit exceeded.";
    else if (status == 503) message = "Service unavailable. Please try again later.";
    else if (status == 401) message = "Client must be authenticated to access this resource.";
    return json{{"errorMessages", {message}}, {"errors", json::object()}}.dump();
}
}  // namespace

void FaultRegistry::add(const json& spec) {
    if (!spec.is_object() || !spec.contains("path_regex") || !spec["path_regex"].is_string())
        throw std::invalid_argument("path_regex (string) is required");
    FaultRule rule;
    rule.path_regex = spec["path_regex"].get<std::string>();
    try {
        rule.compiled = std::regex(rule.path_regex);
    } catch (const std::regex_error& e) {
        throw std::invalid_argument("path_regex is not a valid regular expression: " + std::string(e.what()));
    }
    rule.method = upper(spec.value("method", ""));
    rule.status = spec.value("status", 500);
    rule.remaining = spec.value("count", 1);
    rule.skip = spec.value("skip", 0);
    if (rule.skip < 0) throw std::invalid_argument("skip must be >= 0");
    rule.delay_ms = spec.value("delay_ms", 0);
    rule.truncate_body = spec.value("truncate_body", false);
    if (spec.contains("headers")) {
        if (!spec["headers"].is_object()) throw std::invalid_argument("headers must be an object");
        for (auto it = spec["headers"].begin(); it != spec["headers"].end(); ++it)
            rule.headers[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
    }
    if (!spec.contains("body") || spec["body"].is_null()) rule.body = default_body(rule.status);
    else rule.body = spec["body"].is_string() ? spec["body"].get<std::string>() : spec["body"].dump();
    if (rule.status < 100 || rule.status > 599) throw std::invalid_argument("status must be 100..599");
    if (rule.remaining < 1) throw std::invalid_argument("count must be >= 1");
    std::lock_guard lock(m_mutex);
    m_rules.push_back(std::move(rule));
}

std::optional<FaultRule> FaultRegistry::take(const std::string& method, const std::string& path) {
    std::lock_guard lock(m_mutex);
    for (auto it = m_rules.begin(); it != m_rules.end(); ++it) {
        if (!it->method.empty() && it->method != method) continue;
        if (!std::regex_search(path, it->compiled)) continue;
        if (it->skip > 0) {  // this request passes; the rule stays and still blocks later rules from matching it
            --it->skip;
            return std::nullopt;
        }
        FaultRule hit = *it;
        if (--it->remaining <= 0) m_rules.erase(it);
        return hit;
    }
    return std::nullopt;
}

json FaultRegistry::list() const {
    std::lock_guard lock(m_mutex);
    json out = json::array();
    for (const auto& r : m_rules)
        out.push_back({{"path_regex", r.path_regex},
                       {"skip", r.skip},
                       {"method", r.method},
                       {"status", r.status},
                       {"count", r.remaining},
                       {"headers", r.headers},
                       {"body", r.body},
                       {"delay_ms", r.delay_ms},
                       {"truncate_body", r.truncate_body}});
    return out;
}

void FaultRegistry::clear() {
    std::lock_guard lock(m_mutex);
    m_rules.clear();
}

}  // namespace j2s::fake
