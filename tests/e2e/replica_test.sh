#!/usr/bin/env bash
# End to end: read replicas against a real streaming replica, made with
# pg_basebackup from a throwaway primary on loopback, both with
# pg_stat_statements so that where each statement ran is counted:
#   reads (Get, List, BatchGet, ListPartsByVendor, ListPartVendorPairs, a
#   drawing download, an export) run on the replica, writes on the primary;
#   read-your-writes (x-suppliers-min-lsn from x-suppliers-commit-lsn, and
#   x-suppliers-read-from: primary) holds while replay is paused;
#   a replica paused past --replica_max_lag is skipped, and used again once
#   it catches up; a replica stopped under a read load costs no call.
# Usage: replica_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
PY=${SUPPLIERS_PYTHON:-/usr/bin/python3}
BINDIR=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")
chmod 755 "$work"
"$REPO/client/python/generate.sh" >/dev/null
export PYTHONPATH=$REPO/client/python${PYTHONPATH:+:$PYTHONPATH}

start_throwaway_postgres
primary_psql() { psql -X -qAt "$CONNINFO" -c "$1"; }
# pg_stat_statements on the primary, and through pg_basebackup's copy of
# postgresql.auto.conf on the replica too.
primary_psql "ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'" >/dev/null
"$REPO/scripts/local-postgres.sh" stop >/dev/null
"$REPO/scripts/local-postgres.sh" start >/dev/null
"$SERVER" migrate --database "$CONNINFO" 2>"$work/migrate.log" || fail "migrate: $(cat "$work/migrate.log")"
primary_psql "CREATE EXTENSION IF NOT EXISTS pg_stat_statements" >/dev/null

replica_root=$work/replica
replica_port=$(free_port)
mkdir -p "$replica_root" && chown postgres "$replica_root" && chmod 700 "$replica_root"
runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PG_PORT" -U postgres \
  -D "$replica_root/data" -R -X stream -c fast >"$work/basebackup.log" 2>&1 ||
  fail "pg_basebackup: $(cat "$work/basebackup.log")"
start_replica() {
  runuser -u postgres -- "$BINDIR/pg_ctl" -D "$replica_root/data" -l "$replica_root/server.log" -w -t 60 \
    -o "-c port=$replica_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$replica_root/data" \
    start >/dev/null
}
start_replica
CLEANUP+=("runuser -u postgres -- $BINDIR/pg_ctl -D $replica_root/data -m immediate stop")
REPLICA="host=127.0.0.1 port=$replica_port dbname=suppliers user=postgres"
check "the replica is a hot standby" test "$(psql -X -qAt "$REPLICA" -c 'SELECT pg_is_in_recovery()')" = t
check "the primary streams to it" \
  eventually 10 test "$(primary_psql 'SELECT count(*) FROM pg_stat_replication')" = 1

port=$(free_port)
metrics_port=$(free_port)
"$SERVER" --listen "127.0.0.1:$port" --database "$CONNINFO" \
  --replica_database "$REPLICA" --replica_max_lag 2s --health_interval 250ms \
  --metrics_listen "127.0.0.1:$metrics_port" \
  2>"$work/server.log" &
server=$!
CLEANUP+=("kill -KILL $server")
eventually 10 grep -qs '"msg":"suppliers-server listening"' "$work/server.log" ||
  fail "no startup line: $(cat "$work/server.log")"

"$PY" "$REPO/tests/e2e/replica_test.py" --target "127.0.0.1:$port" \
  --primary "$CONNINFO" --replica "$REPLICA" --max-lag 2 \
  --stop-replica "runuser -u postgres -- $BINDIR/pg_ctl -D $replica_root/data -m immediate -w stop" ||
  fail "replica_test.py; the server's log ends: $(tail -n 20 "$work/server.log")"
check "the server logged the replica usable, then skipped" \
  bash -c "grep -q 'read replica usable' '$work/server.log' && grep -q 'read replica skipped' '$work/server.log'"
# The replica is stopped now: the metrics say so, and count the reads it had.
"$PY" -c "import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$metrics_port/metrics').read().decode())" >"$work/metrics.txt"
check "metrics: the stopped replica is not usable" \
  grep -qE "^suppliers_db_replica_usable\{replica=\".*port=.?$replica_port.*\"\} 0$" "$work/metrics.txt"
reads=$(grep -E '^suppliers_db_replica_reads\{' "$work/metrics.txt" | awk '{print int($NF)}')
check "metrics: reads sent to the replica ($reads)" test "${reads:-0}" -gt 100
