#include "jira/search_cursor.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "util/errors.hpp"

namespace j2s {

namespace {

std::string trim(const std::string& s) {
    auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return "";
    auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

bool word_at(const std::string& s, std::size_t i, const char* word) {
    std::size_t n = std::char_traits<char>::length(word);
    if (i + n > s.size()) return false;
    for (std::size_t k = 0; k < n; ++k)
        if (std::tolower(static_cast<unsigned char>(s[i + k])) != word[k]) return false;
    const bool start_ok = i == 0 || !std::isalnum(static_cast<unsigned char>(s[i - 1]));
    const bool end_ok = i + n == s.size() || !std::isalnum(static_cast<unsigned char>(s[i + n]));
    return start_ok && end_ok;
}

}  // namespace

std::string strip_order_by(const std::string& jql) {
    char quote = 0;
    for (std::size_t i = 0; i < jql.size(); ++i) {
        const char c = jql[i];
        if (quote) {
            if (c == '\\') ++i;
            else if (c == quote) quote = 0;
            continue;
        }
        if (c == '"' || c == '\'') {
            quote = c;
            continue;
        }
        if (word_at(jql, i, "order")) {
            std::size_t j = i + 5;
            while (j < jql.size() && std::isspace(static_cast<unsigned char>(jql[j]))) ++j;
            if (j > i + 5 && word_at(jql, j, "by")) return trim(jql.substr(0, i));
        }
    }
    return trim(jql);
}

std::string build_search_restriction(const std::string& scope_jql, std::optional<Timestamp> lower_bound,
                                     const std::string& time_zone, const CreatedRange& range) {
    const std::string scope = strip_order_by(scope_jql);
    const std::string since = lower_bound ? format_jql_minute(*lower_bound, time_zone) : "1970-01-01 00:00";
    std::string jql;
    if (!scope.empty()) jql = "(" + scope + ") AND ";
    jql += "updated >= \"" + since + "\"";
    if (range.from) jql += " AND created >= \"" + format_jql_minute(*range.from, time_zone) + "\"";
    if (range.to) jql += " AND created < \"" + format_jql_minute(*range.to, time_zone) + "\"";
    return jql;
}

std::string build_search_jql(const std::string& scope_jql, std::optional<Timestamp> lower_bound,
                             const std::string& time_zone, const CreatedRange& range) {
    return build_search_restriction(scope_jql, lower_bound, time_zone, range) + " ORDER BY updated ASC, key ASC";
}

std::optional<Timestamp> issue_updated(const nlohmann::json& issue) {
    auto fields = issue.find("fields");
    if (fields == issue.end() || !fields->is_object()) return std::nullopt;
    auto updated = fields->find("updated");
    if (updated == fields->end() || !updated->is_string()) return std::nullopt;
    return parse_jira_timestamp(updated->get_ref<const std::string&>());
}

nlohmann::json CursorState::to_json() const {
    nlohmann::json j = {{"jql", jql}, {"start_at", start_at}, {"done", done}};
    if (next_page_token) j["next_page_token"] = *next_page_token;
    if (anchor_id) j["anchor_id"] = *anchor_id;
    if (newest_updated) j["newest_updated"] = format_utc(*newest_updated);
    return j;
}

CursorState CursorState::from_json(const nlohmann::json& j) {
    try {
        CursorState s;
        s.jql = j.at("jql").get<std::string>();
        s.start_at = j.value("start_at", static_cast<std::int64_t>(0));
        s.done = j.value("done", false);
        if (j.contains("next_page_token")) s.next_page_token = j["next_page_token"].get<std::string>();
        if (j.contains("anchor_id")) s.anchor_id = j["anchor_id"].get<std::int64_t>();
        if (j.contains("newest_updated")) {
            s.newest_updated = parse_jira_timestamp(j["newest_updated"].get<std::string>());
            if (!s.newest_updated) throw Error("bad newest_updated");
        }
        return s;
    } catch (const std::exception& e) {
        throw Error(std::string("the stored checkpoint is unreadable (") + e.what() +
                    "); run `jira2sql sync --restart` to start the run over");
    }
}

SearchCursor::SearchCursor(JiraApi& api, std::string scope_jql, std::optional<Timestamp> lower_bound,
                           std::string time_zone, int page_size, bool with_changelog,
                           std::optional<CursorState> resume, CreatedRange range)
    : m_api(api),
      m_scope(std::move(scope_jql)),
      m_lower_bound(lower_bound),
      m_time_zone(std::move(time_zone)),
      m_range(range),
      m_page_size(page_size),
      m_with_changelog(with_changelog) {
    const std::string fresh_jql = build_search_jql(m_scope, m_lower_bound, m_time_zone, m_range);
    if (!resume) {
        m_state.jql = fresh_jql;
        return;
    }
    m_state = *resume;
    if (m_state.done) return;
    // A token or offset is only valid for the query it came from. Anything else re-anchors on what was read.
    const bool cloud_token_usable = m_api.client().flavor() == Flavor::cloud && m_state.next_page_token &&
                                    m_state.jql == fresh_jql;
    if (cloud_token_usable) return;
    if (m_state.newest_updated) {
        reanchor();
    } else {
        m_state = CursorState{};
        m_state.jql = fresh_jql;
    }
}

void SearchCursor::reanchor() {
    std::optional<Timestamp> from = m_lower_bound;
    if (m_state.newest_updated && (!from || *m_state.newest_updated > *from)) from = m_state.newest_updated;
    m_state.jql = build_search_jql(m_scope, from, m_time_zone, m_range);
    m_state.next_page_token.reset();
    m_state.start_at = 0;
    m_state.anchor_id.reset();
    spdlog::debug("search re-anchored: {}", m_state.jql);
}

std::optional<IssueList> SearchCursor::next_page() {
    if (m_state.done) return std::nullopt;
    auto issues = m_api.client().flavor() == Flavor::cloud ? fetch_cloud() : fetch_server();
    drop_already_read(issues);
    remember(issues);
    return issues;
}

IssueList SearchCursor::fetch_cloud() {
    SearchResponse page;
    try {
        page = m_api.search_page(m_state.jql, m_state.next_page_token, 0, m_page_size, m_with_changelog);
    } catch (const JiraApiError& e) {
        // A token from an earlier process may have expired (Jira keeps them 7 days): continue without it.
        if (e.status() != 400 || !m_state.next_page_token || !m_state.newest_updated) throw;
        spdlog::warn("Jira rejected the saved page token ({}); continuing from the last issue read", e.what());
        reanchor();
        page = m_api.search_page(m_state.jql, std::nullopt, 0, m_page_size, m_with_changelog);
    }
    const bool repeated = page.next_page_token && page.next_page_token == m_state.next_page_token;
    m_state.next_page_token = page.next_page_token;
    m_state.done = page.is_last || !page.next_page_token || repeated;
    return std::move(page.issues);
}

IssueList SearchCursor::fetch_server() {
    for (int attempt = 0;; ++attempt) {
        const bool anchored = m_state.start_at > 0 && m_state.anchor_id.has_value();
        const std::int64_t request_at = anchored ? m_state.start_at - 1 : m_state.start_at;
        const int request_size = m_page_size + (anchored ? 1 : 0);
        SearchResponse page = m_api.search_page(m_state.jql, std::nullopt, request_at, request_size, m_with_changelog);
        IssueList issues = std::move(page.issues);
        if (anchored) {
            const bool anchor_in_place = !issues.empty() && issues.id(0) == *m_state.anchor_id;
            if (!anchor_in_place && attempt == 0) {
                // Rows already read left the result (edited rows move to the end, deleted and moved-out ones
                // vanish), so the anchor now sits a little earlier. Look for it up to a page further back
                // before re-reading the newest minute, which under a steady stream of edits holds every
                // recently edited issue and would be re-read after every page: the scan would not finish.
                const std::int64_t back = std::min<std::int64_t>(m_state.start_at - 1, m_page_size);
                const std::int64_t window_at = m_state.start_at - 1 - back;
                SearchResponse wider = m_api.search_page(m_state.jql, std::nullopt, window_at,
                                                         static_cast<int>(back + 1 + m_page_size), m_with_changelog);
                std::size_t anchor = 0;
                while (anchor < wider.issues.size() && wider.issues.id(anchor) != *m_state.anchor_id) ++anchor;
                const std::int64_t anchor_at = window_at + static_cast<std::int64_t>(anchor);
                // Only the anchor as it was read (an edited anchor moved to the end, past unread rows) and only
                // further back (rows appearing in front of it, e.g. late in the index, re-anchor as before).
                const auto read = m_read_in_last_minute.find(*m_state.anchor_id);
                if (anchor < wider.issues.size() && anchor_at < m_state.start_at - 1 &&
                    read != m_read_in_last_minute.end() && wider.issues.updated(anchor) == read->second) {
                    spdlog::debug("search results shifted by {} rows; continuing after the anchor",
                                  m_state.start_at - 1 - anchor_at);
                    m_state.start_at = anchor_at + 1;
                    wider.issues.drop_front(anchor);
                    issues = std::move(wider.issues);
                    page.total = wider.total;
                }
            }
            if (issues.empty() || issues.id(0) != *m_state.anchor_id) {
                // The anchor itself changed or too many rows left: re-query from what was read.
                if (attempt >= 3) throw Error("the server's search results keep shifting; try again later");
                reanchor();
                continue;
            }
            issues.drop_front(1);
        }
        m_state.start_at += static_cast<std::int64_t>(issues.size());
        if (!issues.empty()) m_state.anchor_id = issues.id(issues.size() - 1);
        m_state.done = issues.empty() || m_state.start_at >= page.total;
        return issues;
    }
}

void SearchCursor::drop_already_read(IssueList& issues) const {
    if (m_read_in_last_minute.empty()) return;
    issues.keep_if([&](std::size_t i) {
        auto it = m_read_in_last_minute.find(issues.id(i));
        return it == m_read_in_last_minute.end() || issues.updated(i) != it->second;
    });
}

void SearchCursor::remember(const IssueList& issues) {
    for (std::size_t i = 0; i < issues.size(); ++i) {
        auto updated = issues.updated(i);
        if (!updated) continue;
        if (!m_state.newest_updated || *updated > *m_state.newest_updated) m_state.newest_updated = updated;
        m_read_in_last_minute[issues.id(i)] = *updated;
    }
    // Only the newest minute can be read again after a re-anchor; forget older rows to bound memory.
    if (m_state.newest_updated) {
        const auto minute_start = std::chrono::floor<std::chrono::minutes>(*m_state.newest_updated) -
                                  std::chrono::minutes(1);
        std::erase_if(m_read_in_last_minute, [&](const auto& entry) { return entry.second < minute_start; });
    }
}

}  // namespace j2s
