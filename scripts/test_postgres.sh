#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for the test suite.
#
#   scripts/test_postgres.sh start DIR   creates a cluster in DIR (initdb as the postgres user, because the
#                                        server refuses to run as root), starts it on a free loopback port,
#                                        creates the superuser role j2s (password j2s-test-pw, scram over TCP)
#                                        and prints the `export J2S_TEST_POSTGRES_URL=...` line to eval.
#   scripts/test_postgres.sh stop DIR    stops it (the folder stays; remove it yourself).
#
# Usage in CI:  eval "$(scripts/test_postgres.sh start /tmp/j2s-pg)"; ctest ...; scripts/test_postgres.sh stop /tmp/j2s-pg
set -euo pipefail

die() { echo "test_postgres.sh: $*" >&2; exit 1; }

[[ $# -eq 2 ]] || die "usage: $0 start|stop DIR"
action=$1
dir=$2

bindir=${PG_BINDIR:-}
if [[ -z $bindir ]]; then
  for candidate in /usr/lib/postgresql/*/bin; do [[ -x $candidate/initdb ]] && bindir=$candidate; done
fi
[[ -n $bindir && -x $bindir/pg_ctl ]] || die "no PostgreSQL server binaries found (install postgresql or set PG_BINDIR)"

# Runs a server binary as the postgres user when we are root (initdb and postgres refuse root); as
# ourselves otherwise.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  python3 - <<'PY' 2>/dev/null || echo $(( 20000 + RANDOM % 20000 ))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

case $action in
  start)
    mkdir -p "$dir"
    dir=$(cd "$dir" && pwd)
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir"
    data=$dir/data
    if [[ ! -f $data/PG_VERSION ]]; then
      pwfile=$dir/pw
      echo "j2s-test-pw" > "$pwfile"
      [[ $(id -u) -eq 0 ]] && chown postgres: "$pwfile"
      # The bootstrap superuser is j2s itself, so no second role or psql step is needed; TCP needs the
      # password (scram), the private socket folder trusts the local OS user.
      as_pg "$bindir/initdb" -D "$data" -U j2s --pwfile="$pwfile" --auth-host=scram-sha-256 \
        --auth-local=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
        || { cat "$dir/initdb.log" >&2; die "initdb failed"; }
      rm -f "$pwfile"
    fi
    port=$(free_port)
    echo "$port" > "$dir/port"
    [[ $(id -u) -eq 0 ]] && chown postgres: "$dir/port"
    as_pg "$bindir/pg_ctl" -D "$data" -l "$dir/server.log" -w -t 60 \
      -o "-p $port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$dir -c max_connections=200 -c fsync=off" \
      start >/dev/null || { cat "$dir/server.log" >&2; die "pg_ctl start failed"; }
    echo "export J2S_TEST_POSTGRES_URL=postgresql://j2s:j2s-test-pw@127.0.0.1:$port/postgres"
    ;;
  stop)
    [[ -d $dir/data ]] || die "no cluster in $dir"
    as_pg "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    ;;
  *)
    die "unknown action '$action' (start|stop)"
    ;;
esac
