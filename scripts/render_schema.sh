#!/usr/bin/env bash
# Renders the entity-relationship picture of the schema: schema/er.dot (the source, edited by hand) ->
# schema/er.svg (committed, shown by schema/README.md). Run it after changing er.dot; the test suite checks
# that er.dot and er.svg name every table and view of the migrations but does not need Graphviz itself.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dot >/dev/null 2>&1; then
  echo "render_schema.sh: Graphviz's 'dot' is not installed; on Debian: sudo apt-get install -y graphviz" >&2
  exit 1
fi
# Render to a temporary file first so a syntax error in er.dot never leaves a truncated er.svg behind.
tmp="$(mktemp schema/er.svg.XXXXXX)"
trap 'rm -f "$tmp"' EXIT
dot -Tsvg schema/er.dot -o "$tmp"
chmod 644 "$tmp"
mv "$tmp" schema/er.svg
echo "wrote schema/er.svg"
