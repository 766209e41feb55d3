// user_record under the mapping's users.email policy: the email column and what users.raw keeps of the
// address.

#include <catch2/catch.hpp>

#include "sync/entity_sync.hpp"
#include "util/errors.hpp"
#include "util/sha256.hpp"

using namespace j2s;
using nlohmann::json;

namespace {

const json kServerUser = json::parse(R"({"self": "http://localhost:2990/jira/rest/api/2/user?username=admin",
  "key": "admin", "name": "admin", "emailAddress": "Admin@Example.com", "displayName": "Administrator",
  "active": true, "timeZone": "Pacific/Auckland"})");

json without_email(json user) {
    user.erase("emailAddress");
    return user;
}

}  // namespace

TEST_CASE("users.email absent: no email column, and the address is not kept in raw", "[entities][users]") {
    const auto r = user_record(kServerUser, Flavor::server);
    CHECK(r.id == "admin");
    CHECK(r.display_name == "Administrator");
    CHECK(r.active == true);
    CHECK(r.time_zone == "Pacific/Auckland");
    CHECK_FALSE(r.email.has_value());
    CHECK(json::parse(r.raw_json) == without_email(kServerUser));
    CHECK(user_record(kServerUser, Flavor::server, EmailPolicy::omit).raw_json == r.raw_json);
}

TEST_CASE("users.email: text keeps the address as Jira gives it, in the column and in raw",
          "[entities][users]") {
    const auto r = user_record(kServerUser, Flavor::server, EmailPolicy::text);
    CHECK(r.email == "Admin@Example.com");
    CHECK(json::parse(r.raw_json) == kServerUser);
}

TEST_CASE("users.email: sha256 stores the digest of the address (as the sha256 transform) and no address",
          "[entities][users]") {
    const auto r = user_record(kServerUser, Flavor::server, EmailPolicy::sha256);
    REQUIRE(r.email.has_value());
    CHECK(*r.email == sha256_hex("Admin@Example.com"));
    CHECK(r.email->size() == 64);
    CHECK(json::parse(r.raw_json) == without_email(kServerUser));
    CHECK(r.raw_json.find("Admin@Example.com") == std::string::npos);
}

TEST_CASE("users.email: a hidden or empty address is no address under every policy", "[entities][users]") {
    const json cloud = json::parse(R"({"accountId": "5b10ac8d82e05b22cc7d4ef5", "accountType": "atlassian",
      "displayName": "Mia", "active": true})");
    json blank = cloud;
    blank["emailAddress"] = "";
    for (const auto policy : {EmailPolicy::omit, EmailPolicy::text, EmailPolicy::sha256}) {
        CAPTURE(static_cast<int>(policy));
        const auto hidden = user_record(cloud, Flavor::cloud, policy);
        CHECK(hidden.id == "5b10ac8d82e05b22cc7d4ef5");
        CHECK(hidden.account_type == "atlassian");
        CHECK_FALSE(hidden.email.has_value());
        CHECK(json::parse(hidden.raw_json) == cloud);
        CHECK_FALSE(user_record(blank, Flavor::cloud, policy).email.has_value());
    }
}

TEST_CASE("a user without its id is an error naming what is missing", "[entities][users]") {
    CHECK_THROWS_WITH(user_record(json{{"displayName", "x"}}, Flavor::cloud, EmailPolicy::text),
                      "Jira listed a user without an accountId");
    CHECK_THROWS_WITH(user_record(json{{"accountId", "a"}}, Flavor::server),
                      "Jira listed a user without a key");
}
