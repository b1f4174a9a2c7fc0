# Shared helpers of the end-to-end shell tests: a throwaway PostgreSQL via
# scripts/local-postgres.sh in a temporary directory, free ports, checks.
# Sourced, not run. Expects REPO to be set.

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
check() {  # check DESCRIPTION COMMAND...
  local what=$1; shift
  "$@" || fail "$what"
  pass "$what"
}

# Starts a private cluster; sets PG_ROOT, PG_PORT, CONNINFO; removes it on exit.
start_throwaway_postgres() {
  PG_ROOT=$(mktemp -d /tmp/suppliers-e2e-pg-XXXXXX)
  chmod 755 "$PG_ROOT"
  PG_PORT=$(free_port)
  export PG_ROOT PG_PORT
  CLEANUP+=("PG_ROOT=$PG_ROOT PG_PORT=$PG_PORT $REPO/scripts/local-postgres.sh stop; rm -rf $PG_ROOT")
  "$REPO/scripts/local-postgres.sh" start
  PGDB=suppliers "$REPO/scripts/local-postgres.sh" fresh-db
  CONNINFO=$(PGDB=suppliers "$REPO/scripts/local-postgres.sh" conninfo)
}

CLEANUP=()
run_cleanup() {
  local i
  for ((i = ${#CLEANUP[@]} - 1; i >= 0; i--)); do eval "${CLEANUP[$i]}" >/dev/null 2>&1 || true; done
}
trap run_cleanup EXIT

# Polls COMMAND until it succeeds or SECONDS pass.
eventually() {  # eventually SECONDS COMMAND...
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

# Migrates $CONNINFO and starts the server binary SERVER on a free loopback
# port with any extra FLAGS, logging to LOG; sets port and server (its pid)
# and kills it on exit.
start_migrated_server() {  # start_migrated_server SERVER LOG [FLAGS...]
  local binary=$1 log=$2
  shift 2
  "$binary" migrate --database "$CONNINFO" 2>"$log.migrate" || fail "migrate: $(cat "$log.migrate")"
  port=$(free_port)
  "$binary" --listen "127.0.0.1:$port" --database "$CONNINFO" "$@" 2>"$log" &
  server=$!
  CLEANUP+=("kill -KILL $server")
  eventually 10 grep -qs '"msg":"suppliers-server listening"' "$log" ||
    fail "no startup line: $(cat "$log")"
}
