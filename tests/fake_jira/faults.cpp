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

bool matches(const FaultRule& rule, const std::string& method, const std::string& path) {
    return (rule.method.empty() || rule.method == method) && std::regex_search(path, rule.compiled);
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
    rule.skip = spec.value("skip", 0);
    if (rule.skip < 0) throw std::invalid_argument("skip must be >= 0");
    rule.every = spec.value("every", 0);
    if (spec.contains("every") && rule.every < 1) throw std::invalid_argument("every must be >= 1");
    rule.probability = spec.value("probability", 0.0);
    if (spec.contains("probability") && !(rule.probability > 0 && rule.probability <= 1))
        throw std::invalid_argument("probability must be in (0, 1]");
    if (rule.every > 0 && rule.probabilistic())
        throw std::invalid_argument("every and probability exclude each other");
    if (spec.contains("seed")) {
        if (!spec["seed"].is_number_unsigned()) throw std::invalid_argument("seed must be an integer >= 0");
        rule.seed = spec["seed"].get<std::uint64_t>();
    }
    // A plain rule fires once by default; a rate or a schedule fires until cleared.
    rule.remaining = spec.value("count", rule.every > 0 || rule.probabilistic() ? -1 : 1);
    if (spec.contains("count") && rule.remaining < 1) throw std::invalid_argument("count must be >= 1");
    rule.delay_ms = spec.value("delay_ms", 0);
    rule.truncate_body = spec.value("truncate_body", false);
    rule.reset = spec.value("reset", false);
    if (rule.reset && rule.truncate_body) throw std::invalid_argument("reset and truncate_body exclude each other");
    if (spec.contains("ratelimit_reset_seconds")) {
        if (!spec["ratelimit_reset_seconds"].is_number() || spec["ratelimit_reset_seconds"].get<double>() < 0)
            throw std::invalid_argument("ratelimit_reset_seconds must be a number >= 0");
        rule.ratelimit_reset_seconds = spec["ratelimit_reset_seconds"].get<double>();
    }
    if (spec.contains("headers")) {
        if (!spec["headers"].is_object()) throw std::invalid_argument("headers must be an object");
        for (auto it = spec["headers"].begin(); it != spec["headers"].end(); ++it)
            rule.headers[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
    }
    if (!spec.contains("body") || spec["body"].is_null()) rule.body = default_body(rule.status);
    else rule.body = spec["body"].is_string() ? spec["body"].get<std::string>() : spec["body"].dump();
    if (rule.status < 100 || rule.status > 599) throw std::invalid_argument("status must be 100..599");
    std::lock_guard lock(m_mutex);
    m_rules.push_back(std::move(rule));
}

FaultRule FaultRegistry::fire(std::vector<FaultRule>::iterator rule) {
    ++rule->fired;
    FaultRule hit = *rule;
    if (rule->remaining > 0 && --rule->remaining == 0) m_rules.erase(rule);
    return hit;
}

std::optional<FaultRule> FaultRegistry::take(const std::string& method, const std::string& path) {
    std::lock_guard lock(m_mutex);
    for (auto it = m_rules.begin(); it != m_rules.end(); ++it) {
        if (it->probabilistic() || !matches(*it, method, path)) continue;
        if (it->skip > 0) {  // this request passes; the rule stays and still blocks later rules from matching it
            --it->skip;
            return std::nullopt;
        }
        if (it->every > 0 && ++it->matched % it->every != 0) continue;
        return fire(it);
    }
    std::vector<std::vector<FaultRule>::iterator> candidates;
    for (auto it = m_rules.begin(); it != m_rules.end(); ++it) {
        if (!it->probabilistic() || !matches(*it, method, path)) continue;
        if (it->skip > 0) {
            --it->skip;
            continue;
        }
        candidates.push_back(it);
    }
    if (candidates.empty()) return std::nullopt;
    const std::uint64_t seed = candidates.front()->seed;
    const double u = m_draws.try_emplace(seed, seed).first->second.unit();
    double upper_bound = 0;
    for (auto it : candidates) {
        upper_bound += it->probability;
        if (u < upper_bound) return fire(it);
    }
    return std::nullopt;
}

json FaultRegistry::list() const {
    std::lock_guard lock(m_mutex);
    json out = json::array();
    for (const auto& r : m_rules) {
        json rule = {{"path_regex", r.path_regex},
                     {"skip", r.skip},
                     {"method", r.method},
                     {"status", r.status},
                     {"count", r.remaining < 0 ? json(nullptr) : json(r.remaining)},
                     {"headers", r.headers},
                     {"body", r.body},
                     {"delay_ms", r.delay_ms},
                     {"truncate_body", r.truncate_body},
                     {"reset", r.reset},
                     {"fired", r.fired}};
        if (r.every > 0) rule["every"] = r.every;
        if (r.probabilistic()) {
            rule["probability"] = r.probability;
            rule["seed"] = r.seed;
        }
        if (r.ratelimit_reset_seconds) rule["ratelimit_reset_seconds"] = *r.ratelimit_reset_seconds;
        out.push_back(std::move(rule));
    }
    return out;
}

void FaultRegistry::clear() {
    std::lock_guard lock(m_mutex);
    m_rules.clear();
    m_draws.clear();
}

}  // namespace j2s::fake
