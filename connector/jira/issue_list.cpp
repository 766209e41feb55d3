#include "jira/issue_list.hpp"

#include "util/errors.hpp"
#include "jira/jira_api.hpp"
#include "jira/response_json.hpp"

namespace j2s {

struct IssueList::Parts {
    std::shared_ptr<const JsonDocument> document;  // what `issues` point into
    std::vector<JsonDocument::Value> issues;
};

IssueList::IssueList() : m_parts(std::make_unique<Parts>()) {}

IssueList::IssueList(std::shared_ptr<const JsonDocument> document, const char* name) : IssueList() {
    if (!document) return;
    if (const auto array = document->root().find(name))
        array->for_each_element([&](const JsonDocument::Value& issue) { m_parts->issues.push_back(issue); });
    m_parts->document = std::move(document);
}

IssueList::IssueList(IssueList&&) noexcept = default;
IssueList& IssueList::operator=(IssueList&&) noexcept = default;
IssueList::~IssueList() = default;

std::size_t IssueList::size() const { return m_parts ? m_parts->issues.size() : 0; }

std::int64_t IssueList::id(std::size_t i) const {
    const auto id = m_parts->issues.at(i).find("id");
    if (!id) throw Error("Jira returned an issue without an id");
    return json_id(id->to_json());
}

std::optional<Timestamp> IssueList::updated(std::size_t i) const {
    const auto fields = m_parts->issues.at(i).find("fields");
    if (!fields) return std::nullopt;
    const auto updated = fields->find("updated");
    if (!updated) return std::nullopt;
    const auto text = updated->to_json();
    if (!text.is_string()) return std::nullopt;
    return parse_jira_timestamp(text.get_ref<const std::string&>());
}

nlohmann::json IssueList::to_json(std::size_t i) const { return m_parts->issues.at(i).to_json(); }

std::vector<nlohmann::json> IssueList::to_json() const {
    std::vector<nlohmann::json> out;
    out.reserve(size());
    for (std::size_t i = 0; i < size(); ++i) out.push_back(to_json(i));
    return out;
}

void IssueList::drop_front(std::size_t first) {
    auto& issues = m_parts->issues;
    issues.erase(issues.begin(), issues.begin() + static_cast<std::ptrdiff_t>(std::min(first, issues.size())));
}

void IssueList::keep_if(const std::function<bool(std::size_t)>& keep) {
    std::vector<JsonDocument::Value> kept;
    for (std::size_t i = 0; i < size(); ++i)
        if (keep(i)) kept.push_back(m_parts->issues[i]);
    m_parts->issues = std::move(kept);
}

}  // namespace j2s
