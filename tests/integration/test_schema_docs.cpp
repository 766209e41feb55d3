// The schema's documentation keeps up with the migrations: every table and view that migrations/sqlite and
// migrations/postgres create is in the entity-relationship source (schema/er.dot) with each of its columns, in
// the rendered picture (schema/er.svg), and in schema/README.md with a section listing each column. Reads the
// files only: no Graphviz, no database.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "harness.hpp"

namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& path) {
    std::ifstream in(path);
    INFO(path.string());
    REQUIRE(in.good());
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string without_sql_comments(const std::string& sql) {
    return std::regex_replace(sql, std::regex("--[^\n]*"), "");
}

// The schema one dialect's migrations build: table -> columns, and the views.
struct Schema {
    std::map<std::string, std::set<std::string>> tables;
    std::set<std::string> views;
    bool operator==(const Schema&) const = default;
};

// The column names of a CREATE TABLE body: the first word of each top-level comma-separated part, except
// table constraints.
std::set<std::string> columns_of(const std::string& body) {
    std::set<std::string> out;
    std::vector<std::string> parts(1);
    int depth = 0;
    for (char c : body) {
        if (c == '(') ++depth;
        if (c == ')') --depth;
        if (c == ',' && depth == 0) parts.emplace_back();
        else parts.back() += c;
    }
    static const std::set<std::string> constraints{"PRIMARY", "UNIQUE", "CHECK", "CONSTRAINT", "FOREIGN"};
    for (const auto& part : parts) {
        std::istringstream words(part);
        std::string first;
        if (words >> first && !constraints.count(first)) out.insert(first);
    }
    return out;
}

Schema schema_of(const std::string& dialect) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(fs::path(j2s::it::source_dir()) / "migrations" / dialect))
        if (e.path().extension() == ".sql") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    REQUIRE(files.size() >= 4);
    Schema schema;
    static const std::regex table_start(R"(CREATE TABLE (\w+) \()"), view(R"(CREATE (?:OR REPLACE )?VIEW (\w+))"),
        added(R"(ALTER TABLE (\w+) ADD COLUMN (\w+))");
    for (const auto& file : files) {
        const std::string sql = without_sql_comments(read_text(file));
        for (std::sregex_iterator m(sql.begin(), sql.end(), table_start), end; m != end; ++m) {
            // The body runs to the parenthesis that closes the one after the name.
            std::size_t i = m->position(0) + m->length(0);
            const std::size_t body_start = i;
            for (int depth = 1; depth > 0 && i < sql.size(); ++i) depth += sql[i] == '(' ? 1 : sql[i] == ')' ? -1 : 0;
            schema.tables[(*m)[1]] = columns_of(sql.substr(body_start, i - 1 - body_start));
        }
        for (std::sregex_iterator m(sql.begin(), sql.end(), view), end; m != end; ++m) schema.views.insert((*m)[1]);
        for (std::sregex_iterator m(sql.begin(), sql.end(), added), end; m != end; ++m)
            schema.tables[(*m)[1]].insert((*m)[2]);
    }
    return schema;
}

// The text of one node statement of er.dot (`name [label=<...>];`), empty if there is none.
std::string dot_node(const std::string& dot, const std::string& name) {
    const std::regex start("\n\\s*" + name + " \\[label=");
    std::smatch m;
    if (!std::regex_search(dot, m, start)) return {};
    const std::size_t from = m.position(0);
    return dot.substr(from, dot.find(">];", from) - from);
}

// The section of schema/README.md whose heading starts with "## `name`", up to the next "## " heading.
std::string readme_section(const std::string& readme, const std::string& name) {
    const std::string heading = "\n## `" + name + "`";
    const auto from = readme.find(heading);
    if (from == std::string::npos) return {};
    return readme.substr(from, readme.find("\n## ", from + 1) - from);
}

}  // namespace

TEST_CASE("both dialects' migrations build the same tables, columns and views", "[schema][docs]") {
    const Schema sqlite = schema_of("sqlite");
    const Schema postgres = schema_of("postgres");
    REQUIRE(sqlite.tables.count("issues"));
    REQUIRE(sqlite.tables.at("users").count("email"));  // the ALTER TABLE of migration 0004
    REQUIRE(sqlite.views.count("issues_live"));
    CHECK(sqlite.tables == postgres.tables);
    CHECK(sqlite.views == postgres.views);
}

TEST_CASE("schema/er.dot, er.svg and README.md name every table, column and view of the migrations",
          "[schema][docs]") {
    const fs::path schema_dir = fs::path(j2s::it::source_dir()) / "schema";
    const std::string dot = read_text(schema_dir / "er.dot");
    const std::string svg = read_text(schema_dir / "er.svg");
    const std::string readme = read_text(schema_dir / "README.md");
    const auto views = readme.find("\n## Views");
    REQUIRE(views != std::string::npos);
    const std::string views_section = readme.substr(views, readme.find("\n## ", views + 1) - views);

    for (const std::string dialect : {"sqlite", "postgres"}) {
        const Schema schema = schema_of(dialect);
        for (const auto& [table, columns] : schema.tables) {
            INFO(dialect << " table " << table);
            const std::string node = dot_node(dot, table);
            CHECK_FALSE(node.empty());
            // The svg carries one <title> per node: a table missing here means er.svg was not re-rendered.
            CHECK(svg.find("<title>" + table + "</title>") != std::string::npos);
            const std::string section = readme_section(readme, table);
            CHECK_FALSE(section.empty());
            for (const auto& column : columns) {
                INFO("column " << column);
                CHECK(node.find("port=\"" + column + "\"") != std::string::npos);
                CHECK(section.find("`" + column + "`") != std::string::npos);
            }
        }
        for (const auto& view : schema.views) {
            INFO(dialect << " view " << view);
            CHECK_FALSE(dot_node(dot, view).empty());
            CHECK(svg.find("<title>" + view + "</title>") != std::string::npos);
            // Listed as `name` or, with its columns, as `name (col, ...)`.
            CHECK(std::regex_search(views_section, std::regex("`" + view + "[` ]")));
        }
    }
}
