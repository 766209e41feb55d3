#!/usr/bin/env python3
"""Extract the part of Atlassian's Jira Cloud OpenAPI spec that jira2sql talks to.

Usage: scripts/extract_openapi_subset.py FULL_SPEC.json [OUT.json]
  FULL_SPEC.json: the full spec, e.g. swagger-v3.v3.json from jarekbird/jira-api-mcp-wrapper
  OUT.json:       default fixtures/openapi/jira-openapi-v3-subset.json (next to this script's repository)

Keeps the listed /rest/api/3 paths verbatim (every method of each path item, so a request with a method the
real API does not offer on that path is still told apart from an unknown path), and every
components/<section>/<name> they reference, transitively ($ref closure). info.version and info.license are
kept. Output: sorted keys, two-space indentation, trailing newline, so re-running it gives the same bytes.
"""
import json
import os
import sys

PREFIX = "/rest/api/3"
PATHS = [
    # used by the connector today
    "/search/jql",
    "/search/approximate-count",
    "/changelog/bulkfetch",
    "/issue/{issueIdOrKey}",
    "/issue/{issueIdOrKey}/changelog",
    "/issue/bulkfetch",
    "/field",
    "/myself",
    "/serverInfo",
    # planned (worklogs, comments, projects)
    "/worklog/updated",
    "/worklog/deleted",
    "/worklog/list",
    "/comment/list",
    "/project/search",
    # entities (issue 8): per-issue comment and worklog pages, users; the deprecated project list is kept
    # so that using it on Cloud is reported as deprecated
    "/issue/{issueIdOrKey}/comment",
    "/issue/{issueIdOrKey}/worklog",
    "/users/search",
    "/project",
    # the old search: kept so that using it is reported as "deprecated" rather than as an unknown path
    "/search",
]


def refs_in(node, out):
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            out.append(ref)
        for value in node.values():
            refs_in(value, out)
    elif isinstance(node, list):
        for value in node:
            refs_in(value, out)


def resolve(spec, ref):
    if not ref.startswith("#/"):
        raise SystemExit(f"external $ref not supported: {ref}")
    node = spec
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        node = node[part]
    return node


def main():
    if len(sys.argv) not in (2, 3):
        raise SystemExit(__doc__)
    src = sys.argv[1]
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    dst = sys.argv[2] if len(sys.argv) == 3 else os.path.join(repo, "fixtures", "openapi", "jira-openapi-v3-subset.json")
    with open(src, encoding="utf-8") as f:
        spec = json.load(f)

    paths = {}
    for suffix in PATHS:
        full = PREFIX + suffix
        if full not in spec["paths"]:
            raise SystemExit(f"{full} is not in {src}")
        paths[full] = spec["paths"][full]

    # $ref closure over components.
    components = {}
    pending = []
    refs_in(paths, pending)
    seen = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        parts = ref[2:].split("/")
        if len(parts) != 3 or parts[0] != "components":
            raise SystemExit(f"unexpected $ref {ref}")
        target = resolve(spec, ref)
        components.setdefault(parts[1], {})[parts[2]] = target
        refs_in(target, pending)

    # Security schemes are referenced by name, not by $ref: keep them so `security` entries resolve.
    if "securitySchemes" in spec.get("components", {}):
        components["securitySchemes"] = spec["components"]["securitySchemes"]

    info = {k: spec["info"][k] for k in ("title", "version", "license") if k in spec["info"]}
    info["description"] = (
        spec["info"].get("description", "")
        + f" -- SUBSET: {len(paths)} paths and their $ref closure, extracted by scripts/extract_openapi_subset.py"
    )
    out = {"openapi": spec["openapi"], "info": info, "servers": spec.get("servers", []), "paths": paths,
           "components": components}
    os.makedirs(os.path.dirname(os.path.abspath(dst)), exist_ok=True)
    with open(dst, "w", encoding="utf-8") as f:
        json.dump(out, f, indent=2, sort_keys=True, ensure_ascii=False)
        f.write("\n")
    count = sum(len(v) for v in components.values())
    print(f"{dst}: {len(paths)} paths, {count} components, {os.path.getsize(dst)} bytes")


if __name__ == "__main__":
    main()
