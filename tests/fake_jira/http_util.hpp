#pragma once
// Small helpers shared by the route files: JSON responses, Jira error bodies, parameters, dates.

#include "model.hpp"

#include <httplib.h>

#include <optional>
#include <string>
#include <vector>

namespace j2s::fake {

void send_json(httplib::Response& res, int status, const json& body);
// send_json of `envelope` with `key` set to the array whose elements are already dumped in `elements`
// (each as send_json would write it): the same bytes, without building the elements as JSON again.
void send_json_with_array(httplib::Response& res, int status, json envelope, const std::string& key,
                          const std::vector<const std::string*>& elements);
// {"errorMessages":[message],"errors":{}}, Jira's error shape.
void send_error(httplib::Response& res, int status, const std::string& message);
// Every value of a (possibly repeated) query parameter.
std::vector<std::string> params(const httplib::Request& req, const std::string& name);
std::optional<std::string> param(const httplib::Request& req, const std::string& name);
// Parses the body as a JSON object; on failure sends 400 and returns nullopt.
std::optional<json> json_body(const httplib::Request& req, httplib::Response& res);
// RFC 7231 IMF-fixdate, e.g. "Tue, 05 Mar 2024 14:07:12 GMT".
std::string http_date(Timestamp t);
// Integer parameter; sends 400 and returns nullopt when present but not an integer.
std::optional<long long> int_param(const httplib::Request& req, httplib::Response& res, const std::string& name,
                                   long long fallback);

}  // namespace j2s::fake
