#pragma once
// The deterministic data generator. `generate_issues` lays out N issues (ids, keys, created/updated,
// history counts); everything else is derived from each issue's seed when a request needs it, so the
// same seed always yields the same issues and 200,000 of them fit in a few tens of megabytes.

#include "catalog.hpp"
#include "model.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace j2s::fake {

class IssueStore;

struct GeneratorConfig {
    std::int64_t count = 0;
    std::uint64_t seed = 1;
    std::vector<std::string> projects{"ALPHA", "BETA", "GAMMA"};
    Timestamp anchor{};  // "now" for the generator: every created/updated lies in the two years before it
};

// REQUIRES: the store's write lock. Ids start at 10000 (or after the store's highest id).
void generate_issues(IssueStore& store, const GeneratorConfig& config);

// The handful of attributes JQL needs, derived without rendering JSON.
struct GeneratedCore {
    std::size_t type = 0, status = 0, priority = 0, resolution = 0;
    int assignee = -1;  // -1: unassigned
    int reporter = 0;
    unsigned labels = 0;  // bit i -> label_pool()[i]
    Timestamp resolved{};
    bool has_resolution = false;
};
GeneratedCore derive_core(const Issue& issue);

// The issue's `fields` (without created/updated) in the flavor's native API version.
json generated_fields(const Issue& issue, const Project& project, const RenderContext& ctx, Timestamp anchor);

// The issue's generated histories, oldest first, ids generated_history_base + i.
std::vector<History> generated_histories(const Issue& issue, const Project& project, Flavor flavor,
                                         Timestamp anchor);

// Plain text of an Atlassian Document Format node: one line per block, as Cloud's v2 API would give
// a wiki string for the same field.
std::string adf_to_text(const json& node);

}  // namespace j2s::fake
