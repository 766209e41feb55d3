# jira: requests (auth, limiter, retries, errors), the endpoints, and the resumable search cursor.
add_library(j2s_jira STATIC
  connector/jira/retry_policy.cpp
  connector/jira/request_limiter.cpp
  connector/jira/response_json.cpp
  connector/jira/issue_list.cpp
  connector/jira/jira_client.cpp
  connector/jira/jira_api.cpp
  connector/jira/search_cursor.cpp)
target_include_directories(j2s_jira PUBLIC ${CMAKE_SOURCE_DIR}/connector)
# simdjson is public: response_json.hpp holds its types, and its SIMDJSON_THREADS_ENABLED changes their layout.
target_link_libraries(j2s_jira PUBLIC j2s_core j2s_http j2s_config simdjson::simdjson PRIVATE j2s_warnings OpenSSL::Crypto date::date)

j2s_unit_test(unit_jira SOURCES tests/unit/test_response_json.cpp tests/unit/test_issue_list.cpp tests/unit/test_retry_policy.cpp tests/unit/test_search_cursor.cpp
  tests/unit/test_request_limiter.cpp tests/unit/test_entity_listings.cpp tests/unit/test_entity_endpoints.cpp
  LIBS j2s_jira)
