#include "generator.hpp"

#include "field_catalog.hpp"
#include "issue_store.hpp"
#include "rng.hpp"

#include <algorithm>

namespace j2s::fake {

namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;

constexpr std::uint64_t layout_stream = 0x1A7007;
constexpr std::uint64_t fields_stream = 0xF1E1D5;
constexpr std::uint64_t history_stream = 0x4157;

const char* const summaries[] = {
    "Überprüfung — 日本語 ✓",
    "Fix login timeout on Safari",
    "Add CSV export to the weekly report",
    "Crash when saving an empty draft",
    "Search ignores \"quoted\" terms",
    "Migrate billing jobs to the new queue",
    "Zeichensatz-Fehler in der Exportdatei (äöüß)",
    "Emoji in titles break the PDF 🚀",
    "Rate limit the webhook retries",
    "Café menu shows prices twice",
    "Upgrade TLS configuration on the edge",
    "Document the on-call runbook",
    "Dashboard widgets load slowly for large teams",
    "Les accents sont mal affichés dans l'éditeur",
    "Backfill missing audit events",
    "Remove the legacy v1 endpoints",
};
constexpr std::size_t summary_count = sizeof(summaries) / sizeof(summaries[0]);

const char* const component_names[] = {"API", "Web", "Mobile", "Infrastructure"};

std::string summary_of(const Issue& issue) {
    Rng r(mix_seed(issue.seed, 0x5A11));
    std::string s = summaries[r.range(0, summary_count - 1)];
    if (r.chance(0.5)) s += " (" + std::to_string(r.range(1, 99)) + ")";
    return s;
}

json adf_paragraph(const std::string& text) {
    return {{"type", "paragraph"}, {"content", json::array({{{"type", "text"}, {"text", text}}})}};
}

json adf_description(Rng& r, const std::string& summary) {
    json content = json::array();
    content.push_back(adf_paragraph("Context: " + summary));
    if (r.chance(0.5)) {
        json items = json::array();
        for (const char* t : {"Reproduce on staging", "Write the fix — with tests ✓"})
            items.push_back({{"type", "listItem"}, {"content", json::array({adf_paragraph(t)})}});
        content.push_back({{"type", "bulletList"}, {"content", items}});
    }
    if (r.chance(0.3))
        content.push_back({{"type", "codeBlock"},
                           {"attrs", {{"language", "bash"}}},
                           {"content", json::array({{{"type", "text"}, {"text", "make test"}}})}});
    return {{"type", "doc"}, {"version", 1}, {"content", content}};
}

std::string wiki_description(Rng& r, const std::string& summary) {
    std::string out = "h3. Context\n" + summary + "\n";
    if (r.chance(0.5)) out += "* Reproduce on staging\n* Write the fix — with tests ✓\n";
    if (r.chance(0.3)) out += "{code:bash}\nmake test\n{code}\n";
    return out;
}

std::size_t pick_status(Rng& r) {
    const double u = r.unit();
    if (u < 0.20) return 0;  // To Do
    if (u < 0.40) return 1;  // In Progress
    if (u < 0.50) return 2;  // In Review
    if (u < 0.55) return 3;  // Blocked
    return 4;                // Done
}

json user_json(int index, const RenderContext& ctx) { return render_user(users().at(index), ctx); }

}  // namespace

GeneratedCore derive_core(const Issue& issue) {
    Rng r(issue.seed);
    GeneratedCore c;
    const double t = r.unit();
    c.type = t < 0.40 ? 0 : t < 0.65 ? 1 : t < 0.88 ? 2 : t < 0.93 ? 3 : 4;
    if (c.type == 4 && issue.number <= 1) c.type = 0;  // a sub-task needs an earlier issue as parent
    c.status = pick_status(r);
    c.priority = static_cast<std::size_t>(r.range(0, 4));
    c.assignee = r.chance(0.15) ? -1 : static_cast<int>(r.range(0, users().size() - 1));
    c.reporter = static_cast<int>(r.range(0, users().size() - 1));
    const int label_count = static_cast<int>(r.range(0, 3));
    for (int i = 0; i < label_count; ++i) c.labels |= 1u << r.range(0, label_pool().size() - 1);
    c.resolution = static_cast<std::size_t>(r.range(0, resolutions().size() - 1));
    c.has_resolution = statuses()[c.status].category == 3;
    const auto span = (issue.updated - issue.created).count();
    c.resolved = issue.updated - milliseconds(static_cast<std::int64_t>(span * 0.1 * r.unit()));
    return c;
}

void generate_issues(IssueStore& store, const GeneratorConfig& config) {
    if (config.count <= 0 || config.projects.empty()) return;
    Rng rng(config.seed);
    struct Draft {
        Timestamp created;
        std::size_t project;
        std::size_t order;
    };
    const std::int64_t two_years_ms = std::chrono::duration_cast<milliseconds>(days(730)).count();
    std::vector<Draft> drafts;
    drafts.reserve(static_cast<std::size_t>(config.count));
    for (std::int64_t i = 0; i < config.count; ++i)
        drafts.push_back({config.anchor - milliseconds(rng.range(60'000, two_years_ms)),
                          static_cast<std::size_t>(rng.range(0, config.projects.size() - 1)),
                          static_cast<std::size_t>(i)});
    // Jira hands out ids and keys in creation order; so does the generator.
    std::sort(drafts.begin(), drafts.end(), [](const Draft& a, const Draft& b) {
        return a.created != b.created ? a.created < b.created : a.order < b.order;
    });
    std::vector<Project*> projects;
    for (const auto& key : config.projects) projects.push_back(&store.ensure_project(key));

    for (const Draft& d : drafts) {
        Issue issue;
        issue.id = store.allocate_issue_id();
        Project& project = *projects[d.project];
        issue.project_key = project.key;
        issue.number = project.next_number;
        issue.key = project.key + "-" + std::to_string(issue.number);
        issue.seed = mix_seed(config.seed, static_cast<std::uint64_t>(issue.id));
        issue.created = d.created;

        Rng r(mix_seed(issue.seed, layout_stream));
        const int count = r.chance(0.03) ? static_cast<int>(r.range(150, 400)) : static_cast<int>(r.range(0, 30));
        const auto room = (config.anchor - d.created).count();
        std::int64_t delta;
        if (r.chance(0.15)) delta = r.range(0, 5 * 60'000);           // never touched after creation
        else delta = static_cast<std::int64_t>(room * r.unit() * r.unit());
        // Leave a minute per history so history timestamps are spread, never past the anchor.
        delta = std::min<std::int64_t>(room, std::max<std::int64_t>(delta, count * 60'000LL));
        issue.updated = d.created + milliseconds(delta);
        issue.generated_history_count = count;
        issue.generated_history_base = store.reserve_history_ids(count);
        store.add_issue(std::move(issue));
    }
    store.entities().generate(store, config.seed);  // comments, worklogs and links of the new issues
}

json generated_fields(const Issue& issue, const Project& project, const RenderContext& ctx, Timestamp anchor) {
    const GeneratedCore core = derive_core(issue);
    Rng r(mix_seed(issue.seed, fields_stream));
    json f = json::object();
    const std::string summary = summary_of(issue);
    f["summary"] = summary;
    f["status"] = render_status(statuses()[core.status], ctx);
    f["issuetype"] = render_issue_type(core.type, ctx);
    f["priority"] = render_priority(core.priority, ctx);
    f["project"] = render_project(project, ctx);
    f["assignee"] = core.assignee < 0 ? json(nullptr) : user_json(core.assignee, ctx);
    f["reporter"] = user_json(core.reporter, ctx);
    f["creator"] = user_json(core.reporter, ctx);
    if (core.has_resolution) {
        f["resolution"] = render_resolution(core.resolution, ctx);
        f["resolutiondate"] = format_utc(core.resolved);
    } else {
        f["resolution"] = nullptr;
        f["resolutiondate"] = nullptr;
    }
    json labels = json::array();
    for (std::size_t i = 0; i < label_pool().size(); ++i)
        if (core.labels & (1u << i)) labels.push_back(label_pool()[i]);
    f["labels"] = labels;

    json components = json::array();
    const int component_count = static_cast<int>(r.range(0, 2));
    for (int i = 0; i < component_count; ++i) {
        const auto c = r.range(0, 3);
        const std::string id = std::to_string(project.id * 10 + c);
        json comp = {{"self", api_prefix(ctx) + "/component/" + id}, {"id", id}, {"name", component_names[c]}};
        if (std::find(components.begin(), components.end(), comp) == components.end()) components.push_back(comp);
    }
    f["components"] = components;
    json versions = json::array();
    if (r.chance(0.4)) {
        const auto v = r.range(0, 5);
        const std::string id = std::to_string(project.id * 10 + 5000 + v);
        versions.push_back({{"self", api_prefix(ctx) + "/version/" + id},
                            {"id", id},
                            {"name", std::to_string(1 + v / 3) + "." + std::to_string(v % 3)},
                            {"description", ""},
                            {"archived", false},
                            {"released", v < 4}});
    }
    f["fixVersions"] = versions;
    f["versions"] = json::array();
    f["issuelinks"] = json::array();
    f["subtasks"] = json::array();
    f["environment"] = nullptr;
    f["timeestimate"] = nullptr;
    f["timeoriginalestimate"] = nullptr;
    f["timespent"] = nullptr;
    f["workratio"] = -1;
    f["watches"] = {{"self", api_prefix(ctx) + "/issue/" + issue.key + "/watchers"},
                    {"watchCount", r.range(0, 4)},
                    {"isWatching", false}};
    f["votes"] = {{"self", api_prefix(ctx) + "/issue/" + issue.key + "/votes"},
                  {"votes", 0},
                  {"hasVoted", false}};
    if (ctx.flavor == Flavor::cloud) {
        f["statuscategorychangedate"] = format_utc(core.has_resolution ? core.resolved : issue.updated);
        f["lastViewed"] = nullptr;
    }

    f["duedate"] = r.chance(0.25) ? json(format_date(std::chrono::floor<days>(issue.created) + days(r.range(7, 60))))
                                  : json(nullptr);
    if (issue_types()[core.type].name == "Sub-task") {
        const auto back = r.range(1, std::min<std::int64_t>(issue.number - 1, 50));
        // The store resolves the key to the parent's id and summary fields.
        f["parent"] = {{"key", project.key + "-" + std::to_string(issue.number - back)}};
    }

    const bool adf = ctx.api_version == 3;
    if (r.chance(0.2)) f["description"] = nullptr;
    else f["description"] = adf ? adf_description(r, summary) : json(wiki_description(r, summary));
    static const int points[] = {1, 2, 3, 5, 8, 13};
    f[story_points_field] = r.chance(0.3) ? json(nullptr) : json(points[r.range(0, 5)]);
    f[team_field] = r.chance(0.25) ? json(nullptr) : render_team(r.range(0, teams().size() - 1), ctx);

    // Sprints the issue was in: those whose window overlaps the issue's life, at most two.
    json sprints = json::array();
    if (!r.chance(0.3)) {
        const auto age_days = std::chrono::duration_cast<days>(anchor - issue.updated).count();
        int newest = sprints_per_project - 1 - static_cast<int>(age_days / 14);
        if (newest >= 0) {
            const int n = static_cast<int>(r.range(1, 2));
            for (int i = std::max(0, newest - n + 1); i <= newest; ++i)
                sprints.push_back(render_sprint(project.id, i, anchor));
        }
    }
    f[sprint_field] = sprints.empty() ? json(nullptr) : sprints;
    json reviewers = json::array();
    const int reviewer_count = static_cast<int>(r.range(0, 2));
    for (int i = 0; i < reviewer_count; ++i) reviewers.push_back(user_json(static_cast<int>(r.range(0, users().size() - 1)), ctx));
    f[reviewers_field] = reviewers.empty() ? json(nullptr) : reviewers;
    if (r.chance(0.6)) f[notes_field] = nullptr;
    else if (adf) f[notes_field] = {{"type", "doc"}, {"version", 1}, {"content", json::array({adf_paragraph("Release note: " + summary)})}};
    else f[notes_field] = "Release note: " + summary;
    return f;
}

std::vector<History> generated_histories(const Issue& issue, const Project& project, Flavor flavor,
                                         Timestamp anchor) {
    const int count = issue.generated_history_count;
    std::vector<History> out;
    if (count <= 0) return out;
    const GeneratedCore core = derive_core(issue);
    Rng r(mix_seed(issue.seed, history_stream));

    const std::int64_t span = (issue.updated - issue.created).count();
    std::vector<std::int64_t> offsets;
    offsets.reserve(count);
    for (int i = 0; i < count; ++i) offsets.push_back(r.range(1, std::max<std::int64_t>(1, span)));
    std::sort(offsets.begin(), offsets.end());
    offsets.back() = std::max<std::int64_t>(offsets.back(), span);  // the newest history is the last update

    enum Kind { status, assignee, priority, sprint, labels, rank, points, description };
    std::vector<Kind> kinds;
    for (int i = 0; i < count; ++i) {
        const double u = r.unit();
        kinds.push_back(u < 0.32   ? status
                        : u < 0.47 ? assignee
                        : u < 0.55 ? priority
                        : u < 0.65 ? sprint
                        : u < 0.73 ? labels
                        : u < 0.85 ? rank
                        : u < 0.93 ? points
                                   : description);
    }
    int last_status = -1;
    for (int i = 0; i < count; ++i)
        if (kinds[i] == status) last_status = i;

    auto item = [&](const std::string& field, const char* type, const char* field_id, json from, json from_s, json to,
                    json to_s) {
        json it = {{"field", field}, {"fieldtype", type}, {"from", from}, {"fromString", from_s}, {"to", to}, {"toString", to_s}};
        if (r.chance(0.1)) it["fieldId"] = field_id;  // real Cloud data carries fieldId on ~10% of items
        return it;
    };
    std::size_t cur_status = 0;
    std::size_t cur_priority = 2;
    int cur_assignee = -1;
    int cur_points = 0;
    int sprint_n = -1;
    static const int points_seq[] = {1, 2, 3, 5, 8, 13};
    for (int i = 0; i < count; ++i) {
        History h;
        h.id = issue.generated_history_base + i;
        h.created = issue.created + milliseconds(offsets[i]);
        h.author_index = static_cast<int>(r.range(0, users().size() - 1));
        Kind kind = kinds[i];
        if (i == last_status && cur_status == core.status) kind = priority;
        switch (kind) {
            case status: {
                std::size_t next = i == last_status ? core.status : static_cast<std::size_t>(r.range(0, statuses().size() - 1));
                if (next == cur_status) next = (cur_status + 1) % statuses().size();
                const auto& a = statuses()[cur_status];
                const auto& b = statuses()[next];
                h.items.push_back(item("status", "jira", "status", a.id, a.name, b.id, b.name));
                if (b.category == 3) {
                    const auto& res = resolutions()[core.resolution];
                    h.items.push_back(item("resolution", "jira", "resolution", nullptr, nullptr, res.id, res.name));
                } else if (a.category == 3) {
                    h.items.push_back(item("resolution", "jira", "resolution", resolutions()[0].id,
                                           resolutions()[0].name, nullptr, nullptr));
                }
                cur_status = next;
                break;
            }
            case assignee: {
                int next = static_cast<int>(r.range(0, users().size() - 1));
                json from = cur_assignee < 0 ? json(nullptr) : json(user_ref(users()[cur_assignee], flavor));
                json from_s = cur_assignee < 0 ? json(nullptr) : json(users()[cur_assignee].display_name);
                h.items.push_back(item("assignee", "jira", "assignee", from, from_s, user_ref(users()[next], flavor),
                                       users()[next].display_name));
                cur_assignee = next;
                break;
            }
            case priority: {
                std::size_t next = (cur_priority + 1 + r.range(0, 3)) % priorities().size();
                h.items.push_back(item("priority", "jira", "priority", priorities()[cur_priority].id,
                                       priorities()[cur_priority].name, priorities()[next].id, priorities()[next].name));
                cur_priority = next;
                break;
            }
            case sprint: {
                const int next = std::min(sprints_per_project - 1, sprint_n + 1);
                json to = render_sprint(project.id, next, anchor);
                json from_id = sprint_n < 0 ? json("") : json(std::to_string(render_sprint(project.id, sprint_n, anchor)["id"].get<int>()));
                json from_name = sprint_n < 0 ? json("") : render_sprint(project.id, sprint_n, anchor)["name"];
                h.items.push_back(item("Sprint", "custom", sprint_field, from_id, from_name,
                                       std::to_string(to["id"].get<int>()), to["name"]));
                sprint_n = next;
                break;
            }
            case labels: {
                const auto& l = label_pool()[r.range(0, label_pool().size() - 1)];
                h.items.push_back(item("labels", "jira", "labels", nullptr, "", nullptr, l));
                break;
            }
            case rank:
                h.items.push_back(item("Rank", "custom", "customfield_10019", nullptr, "", nullptr,
                                       r.chance(0.5) ? "Ranked higher" : "Ranked lower"));
                break;
            case points: {
                const int next = points_seq[r.range(0, 5)];
                h.items.push_back(item("Story Points", "custom", story_points_field,
                                       nullptr, cur_points ? json(std::to_string(cur_points)) : json(nullptr), nullptr,
                                       std::to_string(next)));
                cur_points = next;
                break;
            }
            case description:
                h.items.push_back(item("description", "jira", "description", nullptr, "Old text", nullptr,
                                       "New text — überarbeitet"));
                break;
        }
        out.push_back(std::move(h));
    }
    return out;
}

std::string adf_to_text(const json& node) {
    if (node.is_string()) return node.get<std::string>();
    if (!node.is_object()) return "";
    const std::string type = node.value("type", "");
    if (type == "text") return node.value("text", "");
    if (type == "mention") return node.contains("attrs") ? node["attrs"].value("text", "") : "";
    if (type == "hardBreak") return "\n";
    std::string out;
    if (node.contains("content") && node["content"].is_array())
        for (const auto& child : node["content"]) {
            std::string part = adf_to_text(child);
            const std::string child_type = child.is_object() ? child.value("type", "") : "";
            const bool block = child_type == "paragraph" || child_type == "heading" || child_type == "codeBlock" ||
                               child_type == "listItem" || child_type == "tableRow" ||
                               child_type == "bulletList" || child_type == "orderedList";
            if (block && !out.empty() && out.back() != '\n') out += '\n';
            out += part;
        }
    return out;
}

}  // namespace j2s::fake
