# http: the transport seam and its libcurl implementation.
add_library(j2s_http STATIC connector/http/curl_transport.cpp)
target_include_directories(j2s_http PUBLIC ${CMAKE_SOURCE_DIR}/connector)
target_link_libraries(j2s_http PRIVATE j2s_warnings CURL::libcurl)
