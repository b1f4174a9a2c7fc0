#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts the
# local PostgreSQL (data in .local/pg), gives it a fresh `suppliers` database
# (KEEP_DATA=1 keeps the existing one), migrates, starts the server on
# 127.0.0.1:50051, runs the sample client's demo against it (the tutorial,
# checked step by step; skipped with KEEP_DATA=1), and keeps the server in
# the foreground until Ctrl-C / SIGTERM.
# Idempotent; safe to re-run after a failed run.
set -euo pipefail
cd "$(dirname "$0")/.."
listen=${LISTEN:-127.0.0.1:50051}

scripts/install-deps.sh
scripts/build.sh

if [ "${KEEP_DATA:-0}" = "1" ]; then
  scripts/local-postgres.sh ensure-db
else
  scripts/local-postgres.sh fresh-db
fi
conninfo=$(scripts/local-postgres.sh conninfo)
build/server/suppliers-server migrate --database "$conninfo"

# A server left over from an earlier run on the same address is stopped.
if [ -f .local/server.pid ] && kill -0 "$(cat .local/server.pid)" 2>/dev/null; then
  kill -TERM "$(cat .local/server.pid)" || true
  sleep 1
fi

build/server/suppliers-server --listen "$listen" --database "$conninfo" &
server_pid=$!
echo "$server_pid" >.local/server.pid
trap 'kill -TERM "$server_pid" 2>/dev/null || true' INT TERM

# Wait until the server answers and reaches its database.
for _ in $(seq 1 50); do
  build/client/suppliers-client --target "$listen" health check >/dev/null 2>&1 && break
  sleep 0.2
done
if [ "${KEEP_DATA:-0}" = "1" ]; then
  echo "KEEP_DATA=1: kept the existing data, so the demo (which needs empty tables) is skipped."
else
  build/client/suppliers-client --target "$listen" demo ||
    { kill -TERM "$server_pid"; wait "$server_pid" || true; exit 1; }
fi

echo "suppliers-server is running on $listen (pid $server_pid); Ctrl-C stops it."
set +e
wait "$server_pid"
status=$?
# A trapped signal interrupts the first wait (status > 128); the second one
# returns the server's own exit code once it has drained.
if [ "$status" -gt 128 ]; then
  wait "$server_pid"
  status=$?
fi
rm -f .local/server.pid
exit "$status"
