#!/usr/bin/env bash
# Runs a private PostgreSQL 15 for development and end-to-end tests, never the
# machine's own cluster. Usage:
#   scripts/local-postgres.sh start     initdb if needed, start (idempotent)
#   scripts/local-postgres.sh stop      fast shutdown (idempotent)
#   scripts/local-postgres.sh fresh-db  drop and recreate database $PGDB
#   scripts/local-postgres.sh ensure-db create database $PGDB if missing
#   scripts/local-postgres.sh conninfo  print the conninfo for $PGDB
# Environment: PG_ROOT (default .local/pg in the repo, git-ignored),
# PG_PORT (default 55432), PGDB (default suppliers).
# As root, the server runs as the `postgres` user (initdb refuses root).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
root=${PG_ROOT:-$repo/.local/pg}
port=${PG_PORT:-55432}
db=${PGDB:-suppliers}
bindir=${SUPPLIERS_PG_BINDIR:-/usr/lib/postgresql/15/bin}

as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

prepare_root() {
  mkdir -p "$root"
  if [ "$(id -u)" -eq 0 ]; then
    chown postgres:postgres "$root"
    if ! runuser -u postgres -- test -w "$root"; then
      # The repo sits where `postgres` cannot enter (under /root, say): keep
      # the data in a per-repo folder it can reach and link it from the repo.
      local alt
      alt=/var/tmp/suppliers-pg-$(echo "$root" | md5sum | cut -c1-12)
      mkdir -p "$alt" && chown postgres:postgres "$alt"
      rmdir "$root" 2>/dev/null || true
      ln -sfn "$alt" "$root"
      root=$alt
    fi
  fi
  root=$(cd "$root" && pwd -P)
}

psql_admin() {
  PGOPTIONS='-c client_min_messages=warning' as_pg psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" -U postgres "$@"
}

running() {
  [ -f "$root/data/PG_VERSION" ] && as_pg "$bindir/pg_ctl" -D "$root/data" status >/dev/null 2>&1
}

start() {
  prepare_root
  if running; then return 0; fi
  if [ ! -f "$root/data/PG_VERSION" ]; then
    # A half-made data directory from a failed run is discarded.
    rm -rf "$root/data"
    as_pg "$bindir/initdb" -D "$root/data" -U postgres --auth=trust \
      --encoding=UTF8 --locale=C.UTF-8 >"$root/initdb.log" 2>&1 ||
      { cat "$root/initdb.log"; exit 1; }
  fi
  as_pg "$bindir/pg_ctl" -D "$root/data" -l "$root/server.log" -w -t 60 \
    -o "-c port=$port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$root/data" \
    start >/dev/null || { tail -20 "$root/server.log"; exit 1; }
}

stop() {
  prepare_root
  if running; then as_pg "$bindir/pg_ctl" -D "$root/data" -m fast -w stop >/dev/null; fi
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  fresh-db)
    start
    psql_admin -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)"
    psql_admin -d postgres -c "CREATE DATABASE \"$db\""
    ;;
  ensure-db)
    start
    if [ -z "$(psql_admin -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      psql_admin -d postgres -c "CREATE DATABASE \"$db\""
    fi
    ;;
  conninfo) echo "host=127.0.0.1 port=$port user=postgres dbname=$db" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
