#pragma once
// The issues of one search page, parsed (simdjson) but not yet nlohmann::json: each issue is converted only
// when the caller asks for it, so a page of 1,000 Server issues with their changelogs never exists whole as
// nlohmann nodes (several times the size of the parsed document).

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "util/time.hpp"

namespace j2s {

class JsonDocument;

class IssueList {
public:
    IssueList();
    // The elements of the array `name` of the document's root object (none when absent or not an array).
    IssueList(std::shared_ptr<const JsonDocument> document, const char* name);
    IssueList(IssueList&&) noexcept;
    IssueList& operator=(IssueList&&) noexcept;
    ~IssueList();

    std::size_t size() const;
    bool empty() const { return size() == 0; }

    // The issue's `id`; throws Error when missing or not a number.
    std::int64_t id(std::size_t i) const;
    // fields.updated, or nullopt when missing or unreadable.
    std::optional<Timestamp> updated(std::size_t i) const;
    // The issue as nlohmann::json (a copy: the list is unchanged).
    nlohmann::json to_json(std::size_t i) const;
    std::vector<nlohmann::json> to_json() const;

    // Keeps the issues from `first` on.
    void drop_front(std::size_t first);
    // Keeps the issues for which `keep(index)` is true, in order.
    void keep_if(const std::function<bool(std::size_t)>& keep);

private:
    struct Parts;
    std::unique_ptr<Parts> m_parts;
};

}  // namespace j2s
