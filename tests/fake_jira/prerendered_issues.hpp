#pragma once
// Issues rendered once, up front, for the search request a backfill makes (issue 6: "CPU-bound backfill,
// fake serving pre-built pages"). Without it the fake spends as much CPU building and dumping JSON as the
// connector spends reading it, on the same two cores, and the benchmark measures the fake.
//
// Only a read cache: a text is served only when the request renders with exactly the options it was built
// with and the store has not been written since (IssueStore::generation). Anything else renders live, so
// the answers are byte for byte those of a fake without it.

#include <cstdint>
#include <string>
#include <unordered_map>

#include "issue_renderer.hpp"

namespace j2s::fake {

// Everything render_issue's output depends on besides the store.
std::string render_signature(const RenderContext& ctx, const RenderOptions& options);

class PrerenderedIssues {
public:
    // Renders every live issue with these options on `threads` threads. Call before serving, without
    // holding the store's lock (it takes the read lock itself).
    void build(const IssueStore& store, const RenderContext& ctx, const RenderOptions& options, unsigned threads);

    using Texts = std::unordered_map<std::int64_t, std::string>;  // issue id -> render_issue(...).dump()

    // The texts when they were built with `signature` (render_signature of the request) and the store is
    // unchanged since, else nullptr. REQUIRES the store's read lock.
    const Texts* for_request(const IssueStore& store, const std::string& signature) const;

    std::size_t size() const { return m_text.size(); }

private:
    std::string m_signature;
    std::uint64_t m_generation = 0;
    Texts m_text;
};

// How the search routes write one issue of a page: dump() with invalid UTF-8 replaced, as send_json does.
std::string issue_text(const json& rendered);

}  // namespace j2s::fake
