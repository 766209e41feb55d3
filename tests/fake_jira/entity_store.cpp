#include "entity_store.hpp"

#include "catalog.hpp"
#include "issue_store.hpp"
#include "rng.hpp"

#include <algorithm>

namespace j2s::fake {

namespace {

using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr std::uint64_t entity_layout_stream = 0xE7717;
constexpr std::uint64_t comment_stream = 0xC0331E;
constexpr std::uint64_t worklog_stream = 0x3011;

const char* const comment_texts[] = {
    "Reproduced on staging, the log is attached.",
    "Looks good to me — merging after CI is green ✓",
    "Can we split this into two tickets?",
    "Kunde meldet das Problem erneut (Größe > 2 MB).",
    "修复已部署到测试环境。",
    "Blocked until the API change ships 🚀",
    "Le correctif est prêt pour la revue.",
    "Moving back to To Do: the acceptance criteria changed.",
};
constexpr std::size_t comment_text_count = sizeof(comment_texts) / sizeof(comment_texts[0]);

const char* const worklog_texts[] = {"Investigation", "Implemented the fix and tests", "Code review",
                                     "Pairing with QA — überprüft", "Deployment and smoke test"};
constexpr std::size_t worklog_text_count = sizeof(worklog_texts) / sizeof(worklog_texts[0]);

const std::int64_t durations[] = {900, 1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600, 28800, 36000};

json adf_text_paragraph(json content) { return {{"type", "paragraph"}, {"content", std::move(content)}}; }

// A generated comment body: a sentence, sometimes a mention of a colleague or a short bullet list.
json comment_body(Rng& r) {
    json para = json::array({{{"type", "text"}, {"text", comment_texts[r.range(0, comment_text_count - 1)]}}});
    if (r.chance(0.2)) {
        const auto& u = users()[r.range(0, users().size() - 1)];
        para.push_back({{"type", "text"}, {"text", " cc "}});
        para.push_back({{"type", "mention"}, {"attrs", {{"id", u.account_id}, {"text", "@" + u.display_name}}}});
    }
    json content = json::array({adf_text_paragraph(para)});
    if (r.chance(0.15)) {
        json items = json::array();
        for (const char* t : {"check the logs", "update the runbook"})
            items.push_back({{"type", "listItem"},
                             {"content", json::array({adf_text_paragraph(json::array({{{"type", "text"}, {"text", t}}}))})}});
        content.push_back({{"type", "bulletList"}, {"content", items}});
    }
    return {{"type", "doc"}, {"version", 1}, {"content", content}};
}

// Sorted offsets in [0, span] for `count` items; the spread keeps most of them distinct.
std::vector<std::int64_t> offsets(Rng& r, int count, std::int64_t span) {
    std::vector<std::int64_t> out;
    out.reserve(static_cast<std::size_t>(count));
    for (int i = 0; i < count; ++i) out.push_back(r.range(0, std::max<std::int64_t>(0, span)));
    std::sort(out.begin(), out.end());
    return out;
}

std::int64_t ms(Timestamp t) { return t.time_since_epoch().count(); }

}  // namespace

const std::vector<LinkType>& link_types() {
    static const std::vector<LinkType> table = {{"10000", "Blocks", "is blocked by", "blocks"},
                                                {"10001", "Cloners", "is cloned by", "clones"},
                                                {"10002", "Duplicate", "is duplicated by", "duplicates"},
                                                {"10003", "Relates", "relates to", "relates to"}};
    return table;
}

void EntityStore::generate(const IssueStore& store, std::uint64_t seed) {
    std::vector<const Issue*> generated;
    for (const auto& issue : store.all())
        if (issue.seed != 0 && !issue.deleted && !layout_of(issue.id)) generated.push_back(&issue);
    std::sort(generated.begin(), generated.end(), [](const Issue* a, const Issue* b) { return a->id < b->id; });
    if (!m_layout.empty() && !generated.empty() && generated.front()->id < m_layout.back().issue_id) return;
    std::vector<std::int64_t> earlier;  // ids of the issues laid out so far, the candidates for link targets
    for (const Issue* issue : generated) {
        Rng r(mix_seed(issue->seed, entity_layout_stream));
        Layout l;
        l.issue_id = issue->id;
        l.seed = mix_seed(issue->seed, seed);
        l.created = issue->created;
        l.updated = issue->updated;
        // Most issues have a few comments and worklogs; about 1 in 100 has more than a page of each.
        const double c = r.unit();
        l.comment_count = c < 0.35 ? 0 : c < 0.90 ? static_cast<int>(r.range(1, 6))
                                     : c < 0.99 ? static_cast<int>(r.range(7, 30))
                                                : static_cast<int>(r.range(51, 160));
        const double w = r.unit();
        l.worklog_count = w < 0.55 ? 0 : w < 0.95 ? static_cast<int>(r.range(1, 5))
                                     : w < 0.99 ? static_cast<int>(r.range(6, 19))
                                                : static_cast<int>(r.range(21, 60));
        l.comment_base = m_next_comment_id;
        m_next_comment_id += l.comment_count;
        l.worklog_base = m_next_worklog_id;
        m_next_worklog_id += l.worklog_count;
        m_layout.push_back(l);
        for (const auto& wl : generated_worklogs(m_layout.back())) m_generated_updates.emplace_back(ms(wl.updated), wl.id);

        if (!earlier.empty() && r.chance(0.12)) {
            const int n = static_cast<int>(r.range(1, 2));
            for (int i = 0; i < n; ++i) {
                const auto back = r.range(1, std::min<std::int64_t>(static_cast<std::int64_t>(earlier.size()), 300));
                const std::int64_t other = earlier[earlier.size() - static_cast<std::size_t>(back)];
                const auto type = static_cast<std::size_t>(r.range(0, link_types().size() - 1));
                // Either direction: the newer issue blocks/clones/... the older one, or the other way.
                if (r.chance(0.5)) add_link(type, issue->id, other);
                else add_link(type, other, issue->id);
            }
        }
        earlier.push_back(issue->id);
    }
    std::sort(m_generated_updates.begin(), m_generated_updates.end());
}

const EntityStore::Layout* EntityStore::layout_of(std::int64_t issue_id) const {
    auto it = std::lower_bound(m_layout.begin(), m_layout.end(), issue_id,
                               [](const Layout& l, std::int64_t id) { return l.issue_id < id; });
    return it != m_layout.end() && it->issue_id == issue_id ? &*it : nullptr;
}

EntityStore::Layout* EntityStore::layout_of(std::int64_t issue_id) {
    return const_cast<Layout*>(static_cast<const EntityStore*>(this)->layout_of(issue_id));
}

// Bases grow with the layout; zero-count layouts share their base with the next one, so the last layout
// whose base is <= id is the only one whose range can hold it.
const EntityStore::Layout* EntityStore::layout_of_comment(std::int64_t id) const {
    auto it = std::upper_bound(m_layout.begin(), m_layout.end(), id,
                               [](std::int64_t v, const Layout& l) { return v < l.comment_base; });
    if (it == m_layout.begin()) return nullptr;
    --it;
    return id < it->comment_base + it->comment_count ? &*it : nullptr;
}

const EntityStore::Layout* EntityStore::layout_of_worklog(std::int64_t id) const {
    auto it = std::upper_bound(m_layout.begin(), m_layout.end(), id,
                               [](std::int64_t v, const Layout& l) { return v < l.worklog_base; });
    if (it == m_layout.begin()) return nullptr;
    --it;
    return id < it->worklog_base + it->worklog_count ? &*it : nullptr;
}

std::vector<Comment> EntityStore::generated_comments(const Layout& l) const {
    std::vector<Comment> out;
    if (l.comment_count <= 0) return out;
    Rng r(mix_seed(l.seed, comment_stream));
    const std::int64_t span = (l.updated - l.created).count();
    const auto offs = offsets(r, l.comment_count, span);
    out.reserve(offs.size());
    for (std::size_t i = 0; i < offs.size(); ++i) {
        Comment c;
        c.id = l.comment_base + static_cast<std::int64_t>(i);
        c.issue_id = l.issue_id;
        c.created = l.created + milliseconds(offs[i]);
        // About one comment in ten was edited later, never after the issue's last update.
        c.updated = r.chance(0.1) ? c.created + milliseconds(r.range(0, span - offs[i])) : c.created;
        c.author = static_cast<int>(r.range(0, users().size() - 1));
        c.update_author = c.updated != c.created && r.chance(0.3) ? static_cast<int>(r.range(0, users().size() - 1))
                                                                  : c.author;
        c.body = comment_body(r);
        out.push_back(std::move(c));
    }
    return out;
}

std::vector<Worklog> EntityStore::generated_worklogs(const Layout& l) const {
    std::vector<Worklog> out;
    if (l.worklog_count <= 0) return out;
    Rng r(mix_seed(l.seed, worklog_stream));
    const std::int64_t span = (l.updated - l.created).count();
    const auto offs = offsets(r, l.worklog_count, span);
    out.reserve(offs.size());
    const auto first_minute = std::chrono::floor<minutes>(l.created);
    for (std::size_t i = 0; i < offs.size(); ++i) {
        Worklog w;
        w.id = l.worklog_base + static_cast<std::int64_t>(i);
        w.issue_id = l.issue_id;
        w.created = l.created + milliseconds(offs[i]);
        w.updated = r.chance(0.1) ? w.created + milliseconds(r.range(0, span - offs[i])) : w.created;
        // Work is logged after it was done: started up to two days earlier, to the minute.
        const auto started = std::chrono::floor<minutes>(w.created - milliseconds(r.range(0, 2LL * 24 * 3600 * 1000)));
        w.started = std::max(started, first_minute);
        w.author = static_cast<int>(r.range(0, users().size() - 1));
        w.update_author = w.author;
        w.seconds = durations[r.range(0, sizeof(durations) / sizeof(durations[0]) - 1)];
        w.comment = r.chance(0.3) ? json(nullptr) : json(worklog_texts[r.range(0, worklog_text_count - 1)]);
        out.push_back(std::move(w));
    }
    return out;
}

std::vector<Comment> EntityStore::comments_of(const Issue& issue) const {
    if (const Layout* l = layout_of(issue.id); l && !l->comments_explicit) return generated_comments(*l);
    auto it = m_explicit.find(issue.id);
    return it == m_explicit.end() ? std::vector<Comment>{} : it->second.comments;
}

std::vector<Worklog> EntityStore::worklogs_of(const Issue& issue) const {
    if (const Layout* l = layout_of(issue.id); l && !l->worklogs_explicit) return generated_worklogs(*l);
    auto it = m_explicit.find(issue.id);
    return it == m_explicit.end() ? std::vector<Worklog>{} : it->second.worklogs;
}

std::int64_t EntityStore::time_spent_seconds(const Issue& issue) const {
    std::int64_t total = 0;
    for (const auto& w : worklogs_of(issue)) total += w.seconds;
    return total;
}

EntityStore::Explicit& EntityStore::materialize_comments(const Issue& issue) {
    Explicit& e = m_explicit[issue.id];
    if (Layout* l = layout_of(issue.id); l && !l->comments_explicit) {
        e.comments = generated_comments(*l);
        l->comments_explicit = true;
    }
    return e;
}

EntityStore::Explicit& EntityStore::materialize_worklogs(const Issue& issue) {
    Explicit& e = m_explicit[issue.id];
    if (Layout* l = layout_of(issue.id); l && !l->worklogs_explicit) {
        e.worklogs = generated_worklogs(*l);
        l->worklogs_explicit = true;
        // From now on the explicit index speaks for this issue's worklogs (the generated entries are skipped).
        for (const auto& w : e.worklogs) m_explicit_updates.emplace(ms(w.updated), w.id);
    }
    return e;
}

Comment& EntityStore::add_comment(const Issue& issue, Comment comment) {
    Explicit& e = materialize_comments(issue);
    comment.id = m_next_comment_id++;
    comment.issue_id = issue.id;
    m_comment_owner[comment.id] = issue.id;
    e.comments.push_back(std::move(comment));
    return e.comments.back();
}

Comment* EntityStore::find_comment(const Issue& issue, std::int64_t id) {
    Explicit& e = materialize_comments(issue);
    for (auto& c : e.comments)
        if (c.id == id) return &c;
    return nullptr;
}

bool EntityStore::remove_comment(const Issue& issue, std::int64_t id) {
    Explicit& e = materialize_comments(issue);
    auto it = std::find_if(e.comments.begin(), e.comments.end(), [id](const Comment& c) { return c.id == id; });
    if (it == e.comments.end()) return false;
    e.comments.erase(it);
    return true;
}

Worklog& EntityStore::add_worklog(const Issue& issue, Worklog worklog) {
    Explicit& e = materialize_worklogs(issue);
    worklog.id = m_next_worklog_id++;
    worklog.issue_id = issue.id;
    m_worklog_owner[worklog.id] = issue.id;
    m_explicit_updates.emplace(ms(worklog.updated), worklog.id);
    e.worklogs.push_back(std::move(worklog));
    return e.worklogs.back();
}

Worklog* EntityStore::find_worklog(const Issue& issue, std::int64_t id) {
    Explicit& e = materialize_worklogs(issue);
    for (auto& w : e.worklogs)
        if (w.id == id) return &w;
    return nullptr;
}

void EntityStore::reindex_worklog(const Worklog& before, const Worklog& after) {
    m_explicit_updates.erase({ms(before.updated), before.id});
    m_explicit_updates.emplace(ms(after.updated), after.id);
}

bool EntityStore::remove_worklog(const Issue& issue, std::int64_t id, Timestamp when) {
    Explicit& e = materialize_worklogs(issue);
    auto it = std::find_if(e.worklogs.begin(), e.worklogs.end(), [id](const Worklog& w) { return w.id == id; });
    if (it == e.worklogs.end()) return false;
    m_explicit_updates.erase({ms(it->updated), it->id});
    m_deletions.emplace(ms(when), id);
    e.worklogs.erase(it);
    return true;
}

void EntityStore::index_link(const IssueLink& link) {
    m_links_by_issue[link.from].push_back(link.id);
    m_links_by_issue[link.to].push_back(link.id);
}

const IssueLink& EntityStore::add_link(std::size_t type, std::int64_t from, std::int64_t to) {
    IssueLink link{m_next_link_id++, type, from, to};
    auto& stored = m_links.emplace(link.id, link).first->second;
    index_link(stored);
    return stored;
}

std::optional<IssueLink> EntityStore::remove_link(std::int64_t id) {
    auto it = m_links.find(id);
    if (it == m_links.end()) return std::nullopt;
    const IssueLink link = it->second;
    m_links.erase(it);
    for (std::int64_t issue : {link.from, link.to}) {
        auto& ids = m_links_by_issue[issue];
        ids.erase(std::remove(ids.begin(), ids.end(), id), ids.end());
    }
    return link;
}

std::vector<IssueLink> EntityStore::links_of(const IssueStore& store, std::int64_t issue_id) const {
    std::vector<IssueLink> out;
    auto it = m_links_by_issue.find(issue_id);
    if (it == m_links_by_issue.end()) return out;
    for (std::int64_t id : it->second) {
        const IssueLink& link = m_links.at(id);
        // Jira drops a link together with either of its issues.
        if (store.find_by_id(link.from) && store.find_by_id(link.to)) out.push_back(link);
    }
    std::sort(out.begin(), out.end(), [](const IssueLink& a, const IssueLink& b) { return a.id < b.id; });
    return out;
}

std::vector<IssueLink> EntityStore::all_links(const IssueStore& store) const {
    std::vector<IssueLink> out;
    for (const auto& [id, link] : m_links)
        if (store.find_by_id(link.from) && store.find_by_id(link.to)) out.push_back(link);
    return out;
}

std::optional<Comment> EntityStore::comment(const IssueStore& store, std::int64_t id) const {
    std::int64_t issue_id = 0;
    if (auto it = m_comment_owner.find(id); it != m_comment_owner.end()) issue_id = it->second;
    else if (const Layout* l = layout_of_comment(id)) issue_id = l->issue_id;
    const Issue* issue = issue_id ? store.find_by_id(issue_id) : nullptr;
    if (!issue) return std::nullopt;
    for (auto& c : comments_of(*issue))
        if (c.id == id) return c;
    return std::nullopt;
}

std::optional<Worklog> EntityStore::worklog(const IssueStore& store, std::int64_t id) const {
    std::int64_t issue_id = 0;
    if (auto it = m_worklog_owner.find(id); it != m_worklog_owner.end()) issue_id = it->second;
    else if (const Layout* l = layout_of_worklog(id)) issue_id = l->issue_id;
    const Issue* issue = issue_id ? store.find_by_id(issue_id) : nullptr;
    if (!issue) return std::nullopt;
    for (auto& w : worklogs_of(*issue))
        if (w.id == id) return w;
    return std::nullopt;
}

std::vector<WorklogChange> EntityStore::updated_worklogs(const IssueStore& store, std::int64_t since_ms,
                                                         std::int64_t until_ms, std::size_t limit) const {
    std::vector<WorklogChange> out;
    auto live = [&](std::int64_t id, bool generated) {
        std::int64_t issue_id = 0;
        if (generated) {
            const Layout* l = layout_of_worklog(id);
            if (!l || l->worklogs_explicit) return false;  // the explicit index holds its current state
            issue_id = l->issue_id;
        } else if (auto it = m_worklog_owner.find(id); it != m_worklog_owner.end()) {
            issue_id = it->second;
        } else if (const Layout* l = layout_of_worklog(id)) {
            issue_id = l->issue_id;
        }
        return issue_id != 0 && store.find_by_id(issue_id) != nullptr;
    };
    // Merge the two sorted indexes.
    auto g = std::lower_bound(m_generated_updates.begin(), m_generated_updates.end(), std::make_pair(since_ms, std::int64_t{0}));
    auto e = m_explicit_updates.lower_bound({since_ms, 0});
    while (out.size() <= limit) {
        const bool g_ok = g != m_generated_updates.end() && g->first <= until_ms;
        const bool e_ok = e != m_explicit_updates.end() && e->first <= until_ms;
        if (!g_ok && !e_ok) break;
        const bool take_g = g_ok && (!e_ok || *g < *e);
        const auto entry = take_g ? *g : *e;
        if (take_g) ++g;
        else ++e;
        if (live(entry.second, take_g)) out.push_back({entry.second, entry.first});
    }
    return out;
}

std::vector<WorklogChange> EntityStore::deleted_worklogs(std::int64_t since_ms, std::int64_t until_ms,
                                                         std::size_t limit) const {
    std::vector<WorklogChange> out;
    for (auto it = m_deletions.lower_bound({since_ms, 0}); it != m_deletions.end() && it->first <= until_ms; ++it) {
        out.push_back({it->second, it->first});
        if (out.size() > limit) break;
    }
    return out;
}

}  // namespace j2s::fake
