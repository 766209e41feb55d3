# sync: runs, checkpoints, dead letters; drives jira -> mapping -> store.
add_library(j2s_sync STATIC
  connector/sync/changelog_batches.cpp
  connector/sync/changelog_rows.cpp
  connector/sync/entity_rows.cpp
  connector/sync/run_checkpoint.cpp
  connector/sync/page_transformer.cpp
  connector/sync/slice_planner.cpp
  connector/sync/scan_executor.cpp
  connector/sync/sync_runner.cpp
  connector/sync/dead_letter_retry.cpp
  connector/sync/reconciler.cpp
  connector/sync/remapper.cpp
  connector/sync/entity_sync.cpp
  connector/sync/issue_entities.cpp
  connector/sync/entity_selection.cpp
  connector/sync/page_committer.cpp
  connector/sync/entity_overflow.cpp
  connector/sync/worklog_feed_sync.cpp
  connector/sync/sprint_refresh.cpp)
target_include_directories(j2s_sync PUBLIC ${CMAKE_SOURCE_DIR}/connector)
target_link_libraries(j2s_sync PUBLIC j2s_jira j2s_mapping j2s_store j2s_config j2s_core PRIVATE j2s_warnings)

j2s_unit_test(unit_sync SOURCES tests/unit/test_changelog_rows.cpp tests/unit/test_changelog_batches.cpp tests/unit/test_run_checkpoint.cpp
  tests/unit/test_page_transformer.cpp
  tests/unit/test_reconcile.cpp
  tests/unit/test_remap.cpp
  tests/unit/test_issue_entities.cpp
  tests/unit/test_worklog_feed.cpp
  tests/unit/test_entity_rows.cpp
  tests/unit/test_user_record.cpp LIBS j2s_sync)
target_include_directories(unit_sync PRIVATE ${CMAKE_SOURCE_DIR}/tests)
