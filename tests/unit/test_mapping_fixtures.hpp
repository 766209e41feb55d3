#pragma once
// Real Jira payloads for the mapping tests, copied into fixtures/real/ (see its README for sources and
// licences). A missing file fails the test (never skips it).

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

namespace j2s::test {

inline constexpr const char* k_adf_fixture = "ankitpokhrel__jira-cli__pkg__adf__testdata__md.json";
inline constexpr const char* k_airbyte_fixture =
    "airbytehq__airbyte__airbyte-integrations__connectors__source-jira__unit_tests__responses__issues.json";
inline constexpr const char* k_devlake_fixture =
    "apache__devlake__backend__plugins__jira__e2e__raw_tables___raw_jira_api_issues.csv.row-12453.json";

inline nlohmann::json read_fixture(const std::string& name) {
    std::ifstream in(std::filesystem::path(J2S_SOURCE_DIR) / "fixtures" / "real" / name);
    if (in) return nlohmann::json::parse(in);
    FAIL("fixture not found: " << name);
    return {};
}

}  // namespace j2s::test
