#pragma once
// What the end-to-end entity scenarios (issue 8) share: a sync run with every entity enabled, a fake site
// given issues around the embedded caps (comments: 100 on Cloud; worklogs: 20), and a site clock moved
// forward so that each run sees exactly the changes made since the previous move.

#include <httplib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

namespace j2s::it {

inline const std::map<std::string, std::string> kEntityEnv{{"FAKE_JIRA_TOKEN", "demo-token"}};
inline const std::string kAllEntities = "  entities: [comments, worklogs, sprints, links, projects, users]\n";

inline ProcessResult sync_run(const std::filesystem::path& dir, const std::filesystem::path& config) {
    return run_jira2sql({"--config", config.string(), "sync"}, dir, kEntityEnv);
}

// Sets the fake's clock `hours` hours ahead of the system clock. The changes made before lie at least an hour
// in the site's past from then on: older than the next incremental run's overlap window (15 minutes) and than
// the worklog feeds' last minute, which the feeds leave out.
inline void set_site_clock_ahead(FakeJira& fake, int hours) {
    fake.post("/_fake/clock", {{"offset_seconds", hours * 3600}});
}

// The control API edits comments and worklogs with PUT, which FakeJira does not offer.
inline nlohmann::json put_json(FakeJira& fake, const std::string& path, const nlohmann::json& body) {
    httplib::Client client("127.0.0.1", fake.port());
    client.set_read_timeout(60, 0);
    auto r = client.Put(path.c_str(), body.dump(), "application/json");
    REQUIRE(r);
    INFO("PUT " << path << " -> " << r->status << ": " << r->body);
    REQUIRE(r->status == 200);
    return nlohmann::json::parse(r->body);
}

// issue id -> how many comments (worklogs) the fake has for it now.
inline std::map<long long, long long> comments_per_issue(FakeJira& fake) {
    std::map<long long, long long> out;
    for (const auto& c : fake.get("/_fake/comments")) {
        const std::string self = c["self"];  // .../issue/{issue id}/comment/{id}
        const auto at = self.find("/issue/") + 7;
        ++out[std::stoll(self.substr(at, self.find('/', at) - at))];
    }
    return out;
}

inline std::map<long long, long long> worklogs_per_issue(FakeJira& fake) {
    std::map<long long, long long> out;
    for (const auto& w : fake.get("/_fake/worklogs")) ++out[std::stoll(w["issueId"].get<std::string>())];
    return out;
}

// Adds comments (worklogs) to `key` until it has `total`.
inline void top_up_comments(FakeJira& fake, const std::string& key, long long have, long long total) {
    REQUIRE(have <= total);
    if (have < total) fake.post("/_fake/issues/" + key + "/comments", {{"count", total - have}});
}

inline void top_up_worklogs(FakeJira& fake, const std::string& key, long long have, long long total) {
    REQUIRE(have <= total);
    if (have < total)
        fake.post("/_fake/issues/" + key + "/worklogs",
                  {{"count", total - have}, {"comment", "Backlog grooming"}});
}

// Issues of the fake, each picked at most once, for the edits of a scenario.
class IssuePicker {
  public:
    explicit IssuePicker(FakeJira& fake)
        : m_issues(fake.issues()),
          m_comments(comments_per_issue(fake)),
          m_worklogs(worklogs_per_issue(fake)) {}

    // The first issue not picked yet with between min and max comments and worklogs each (inclusive).
    const nlohmann::json& pick(long long min_comments, long long max_comments, long long min_worklogs = 0,
                               long long max_worklogs = 20) {
        for (const auto& issue : m_issues) {
            const long long id = issue["id"];
            const long long c = count(m_comments, id), w = count(m_worklogs, id);
            if (m_used.count(id) || c < min_comments || c > max_comments || w < min_worklogs ||
                w > max_worklogs)
                continue;
            m_used.insert(id);
            return issue;
        }
        FAIL("the generated site has no issue left with " << min_comments << ".." << max_comments
                                                          << " comments and " << min_worklogs << ".."
                                                          << max_worklogs << " worklogs");
        throw;  // not reached
    }
    void exclude(long long id) { m_used.insert(id); }
    long long comments(long long id) const { return count(m_comments, id); }
    long long worklogs(long long id) const { return count(m_worklogs, id); }
    const nlohmann::json& issues() const { return m_issues; }

  private:
    static long long count(const std::map<long long, long long>& m, long long id) {
        auto it = m.find(id);
        return it == m.end() ? 0 : it->second;
    }
    nlohmann::json m_issues;
    std::map<long long, long long> m_comments, m_worklogs;
    std::set<long long> m_used;
};

// The issues a scenario gave counts around the caps.
struct CapIssues {
    nlohmann::json over_comments;  // 130 comments: more than Cloud embeds
    nlohmann::json at_comments;    // exactly 100: complete as embedded
    nlohmann::json over_worklogs;  // 25 worklogs: more than the 20 embedded
    nlohmann::json at_worklogs;    // exactly 20
};

inline CapIssues add_cap_issues(FakeJira& fake, IssuePicker& picker) {
    CapIssues out;
    out.over_comments = picker.pick(0, 20);
    out.at_comments = picker.pick(0, 20);
    out.over_worklogs = picker.pick(0, 20);
    out.at_worklogs = picker.pick(0, 20);
    top_up_comments(fake, out.over_comments["key"], picker.comments(out.over_comments["id"]), 130);
    top_up_comments(fake, out.at_comments["key"], picker.comments(out.at_comments["id"]), 100);
    top_up_worklogs(fake, out.over_worklogs["key"], picker.worklogs(out.over_worklogs["id"]), 25);
    top_up_worklogs(fake, out.at_worklogs["key"], picker.worklogs(out.at_worklogs["id"]), 20);
    return out;
}

// The issue id a per-issue request was for: /rest/api/N/issue/{id or key}/... (keys resolved through
// `issues`).
inline long long requested_issue_id(const nlohmann::json& request, const nlohmann::json& issues) {
    const std::string path = request["path"];
    const auto at = path.find("/issue/") + 7;
    const std::string ref = path.substr(at, path.find('/', at) - at);
    for (const auto& issue : issues)
        if (issue["key"] == ref || std::to_string(issue["id"].get<long long>()) == ref) return issue["id"];
    FAIL("a request for an issue the fake does not have: " << path);
    return 0;
}

}  // namespace j2s::it
