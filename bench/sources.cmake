# Benchmarks (issue 6): not tests. Only a small smoke version runs under CTest (label bench-smoke).
# Included from the top-level CMakeLists.txt with include(bench/sources.cmake OPTIONAL).

# ---- jira2sql_bench: the backfill / nightly / politeness scenarios against the fake Jira ----------
# scripts/bench.sh builds Release and runs it; see bench/README.md.
add_executable(jira2sql_bench
  bench/jira2sql_bench.cpp
  bench/bench_process.cpp
  bench/bench_request_log.cpp
  bench/bench_fake_data.cpp
  bench/bench_database.cpp
  bench/bench_table.cpp
  tests/integration/harness.cpp)
target_link_libraries(jira2sql_bench PRIVATE fake_jira_lib j2s_warnings SQLiteCpp PkgConfig::PQXX PkgConfig::HTTPLIB
                      nlohmann_json::nlohmann_json CLI11::CLI11 Threads::Threads)
target_include_directories(jira2sql_bench PRIVATE ${CMAKE_SOURCE_DIR}/tests ${CMAKE_SOURCE_DIR}/bench)
target_compile_definitions(jira2sql_bench PRIVATE
  J2S_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
  J2S_BINARY="$<TARGET_FILE:jira2sql>"
  J2S_FAKE_JIRA_BINARY="$<TARGET_FILE:fake_jira>")
add_dependencies(jira2sql_bench jira2sql fake_jira)

# The smoke version (~20 s): --quick (20 ms latency) with 1,000 issues, SQLite, both flavors, scenarios 1, 4 and 5;
# fails only when a run fails, stores the wrong rows or breaks the politeness limits, never on a missed target.
add_test(NAME bench_smoke COMMAND jira2sql_bench --quick --issues 1000 --nightly-issues 1000 --backends sqlite
                                  --scenarios 1,4,5)
set_tests_properties(bench_smoke PROPERTIES LABELS "bench-smoke" TIMEOUT 300)

# ---- bench_remap: `remap` of 100,000 stored issues on SQLite (issue 5, item 6; see bench_remap.cpp) -----
add_executable(bench_remap bench/bench_remap.cpp)
target_link_libraries(bench_remap PRIVATE fake_jira_lib j2s_sync j2s_warnings PkgConfig::PQXX)
target_compile_definitions(bench_remap PRIVATE J2S_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
