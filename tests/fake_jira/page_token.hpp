#pragma once
// Opaque keyset page tokens: base64url of {the hash of the JQL, the sort values of the last row
// returned}. The next page starts strictly after that row, so issues edited, added or removed between
// requests never shift the rows of later pages (an edited issue may move and be seen again, never
// skipped). The changelog bulk fetch uses the same form with its own row values.

#include "jql_eval.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace j2s::fake {

std::string encode_page_token(std::string_view scope, const SortRow& last_row);
// nullopt when the token is garbage or was issued for a different scope (JQL text or id list).
std::optional<SortRow> decode_page_token(std::string_view token, std::string_view scope);

}  // namespace j2s::fake
