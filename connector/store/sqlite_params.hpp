#pragma once
// Helpers the SQLite store's translation units share (internal to the store module).

#include <SQLiteCpp/Statement.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

#include "core/column.hpp"

namespace j2s::sqlite {

// Binds a mapped value as SQLite stores it: NULL, 0/1, integer, real or text (not copied: the value must outlive
// the statement's step).
inline void bind_value(SQLite::Statement& st, int index, const SqlValue& value) {
    std::visit(
        [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>)
                st.bind(index);
            else if constexpr (std::is_same_v<T, bool>)
                st.bind(index, static_cast<std::int32_t>(v ? 1 : 0));
            else if constexpr (std::is_same_v<T, std::int64_t>)
                st.bind(index, static_cast<std::int64_t>(v));
            else if constexpr (std::is_same_v<T, double>)
                st.bind(index, v);
            else
                st.bindNoCopy(index, v);  // the record outlives the statement's step
        },
        value);
}

}  // namespace j2s::sqlite
