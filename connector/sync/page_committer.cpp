#include "sync/page_committer.hpp"

#include <spdlog/spdlog.h>

#include "sync/entity_selection.hpp"

namespace j2s {

PageCommitter::PageCommitter(Store& store, std::int64_t run_id, std::string scope_key, RunCounters& counters,
                             std::function<void()> refresh_request_counters)
    : m_store(store),
      m_run_id(run_id),
      m_scope_key(std::move(scope_key)),
      m_counters(counters),
      m_refresh(std::move(refresh_request_counters)) {}

PageResult PageCommitter::commit(PageCommit& page, const std::string& checkpoint_json) {
    page.run_id = m_run_id;
    page.scope_key = m_scope_key;
    page.checkpoint_json = checkpoint_json;
    if (!page.entities.empty()) dedupe_entity_rows(page.entities);
    if (m_refresh) m_refresh();
    page.run_totals = m_counters;
    const PageResult result = m_store.commit_page(page);
    m_counters.issues_upserted += result.issues_written;
    m_counters.changelog_items_written += result.changelog_written;
    m_counters.dead_lettered += result.dead_lettered;
    m_entities += result.entities;
    spdlog::debug("committed {} issues ({} written), {} changelog items, {} entity rows, {} dead letters",
                  page.issues.size(), result.issues_written, result.changelog_written,
                  entity_rows_total(result.entities), result.dead_lettered);
    return result;
}

std::int64_t entity_rows_total(const EntityRowsWritten& w) {
    return w.comments + w.worklogs + w.links + w.sprints + w.issue_sprints;
}

}  // namespace j2s
