# mapping: the YAML mapping -> typed column values. Pure logic (no HTTP, no SQL).
add_library(j2s_mapping STATIC
  connector/mapping/json_path.cpp
  connector/mapping/adf_to_text.cpp
  connector/mapping/value_convert.cpp
  connector/mapping/transforms.cpp
  connector/mapping/mapping_parse.cpp
  connector/mapping/mapping.cpp)
# j2s_config: the YAML error locations shared with the config file.
target_link_libraries(j2s_mapping PUBLIC j2s_core yaml-cpp PRIVATE j2s_config j2s_warnings)

j2s_unit_test(unit_mapping
  SOURCES tests/unit/test_json_path.cpp
          tests/unit/test_adf_to_text.cpp
          tests/unit/test_value_convert.cpp
          tests/unit/test_mapping_transforms.cpp
          tests/unit/test_mapping_parse.cpp
          tests/unit/test_mapping_resolve.cpp
          tests/unit/test_mapping_apply.cpp
          tests/unit/test_mapping_default.cpp
          tests/unit/test_mapping_users.cpp
  LIBS j2s_mapping)
