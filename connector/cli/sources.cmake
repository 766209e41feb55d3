# cli: the thin front end. Commands in a library so integration helpers could reuse them; main stays tiny.
add_library(j2s_cli STATIC connector/cli/commands.cpp connector/cli/logging.cpp connector/cli/progress.cpp
  connector/cli/metrics.cpp connector/cli/verify.cpp)
target_include_directories(j2s_cli PUBLIC ${CMAKE_SOURCE_DIR}/connector)
target_link_libraries(j2s_cli PUBLIC j2s_sync PRIVATE j2s_warnings j2s_http)

add_executable(jira2sql connector/cli/main.cpp)
target_compile_definitions(jira2sql PRIVATE J2S_VERSION="${PROJECT_VERSION}")
target_link_libraries(jira2sql PRIVATE j2s_cli j2s_warnings CLI11::CLI11)

# Progress rendering, the status line and the metrics exposition (no network, no database).
j2s_unit_test(unit_cli SOURCES tests/unit/test_progress.cpp tests/unit/test_metrics.cpp LIBS j2s_cli)
target_include_directories(unit_cli PRIVATE ${CMAKE_SOURCE_DIR}/tests)
