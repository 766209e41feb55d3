#pragma once
// The fake's data model. An issue is either fully materialized (fixtures, issues created through the
// control API, or a generated issue after its first edit) or generated: then `seed` is non-zero and its
// system fields and first `generated_history_count` histories are derived from the seed on every
// request, so 200,000 issues cost a few hundred bytes each instead of tens of kilobytes of JSON.

#include "util/time.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace j2s::fake {

using nlohmann::json;

enum class Flavor { cloud, server };

struct History {
    std::int64_t id = 0;
    Timestamp created{};
    int author_index = 0;  // into the user pool; used when `author` is null
    json author;           // an explicit author object (fixtures), else null
    json items = json::array();
};

struct Issue {
    std::int64_t id = 0;
    std::string key;
    std::string project_key;
    std::int64_t number = 0;
    Timestamp created{};
    Timestamp updated{};

    std::uint64_t seed = 0;  // non-zero: fields/histories derived by the generator until materialized
    int generated_history_count = 0;
    std::int64_t generated_history_base = 0;  // id of the first generated history

    // Materialized `fields` without created/updated (those come from the members above). Shared and
    // immutable so a request can render it after releasing the store lock.
    std::shared_ptr<const json> fields;
    std::vector<History> histories;  // explicit histories, newer than every generated one
    std::vector<std::string> old_keys;
    bool deleted = false;
};

struct Project {
    std::int64_t id = 0;
    std::string key;
    std::string name;
    std::int64_t next_number = 1;
};

}  // namespace j2s::fake
