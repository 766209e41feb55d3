#!/usr/bin/env bash
# Sets everything up and runs the main job on the embedded default (SQLite):
# - with a real site configured (./config.yaml or $JIRA2SQL_CONFIG), syncs it;
# - otherwise starts the bundled fake Jira with generated data and syncs it into demo/demo.db.
# Then prints the run summary and an example analyst query with its result.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

config="${JIRA2SQL_CONFIG:-}"
[ -z "$config" ] && [ -f config.yaml ] && config=config.yaml
fake_pid=""
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null || true; }
trap cleanup EXIT

if [ -z "$config" ]; then
  mkdir -p demo
  rm -f demo/port
  build/fake_jira --flavor cloud --generate "${DEMO_ISSUES:-2000}" --seed 42 --port 0 --port-file demo/port \
    --auth-email demo@example.com --auth-token demo-token >demo/fake_jira.log 2>&1 &
  fake_pid=$!
  for _ in $(seq 1 200); do [ -s demo/port ] && break; sleep 0.05; done
  [ -s demo/port ] || { echo "the fake Jira did not start; see demo/fake_jira.log" >&2; exit 1; }
  cat >demo/config.yaml <<YAML
# Written by scripts/demo.sh: the bundled fake Jira on loopback, synced into demo.db next to this file.
jira:
  base_url: http://127.0.0.1:$(cat demo/port)
  flavor: cloud
  auth:
    type: basic
    email: demo@example.com
    token: \${DEMO_JIRA_TOKEN:-demo-token}
  jql: ""
database:
  url: sqlite:demo.db
mapping: ../mappings/default.yaml
sync:
  reconcile_deletes: false
YAML
  config=demo/config.yaml
  db=demo/demo.db
  echo "syncing the bundled fake Jira (${DEMO_ISSUES:-2000} generated issues) into $db"
else
  echo "syncing the site configured in $config"
  db=""
fi

set +e
build/jira2sql --config "$config" sync
code=$?
set -e
echo "jira2sql sync exited with $code"
[ "$code" -eq 0 ] || [ "$code" -eq 3 ] || exit "$code"

if [ -n "$db" ]; then
  echo
  echo "Example analyst query: issues per status category and type, with average story points"
  query="SELECT status_category, issue_type, count(*) AS issues, round(avg(story_points), 1) AS avg_points
         FROM issues_live GROUP BY status_category, issue_type ORDER BY status_category, issues DESC;"
  echo "$query"
  sqlite3 -header -column "$db" "$query"
  echo
  echo "Average days from creation to the last move to Done, by issue type (from the changelog):"
  sqlite3 -header -column "$db" "
    SELECT i.issue_type, count(*) AS done_issues,
           round(avg(julianday(s.changed_at) - julianday(i.created)), 1) AS avg_days_to_done
    FROM issues_live i
    JOIN (SELECT issue_id, max(changed_at) AS changed_at FROM issue_status_changes
          WHERE to_status = 'Done' GROUP BY issue_id) s ON s.issue_id = i.id
    GROUP BY i.issue_type ORDER BY done_issues DESC;"
  echo
  build/jira2sql --config "$config" status
fi
