#include "sync/sprint_refresh.hpp"

#include <spdlog/spdlog.h>

#include "sync/entity_rows.hpp"
#include "util/errors.hpp"

namespace j2s {

namespace {

// Sprints per commit: a failure loses at most this many requests' work.
constexpr std::size_t kSprintsPerCommit = 50;

}  // namespace

SprintRefreshResult refresh_sprints(JiraApi& api, Store& store, PageCommitter& committer,
                                    const std::string& checkpoint_json) {
    SprintRefreshResult result;
    std::vector<std::string> unreadable;
    PageCommit page;
    const auto flush = [&] {
        if (page.entities.sprints.empty()) return;
        committer.commit(page, checkpoint_json);
        page = PageCommit{};
    };
    for (const auto id : store.sprints_to_refresh()) {
        ++result.asked;
        std::optional<nlohmann::json> sprint;
        try {
            sprint = api.sprint(id);
        } catch (...) {
            flush();  // what was read before the failure is kept
            throw;
        }
        if (!sprint) {
            ++result.missing;
            spdlog::warn("sprint {} is not in Jira any more (404); its stored row stays as it was", id);
            continue;
        }
        try {
            page.entities.sprints.push_back(agile_sprint_record(*sprint));
        } catch (const std::exception& e) {
            spdlog::warn("sprint {} cannot be read: {}", id, e.what());
            unreadable.push_back("sprint " + std::to_string(id) + ": " + e.what());
        }
        if (page.entities.sprints.size() >= kSprintsPerCommit) flush();
    }
    flush();
    if (!unreadable.empty()) {
        std::string message;
        for (const auto& u : unreadable) message += (message.empty() ? "" : "; ") + u;
        throw Error(message);
    }
    return result;
}

}  // namespace j2s
