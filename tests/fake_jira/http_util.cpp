#include "http_util.hpp"

#include <ctime>

namespace j2s::fake {

void send_json(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json;charset=UTF-8");
}

void send_json_with_array(httplib::Response& res, int status, json envelope, const std::string& key,
                          const std::vector<const std::string*>& elements) {
    envelope[key] = json::array();
    std::string text = envelope.dump(-1, ' ', false, json::error_handler_t::replace);
    const std::string empty = json(key).dump() + ":[]";
    const auto at = text.find(empty);  // the envelope's own keys and numbers hold no such text
    if (at == std::string::npos) throw std::logic_error("send_json_with_array: no " + empty + " in the envelope");
    std::size_t size = text.size();
    for (const auto* e : elements) size += e->size() + 1;
    std::string out;
    out.reserve(size);
    out.append(text, 0, at + empty.size() - 1);
    for (std::size_t i = 0; i < elements.size(); ++i) {
        if (i) out += ',';
        out += *elements[i];
    }
    out.append(text, at + empty.size() - 1, std::string::npos);
    res.status = status;
    res.set_content(out, "application/json;charset=UTF-8");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
    send_json(res, status, {{"errorMessages", {message}}, {"errors", json::object()}});
}

std::vector<std::string> params(const httplib::Request& req, const std::string& name) {
    std::vector<std::string> out;
    const auto n = req.get_param_value_count(name.c_str());
    for (std::size_t i = 0; i < n; ++i) out.push_back(req.get_param_value(name.c_str(), i));
    return out;
}

std::optional<std::string> param(const httplib::Request& req, const std::string& name) {
    if (!req.has_param(name.c_str())) return std::nullopt;
    return req.get_param_value(name.c_str());
}

std::optional<json> json_body(const httplib::Request& req, httplib::Response& res) {
    json body = req.body.empty() ? json::object() : json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        send_error(res, 400, "Unexpected character in the request body: expected a JSON object.");
        return std::nullopt;
    }
    return body;
}

std::string http_date(Timestamp t) {
    const std::time_t secs = std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
    std::tm tm{};
    gmtime_r(&secs, &tm);
    static const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d GMT", days[tm.tm_wday], tm.tm_mday,
                  months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

std::optional<long long> int_param(const httplib::Request& req, httplib::Response& res, const std::string& name,
                                   long long fallback) {
    auto v = param(req, name);
    if (!v || v->empty()) return fallback;
    try {
        std::size_t used = 0;
        long long n = std::stoll(*v, &used);
        if (used == v->size()) return n;
    } catch (const std::exception&) {
    }
    send_error(res, 400, "The '" + name + "' parameter must be an integer, got '" + *v + "'.");
    return std::nullopt;
}

}  // namespace j2s::fake
