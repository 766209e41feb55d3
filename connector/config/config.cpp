#include "config/config.hpp"
#include "config/yaml_location.hpp"

#include "util/errors.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <vector>

namespace j2s {

namespace fs = std::filesystem;

namespace {

// ---- the schema: every key the file may contain, per section ------------------------------------
// Unknown keys are rejected rather than ignored because a misspelt optional key (`overlap_minute`)
// would otherwise silently fall back to its default.
struct SectionSpec {
    const char* path;
    std::vector<const char*> keys;
};

const std::vector<SectionSpec>& schema() {
    static const std::vector<SectionSpec> sections{
        {"", {"jira", "database", "mapping", "sync", "metrics_file"}},
        {"jira",
         {"base_url", "flavor", "auth", "jql", "page_size", "max_concurrency", "max_requests_per_second",
          "timeout_seconds", "max_retries", "max_retry_seconds", "ca_file"}},
        {"jira.auth", {"type", "email", "token"}},
        {"database", {"url", "schema"}},
        {"sync", {"overlap_minutes", "changelog", "reconcile_deletes", "max_delete_fraction", "entities"}},
    };
    return sections;
}

const SectionSpec& spec_for(const std::string& path) {
    for (const auto& s : schema())
        if (path == s.path) return s;
    throw Error("internal: no config schema for section '" + path + "'");
}

std::string join_path(const std::string& parent, const std::string& key) {
    return parent.empty() ? key : parent + "." + key;
}

std::string lower(std::string s) {
    for (char& c : s)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return s;
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

// A likely intended key for an unknown one: a near miss in the same section first, else the same
// (or nearly the same) name in another section, which catches keys indented under the wrong parent.
std::optional<std::string> suggest_key(const std::string& section, const std::string& unknown) {
    const std::string wanted = lower(unknown);
    const std::size_t budget = wanted.size() <= 4 ? 1 : 2;
    auto best_in = [&](const SectionSpec& s) -> std::optional<std::pair<std::size_t, std::string>> {
        std::optional<std::pair<std::size_t, std::string>> best;
        for (const char* k : s.keys) {
            std::size_t d = edit_distance(wanted, k);
            if (d <= budget && (!best || d < best->first)) best = {d, join_path(s.path, k)};
        }
        return best;
    };
    if (auto same = best_in(spec_for(section))) return same->second;
    std::optional<std::pair<std::size_t, std::string>> best;
    for (const auto& s : schema()) {
        if (section == s.path) continue;
        auto candidate = best_in(s);
        if (candidate && (!best || candidate->first < best->first)) best = candidate;
    }
    if (best) return best->second;
    return std::nullopt;
}

// ---- reading one mapping of the document, with file:line for every complaint -------------------
class Section {
public:
    Section(const std::string& file, const YAML::Node& node, std::string path, int line)
        : m_file(&file), m_path(std::move(path)), m_line(line) {
        if (!node || node.IsNull()) return;  // `sync:` with nothing under it: all defaults
        if (!node.IsMap()) {
            throw ConfigError(file, line_of(node, line), m_path.empty() ? "" : m_path,
                              m_path.empty() ? "expected a mapping of keys at the top level"
                                             : "expected a mapping of keys");
        }
        const SectionSpec& spec = spec_for(m_path);
        for (auto it = node.begin(); it != node.end(); ++it) {
            int key_line = line_of(it->first, line);
            if (!it->first.IsScalar())
                throw ConfigError(file, key_line, m_path, "keys must be plain names");
            std::string key = it->first.Scalar();
            std::string full = join_path(m_path, key);
            bool known = std::any_of(spec.keys.begin(), spec.keys.end(), [&](const char* k) { return key == k; });
            if (!known) {
                std::string message = "unknown key";
                if (auto hint = suggest_key(m_path, key)) message += " (did you mean '" + *hint + "'?)";
                throw ConfigError(file, key_line, full, message);
            }
            auto [where, inserted] = m_entries.emplace(key, Entry{it->second, key_line});
            if (!inserted) {
                throw ConfigError(file, key_line, full,
                                  "duplicate key (first given on line " + std::to_string(where->second.line) + ")");
            }
        }
    }

    bool has(const std::string& key) const { return m_entries.count(key) != 0; }
    int line() const { return m_line; }

    // The line a complaint about `key` should point at: the key itself, or its section when absent.
    int line_for(const std::string& key) const {
        auto it = m_entries.find(key);
        return it == m_entries.end() ? m_line : it->second.line;
    }

    [[noreturn]] void fail(const std::string& key, const std::string& message) const {
        throw ConfigError(*m_file, line_for(key), join_path(m_path, key), message);
    }

    std::optional<Section> section(const std::string& key) const {
        auto it = m_entries.find(key);
        if (it == m_entries.end()) return std::nullopt;
        if (it->second.value.IsScalar() || it->second.value.IsSequence()) fail(key, "expected a mapping of keys");
        return Section(*m_file, it->second.value, join_path(m_path, key), it->second.line);
    }

    // A null value (`ca_file:`) reads as the empty string.
    std::optional<std::string> string(const std::string& key) const {
        auto it = m_entries.find(key);
        if (it == m_entries.end()) return std::nullopt;
        const YAML::Node& v = it->second.value;
        if (v.IsNull()) return std::string();
        if (!v.IsScalar()) fail(key, "expected a string");
        return v.Scalar();
    }

    std::optional<long long> integer(const std::string& key, long long lo, long long hi) const {
        auto text = scalar(key, "expected an integer");
        if (!text) return std::nullopt;
        std::string_view s = *text;
        if (!s.empty() && s.front() == '+') s.remove_prefix(1);
        long long value = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (s.empty() || ec == std::errc::invalid_argument || end != s.data() + s.size())
            fail(key, "expected an integer");
        if (ec == std::errc::result_out_of_range || value < lo || value > hi)
            fail(key, range_text(lo, hi) + " (got " + *text + ")");
        return value;
    }

    std::optional<double> number(const std::string& key) const {
        auto text = scalar(key, "expected a number");
        if (!text) return std::nullopt;
        std::string_view s = *text;
        if (!s.empty() && s.front() == '+') s.remove_prefix(1);
        double value = 0;
        auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
        if (s.empty() || ec != std::errc() || end != s.data() + s.size() || !std::isfinite(value))
            fail(key, "expected a number");
        return value;
    }

    // A sequence of plain scalars, each with its own line (`[a, b]` or one `- a` per line). A null value
    // (`entities:`) reads as an empty list.
    std::optional<std::vector<std::pair<std::string, int>>> scalar_list(const std::string& key) const {
        auto it = m_entries.find(key);
        if (it == m_entries.end()) return std::nullopt;
        const YAML::Node& v = it->second.value;
        std::vector<std::pair<std::string, int>> out;
        if (v.IsNull()) return out;
        if (!v.IsSequence()) fail(key, "expected a list, e.g. [projects, users]");
        for (const auto& item : v) {
            const int line = line_of(item, it->second.line);
            if (!item.IsScalar()) throw ConfigError(*m_file, line, join_path(m_path, key), "expected a list of names");
            out.emplace_back(item.Scalar(), line);
        }
        return out;
    }

    [[noreturn]] void fail_at(int line, const std::string& key, const std::string& message) const {
        throw ConfigError(*m_file, line, join_path(m_path, key), message);
    }

    std::optional<bool> boolean(const std::string& key) const {
        auto text = scalar(key, "expected a boolean (true or false)");
        if (!text) return std::nullopt;
        // YAML 1.2 spells booleans true/false; the YAML 1.1 words are accepted because people still
        // write them and their meaning is not in doubt.
        std::string s = lower(*text);
        if (s == "true" || s == "yes" || s == "on") return true;
        if (s == "false" || s == "no" || s == "off") return false;
        fail(key, "expected a boolean (true or false)");
    }

private:
    struct Entry {
        YAML::Node value;
        int line;
    };

    static int line_of(const YAML::Node& node, int fallback) {
        YAML::Mark mark = node.Mark();
        return mark.is_null() ? fallback : mark.line + 1;
    }

    static std::string range_text(long long lo, long long hi) {
        return "must be between " + std::to_string(lo) + " and " + std::to_string(hi);
    }

    std::optional<std::string> scalar(const std::string& key, const char* expected) const {
        auto it = m_entries.find(key);
        if (it == m_entries.end()) return std::nullopt;
        if (!it->second.value.IsScalar()) fail(key, expected);
        return it->second.value.Scalar();
    }

    const std::string* m_file;
    std::string m_path;
    int m_line;
    std::map<std::string, Entry> m_entries;
};

std::string format_number(double v) {
    std::ostringstream out;
    out << v;
    return out.str();
}

// For messages about a URL: whatever precedes '@' in the authority may be a credential, so it goes.
std::string hide_userinfo(const std::string& url) {
    auto scheme_end = url.find("://");
    std::size_t start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    auto at = url.rfind('@');
    if (at == std::string::npos || at < start) return url;
    return url.substr(0, start) + "***" + url.substr(at);
}

bool is_host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
           c == '_';
}

// scheme://host[:port] with nothing else; returns the normal form (lower-case scheme and host, no
// trailing slash) or nullopt.
std::optional<std::string> normalize_base_url(const std::string& url) {
    std::string rest;
    std::string scheme;
    std::string lowered = lower(url);
    if (lowered.rfind("https://", 0) == 0) {
        scheme = "https://", rest = url.substr(8);
    } else if (lowered.rfind("http://", 0) == 0) {
        scheme = "http://", rest = url.substr(7);
    } else {
        return std::nullopt;
    }
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    if (rest.empty()) return std::nullopt;

    std::string host = rest;
    std::string port;
    if (rest.front() == '[') {  // IPv6 literal
        auto close = rest.find(']');
        if (close == std::string::npos || close < 3) return std::nullopt;
        for (std::size_t i = 1; i < close; ++i) {
            char c = rest[i];
            bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
            if (!ok) return std::nullopt;
        }
        host = rest.substr(0, close + 1);
        std::string after = rest.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') return std::nullopt;
            port = after.substr(1);
            if (port.empty()) return std::nullopt;
        }
    } else {
        auto colon = rest.find(':');
        if (colon != std::string::npos) {
            host = rest.substr(0, colon);
            port = rest.substr(colon + 1);
            if (port.empty()) return std::nullopt;
        }
        if (host.empty() || host.front() == '.' || host.front() == '-' || host.back() == '-') return std::nullopt;
        if (!std::all_of(host.begin(), host.end(), is_host_char)) return std::nullopt;
        if (host.find("..") != std::string::npos) return std::nullopt;
    }
    if (!port.empty()) {
        if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
            return std::nullopt;
        int number = std::stoi(port);
        if (number < 1 || number > 65535) return std::nullopt;
    }
    return scheme + lower(host) + (port.empty() ? "" : ":" + port);
}

bool is_identifier(const std::string& s) {
    if (s.empty() || s.size() > 63) return false;
    auto lower_or_underscore = [](char c) { return (c >= 'a' && c <= 'z') || c == '_'; };
    if (!lower_or_underscore(s[0])) return false;
    return std::all_of(s.begin(), s.end(), [&](char c) { return lower_or_underscore(c) || (c >= '0' && c <= '9'); });
}

// The connector appends its own ORDER BY (and wraps the scope in parentheses for --jql), so a scope
// that orders would produce invalid JQL at the first request; say so now instead.
bool jql_has_order_by(const std::string& jql) {
    std::string outside;  // the text with quoted strings blanked out
    char quote = 0;
    for (std::size_t i = 0; i < jql.size(); ++i) {
        char c = jql[i];
        if (quote) {
            if (c == '\\') ++i;
            else if (c == quote) quote = 0;
            outside.push_back(' ');
        } else if (c == '"' || c == '\'') {
            quote = c;
            outside.push_back(' ');
        } else {
            outside.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
        }
    }
    auto pos = outside.find("order");
    while (pos != std::string::npos) {
        bool starts_word = pos == 0 || !std::isalnum(static_cast<unsigned char>(outside[pos - 1]));
        std::size_t after = pos + 5;
        std::size_t by = outside.find_first_not_of(" \t\r\n", after);
        if (starts_word && by != std::string::npos && by > after && outside.compare(by, 2, "by") == 0) return true;
        pos = outside.find("order", pos + 1);
    }
    return false;
}

fs::path resolve_against(const fs::path& folder, const fs::path& p) {
    return (p.is_absolute() ? p : folder / p).lexically_normal();
}

// The password of a postgres URL (userinfo or `password=` parameter), for scrubbing messages.
std::vector<std::string> url_secrets(const std::string& url) {
    std::vector<std::string> out;
    auto scheme_end = url.find("://");
    if (scheme_end != std::string::npos) {
        std::size_t start = scheme_end + 3;
        std::size_t stop = url.find_first_of("?#", start);
        std::string head = url.substr(start, stop == std::string::npos ? std::string::npos : stop - start);
        auto at = head.rfind('@');
        if (at != std::string::npos) {
            auto colon = head.find(':');
            if (colon != std::string::npos && colon < at) out.push_back(head.substr(colon + 1, at - colon - 1));
        }
    }
    std::string lowered = lower(url);
    for (auto p = lowered.find("password="); p != std::string::npos; p = lowered.find("password=", p + 1)) {
        std::size_t begin = p + 9;
        std::size_t end = url.find_first_of("& #", begin);
        out.push_back(url.substr(begin, end == std::string::npos ? std::string::npos : end - begin));
    }
    return out;
}

std::string scrub(std::string message, const std::vector<std::string>& secrets) {
    for (const auto& secret : secrets) {
        if (secret.size() < 4) continue;  // too short to tell apart from ordinary words in a message
        for (auto p = message.find(secret); p != std::string::npos; p = message.find(secret, p + 3))
            message.replace(p, secret.size(), "***");
    }
    return message;
}

// Secrets as written in the document, collected before validation so every later message can be
// scrubbed of them whatever went wrong.
std::vector<std::string> document_secrets(const YAML::Node& root) {
    std::vector<std::string> out;
    if (!root.IsMap()) return out;
    const YAML::Node jira = root["jira"];
    if (jira && jira.IsMap()) {
        const YAML::Node auth = jira["auth"];
        if (auth && auth.IsMap()) {
            const YAML::Node token = auth["token"];
            if (token && token.IsScalar()) out.push_back(token.Scalar());
        }
    }
    const YAML::Node database = root["database"];
    if (database && database.IsMap()) {
        const YAML::Node url = database["url"];
        if (url && url.IsScalar())
            for (auto& s : url_secrets(url.Scalar())) out.push_back(s);
    }
    return out;
}

// sync.entities: each name once; an unknown name is an error rather than ignored, so a misspelt
// "worklog" never runs as if the user had what they asked for.
std::vector<Entity> parse_entities(const Section& sync, const std::vector<std::pair<std::string, int>>& names) {
    std::vector<Entity> out;
    for (const auto& [name, line] : names) {
        std::optional<Entity> e;
        for (Entity candidate : kAllEntities)
            if (name == entity_name(candidate)) e = candidate;
        if (!e)
            sync.fail_at(line, "entities",
                         "unknown entity '" + name + "' (expected comments, worklogs, sprints, projects, users or links)");
        if (std::find(out.begin(), out.end(), *e) != out.end())
            sync.fail_at(line, "entities", "'" + name + "' is listed twice");
        out.push_back(*e);
    }
    return out;
}

Config build_config(const std::string& file, const fs::path& folder, const YAML::Node& root) {
    Config config;
    Section top(file, root, "", 0);

    // ---- jira
    auto jira = top.section("jira");
    if (!jira) top.fail("jira", "required section is missing");

    auto base_url = jira->string("base_url");
    if (!base_url || base_url->empty()) jira->fail("base_url", "required key is missing or empty");
    auto normal = normalize_base_url(*base_url);
    if (!normal)
        jira->fail("base_url", "malformed URL '" + hide_userinfo(*base_url) +
                                   "': expected https://your-site.atlassian.net (no path)");
    config.jira.base_url = *normal;

    if (auto flavor = jira->string("flavor")) {
        if (*flavor == "cloud") config.jira.flavor = Flavor::cloud;
        else if (*flavor == "server") config.jira.flavor = Flavor::server;
        else jira->fail("flavor", "expected cloud or server");
    }

    auto auth = jira->section("auth");
    if (!auth) jira->fail("auth", "required section is missing");
    if (auto type = auth->string("type")) {
        if (*type == "basic") config.jira.auth_type = AuthType::basic;
        else if (*type == "bearer") config.jira.auth_type = AuthType::bearer;
        else auth->fail("type", "expected basic or bearer");
    }
    if (auto email = auth->string("email")) config.jira.email = *email;
    if (config.jira.auth_type == AuthType::basic && config.jira.email.empty())
        auth->fail("email", "required key is missing or empty (basic authentication needs the account's email)");
    auto token = auth->string("token");
    if (!token || token->empty()) auth->fail("token", "required key is missing or empty");
    config.jira.token = *token;

    if (auto jql = jira->string("jql")) {
        if (jql_has_order_by(*jql))
            jira->fail("jql", "must not contain ORDER BY (the connector orders the results itself)");
        config.jira.jql = *jql;
    }
    if (auto v = jira->integer("page_size", 1, 5000)) config.jira.page_size = static_cast<int>(*v);
    if (auto v = jira->integer("max_concurrency", 1, 64)) config.jira.max_concurrency = static_cast<int>(*v);
    if (auto v = jira->number("max_requests_per_second")) {
        if (*v <= 0 || *v > 1000)
            jira->fail("max_requests_per_second", "must be greater than 0 and at most 1000 (got " + format_number(*v) + ")");
        config.jira.max_requests_per_second = *v;
    }
    if (auto v = jira->integer("timeout_seconds", 1, 3600)) config.jira.timeout_seconds = static_cast<int>(*v);
    if (auto v = jira->integer("max_retries", 0, 100)) config.jira.max_retries = static_cast<int>(*v);
    if (auto v = jira->number("max_retry_seconds")) {
        if (*v <= 0) jira->fail("max_retry_seconds", "must be greater than 0 (got " + format_number(*v) + ")");
        config.jira.max_retry_seconds = *v;
    }
    if (auto ca = jira->string("ca_file"); ca && !ca->empty()) {
        fs::path resolved = resolve_against(folder, *ca);
        std::error_code ec;
        if (!fs::is_regular_file(resolved, ec))
            jira->fail("ca_file", "CA bundle '" + resolved.string() + "' does not exist or is not a file");
        config.jira.ca_file = resolved.string();
    }

    // ---- database
    if (auto database = top.section("database")) {
        if (auto url = database->string("url")) {
            if (url->rfind("sqlite:", 0) == 0) {
                if (url->size() == 7) database->fail("url", "sqlite: needs a path, e.g. sqlite:jira.db");
                config.database.url = *url;  // made absolute below, like the default
            } else if (url->rfind("postgresql://", 0) == 0 || url->rfind("postgres://", 0) == 0) {
                config.database.url = *url;
            } else {
                // The value itself is not echoed: a libpq key=value string carries its password in clear.
                database->fail("url", url->empty() ? "must not be empty; expected sqlite:PATH or postgresql://user@host:port/dbname"
                                                   : "unsupported database URL: expected sqlite:PATH or "
                                                     "postgresql://user@host:port/dbname (a libpq URI)");
            }
        }
        if (auto schema_name = database->string("schema")) {
            if (!is_identifier(*schema_name))
                database->fail("schema", "'" + *schema_name + "' is not a plain identifier ([a-z_][a-z0-9_]{0,62})");
            config.database.schema = *schema_name;
        }
    }
    // A relative SQLite path means "next to the config file", not "wherever the scheduler's cwd is".
    // SQLite's in-memory name is not a file and stays as it is.
    if (config.database.url.rfind("sqlite:", 0) == 0 && config.database.url != "sqlite::memory:")
        config.database.url = "sqlite:" + resolve_against(folder, config.database.url.substr(7)).string();

    // ---- mapping
    std::string mapping = "mappings/default.yaml";
    if (auto m = top.string("mapping")) {
        if (m->empty()) top.fail("mapping", "must not be empty");
        mapping = *m;
    }
    config.mapping_file = resolve_against(folder, mapping);
    {
        std::error_code ec;
        if (!fs::is_regular_file(config.mapping_file, ec)) {
            top.fail("mapping", "mapping file '" + config.mapping_file.string() + "' does not exist" +
                                    (top.has("mapping") ? "" : " (the default; set mapping: to choose another)"));
        }
    }

    // ---- metrics_file
    if (auto m = top.string("metrics_file"); m && !m->empty()) config.metrics_file = resolve_against(folder, *m);

    // ---- sync
    if (auto sync = top.section("sync")) {
        if (auto v = sync->integer("overlap_minutes", 0, 10080)) config.sync.overlap_minutes = static_cast<int>(*v);
        if (auto v = sync->boolean("changelog")) config.sync.changelog = *v;
        if (auto v = sync->boolean("reconcile_deletes")) config.sync.reconcile_deletes = *v;
        if (auto v = sync->number("max_delete_fraction")) {
            if (*v < 0 || *v > 1)
                sync->fail("max_delete_fraction", "must be between 0 and 1 (got " + format_number(*v) + ")");
            config.sync.max_delete_fraction = *v;
        }
        if (auto list = sync->scalar_list("entities")) config.sync.entities = parse_entities(*sync, *list);
    }
    return config;
}

// Where the YAML comment on `line` starts, if any: a `#` outside quotes that follows whitespace.
// A quote opens a quoted scalar only where one can begin, so the apostrophe in `o'brien` does not.
std::size_t comment_start(const std::string& line) {
    char quote = 0;
    for (std::size_t i = 0; i < line.size(); ++i) {
        char c = line[i];
        if (quote) {
            if (quote == '"' && c == '\\') ++i;
            else if (c == quote) quote = 0;
            continue;
        }
        char before = i == 0 ? ' ' : line[i - 1];
        bool after_gap = before == ' ' || before == '\t';
        if (c == '#' && after_gap) return i;
        if ((c == '"' || c == '\'') && (after_gap || before == '[' || before == '{' || before == ',')) quote = c;
    }
    return std::string::npos;
}

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

std::string expand_line(const std::string& line, const std::string& file, int line_no, const std::string& text) {
    // The key the line sets, for messages; worked out only when something is wrong.
    const auto key = [&] { return yaml_key_path_at(text, line_no); };
    std::size_t comment = comment_start(line);
    std::string out;
    std::size_t i = 0;
    const std::size_t stop = comment == std::string::npos ? line.size() : comment;
    while (i < stop) {
        char c = line[i];
        if (c != '$' || i + 1 >= stop) {
            out.push_back(c), ++i;
            continue;
        }
        char next = line[i + 1];
        if (next == '$') {
            out.push_back('$'), i += 2;
            continue;
        }
        if (next != '{') {  // a lone `$` is just a character
            out.push_back(c), ++i;
            continue;
        }
        std::size_t close = line.find('}', i + 2);
        if (close == std::string::npos || close >= stop)
            throw ConfigError(file, line_no, key(), "unterminated ${ (write $$ for a literal $)");
        std::string inner = line.substr(i + 2, close - i - 2);
        std::size_t name_end = 0;
        while (name_end < inner.size() && is_name_char(inner[name_end])) ++name_end;
        std::string name = inner.substr(0, name_end);
        std::optional<std::string> fallback;
        if (name_end < inner.size()) {
            if (inner.compare(name_end, 2, ":-") != 0)
                throw ConfigError(file, line_no, key(),
                                  "malformed ${" + inner.substr(0, std::min<std::size_t>(inner.size(), 40)) +
                                      "}: expected ${NAME} or ${NAME:-default}");
            fallback = inner.substr(name_end + 2);
        }
        if (name.empty() || !is_name_start(name[0]))
            throw ConfigError(file, line_no, key(), "invalid environment variable name in ${" + name + "}");
        const char* value = std::getenv(name.c_str());
        if (fallback) {
            // As in the shell, `:-` also covers a variable that is set but empty.
            out += (value && *value) ? std::string(value) : *fallback;
        } else if (value) {
            out += value;
        } else {
            throw ConfigError(file, line_no, key(),
                              "environment variable " + name + " is not set (used as ${" + name + "})");
        }
        i = close + 1;
    }
    out.append(line, stop, std::string::npos);
    return out;
}

// The line of the `---` that starts a second document (one before any content only marks the first); 0 if none.
int second_document_line(const std::string& text) {
    std::istringstream in(text);
    bool content = false;
    int line_no = 0;
    for (std::string line; std::getline(in, line);) {
        ++line_no;
        const bool marker = line.rfind("---", 0) == 0 && (line.size() == 3 || line[3] == ' ' || line[3] == '\r');
        if (marker && content) return line_no;
        const auto first = line.find_first_not_of(" \t\r");
        if (!marker && first != std::string::npos && line[first] != '#' && line[first] != '%') content = true;
    }
    return 0;
}


}  // namespace

std::string expand_env(const std::string& text, const std::string& file) {
    std::string out;
    out.reserve(text.size());
    std::size_t start = 0;
    int line_no = 1;
    while (start <= text.size()) {
        std::size_t end = text.find('\n', start);
        std::string line = text.substr(start, end == std::string::npos ? std::string::npos : end - start);
        out += expand_line(line, file, line_no, text);
        if (end == std::string::npos) break;
        out.push_back('\n');
        start = end + 1;
        ++line_no;
    }
    return out;
}

Config load_config(const fs::path& path) {
    const std::string file = path.string();
    std::error_code ec;
    if (!fs::exists(path, ec)) {
        throw ConfigError("configuration file '" + file +
                          "' not found (choose one with --config FILE or the JIRA2SQL_CONFIG environment variable)");
    }
    if (!fs::is_regular_file(path, ec)) throw ConfigError("configuration file '" + file + "' is not a regular file");
    std::ifstream in(path, std::ios::binary);
    std::ostringstream raw;
    raw << in.rdbuf();
    if (!in && !in.eof()) throw ConfigError("cannot read configuration file '" + file + "'");

    // Expanded before parsing, line by line, so a YAML error's line is the line in the user's file.
    std::string text = expand_env(raw.str(), file);

    // yaml-cpp reports a tab in indentation as "illegal map value"; say what is actually wrong.
    {
        int line_no = 1;
        bool at_line_start = true;
        for (char c : text) {
            if (c == '\n') {
                ++line_no, at_line_start = true;
            } else if (at_line_start && c == '\t') {
                throw ConfigError(file, line_no, yaml_key_path_at(text, line_no),
                                  "invalid YAML: a tab in the indentation (YAML indents with spaces)");
            } else if (c != ' ') {
                at_line_start = false;
            }
        }
    }

    check_yaml_text(text, file);
    std::vector<YAML::Node> documents;
    try {
        documents = YAML::LoadAll(text);
    } catch (const YAML::Exception& e) {
        throw yaml_syntax_error(text, file, e.mark.is_null() ? -1 : e.mark.line, e.msg);
    }
    if (documents.size() > 1)
        throw ConfigError(file, second_document_line(text), "",
                          "expected one YAML document, found " + std::to_string(documents.size()) +
                              " (a '---' line starts another one)");
    YAML::Node root = documents.empty() ? YAML::Node() : documents.front();

    const std::vector<std::string> secrets = document_secrets(root);
    fs::path absolute = fs::absolute(path, ec);
    if (ec) absolute = path;
    absolute = absolute.lexically_normal();
    try {
        Config config = build_config(file, absolute.parent_path(), root);
        config.source_file = absolute;
        return config;
    } catch (const ConfigError& e) {
        throw ConfigError(scrub(e.what(), secrets));
    } catch (const YAML::Exception& e) {
        throw ConfigError(scrub(file + ": invalid YAML: " + e.msg, secrets));
    }
}

std::string redact_url(const std::string& url) {
    std::string out = url;
    auto scheme_end = out.find("://");
    if (scheme_end != std::string::npos) {
        std::size_t start = scheme_end + 3;
        std::size_t stop = out.find_first_of("?#", start);
        std::size_t limit = stop == std::string::npos ? out.size() : stop;
        auto at = out.rfind('@', limit == 0 ? 0 : limit - 1);
        if (at != std::string::npos && at >= start) {
            auto colon = out.find(':', start);
            if (colon != std::string::npos && colon < at) out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // libpq also takes the password as a URI parameter or a key=value pair.
    std::string lowered = lower(out);
    for (auto p = lowered.find("password="); p != std::string::npos; p = lowered.find("password=", p + 1)) {
        bool word_start = p == 0 || !is_name_char(lowered[p - 1]);
        if (!word_start) continue;
        std::size_t begin = p + 9;
        std::size_t end = out.find_first_of("& #", begin);
        if (end == std::string::npos) end = out.size();
        if (end == begin) continue;
        out.replace(begin, end - begin, "***");
        lowered = lower(out);
    }
    return out;
}

const char* entity_name(Entity e) {
    switch (e) {
        case Entity::comments:
            return "comments";
        case Entity::worklogs:
            return "worklogs";
        case Entity::sprints:
            return "sprints";
        case Entity::projects:
            return "projects";
        case Entity::users:
            return "users";
        case Entity::links:
            return "links";
    }
    return "unknown";
}

bool SyncConfig::has(Entity e) const {
    return std::find(entities.begin(), entities.end(), e) != entities.end();
}

const char* flavor_name(Flavor f) {
    return f == Flavor::server ? "server" : "cloud";
}

}  // namespace j2s
