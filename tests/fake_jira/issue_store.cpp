#include "issue_store.hpp"

#include "generator.hpp"

#include <algorithm>
#include <stdexcept>

namespace j2s::fake {

std::string to_upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

namespace {
std::string project_name(const std::string& key) {
    std::string name = key.substr(0, 1);
    for (std::size_t i = 1; i < key.size(); ++i)
        name += static_cast<char>(key[i] >= 'A' && key[i] <= 'Z' ? key[i] - 'A' + 'a' : key[i]);
    return name + " Project";
}
}  // namespace

IssueStore::IssueStore(Flavor flavor, Timestamp anchor) : m_flavor(flavor), m_anchor(anchor) {}

Project& IssueStore::ensure_project(const std::string& key) {
    const std::string upper = to_upper(key);
    auto it = m_projects.find(upper);
    if (it != m_projects.end()) return it->second;
    Project p;
    p.id = m_next_project_id++;
    p.key = upper;
    p.name = project_name(upper);
    return m_projects.emplace(upper, p).first->second;
}

bool IssueStore::remove_project(const std::string& key) {
    auto it = m_projects.find(to_upper(key));
    if (it == m_projects.end()) return false;
    for (const auto& issue : m_issues)
        if (!issue.deleted && to_upper(issue.project_key) == it->first)
            throw std::logic_error("project " + it->first + " still has issues");
    m_projects.erase(it);
    return true;
}

Issue& IssueStore::add_issue(Issue issue) {
    if (m_by_id.count(issue.id)) throw std::invalid_argument("duplicate issue id " + std::to_string(issue.id));
    const std::string key = to_upper(issue.key);
    if (m_by_key.count(key)) throw std::invalid_argument("duplicate issue key " + issue.key);
    Project& project = ensure_project(issue.project_key);
    project.next_number = std::max(project.next_number, issue.number + 1);
    m_next_issue_id = std::max(m_next_issue_id, issue.id + 1);
    for (const auto& h : issue.histories) m_next_history_id = std::max(m_next_history_id, h.id + 1);
    m_next_history_id =
        std::max(m_next_history_id, issue.generated_history_base + issue.generated_history_count);
    const std::size_t slot = m_issues.size();
    m_by_id[issue.id] = slot;
    m_by_key[key] = slot;
    for (const auto& old : issue.old_keys) m_by_key[to_upper(old)] = slot;
    if (!issue.deleted) ++m_live;
    m_issues.push_back(std::move(issue));
    return m_issues.back();
}

std::int64_t IssueStore::reserve_history_ids(std::int64_t count) {
    const std::int64_t first = m_next_history_id;
    m_next_history_id += count;
    return first;
}

RenderContext IssueStore::native_context() const {
    RenderContext ctx;
    ctx.flavor = m_flavor;
    ctx.api_version = m_flavor == Flavor::cloud ? 3 : 2;
    ctx.base_url = m_base_url;
    return ctx;
}

void IssueStore::materialize(Issue& issue) {
    if (issue.seed == 0) return;
    auto fields = fields_of(issue);
    auto histories = histories_of(issue);
    issue.fields = std::move(fields);
    issue.histories = std::move(histories);
    issue.seed = 0;
    issue.generated_history_count = 0;
}

void IssueStore::move(Issue& issue, Project& project) {
    materialize(issue);
    issue.old_keys.push_back(issue.key);
    issue.project_key = project.key;
    issue.number = project.next_number++;
    issue.key = project.key + "-" + std::to_string(issue.number);
    m_by_key[to_upper(issue.key)] = m_by_id.at(issue.id);
    auto fields = std::make_shared<json>(*issue.fields);
    (*fields)["project"] = render_project(project, native_context());
    issue.fields = std::move(fields);
}

void IssueStore::remove(Issue& issue) {
    if (issue.deleted) return;
    issue.deleted = true;
    --m_live;
    m_by_key.erase(to_upper(issue.key));
    for (const auto& old : issue.old_keys) m_by_key.erase(to_upper(old));
    m_by_id.erase(issue.id);
}

Issue* IssueStore::find(std::string_view id_or_key) {
    return const_cast<Issue*>(static_cast<const IssueStore*>(this)->find(id_or_key));
}

const Issue* IssueStore::find(std::string_view id_or_key) const {
    if (id_or_key.empty()) return nullptr;
    if (std::all_of(id_or_key.begin(), id_or_key.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (id_or_key.size() > 18) return nullptr;
        return find_by_id(std::stoll(std::string(id_or_key)));
    }
    auto it = m_by_key.find(to_upper(id_or_key));
    if (it == m_by_key.end()) return nullptr;
    const Issue& issue = m_issues[it->second];
    return issue.deleted ? nullptr : &issue;
}

const Issue* IssueStore::find_by_id(std::int64_t id) const {
    auto it = m_by_id.find(id);
    if (it == m_by_id.end()) return nullptr;
    const Issue& issue = m_issues[it->second];
    return issue.deleted ? nullptr : &issue;
}

const Project* IssueStore::project(std::string_view key) const {
    auto it = m_projects.find(to_upper(key));
    return it == m_projects.end() ? nullptr : &it->second;
}

const Project* IssueStore::project_by_id(std::int64_t id) const {
    for (const auto& [key, p] : m_projects)
        if (p.id == id) return &p;
    return nullptr;
}

std::vector<const Project*> IssueStore::projects() const {
    std::vector<const Project*> out;
    for (const auto& [key, p] : m_projects) out.push_back(&p);
    return out;
}

std::shared_ptr<const json> IssueStore::fields_of(const Issue& issue) const {
    if (issue.seed == 0) return issue.fields ? issue.fields : std::make_shared<const json>(json::object());
    const Project* p = project(issue.project_key);
    json fields = generated_fields(issue, *p, native_context(), m_anchor);
    // A generated parent is referenced by key; resolve it here, where the other issues are visible.
    if (fields.contains("parent")) {
        const Issue* parent = find(fields["parent"]["key"].get<std::string>());
        if (parent == nullptr) {
            fields.erase("parent");
        } else {
            // Not fields_of(*parent): that would resolve the parent's parent, and so on up the chain.
            auto pf = parent->seed != 0 ? std::make_shared<const json>(generated_fields(
                                              *parent, *project(parent->project_key), native_context(), m_anchor))
                                        : fields_of(*parent);
            json summary_fields = json::object();
            for (const char* f : {"summary", "status", "priority", "issuetype"})
                if (pf->contains(f)) summary_fields[f] = (*pf)[f];
            fields["parent"] = {{"id", std::to_string(parent->id)},
                                {"key", parent->key},
                                {"self", api_prefix(native_context()) + "/issue/" + std::to_string(parent->id)},
                                {"fields", summary_fields}};
        }
    }
    return std::make_shared<const json>(std::move(fields));
}

std::vector<History> IssueStore::histories_of(const Issue& issue) const {
    std::vector<History> out;
    if (issue.seed != 0 && issue.generated_history_count > 0)
        out = generated_histories(issue, *project(issue.project_key), m_flavor, m_anchor);
    out.insert(out.end(), issue.histories.begin(), issue.histories.end());
    return out;
}

}  // namespace j2s::fake
