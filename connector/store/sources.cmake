# store: the SQL side (SQLite and PostgreSQL) and the migration runner.
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

# libpq itself (under libpqxx) for PQconninfoParse: describe() and the password scrubber read the URL the
# way libpq does. Found here because only the store uses it; move to the top-level list with the others.
pkg_check_modules(PQ REQUIRED IMPORTED_TARGET libpq)

add_library(j2s_store STATIC
  connector/store/store.cpp
  connector/store/migrations.cpp
  connector/store/file_lock.cpp
  connector/store/sqlite_store.cpp
  connector/store/postgres_store.cpp
  connector/store/store_factory.cpp
  connector/store/sqlite_store_ops.cpp connector/store/postgres_store_ops.cpp
  connector/store/sqlite_store_mapping.cpp connector/store/postgres_store_mapping.cpp
  connector/store/sqlite_store_reconcile.cpp connector/store/postgres_store_reconcile.cpp
  connector/store/sqlite_store_entities.cpp connector/store/postgres_store_entities.cpp
  connector/store/sqlite_store_entity_rows.cpp connector/store/postgres_store_entity_rows.cpp
  ${J2S_EMBEDDED_MIGRATIONS})
target_link_libraries(j2s_store PUBLIC j2s_core SQLiteCpp PkgConfig::PQXX PkgConfig::PQ PRIVATE j2s_warnings)

# unit_store is registered by hand rather than with j2s_unit_test so that the tests needing a PostgreSQL
# server (the PostgresBackend instances of the contract tests and test_store_postgres.cpp, all with
# "postgres" in their names) carry the CTest label `postgres` instead of `unit` (Catch2 2.13's test
# discovery cannot pass a list of labels): `ctest -LE postgres` runs anywhere, `ctest -L postgres` needs
# the server. They read J2S_TEST_POSTGRES_URL (scripts/test_postgres.sh starts a server).
add_executable(unit_store
  tests/unit/test_migrations.cpp
  tests/unit/test_store_contract.cpp
  tests/unit/test_store_sqlite.cpp
  tests/unit/test_store_postgres.cpp
  tests/unit/test_reconcile_store.cpp
  tests/unit/test_entities_store.cpp
  tests/unit/test_store_entities.cpp)
target_link_libraries(unit_store PRIVATE j2s_catch_main j2s_warnings j2s_store)
target_compile_definitions(unit_store PRIVATE J2S_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
target_include_directories(unit_store PRIVATE ${CMAKE_SOURCE_DIR}/tests)
catch_discover_tests(unit_store TEST_SPEC "~*postgres*" PROPERTIES LABELS "unit")
catch_discover_tests(unit_store TEST_SPEC "*postgres*" PROPERTIES LABELS postgres TIMEOUT 300)
