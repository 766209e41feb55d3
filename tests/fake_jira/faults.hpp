#pragma once
// Injected failures: the next `count` /rest requests whose path matches `path_regex` (and method, if
// given) get the rule's canned response instead of the real one. Rules are tried in the order added.
// Thread-safe.

#include "model.hpp"

#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace j2s::fake {

struct FaultRule {
    std::string path_regex;
    std::string method;  // empty: any
    int status = 500;
    int remaining = 1;
    int skip = 0;  // matching requests let through untouched before the rule starts to fire
    json headers = json::object();  // name -> string value
    std::string body;               // sent as is; default: a Jira error body for the status
    int delay_ms = 0;
    bool truncate_body = false;  // promise the full length, send half, drop the connection
    std::regex compiled;
};

class FaultRegistry {
public:
    // Parses the control API's JSON; throws std::invalid_argument with a message on bad input.
    void add(const json& spec);
    // Consumes one use of the first matching rule.
    std::optional<FaultRule> take(const std::string& method, const std::string& path);
    json list() const;
    void clear();

private:
    mutable std::mutex m_mutex;
    std::vector<FaultRule> m_rules;
};

}  // namespace j2s::fake
