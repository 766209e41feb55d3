#include "fixtures_loader.hpp"

#include "generator.hpp"
#include "rng.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace j2s::fake {

namespace {

Timestamp timestamp_of(const json& spec, const char* name) {
    if (!spec.contains(name) || !spec[name].is_string()) throw std::runtime_error(std::string(name) + " is required");
    auto t = parse_jira_timestamp(spec[name].get<std::string>());
    if (!t) throw std::runtime_error(std::string(name) + " is not a Jira timestamp: " + spec[name].dump());
    return *t;
}

}  // namespace

void load_fixture_issue(IssueStore& store, const json& spec) {
    if (spec.contains("flavors")) {
        const std::string mine = store.flavor() == Flavor::cloud ? "cloud" : "server";
        const auto& f = spec["flavors"];
        if (std::find(f.begin(), f.end(), mine) == f.end()) return;
    }
    if (!spec.contains("project") || !spec["project"].is_string()) throw std::runtime_error("project is required");
    Project& project = store.ensure_project(spec["project"].get<std::string>());
    Issue issue;
    // A fixture's id is kept unless a generated issue already has it (then the next free id is used),
    // so fixtures modelled on real issues can be loaded next to any --generate count.
    issue.id = spec.contains("id") && !store.find_by_id(spec["id"].get<std::int64_t>()) ? spec["id"].get<std::int64_t>()
                                                                                         : store.allocate_issue_id();
    issue.project_key = project.key;
    issue.number = spec.contains("number") ? spec["number"].get<std::int64_t>() : project.next_number;
    issue.key = project.key + "-" + std::to_string(issue.number);
    issue.created = timestamp_of(spec, "created");
    issue.updated = timestamp_of(spec, "updated");
    if (issue.updated < issue.created) throw std::runtime_error("updated is before created");
    if (spec.contains("old_keys")) issue.old_keys = spec["old_keys"].get<std::vector<std::string>>();

    json fields = spec.value("fields", json::object());
    fields.erase("created");
    fields.erase("updated");
    RenderContext ctx;
    ctx.flavor = store.flavor();
    ctx.api_version = store.flavor() == Flavor::cloud ? 3 : 2;
    ctx.base_url = store.base_url();
    fields["project"] = render_project(project, ctx);
    issue.fields = std::make_shared<const json>(std::move(fields));

    for (const auto& h : spec.value("histories", json::array())) {
        History history;
        history.created = timestamp_of(h, "created");
        history.id = h.contains("id") ? std::stoll(h["id"].is_string() ? h["id"].get<std::string>() : h["id"].dump())
                                      : store.reserve_history_ids(1);
        history.author = h.value("author", json(nullptr));
        history.author_index = static_cast<int>(history.id % static_cast<std::int64_t>(users().size()));
        history.items = h.value("items", json::array());
        issue.histories.push_back(std::move(history));
    }
    if (spec.contains("generated_histories")) {
        // Long changelogs without a script: the generator's history model over the fixture's lifetime.
        const auto& g = spec["generated_histories"];
        Issue shape = issue;
        shape.seed = mix_seed(g.value("seed", 1ULL), static_cast<std::uint64_t>(issue.id));
        shape.generated_history_count = g.value("count", 0);
        shape.generated_history_base = store.reserve_history_ids(shape.generated_history_count);
        auto generated = generated_histories(shape, project, store.flavor(), store.anchor());
        issue.histories.insert(issue.histories.end(), generated.begin(), generated.end());
    }
    std::stable_sort(issue.histories.begin(), issue.histories.end(),
                     [](const History& a, const History& b) { return a.created < b.created; });
    if (!issue.histories.empty() && issue.histories.back().created > issue.updated)
        throw std::runtime_error("a history is newer than updated");
    store.add_issue(std::move(issue));
}

void load_fixtures(IssueStore& store, const std::string& dir) {
    namespace fs = std::filesystem;
    const fs::path issues_dir = fs::path(dir) / "issues";
    if (!fs::is_directory(issues_dir)) throw std::runtime_error("fixtures: no directory " + issues_dir.string());
    std::vector<fs::path> files;
    for (const auto& entry : fs::directory_iterator(issues_dir))
        if (entry.path().extension() == ".json") files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
        std::ifstream in(file);
        const json doc = json::parse(in, nullptr, false);
        if (doc.is_discarded()) throw std::runtime_error("fixtures: " + file.string() + " is not valid JSON");
        try {
            if (doc.is_array())
                for (const auto& spec : doc) load_fixture_issue(store, spec);
            else
                load_fixture_issue(store, doc);
        } catch (const std::exception& e) {
            throw std::runtime_error("fixtures: " + file.string() + ": " + e.what());
        }
    }
}

}  // namespace j2s::fake
