# store: the SQL side (SQLite now, PostgreSQL next) and the migration runner.
# Depends on core only; knows nothing of HTTP or Jira's JSON.

# Every migrations/<dialect>/NNNN_name.sql is compiled into the binary, so an installed jira2sql needs
# no files next to it. The generated file is rebuilt whenever a migration is added or edited.
set(J2S_EMBEDDED_MIGRATIONS ${CMAKE_BINARY_DIR}/generated/embedded_migrations.cpp)
file(GLOB J2S_MIGRATION_FILES CONFIGURE_DEPENDS
  ${CMAKE_SOURCE_DIR}/migrations/sqlite/*.sql
  ${CMAKE_SOURCE_DIR}/migrations/postgres/*.sql)
add_custom_command(
  OUTPUT ${J2S_EMBEDDED_MIGRATIONS}
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${CMAKE_SOURCE_DIR}/migrations -DOUTPUT=${J2S_EMBEDDED_MIGRATIONS}
          -P ${CMAKE_SOURCE_DIR}/scripts/embed_migrations.cmake
  DEPENDS ${J2S_MIGRATION_FILES} ${CMAKE_SOURCE_DIR}/scripts/embed_migrations.cmake
  COMMENT "Embedding SQL migrations")

add_library(j2s_store STATIC
  connector/store/store.cpp
  connector/store/migrations.cpp
  connector/store/file_lock.cpp
  connector/store/sqlite_store.cpp
  connector/store/store_factory.cpp
  ${J2S_EMBEDDED_MIGRATIONS})
target_link_libraries(j2s_store PUBLIC j2s_core SQLiteCpp PkgConfig::PQXX PRIVATE j2s_warnings)

j2s_unit_test(unit_store
  SOURCES tests/unit/test_migrations.cpp
          tests/unit/test_store_contract.cpp
          tests/unit/test_store_sqlite.cpp
  LIBS j2s_store)
target_include_directories(unit_store PRIVATE ${CMAKE_SOURCE_DIR}/tests)
