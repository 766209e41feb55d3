#include "mapping/adf_to_text.hpp"

#include <catch2/catch.hpp>

#include "test_mapping_fixtures.hpp"

using namespace j2s;
using nlohmann::json;

namespace {

json doc(const json& content) { return json{{"version", 1}, {"type", "doc"}, {"content", content}}; }

json text(const std::string& t) { return json{{"type", "text"}, {"text", t}}; }

json paragraph(const json& inlines) { return json{{"type", "paragraph"}, {"content", inlines}}; }

}  // namespace

TEST_CASE("adf_to_text: the jira-cli reference document, line by line", "[adf]") {
    const json document = test::read_fixture(test::k_adf_fixture);
    const std::string expected =
        "H1\n"
        "H2\n"
        "1. Some text\n2. Some more text\n"  // hardBreaks; the trailing one is dropped
        "Blockquote text\n"
        "Inline Node https://antiklabs.atlassian.net/wiki/spaces/ANK/pages/124234/hello-world\n"
        "Implement epic browser\n"
        "Panel paragraph\n"
        "Person A\n"
        "Strong Paragraph 1\n"
        "Paragraph 2\n"
        "Bold Text\n"
        "Italic Text\n"
        "Prefix: Underlined Text\n"
        "Prefix: Inline Code Block\n"
        "Prefix: Strikethrough text\n"
        "Link\n"
        "Prefix: Unordered list item 1\nNext\nAnother\nNew level\nUnordered list item 2\nUnordered list item 3\n"
        "Ordered list item 1\nOrdered list item 2\nOrdered list item 3\nnested\nsecond level\nthird level\n"
        "fourth level\n"
        "Table Header 1 | Table Header 2 | Table Header 3\n"
        "Table row 1 column 1 | Table row 1 column 2 | Table row 1 column 3\n"
        "Table row 2 column 1 | Table row 2 column 2 | Table row 2 column 3\n"
        "package main\n\nimport (\n\t\"fmt\"\n)\n\nfunc main() {\n\tfmt.Println(\"Hello, World!\")\n}\n"
        "Table Header 1 | Table Header 2 | Table Header 3 | Table Header 4 | Table Header 5\n"
        "Table row 1 column 1 | Table row 2 column 1 | Table row 3 column 1 | Table row 4 column 1 | "
        "Table row 5 column 1\n"
        "Table row 1 column 2 | Table row 2 column 2 | Table row 3 column 2 | Table row 4 column 2 | "
        "Table row 5 column 2\n"
        "Table row 1 column 2 | Table row 2 column 3 | Table row 3 column 3 | Table row 4 column 3 | "
        "Table row 5 column 3";
    CHECK(adf_to_text(document) == expected);
}

TEST_CASE("adf_to_text: the airbyte issue description", "[adf]") {
    const json issues = test::read_fixture(test::k_airbyte_fixture);
    CHECK(adf_to_text(issues.at("issues").at(0).at("fields").at("description")) == "Test issue");
}

TEST_CASE("adf_to_text: inline nodes keep their text", "[adf]") {
    const json d = doc(json::array({paragraph(json::array({
        text("Hi "),
        json{{"type", "mention"}, {"attrs", {{"id", "557058:x"}, {"text", "@Ann"}}}},
        text(" "),
        json{{"type", "emoji"}, {"attrs", {{"shortName", ":smile:"}, {"text", "😄"}}}},
        json{{"type", "emoji"}, {"attrs", {{"shortName", ":custom:"}}}},
        text(" "),
        json{{"type", "status"}, {"attrs", {{"text", "IN PROGRESS"}, {"color", "blue"}}}},
        text(" due "),
        json{{"type", "date"}, {"attrs", {{"timestamp", "1709596800000"}}}},  // 2024-03-05T00:00Z
        json{{"type", "text"}, {"text", "linked"}, {"marks", json::array({{{"type", "link"}, {"attrs", {{"href", "https://x"}}}}})}},
    }))}));
    CHECK(adf_to_text(d) == "Hi @Ann 😄:custom: IN PROGRESS due 2024-03-05linked");
}

TEST_CASE("adf_to_text: hardBreak is a newline inside the line", "[adf]") {
    const json d = doc(json::array({paragraph(json::array({text("a"), json{{"type", "hardBreak"}}, text("b")}))}));
    CHECK(adf_to_text(d) == "a\nb");
}

TEST_CASE("adf_to_text: headings, code blocks and task items are one line each, empty blocks none", "[adf]") {
    const json d = doc(json::array({
        json{{"type", "heading"}, {"attrs", {{"level", 2}}}, {"content", json::array({text("Title")})}},
        paragraph(json::array()),
        json{{"type", "rule"}},
        json{{"type", "codeBlock"}, {"content", json::array({text("x = 1\n")})}},
        json{{"type", "taskList"},
             {"content", json::array({json{{"type", "taskItem"}, {"attrs", {{"state", "TODO"}}},
                                           {"content", json::array({text("do it")})}}})}},
        json{{"type", "mediaSingle"}, {"content", json::array({json{{"type", "media"}, {"attrs", {{"id", "1"}}}}})}},
        json{{"type", "blockCard"}, {"attrs", {{"url", "https://card"}}}},
        json{{"type", "expand"}, {"content", json::array({paragraph(json::array({text("inside expand")}))})}},
    }));
    CHECK(adf_to_text(d) == "Title\nx = 1\ndo it\nhttps://card\ninside expand");
}

TEST_CASE("adf_to_text: a table cell with two paragraphs stays on its row's line", "[adf]") {
    const json cell1 = json{{"type", "tableCell"},
                            {"content", json::array({paragraph(json::array({text("p1")})),
                                                     paragraph(json::array({text("p2")}))})}};
    const json cell2 = json{{"type", "tableCell"}, {"content", json::array({paragraph(json::array())})}};
    const json cell3 = json{{"type", "tableCell"}, {"content", json::array({paragraph(json::array({text("z")}))})}};
    const json d = doc(json::array({json{{"type", "table"},
                                         {"content", json::array({json{{"type", "tableRow"},
                                                                       {"content", json::array({cell1, cell2, cell3})}}})}}}));
    CHECK(adf_to_text(d) == "p1 p2 |  | z");
}

TEST_CASE("adf_to_text: unknown nodes and odd input degrade, never throw", "[adf]") {
    CHECK(adf_to_text(doc(json::array({json{{"type", "somethingNew"}, {"content", json::array({paragraph(json::array({text("kept")}))})}}}))) == "kept");
    CHECK(adf_to_text(json()) == "");
    CHECK(adf_to_text(json("plain")) == "");
    CHECK(adf_to_text(json::parse(R"({"type":"doc","content":"oops"})")) == "");
    CHECK(adf_to_text(json::parse(R"({"type":"doc","content":[1, null, {"type": 5}, {"type":"paragraph","content":[{"type":"text","text":7}]}]})")) == "");
    CHECK(adf_to_text(json::parse(R"({"type":"doc","content":[{"type":"paragraph","content":[{"type":"date","attrs":{"timestamp":"soon"}}]}]})")) == "soon");
}
