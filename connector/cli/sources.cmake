# cli: the thin front end. Commands in a library so integration helpers could reuse them; main stays tiny.
add_library(j2s_cli STATIC connector/cli/commands.cpp connector/cli/logging.cpp)
target_include_directories(j2s_cli PUBLIC ${CMAKE_SOURCE_DIR}/connector)
target_link_libraries(j2s_cli PUBLIC j2s_sync PRIVATE j2s_warnings j2s_http)

add_executable(jira2sql connector/cli/main.cpp)
target_compile_definitions(jira2sql PRIVATE J2S_VERSION="${PROJECT_VERSION}")
target_link_libraries(jira2sql PRIVATE j2s_cli j2s_warnings CLI11::CLI11)
