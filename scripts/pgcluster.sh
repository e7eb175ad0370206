#!/usr/bin/env bash
# Throwaway PostgreSQL + PostGIS cluster for tests and benchmarks.
#   scripts/pgcluster.sh start   prints "export CLEARGROUND_TEST_PG_URL=..." and "export CLEARGROUND_PGDATA=..."
#   scripts/pgcluster.sh stop    stops the cluster in $CLEARGROUND_PGDATA and removes it
# initdb refuses root, so the server runs as the postgres user (runuser), with its data
# directory in a mktemp -d folder that user can enter.
set -euo pipefail

pg_bin() {
  local v
  v=$(ls -1 /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
  [ -n "$v" ] || { echo "PostgreSQL server is not installed (scripts/install-system.sh)" >&2; exit 1; }
  echo "/usr/lib/postgresql/$v/bin"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "${1:-}" in
  start)
    bin=$(pg_bin)
    dir=$(mktemp -d /tmp/clearground-pg.XXXXXX)
    chmod 755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    port=${CLEARGROUND_PG_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" start >/dev/null \
      || { cat "$dir/server.log" >&2; exit 1; }
    as_pg "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -c "CREATE DATABASE clearground_test" >/dev/null
    as_pg "$bin/psql" -q -h 127.0.0.1 -p "$port" -U postgres -d clearground_test -c "CREATE EXTENSION postgis" >/dev/null
    echo "export CLEARGROUND_PGDATA=$dir"
    echo "export CLEARGROUND_TEST_PG_URL=postgresql+psycopg://postgres@127.0.0.1:$port/clearground_test"
    ;;
  stop)
    dir=${CLEARGROUND_PGDATA:?set CLEARGROUND_PGDATA}
    bin=$(pg_bin)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop" >&2; exit 2;;
esac
