#!/usr/bin/env bash
# The benchmark of issue 6 in one command: builds Release (into build-bench/), uses the PostgreSQL server of
# $J2S_TEST_POSTGRES_URL or starts a throwaway one, and runs bench/jira2sql_bench, which starts the fake Jira,
# generates the data, runs every scenario on both backends and both flavors and prints one table.
#
#   scripts/bench.sh                       the full suite (~20-40 minutes on 2 cores)
#   scripts/bench.sh --quick               the smoke version (what CTest runs as bench_smoke)
#   scripts/bench.sh --profile             one CPU-bound backfill per backend under perf (if it can count
#                                          instructions here) or callgrind, and the top of each profile
#   scripts/bench.sh --scenarios 1,4 ...   any jira2sql_bench option (see --help)
#
# Environment: BENCH_BUILD_DIR (build-bench), BUILD_JOBS (2), BENCH_NO_POSTGRES=1 (SQLite only),
# PROFILE_ISSUES (2,000 for callgrind), PROFILE_DIR (BENCH_BUILD_DIR/profile).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BENCH_BUILD_DIR:-build-bench}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target jira2sql fake_jira jira2sql_bench -j"${BUILD_JOBS:-2}" >/dev/null

if [[ ${BENCH_NO_POSTGRES:-} == 1 ]]; then
  unset J2S_TEST_POSTGRES_URL
elif [[ -z ${J2S_TEST_POSTGRES_URL:-} ]]; then
  pg_dir=$(mktemp -d /tmp/j2s-bench-pg.XXXXXX)
  stop_postgres() { scripts/test_postgres.sh stop "$pg_dir" >/dev/null 2>&1 || true; rm -rf "$pg_dir"; }
  trap stop_postgres EXIT
  eval "$(scripts/test_postgres.sh start "$pg_dir")"
  export J2S_TEST_POSTGRES_URL
fi

if [[ ${1:-} == --profile ]]; then
  shift
  "$build/jira2sql_bench" --profile "${PROFILE_DIR:-$build/profile}" --flavors cloud \
    --issues "${PROFILE_ISSUES:-2000}" "$@"
  exit
fi
"$build/jira2sql_bench" "$@"
