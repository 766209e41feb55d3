// sync_worklog_feeds against a scripted Cloud site and a SQLite store: where the feeds start, how they page
// (since inclusive, stop on lastPage, a stuck page steps on), which worklogs are kept, and the watermark each
// committed page saves.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <map>
#include <string>

#include "jira/jira_api.hpp"
#include "scripted_transport.hpp"
#include "store/store_factory.hpp"
#include "sync/worklog_feed_sync.hpp"

using namespace j2s;
using namespace j2s::testing;
using nlohmann::json;

namespace {

std::int64_t since_of(const std::string& url) {
    const auto pos = url.find("since=");
    return std::stoll(url.substr(pos + 6));
}

json worklog(std::int64_t id, std::int64_t issue_id, int seconds) {
    return {{"id", std::to_string(id)},
            {"issueId", std::to_string(issue_id)},
            {"author", {{"accountId", "acc-1"}}},
            {"started", "2024-02-01T10:00:00.000+0000"},
            {"timeSpentSeconds", seconds},
            {"created", "2024-02-01T10:00:00.000+0000"},
            {"updated", "2024-02-01T11:00:00.000+0000"}};
}

struct TempStore {
    TempStore() {
        dir = std::filesystem::temp_directory_path() / ("j2s-feed-" + std::to_string(::getpid()) + "-" +
                                                        std::to_string(reinterpret_cast<std::uintptr_t>(this)));
        std::filesystem::create_directories(dir);
        DatabaseConfig db;
        db.url = "sqlite:" + (dir / "feed.db").string();
        store = open_store(db);
        store->migrate();
        store->sync_mapped_columns({});
    }
    ~TempStore() {
        store.reset();
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
    }
    std::filesystem::path dir;
    std::unique_ptr<Store> store;
};

IssueRecord issue(std::int64_t id) {
    IssueRecord r;
    r.id = id;
    r.key = "P-" + std::to_string(id);
    r.project_key = "P";
    r.raw_json = "{}";
    return r;
}

}  // namespace

TEST_CASE("worklog feeds: first run starts before the scan, pages to lastPage, keeps stored issues' worklogs and "
          "saves each page's watermark",
          "[entities][worklog_feed]") {
    TempStore t;
    Store& store = *t.store;
    const std::string scope = "scope";
    RunCounters counters;
    const auto run_id = store.start_run(scope, "full", Timestamp{});
    {
        PageCommit page;  // issues 1 and 2 are stored; 3 is outside the scope
        page.run_id = run_id;
        page.scope_key = scope;
        page.issues = {issue(1), issue(2)};
        page.checkpoint_json = "{}";
        store.commit_page(page);
    }
    const Timestamp run_started{std::chrono::milliseconds(1'700'000'000'000)};
    const std::int64_t start = 1'700'000'000'000 - 120'000;

    std::vector<std::int64_t> updated_since, deleted_since;
    std::vector<std::vector<std::int64_t>> listed;
    ScriptedTransport transport([&](const HttpRequest& r) {
        const auto path = path_of(r.url);
        if (path == "/rest/api/3/worklog/updated") {
            const auto since = since_of(r.url);
            updated_since.push_back(since);
            // Page 1: two entries, not last. Page 2 (since = its until, inclusive): 102 again, 103, last.
            if (since == start)
                return json_response(200, json{{"values", {{{"worklogId", 101}, {"updatedTime", start + 10}},
                                                           {{"worklogId", 102}, {"updatedTime", start + 20}}}},
                                               {"since", since}, {"until", start + 20}, {"lastPage", false}}
                                              .dump());
            return json_response(200, json{{"values", {{{"worklogId", 102}, {"updatedTime", start + 20}},
                                                       {{"worklogId", 103}, {"updatedTime", start + 30}}}},
                                           {"since", since}, {"until", start + 30}, {"lastPage", true}}
                                          .dump());
        }
        if (path == "/rest/api/3/worklog/list") {
            std::vector<std::int64_t> ids = json::parse(r.body)["ids"];
            listed.push_back(ids);
            json out = json::array();
            const std::map<std::int64_t, std::int64_t> issue_of{{101, 1}, {102, 2}, {103, 3}};
            for (auto id : ids) out.push_back(worklog(id, issue_of.at(id), 600));
            return json_response(200, out.dump());
        }
        if (path == "/rest/api/3/worklog/deleted") {
            const auto since = since_of(r.url);
            deleted_since.push_back(since);
            // A full page whose entries share one millisecond: `until` does not move, the next page must.
            if (since == start)
                return json_response(200, json{{"values", {{{"worklogId", 101}, {"updatedTime", start}}}},
                                               {"since", since}, {"until", start}, {"lastPage", false}}
                                              .dump());
            return json_response(200, json{{"values", json::array()}, {"since", since}, {"until", since},
                                           {"lastPage", true}}
                                          .dump());
        }
        FAIL("unexpected request " << r.url);
        return json_response(404, "{}");
    });
    ManualClock clock;
    JiraClient client(scripted_site(Flavor::cloud), transport, clock);
    JiraApi api(client);
    PageCommitter committer(store, run_id, scope, counters, {});

    const auto result = sync_worklog_feeds(api, store, committer, scope, "{}", run_started);
    CHECK(result.updated_seen == 4);
    CHECK(result.deleted_seen == 1);
    CHECK(updated_since == std::vector<std::int64_t>{start, start + 20});
    CHECK(deleted_since == std::vector<std::int64_t>{start, start + 1});
    REQUIRE(listed.size() == 2);
    // Worklogs 101 and 102 (issues 1, 2) are stored; 103 belongs to an issue outside the scope.
    CHECK(committer.entities_written().worklogs == 2);
    // 101 was listed by the deleted feed: it is soft-deleted.
    CHECK(committer.entities_written().soft_deleted == 1);

    const auto saved = store.load_entity_state(scope, kWorklogFeedEntity);
    REQUIRE(saved);
    const auto state = WorklogFeedState::from_json(*saved);
    CHECK(state.updated_since_ms == start + 31);  // one past the last page's until
    CHECK(state.deleted_since_ms == start + 1);

    SECTION("the next run starts from the saved watermarks") {
        updated_since.clear();
        deleted_since.clear();
        sync_worklog_feeds(api, store, committer, scope, "{}", run_started + std::chrono::hours(1));
        CHECK(updated_since.front() == start + 31);
        CHECK(deleted_since.front() == start + 1);
    }
}

TEST_CASE("worklog feed state: round trip, and an unreadable one is an error", "[entities][worklog_feed]") {
    const WorklogFeedState s{1700000000123, 1700000000456};
    const auto back = WorklogFeedState::from_json(s.to_json());
    CHECK(back.updated_since_ms == s.updated_since_ms);
    CHECK(back.deleted_since_ms == s.deleted_since_ms);
    CHECK_THROWS(WorklogFeedState::from_json("{\"updated_since\": 1}"));
    CHECK_THROWS(WorklogFeedState::from_json("not json"));
    const auto first = initial_worklog_feed_state(Timestamp{std::chrono::milliseconds(1'700'000'000'000)});
    CHECK(first.updated_since_ms == 1'700'000'000'000 - 120'000);
    CHECK(first.deleted_since_ms == first.updated_since_ms);
}
