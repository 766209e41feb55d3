#pragma once
// Checks HTTP requests against an OpenAPI 3 description (the Jira Cloud subset in fixtures/openapi/):
// path template, method, query parameters (declared, typed, required), JSON request body (schema), and
// deprecated operations. Only what requests need; responses are not checked.

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace j2s::it {

// Query parameters as the fake logs them: name -> every value given (in order).
using QueryMap = std::map<std::string, std::vector<std::string>>;

class OpenApiValidator {
public:
    // `base_path` is stripped from request paths before matching (a site's context path, e.g. "/jira");
    // the spec's own paths already start with /rest/api/3.
    explicit OpenApiValidator(nlohmann::json spec, std::string base_path = "");
    static OpenApiValidator load(const std::filesystem::path& spec_file, std::string base_path = "");

    // Problems found in one request; empty means it conforms. `path` may be a full URL and may carry a query
    // string (both are folded in). `body` null = no body; a non-JSON body is passed as a JSON string.
    std::vector<std::string> validate(const std::string& method, const std::string& path, const QueryMap& query,
                                      const nlohmann::json& body) const;
    // One entry of the fake's GET /_fake/requests log ({method, path, query, body, ...}).
    std::vector<std::string> validate_logged(const nlohmann::json& entry) const;

    // The path template a request path matches (literal segments win over {param}), if any.
    std::optional<std::string> match_path(const std::string& path) const;
    // `value` against `schema` ($ref resolved against this spec); problems are prefixed with `where`.
    std::vector<std::string> validate_value(const nlohmann::json& value, const nlohmann::json& schema,
                                            const std::string& where, bool in_request = true) const;

    std::string version() const;
    const nlohmann::json& spec() const { return m_spec; }

private:
    const nlohmann::json& resolve(const nlohmann::json& schema) const;
    void check(const nlohmann::json& value, const nlohmann::json& schema, const std::string& where, bool in_request,
               int depth, std::vector<std::string>& problems) const;
    void check_query_value(const std::string& name, const std::string& value, const nlohmann::json& schema,
                           const std::string& where, std::vector<std::string>& problems) const;

    nlohmann::json m_spec;
    std::string m_base_path;
};

// fixtures/openapi/jira-openapi-v3-subset.json in the source tree.
std::filesystem::path jira_openapi_subset_path();

}  // namespace j2s::it
