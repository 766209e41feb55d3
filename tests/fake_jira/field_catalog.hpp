#pragma once
// The site's field list (GET .../field) and the custom field ids the generator fills. Every field is
// navigable, so `*navigable` and `*all` select the same set here.

#include "model.hpp"

#include <string>
#include <vector>

namespace j2s::fake {

inline constexpr const char* story_points_field = "customfield_10016";
inline constexpr const char* team_field = "customfield_10030";
inline constexpr const char* sprint_field = "customfield_10020";
inline constexpr const char* reviewers_field = "customfield_10003";
inline constexpr const char* notes_field = "customfield_10040";

struct FieldDef {
    std::string id;
    std::string name;
    bool custom;
    json schema;
};

const std::vector<FieldDef>& field_catalog();
const FieldDef* find_field(const std::string& id);

// FieldDetails list as GET .../field returns it.
json render_field_list(Flavor flavor);

}  // namespace j2s::fake
