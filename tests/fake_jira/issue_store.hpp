#pragma once
// All issues and projects of the fake site, behind one reader/writer lock. The HTTP worker threads take
// `read_lock()` to search and render and `write_lock()` for control-API edits. Methods say which lock
// they need; none of them locks on its own, so a handler can make several calls under one lock.

#include "catalog.hpp"
#include "entity_store.hpp"
#include "model.hpp"

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace j2s::fake {

class IssueStore {
public:
    IssueStore(Flavor flavor, Timestamp anchor);

    std::shared_lock<std::shared_mutex> read_lock() const { return std::shared_lock(m_mutex); }
    // Every write takes this lock, so the generation it bumps tells readers (PrerenderedIssues) that
    // something may have changed since they last looked.
    std::unique_lock<std::shared_mutex> write_lock() {
        std::unique_lock lock(m_mutex);
        ++m_generation;
        return lock;
    }
    std::uint64_t generation() const { return m_generation.load(); }

    Flavor flavor() const { return m_flavor; }
    Timestamp anchor() const { return m_anchor; }
    // Set once before serving (the port is only known after binding).
    void set_base_url(std::string url) { m_base_url = std::move(url); }
    const std::string& base_url() const { return m_base_url; }

    // ---- REQUIRES write lock ----
    // The project with that key, created (id 10000 upward, name from the key) if it does not exist.
    Project& ensure_project(const std::string& key);
    // Deletes the project `key` (as moving it to Jira's trash would): false if there is none. Throws
    // std::logic_error while a live issue still belongs to it.
    bool remove_project(const std::string& key);
    // Adds and indexes the issue. Throws std::invalid_argument on a duplicate id or key.
    Issue& add_issue(Issue issue);
    std::int64_t allocate_issue_id() { return m_next_issue_id++; }
    // Reserves `count` consecutive history ids and returns the first.
    std::int64_t reserve_history_ids(std::int64_t count);
    // Turns a generated issue into a stored one (its fields become editable JSON).
    void materialize(Issue& issue);
    // Gives the issue the next key in `project`; the old key keeps resolving.
    void move(Issue& issue, Project& project);
    void remove(Issue& issue);
    Issue* find(std::string_view id_or_key);

    // ---- REQUIRES read (or write) lock ----
    // By numeric id, current key or a key the issue had before a move (case-insensitive keys).
    // Deleted issues are not found.
    const Issue* find(std::string_view id_or_key) const;
    const Issue* find_by_id(std::int64_t id) const;
    // Every slot including deleted ones (check Issue::deleted); ascending id order is not guaranteed.
    const std::vector<Issue>& all() const { return m_issues; }
    const Project* project(std::string_view key) const;  // case-insensitive
    const Project* project_by_id(std::int64_t id) const;
    std::vector<const Project*> projects() const;
    // Fields without created/updated, in the flavor's native API version (timestamps in UTC).
    std::shared_ptr<const json> fields_of(const Issue& issue) const;
    // All histories, oldest first.
    std::vector<History> histories_of(const Issue& issue) const;
    std::size_t live_count() const { return m_live; }

    // Comments, worklogs and links, under this store's lock (same rules as above).
    EntityStore& entities() { return m_entities; }
    const EntityStore& entities() const { return m_entities; }

private:
    mutable std::shared_mutex m_mutex;
    std::atomic<std::uint64_t> m_generation{0};
    Flavor m_flavor;
    Timestamp m_anchor;
    std::string m_base_url = "http://127.0.0.1";
    std::vector<Issue> m_issues;
    std::unordered_map<std::int64_t, std::size_t> m_by_id;
    std::unordered_map<std::string, std::size_t> m_by_key;  // upper-cased current and old keys
    std::map<std::string, Project> m_projects;              // by upper-cased key
    std::int64_t m_next_issue_id = 10000;
    std::int64_t m_next_history_id = 100000;
    std::int64_t m_next_project_id = 10000;
    std::size_t m_live = 0;
    EntityStore m_entities;

    RenderContext native_context() const;
};

std::string to_upper(std::string_view s);

}  // namespace j2s::fake
