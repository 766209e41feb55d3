#pragma once
// Loads hand-written fixture issues (fixtures/README.md describes the format) into the store.

#include "issue_store.hpp"

#include <string>

namespace j2s::fake {

// Loads every DIR/issues/*.json (sorted by name; a file holds one issue object or an array) that
// applies to the store's flavor. REQUIRES the store's write lock. Throws std::runtime_error naming the
// file on malformed input.
void load_fixtures(IssueStore& store, const std::string& dir);
// One fixture object. Exposed for tests.
void load_fixture_issue(IssueStore& store, const json& spec);

}  // namespace j2s::fake
