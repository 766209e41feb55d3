# Integration tests: the built jira2sql binary against the fake Jira process over loopback HTTP and a real
# database. Label "integration"; PostgreSQL ones also carry "postgres".
add_executable(integration_tests
  tests/integration/harness.cpp
  tests/integration/table_checks.cpp
  tests/integration/test_sync.cpp
  tests/integration/test_reliability.cpp
  tests/integration/test_fault_storm.cpp
  tests/integration/test_midscan_mutations.cpp
  tests/integration/test_crash_points.cpp
  tests/integration/test_bad_inputs.cpp
  tests/integration/test_analyst_queries.cpp
  tests/integration/openapi_validator.cpp
  tests/integration/test_openapi_conformance.cpp
  tests/integration/test_operations.cpp
  tests/integration/test_reconcile.cpp
  tests/integration/test_remap.cpp
  tests/integration/test_entities.cpp
  tests/integration/test_entities_issue_rows.cpp
  tests/integration/test_entities_recovery.cpp
  tests/integration/test_schema_docs.cpp)
target_link_libraries(integration_tests PRIVATE j2s_catch_main j2s_warnings j2s_core j2s_mapping j2s_config SQLiteCpp PkgConfig::PQXX PkgConfig::HTTPLIB
                      nlohmann_json::nlohmann_json Threads::Threads util)
target_compile_definitions(integration_tests PRIVATE
  J2S_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  J2S_BINARY="$<TARGET_FILE:jira2sql>"
  J2S_FAKE_JIRA_BINARY="$<TARGET_FILE:fake_jira>")
add_dependencies(integration_tests jira2sql fake_jira)
target_include_directories(integration_tests PRIVATE ${CMAKE_SOURCE_DIR}/tests)
# The PostgreSQL scenarios (all tagged [postgres], names starting "postgres:") carry the label `postgres`
# instead (Catch2 2.13's discovery takes one label) and read J2S_TEST_POSTGRES_URL.
catch_discover_tests(integration_tests TEST_SPEC "~[postgres]" PROPERTIES LABELS "integration" TIMEOUT 600)
catch_discover_tests(integration_tests TEST_SPEC "[postgres]" PROPERTIES LABELS postgres TIMEOUT 600)

# The OpenAPI request validator (used by test_openapi_conformance.cpp) on its own.
j2s_unit_test(unit_openapi SOURCES tests/unit/test_openapi_validator.cpp tests/integration/openapi_validator.cpp
              LIBS nlohmann_json::nlohmann_json)
