#!/usr/bin/env bash
# End to end: client-side load balancing (README, "Client-side load
# balancing"). One throwaway PostgreSQL, three suppliers-server replicas on
# 127.0.0.1, 127.0.0.2 and 127.0.0.3 with the same port, and one DNS name,
# suppliers.lb.test, that resolves to all three: the clients run in a
# private mount namespace where a temporary file is bind-mounted over
# /etc/hosts (the machine's own is never touched). Through
# dns:///suppliers.lb.test:PORT and the default service config
# (client/cpp/service_config.h), load_balancing_driver (one channel)
# spreads 60 ListVendors calls over all three servers, counted in each
# server's access log; pick_first sends them all to one; gRPC's native
# resolver spreads them too; the Python and Node clients (their copies of
# the config, checked against client/service_config.json like Go's) spread
# theirs; then one server is stopped (SIGTERM) and 60 more calls on the
# same channel all succeed, spread over the other two; then another is
# killed (SIGKILL) under 2000 calls, and none of them fails.
# Needs root (or unprivileged user namespaces) for unshare --mount.
# Usage: load_balancing_test.sh REPO BUILD_DIR DRIVER
set -euo pipefail
REPO=$1
BUILD=$2
DRIVER=$3
SERVER=$BUILD/server/suppliers-server
CLIENT=$BUILD/client/suppliers-client
NAME=suppliers.lb.test
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")
chmod 755 "$work"

# --- one name, three addresses, in a private mount namespace ---------------
cat >"$work/hosts" <<EOF
127.0.0.1 localhost
127.0.0.1 $NAME
127.0.0.2 $NAME
127.0.0.3 $NAME
EOF
# glibc returns every address of a name in /etc/hosts only with "multi on".
echo "multi on" >"$work/host.conf"
if [ "$(id -u)" -eq 0 ]; then
  UNSHARE=(unshare --mount)
else
  UNSHARE=(unshare --user --map-root-user --mount)
fi
# in_ns COMMAND...: runs COMMAND where /etc/hosts is $work/hosts (unshare
# makes the new namespace's mounts private: nothing leaks out).
in_ns() {
  "${UNSHARE[@]}" sh -c '
    mount --bind "$1" /etc/hosts || exit 97
    if [ -e /etc/host.conf ]; then mount --bind "$2" /etc/host.conf || exit 97; fi
    shift 2
    exec "$@"' sh "$work/hosts" "$work/host.conf" "$@"
}
check "a private mount namespace with its own /etc/hosts ($(id -un))" \
  in_ns true
check "$NAME resolves to the three loopback addresses there" \
  test "$(in_ns getent ahostsv4 "$NAME" | awk '$2 == "STREAM" {print $1}' | sort | tr '\n' ' ')" \
  = "127.0.0.1 127.0.0.2 127.0.0.3 "
check "the machine's /etc/hosts does not know $NAME" \
  bash -c "! grep -q '$NAME' /etc/hosts"

# --- three replicas on one database ----------------------------------------
start_throwaway_postgres
"$SERVER" migrate --database "$CONNINFO" 2>"$work/migrate.log" || fail "migrate: $(cat "$work/migrate.log")"

# A port free on all three addresses.
port_free_everywhere() {
  python3 - "$1" <<'EOF'
import socket, sys
for host in ("127.0.0.1", "127.0.0.2", "127.0.0.3"):
    s = socket.socket()
    try:
        s.bind((host, int(sys.argv[1])))
    except OSError:
        sys.exit(1)
    finally:
        s.close()
EOF
}
port=
for _ in 1 2 3 4 5 6 7 8 9 10; do
  candidate=$(free_port)
  if port_free_everywhere "$candidate"; then port=$candidate; break; fi
done
[ -n "$port" ] || fail "no port free on 127.0.0.1, 127.0.0.2 and 127.0.0.3"

declare -A pid
for i in 1 2 3; do
  "$SERVER" --listen "127.0.0.$i:$port" --database "$CONNINFO" \
    --pool_max_size 4 --shutdown_grace 2s 2>"$work/server$i.log" &
  pid[$i]=$!
  CLEANUP+=("kill -KILL ${pid[$i]}")
done
for i in 1 2 3; do
  eventually 10 grep -qs '"msg":"suppliers-server listening"' "$work/server$i.log" ||
    fail "server $i (127.0.0.$i:$port) did not start: $(cat "$work/server$i.log")"
done
pass "three servers listen on 127.0.0.1, 127.0.0.2 and 127.0.0.3, port $port"

# ListVendors calls each server has logged (one access-log line per call).
calls() { grep -c '"method":"[^"]*/ListVendors"' "$work/server$1.log" || true; }
# Snapshot of the three counts: sets before[1..3].
declare -A before
snapshot() { local i; for i in 1 2 3; do before[$i]=$(calls "$i"); done; }
# delta I: calls server I logged since the last snapshot.
delta() { echo $(($(calls "$1") - before[$1])); }
# Waits until the servers in $@ logged TOTAL calls since the snapshot.
wait_total() {  # wait_total TOTAL SERVER...
  local total=$1; shift
  eventually 10 total_at_least "$total" "$@" || true
  test "$(sum "$@")" -eq "$total"
}
sum() { local s=0 i; for i in "$@"; do s=$((s + $(delta "$i"))); done; echo "$s"; }
total_at_least() { local total=$1; shift; test "$(sum "$@")" -ge "$total"; }
report() { echo "   per server: 127.0.0.1=$(delta 1) 127.0.0.2=$(delta 2) 127.0.0.3=$(delta 3)"; }

TARGET="dns:///$NAME:$port"

# --- the CLI takes the dns:/// target ---------------------------------------
snapshot
in_ns "$CLIENT" --target "$TARGET" vendors list >"$work/cli.out" 2>&1 ||
  fail "suppliers-client --target $TARGET vendors list: $(cat "$work/cli.out")"
check "suppliers-client --target $TARGET vendors list exits 0 (one server logged it)" \
  wait_total 1 1 2 3
check "suppliers-client refuses an unknown --load-balancing" \
  bash -c "! '$CLIENT' --load-balancing random vendors list 2>'$work/cli.err'; grep -q 'round_robin, pick_first or none' '$work/cli.err'"

# --- round_robin: one channel, 60 calls, all three servers -----------------
mkfifo "$work/driver.in"
in_ns "$DRIVER" "$TARGET" round_robin <"$work/driver.in" >"$work/driver.out" 2>"$work/driver.err" &
driver=$!
CLEANUP+=("kill -KILL $driver")
exec 3>"$work/driver.in"
answers_at_least() { test "$(wc -l <"$work/driver.out")" -ge "$1"; }

snapshot
echo 60 >&3
eventually 60 answers_at_least 1 || fail "the driver did not answer: $(cat "$work/driver.err")"
check "60 calls through $TARGET, none failed, on round_robin" \
  grep -qx 'calls=60 ok=60 failed=0 policy=round_robin' "$work/driver.out"
check "the three servers logged the 60 calls between them" wait_total 60 1 2 3
report
for i in 1 2 3; do
  check "server 127.0.0.$i got a share (at least 10 of 60)" test "$(delta $i)" -ge 10
done

# --- pick_first: everything to one server (the policy is what spreads) -----
snapshot
echo 30 | in_ns "$DRIVER" "$TARGET" pick_first >"$work/pick_first.out" 2>&1 ||
  fail "pick_first driver: $(cat "$work/pick_first.out")"
check "30 calls on pick_first, none failed" \
  grep -qx 'calls=30 ok=30 failed=0 policy=pick_first' "$work/pick_first.out"
check "the servers logged the 30 calls" wait_total 30 1 2 3
report
check "pick_first sent all 30 to a single server" \
  test "$(for i in 1 2 3; do delta $i; done | sort -n | tr '\n' ' ')" = "0 0 30 "

# --- gRPC's native resolver (getaddrinfo) sees the three addresses too -----
snapshot
echo 30 | GRPC_DNS_RESOLVER=native in_ns "$DRIVER" "$TARGET" round_robin >"$work/native.out" 2>&1 ||
  fail "native resolver driver: $(cat "$work/native.out")"
check "30 calls with GRPC_DNS_RESOLVER=native, none failed" \
  grep -qx 'calls=30 ok=30 failed=0 policy=round_robin' "$work/native.out"
check "the servers logged the 30 calls" wait_total 30 1 2 3
report
for i in 1 2 3; do
  check "native resolver: server 127.0.0.$i got a share" test "$(delta $i)" -ge 1
done

# --- the Python and Node clients: the same config, the same spread ---------
PY=${SUPPLIERS_PYTHON:-/usr/bin/python3}
"$REPO/client/python/generate.sh" >"$work/py-generate.log" 2>&1 || fail "python generate.sh: $(cat "$work/py-generate.log")"
check "Python's SERVICE_CONFIG is client/service_config.json" \
  env PYTHONPATH="$REPO/client/python" "$PY" -c 'import json, sys, suppliers_client as sc
assert sc.SERVICE_CONFIG == json.load(open(sys.argv[1]))' "$REPO/client/service_config.json"
snapshot
in_ns env PYTHONPATH="$REPO/client/python" "$PY" -c 'import sys, suppliers_client as sc
with sc.connect(sys.argv[1]) as c:
    for _ in range(30):
        c.vendors.ListVendors(sc.vendor_pb2.ListVendorsRequest(page_size=1), timeout=10)' \
  "$TARGET" >"$work/python.out" 2>&1 || fail "python client through $TARGET: $(cat "$work/python.out")"
check "python: 30 calls through $TARGET, none failed, logged" wait_total 30 1 2 3
report
for i in 1 2 3; do
  check "python: server 127.0.0.$i got a share" test "$(delta $i)" -ge 3
done

"$REPO/client/node/generate.sh" >"$work/node-generate.log" 2>&1 || fail "node generate.sh: $(cat "$work/node-generate.log")"
check "Node's SERVICE_CONFIG is client/service_config.json" \
  node -e 'require("assert").deepStrictEqual(require(process.argv[1]).SERVICE_CONFIG,
    JSON.parse(require("fs").readFileSync(process.argv[2])))' "$REPO/client/node" "$REPO/client/service_config.json"
snapshot
in_ns node -e 'const { connect, call } = require(process.argv[1]);
(async () => {
  const c = connect(process.argv[2]);
  for (let i = 0; i < 30; i++) await call(c.vendors, "listVendors", { pageSize: 1 });
  c.close();
})().catch((e) => { console.error(e); process.exit(1); });' "$REPO/client/node" "$TARGET" \
  >"$work/node.out" 2>&1 || fail "node client through $TARGET: $(cat "$work/node.out")"
check "node: 30 calls through $TARGET, none failed, logged" wait_total 30 1 2 3
report
for i in 1 2 3; do
  check "node: server 127.0.0.$i got a share" test "$(delta $i)" -ge 3
done

# Go: the copy is the shared file and grpc-go accepts it (go test).
"$REPO/client/go/generate.sh" >"$work/go-generate.log" 2>&1 || fail "go generate.sh: $(cat "$work/go-generate.log")"
check "Go's ServiceConfig is client/service_config.json, and Dial takes it" \
  bash -c 'eval "$("$1/client/go/generate.sh" --env)" && go test github.com/suppliers-grpc/suppliers/client/go/suppliers >"$2/go-test.log" 2>&1 || { cat "$2/go-test.log"; exit 1; }' \
  sh "$REPO" "$work"

# --- one replica stops: the same channel goes on with the other two --------
kill -TERM "${pid[2]}"
status=0
wait "${pid[2]}" || status=$?
check "server 127.0.0.2 stopped cleanly on SIGTERM (exit $status)" test "$status" -eq 0

snapshot
echo 60 >&3
eventually 60 answers_at_least 2 || fail "the driver did not answer: $(cat "$work/driver.err")"
check "60 more calls on the same channel after the stop, none failed" \
  test "$(sed -n 2p "$work/driver.out")" = 'calls=60 ok=60 failed=0 policy=round_robin'
check "servers 127.0.0.1 and 127.0.0.3 logged all 60" wait_total 60 1 3
report
check "the stopped server got none" test "$(delta 2)" -eq 0
check "server 127.0.0.1 got a share (at least 10 of 60)" test "$(delta 1)" -ge 10
check "server 127.0.0.3 got a share (at least 10 of 60)" test "$(delta 3)" -ge 10

# --- another crashes mid-load (SIGKILL, no GOAWAY): reads still all pass ----
# Calls in flight on the killed server fail UNAVAILABLE; the channel's
# retryPolicy sends them again, to the server that is left.
snapshot
echo 2000 >&3
sleep 0.5
kill -KILL "${pid[3]}"
eventually 120 answers_at_least 3 || fail "the driver did not answer: $(cat "$work/driver.err")"
check "2000 calls with server 127.0.0.3 killed under them, none failed" \
  test "$(sed -n 3p "$work/driver.out")" = 'calls=2000 ok=2000 failed=0 policy=round_robin'
report
check "the killed server had a share before its kill, not its half" \
  bash -c "test $(delta 3) -ge 1 && test $(delta 3) -lt 1000"

exec 3>&-
status=0
wait "$driver" || status=$?
check "the driver exits 0 at the end of its input" test "$status" -eq 0
check "the driver saw no error at all" bash -c "! grep -q 'error' '$work/driver.err'"
check "the machine's /etc/hosts still does not know $NAME" \
  bash -c "! grep -q '$NAME' /etc/hosts"
