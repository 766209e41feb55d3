#pragma once
// `verify`: do the tables match Jira?
//
// Counts: for each project with live rows, Jira's count of `(scope) AND project = "KEY"` (cloud:
// approximate-count; server: `total` of a one-row search) against the live rows of that project, plus one
// row "(rest of scope)" for issues Jira counts in the scope outside those projects (a project that never
// reached the tables shows up there, not by name: the projects come from the stored rows, because
// listing a scope's projects would need a full scan).
// Sample: N random live rows re-fetched by id; `updated` and every mapped column (computed by the mapping
// from Jira's copy and from the stored raw copy) compared.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "jira/jira_api.hpp"
#include "mapping/mapping.hpp"
#include "store/store.hpp"

namespace j2s {

struct ProjectCountRow {
    std::string project;  // "(rest of scope)" for the remainder row
    std::int64_t jira = 0;
    std::int64_t stored = 0;
    std::int64_t difference() const { return jira - stored; }
};

// `(scope) AND project = "KEY"`, or `project = "KEY"` for an empty scope.
std::string project_jql(const std::string& scope_jql, const std::string& project);

std::vector<ProjectCountRow> compare_project_counts(JiraApi& api, Store& store, const std::string& scope_jql,
                                                    const std::string& time_zone);

struct SampleDrift {
    std::int64_t id = 0;
    std::string key;
    std::string what;          // "updated", a column name, or "missing"
    std::string stored, jira;  // the two values as text
    bool changed_since_watermark = false;  // Jira's copy is newer than the watermark: the next sync takes it
};

struct SampleResult {
    std::int64_t checked = 0;
    std::vector<SampleDrift> drift;
};

SampleResult compare_sample(JiraApi& api, Store& store, const Mapping& mapping, int sample_size,
                            std::optional<Timestamp> watermark);

std::string sql_value_text(const SqlValue& v);

}  // namespace j2s
