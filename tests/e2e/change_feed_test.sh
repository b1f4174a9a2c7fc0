#!/usr/bin/env bash
# End to end: ChangeFeedService.WatchChanges on a throwaway PostgreSQL, with
# changes made through the API and through psql (change_feed_test.py has the
# checks). Three servers, one database each, started in turn with the flags
# their parts need:
#   --watch_heartbeat=1s --max_watchers=1500: commit order (gRPC and psql,
#       transactions, rollbacks, sessions committing out of order), resume
#       from a checkpoint, OUT_OF_RANGE / INVALID_ARGUMENT, the kinds filter
#       and heartbeats, 1,000 concurrent grpc.aio watchers, then a
#       PostgreSQL restart under an open watch with a psql writer;
#   --watch_buffer_events=200: a watcher that stops reading while 100,000
#       events are produced (WATCHER_TOO_SLOW, resume, the server's memory);
#   --change_retention=2s: resuming from an empty feed's checkpoint, then
#       the retention clean-up (CHANGE_FEED_RETENTION) and resync from an
#       export's change_sequence.
# Needs python3-grpcio python3-protobuf protobuf-compiler
# protobuf-compiler-grpc and psql; runs Debian's /usr/bin/python3.
# Usage: change_feed_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
PY=${SUPPLIERS_PYTHON:-/usr/bin/python3}
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")
chmod 711 "$work"

check "python3-grpcio (with grpc.aio) and python3-protobuf are importable by $PY" \
  "$PY" -c 'import grpc, grpc.aio, google.protobuf'
check "psql is installed" command -v psql
check "generate.sh writes the stubs" "$REPO/client/python/generate.sh"
export PYTHONPATH=$REPO/client/python${PYTHONPATH:+:$PYTHONPATH}

start_throwaway_postgres
started=$SECONDS
failed=()

# run_parts NAME SERVER_FLAGS... -- PARTS...: a fresh database and a server
# for the parts, then the parts.
run_parts() {
  local name=$1 flags=() parts=()
  shift
  while [ "$1" != "--" ]; do flags+=("$1"); shift; done
  shift
  for p in "$@"; do parts+=(--part "$p"); done
  PGDB=$name "$REPO/scripts/local-postgres.sh" fresh-db
  CONNINFO=$(PGDB=$name "$REPO/scripts/local-postgres.sh" conninfo)
  start_migrated_server "$SERVER" "$work/$name.log" "${flags[@]}"
  local t0=$SECONDS
  if "$PY" "$REPO/tests/e2e/change_feed_test.py" --target "127.0.0.1:$port" \
    --conninfo "$CONNINFO" --server-pid "$server" --server-log "$work/$name.log" \
    --pg-ctl "$REPO/scripts/local-postgres.sh" "${parts[@]}"; then
    pass "change_feed_test.py $* ($((SECONDS - t0)) s)"
  else
    failed+=("$*")
    echo "FAIL: change_feed_test.py $*; the server's log ends:" >&2
    grep -v '"msg":"rpc"' "$work/$name.log" | tail -n 20 >&2
  fi
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
}

run_parts feed_main --watch_heartbeat=1s --max_watchers=1500 -- \
  order resume fanout restart
run_parts feed_slow --watch_buffer_events=200 -- stalled
run_parts feed_retention --change_retention=2s -- empty retention
[ ${#failed[@]} -eq 0 ] || fail "change_feed_test.py failed in: ${failed[*]}"
pass "change feed end to end in $((SECONDS - started)) s"
