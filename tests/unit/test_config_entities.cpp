// sync.entities: the built entities are accepted, the rest of issue 8's are refused by name (never ignored),
// anything else is unknown; every refusal names file, line and key.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <string>

#include "config/config.hpp"
#include "util/errors.hpp"

using namespace j2s;
namespace fs = std::filesystem;

namespace {

// A config folder with an empty mapping, removed afterwards.
class Site {
public:
    Site() {
        static std::atomic<int> counter{0};
        m_dir = fs::temp_directory_path() /
                ("j2s-config-entities-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        fs::create_directories(m_dir / "mappings");
        std::ofstream(m_dir / "mappings/default.yaml") << "columns: []\n";
    }
    ~Site() {
        std::error_code ec;
        fs::remove_all(m_dir, ec);
    }
    fs::path config(const std::string& sync_section) const {
        const fs::path p = m_dir / "config.yaml";
        // Lines 1-5 are the jira section, line 6 is `sync:`, the tested lines start at 7.
        std::ofstream(p) << "jira:\n"
                            "  base_url: https://example.atlassian.net\n"
                            "  auth:\n"
                            "    email: me@example.com\n"
                            "    token: s3cr3t-token\n"
                            "sync:\n"
                         << sync_section;
        return p;
    }

private:
    fs::path m_dir;
};

std::string error_of(const fs::path& config) {
    try {
        load_config(config);
    } catch (const ConfigError& e) {
        CHECK(static_cast<int>(e.exit_code()) == 2);
        return e.what();
    }
    FAIL("expected a ConfigError from " << config.string());
    return {};
}

void check_error(const std::string& sync_section, int line, const std::string& what) {
    Site site;
    const fs::path config = site.config(sync_section);
    const std::string message = error_of(config);
    INFO("message: " << message);
    CHECK(message.rfind(config.string() + ":" + std::to_string(line) + ": sync.entities: ", 0) == 0);
    CHECK(message.find(what) != std::string::npos);
}

}  // namespace

TEST_CASE("sync.entities defaults to projects and users", "[config][entities]") {
    Site site;
    const Config c = load_config(site.config("  overlap_minutes: 15\n"));
    CHECK(c.sync.entities == std::vector<Entity>{Entity::projects, Entity::users});
    CHECK(c.sync.has(Entity::projects));
    CHECK(c.sync.has(Entity::users));
}

TEST_CASE("sync.entities reads a flow list, a block list and an empty list", "[config][entities]") {
    Site site;
    CHECK(load_config(site.config("  entities: [users]\n")).sync.entities == std::vector<Entity>{Entity::users});
    const Config block = load_config(site.config("  entities:\n    - users\n    - projects\n"));
    CHECK(block.sync.entities == std::vector<Entity>{Entity::users, Entity::projects});
    const Config none = load_config(site.config("  entities: []\n"));
    CHECK(none.sync.entities.empty());
    CHECK_FALSE(none.sync.has(Entity::projects));
    CHECK(load_config(site.config("  entities:\n")).sync.entities.empty());
}

TEST_CASE("sync.entities accepts every entity of the contract, in any order", "[config][entities]") {
    Site site;
    const Config all = load_config(site.config("  entities: [links, comments, worklogs, sprints, projects, users]\n"));
    CHECK(all.sync.entities == std::vector<Entity>{Entity::links, Entity::comments, Entity::worklogs, Entity::sprints,
                                                   Entity::projects, Entity::users});
    for (Entity e : kAllEntities) CHECK(all.sync.has(e));
    const Config some = load_config(site.config("  entities: [worklogs]\n"));
    CHECK(some.sync.has(Entity::worklogs));
    CHECK_FALSE(some.sync.has(Entity::comments));
    CHECK_FALSE(some.sync.has(Entity::projects));
}

TEST_CASE("sync.entities refuses unknown names, repeats and non-lists", "[config][entities]") {
    check_error("  entities: [projects, issues]\n", 7, "unknown entity 'issues'");
    check_error("  entities:\n    - users\n    - Users\n", 9, "unknown entity 'Users'");
    check_error("  entities:\n    - users\n    - users\n", 9, "listed twice");
    check_error("  entities: users\n", 7, "expected a list");
    check_error("  entities:\n    - {name: users}\n", 8, "expected a list of names");
}
