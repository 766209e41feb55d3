#include <catch2/catch.hpp>

#include "sync/run_checkpoint.hpp"
#include "util/errors.hpp"

using namespace j2s;

TEST_CASE("a checkpoint survives a round trip through its stored text", "[checkpoint]") {
    RunCheckpoint c;
    c.mode = SyncMode::full;
    c.run_started = *parse_jira_timestamp("2024-03-05T14:07:12.345Z");
    c.lower_bound = *parse_jira_timestamp("2024-03-05T13:52:12.345Z");
    c.cursor.jql = "updated >= \"2024-03-05 13:52\" ORDER BY updated ASC, key ASC";
    c.cursor.next_page_token = "opaque==";
    c.cursor.start_at = 300;
    c.cursor.anchor_id = 10300;
    c.cursor.newest_updated = *parse_jira_timestamp("2024-03-05T14:00:00.000Z");
    const auto back = RunCheckpoint::from_json(c.to_json());
    REQUIRE(back.mode == SyncMode::full);
    REQUIRE(back.run_started == c.run_started);
    REQUIRE(back.lower_bound == c.lower_bound);
    REQUIRE(back.cursor.jql == c.cursor.jql);
    REQUIRE(back.cursor.next_page_token == c.cursor.next_page_token);
    REQUIRE(back.cursor.start_at == 300);
    REQUIRE(back.cursor.anchor_id == 10300);
    REQUIRE(back.cursor.newest_updated == c.cursor.newest_updated);
}

TEST_CASE("an unreadable checkpoint names the way out", "[checkpoint]") {
    REQUIRE_THROWS_WITH(RunCheckpoint::from_json("{"), Catch::Contains("sync --restart"));
    REQUIRE_THROWS_WITH(RunCheckpoint::from_json(R"({"version":1,"mode":"weird"})"), Catch::Contains("sync --restart"));
}
