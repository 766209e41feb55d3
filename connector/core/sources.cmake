# core: shared value types and utilities (time, hashing). Depends on nothing project-specific.
add_library(j2s_core STATIC
  connector/core/column.cpp
  connector/util/time.cpp
  connector/util/sha256.cpp
  connector/util/json_dump.cpp)
target_include_directories(j2s_core PUBLIC ${CMAKE_SOURCE_DIR}/connector)
target_link_libraries(j2s_core PUBLIC nlohmann_json::nlohmann_json spdlog::spdlog date::date-tz
                               PRIVATE j2s_warnings OpenSSL::Crypto)

j2s_unit_test(unit_core SOURCES tests/unit/test_time.cpp tests/unit/test_sha256.cpp tests/unit/test_json_dump.cpp LIBS j2s_core)
