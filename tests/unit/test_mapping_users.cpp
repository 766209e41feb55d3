// The mapping's optional `users:` section (users.email: text | sha256) and its errors.

#include <catch2/catch.hpp>

#include "mapping/mapping.hpp"
#include "util/errors.hpp"

using namespace j2s;

namespace {

const std::string kColumns =
    "columns:\n  - {name: summary, source: fields.summary, type: text}\n";  // lines 1-2

std::string error_of(const std::string& yaml) {
    try {
        Mapping::parse(yaml, "m.yaml");
    } catch (const ConfigError& e) {
        CHECK(e.exit_code() == ExitCode::usage);
        return e.what();
    }
    return "";
}

}  // namespace

TEST_CASE("mapping users: no section, an empty one, or one without email store no e-mail",
          "[mapping][users]") {
    CHECK(Mapping().users_email() == EmailPolicy::omit);
    CHECK(Mapping::parse(kColumns, "m.yaml").users_email() == EmailPolicy::omit);
    CHECK(Mapping::parse(kColumns + "users:\n", "m.yaml").users_email() == EmailPolicy::omit);
    CHECK(Mapping::parse(kColumns + "users: {}\n", "m.yaml").users_email() == EmailPolicy::omit);
}

TEST_CASE("mapping users: email text or sha256, in block or flow style, before or after columns",
          "[mapping][users]") {
    CHECK(Mapping::parse(kColumns + "users:\n  email: text\n", "m.yaml").users_email() == EmailPolicy::text);
    CHECK(Mapping::parse(kColumns + "users: {email: sha256}\n", "m.yaml").users_email() ==
          EmailPolicy::sha256);
    const Mapping first = Mapping::parse("users:\n  email: sha256\n" + kColumns, "m.yaml");
    CHECK(first.users_email() == EmailPolicy::sha256);
    CHECK(first.columns().size() == 1);
}

TEST_CASE("mapping users: errors name file, line and key", "[mapping][users]") {
    CHECK(error_of(kColumns + "users:\n  email: plain\n") ==
          "m.yaml:4: users.email: unknown value 'plain' (expected text or sha256; leave the key out to store "
          "no e-mail)");
    CHECK(error_of(kColumns + "users:\n  email: SHA256\n") ==
          "m.yaml:4: users.email: unknown value 'SHA256' (expected text or sha256; leave the key out to "
          "store no e-mail)");
    CHECK(error_of(kColumns + "users:\n  email:\n") ==
          "m.yaml:4: users.email: expected a value (expected text or sha256; leave the key out to store no "
          "e-mail)");
    CHECK(error_of(kColumns + "users:\n  email: [text]\n") ==
          "m.yaml:4: users.email: expected a value (expected text or sha256; leave the key out to store no "
          "e-mail)");
    CHECK(error_of(kColumns + "users:\n  email: text\n  mail: text\n") ==
          "m.yaml:5: users.mail: unknown key (the only key is 'email')");
    CHECK(error_of(kColumns + "users: {email: text, email: sha256}\n") ==
          "m.yaml:3: users.email: duplicate key");
    CHECK(error_of(kColumns + "users: sha256\n") ==
          "m.yaml:3: users: expected a mapping like '{email: sha256}'");
    CHECK(error_of(kColumns + "users: {email: text}\nusers: {email: sha256}\n") ==
          "m.yaml:4: users: duplicate key");
    CHECK(error_of("users: {email: text}\n") == "m.yaml:1: expected a top-level 'columns:' list");
}
