# config: the run configuration (contract section 2): env expansion, YAML, validation. Depends on core.
add_library(j2s_config STATIC
  connector/config/config.cpp
  connector/config/yaml_location.cpp)
target_include_directories(j2s_config PUBLIC ${CMAKE_SOURCE_DIR}/connector)
target_link_libraries(j2s_config PUBLIC j2s_core PRIVATE j2s_warnings yaml-cpp)

j2s_unit_test(unit_config SOURCES tests/unit/test_config.cpp tests/unit/test_config_entities.cpp LIBS j2s_config)
