# fake_jira: the fake Jira REST server the integration tests, the demo and the benchmarks run against.
# Everything except main() is in fake_jira_lib so the unit tests can drive it in-process.
add_library(fake_jira_lib STATIC
  tests/fake_jira/auth.cpp
  tests/fake_jira/base64.cpp
  tests/fake_jira/catalog.cpp
  tests/fake_jira/connection_drop.cpp
  tests/fake_jira/entity_renderer.cpp
  tests/fake_jira/entity_store.cpp
  tests/fake_jira/faults.cpp
  tests/fake_jira/field_catalog.cpp
  tests/fake_jira/fixtures_loader.cpp
  tests/fake_jira/generator.cpp
  tests/fake_jira/http_util.cpp
  tests/fake_jira/issue_renderer.cpp
  tests/fake_jira/prerendered_issues.cpp
  tests/fake_jira/issue_store.cpp
  tests/fake_jira/jql_eval.cpp
  tests/fake_jira/jql_parser.cpp
  tests/fake_jira/mutations.cpp
  tests/fake_jira/page_token.cpp
  tests/fake_jira/request_log.cpp
  tests/fake_jira/routes_control.cpp
  tests/fake_jira/routes_entities.cpp
  tests/fake_jira/routes_entities_control.cpp
  tests/fake_jira/routes_issue.cpp
  tests/fake_jira/routes_meta.cpp
  tests/fake_jira/routes_search.cpp
  tests/fake_jira/search_engine.cpp
  tests/fake_jira/server.cpp
  tests/fake_jira/settings.cpp
  tests/fake_jira/triggers.cpp)
target_include_directories(fake_jira_lib PUBLIC ${CMAKE_SOURCE_DIR}/tests/fake_jira)
target_link_libraries(fake_jira_lib PUBLIC j2s_core nlohmann_json::nlohmann_json PkgConfig::HTTPLIB Threads::Threads
                                    PRIVATE j2s_warnings)

add_executable(fake_jira tests/fake_jira/main.cpp)
target_link_libraries(fake_jira PRIVATE fake_jira_lib CLI11::CLI11 j2s_warnings)

j2s_unit_test(unit_fake_jira
  SOURCES tests/unit/test_fake_jql.cpp tests/fake_jira/test_fake_server.cpp tests/fake_jira/test_fake_entities.cpp
    tests/fake_jira/test_fake_prerender.cpp
  LIBS fake_jira_lib)
target_compile_definitions(unit_fake_jira PRIVATE J2S_FIXTURES_DIR="${CMAKE_SOURCE_DIR}/fixtures")
