#include "prerendered_issues.hpp"

#include <algorithm>
#include <thread>
#include <vector>

namespace j2s::fake {

std::string render_signature(const RenderContext& ctx, const RenderOptions& options) {
    std::string s = std::to_string(static_cast<int>(ctx.flavor)) + '|' + std::to_string(ctx.api_version) + '|' +
                    ctx.timezone + '|' + ctx.base_url + '|';
    const FieldSelection& f = options.fields;
    s += std::to_string(f.all) + std::to_string(f.non_navigable) + std::to_string(f.key_requested) + "|+";
    for (const auto& name : f.include) s += name + ',';
    s += "|-";
    for (const auto& name : f.exclude) s += name + ',';
    s += '|' + std::to_string(options.changelog) + '|' +
         (options.changelog_cap ? std::to_string(*options.changelog_cap) : "all") + '|' + std::to_string(options.bare_ids);
    return s;
}

std::string issue_text(const json& rendered) { return rendered.dump(-1, ' ', false, json::error_handler_t::replace); }

void PrerenderedIssues::build(const IssueStore& store, const RenderContext& ctx, const RenderOptions& options,
                              unsigned threads) {
    auto lock = store.read_lock();
    std::vector<const Issue*> live;
    for (const auto& issue : store.all())
        if (!issue.deleted) live.push_back(&issue);
    threads = std::max(1u, threads);
    std::vector<std::vector<std::pair<std::int64_t, std::string>>> parts(threads);
    std::vector<std::thread> workers;
    for (unsigned t = 0; t < threads; ++t)
        workers.emplace_back([&, t] {
            for (std::size_t i = t; i < live.size(); i += threads)
                parts[t].emplace_back(live[i]->id, issue_text(render_issue(store, *live[i], ctx, options)));
        });
    for (auto& w : workers) w.join();
    m_text.clear();
    m_text.reserve(live.size());
    for (auto& part : parts)
        for (auto& [id, text] : part) m_text.emplace(id, std::move(text));
    m_signature = render_signature(ctx, options);
    m_generation = store.generation();
}

const PrerenderedIssues::Texts* PrerenderedIssues::for_request(const IssueStore& store,
                                                               const std::string& signature) const {
    if (m_text.empty() || store.generation() != m_generation || signature != m_signature) return nullptr;
    return &m_text;
}

}  // namespace j2s::fake
