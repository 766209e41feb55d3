#include <catch2/catch.hpp>

#include "sync/run_checkpoint.hpp"
#include "util/errors.hpp"

using namespace j2s;

TEST_CASE("a checkpoint survives a round trip through its stored text", "[checkpoint]") {
    RunCheckpoint c;
    c.mode = SyncMode::full;
    c.run_started = *parse_jira_timestamp("2024-03-05T14:07:12.345Z");
    c.lower_bound = *parse_jira_timestamp("2024-03-05T13:52:12.345Z");
    CursorState cursor;
    cursor.jql = "updated >= \"2024-03-05 13:52\" ORDER BY updated ASC, key ASC";
    cursor.next_page_token = "opaque==";
    cursor.start_at = 300;
    cursor.anchor_id = 10300;
    cursor.newest_updated = *parse_jira_timestamp("2024-03-05T14:00:00.000Z");
    const auto cut = *parse_jira_timestamp("2023-06-01T00:00:00.000Z");
    c.slices = {{{std::nullopt, cut}, cursor}, {{cut, std::nullopt}, CursorState{}}};
    c.slices[1].cursor.done = true;
    c.changelog_pending = {10001, 10007};

    const auto back = RunCheckpoint::from_json(c.to_json());
    REQUIRE(back.mode == SyncMode::full);
    REQUIRE(back.run_started == c.run_started);
    REQUIRE(back.lower_bound == c.lower_bound);
    REQUIRE(back.slices.size() == 2);
    REQUIRE(back.slices[0].range == c.slices[0].range);
    REQUIRE(back.slices[1].range == c.slices[1].range);
    const auto& b = back.slices[0].cursor;
    REQUIRE(b.jql == cursor.jql);
    REQUIRE(b.next_page_token == cursor.next_page_token);
    REQUIRE(b.start_at == 300);
    REQUIRE(b.anchor_id == 10300);
    REQUIRE(b.newest_updated == cursor.newest_updated);
    REQUIRE(back.slices[1].cursor.done);
    REQUIRE_FALSE(back.scan_done());
    REQUIRE(back.changelog_pending == std::vector<std::int64_t>{10001, 10007});
}

TEST_CASE("issues owing their full comment or worklog set survive a round trip, a checkpoint without them is "
          "written as before",
          "[checkpoint]") {
    RunCheckpoint c;
    c.run_started = *parse_jira_timestamp("2024-03-05T14:07:12.345Z");
    const std::string before = c.to_json();
    REQUIRE(before.find("comment_pending") == std::string::npos);
    REQUIRE(before.find("worklog_pending") == std::string::npos);
    REQUIRE(RunCheckpoint::from_json(before).comment_pending.empty());

    c.comment_pending = {10002, 10009};
    c.worklog_pending = {10003};
    const auto back = RunCheckpoint::from_json(c.to_json());
    REQUIRE(back.comment_pending == std::vector<std::int64_t>{10002, 10009});
    REQUIRE(back.worklog_pending == std::vector<std::int64_t>{10003});
    REQUIRE(back.changelog_pending.empty());
}

TEST_CASE("an unreadable checkpoint names the way out", "[checkpoint]") {
    REQUIRE_THROWS_WITH(RunCheckpoint::from_json("{"), Catch::Contains("sync --restart"));
    REQUIRE_THROWS_WITH(RunCheckpoint::from_json(R"({"version":2,"mode":"weird"})"), Catch::Contains("sync --restart"));
    REQUIRE_THROWS_WITH(RunCheckpoint::from_json(R"({"version":1,"mode":"full"})"), Catch::Contains("sync --restart"));
}
