#!/usr/bin/env bash
# Sets everything up and runs every test: unit tests, and integration tests that run the real binary against
# the fake Jira process over loopback HTTP with SQLite files and a throwaway PostgreSQL cluster.
set -euo pipefail
cd "$(dirname "$0")/.."
# systemd-analyze checks the bundled units; promtool checks the metrics file.
EXTRA_PACKAGES="systemd prometheus ${EXTRA_PACKAGES:-}" scripts/setup.sh

pg_dir="$(mktemp -d /tmp/j2s-pg.XXXXXX)"
stop_postgres() { scripts/test_postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
trap stop_postgres EXIT
eval "$(scripts/test_postgres.sh start "$pg_dir")"
export J2S_TEST_POSTGRES_URL

cd build
ctest --output-on-failure --timeout 900 -j"${TEST_JOBS:-2}" "$@"
