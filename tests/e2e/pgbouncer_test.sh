#!/usr/bin/env bash
# End to end: the whole API through a real PgBouncer (Debian's 1.18) in
# pool_mode=transaction, which carries neither named prepared statements nor
# session state between transactions. The server runs with --pgbouncer and a
# pool four times larger than PgBouncer's two server sessions, so its calls
# share sessions: every rpc (python_client_test.py), the tutorial example and
# the change feed (polling, no LISTEN) must work, PgBouncer must have carried
# the traffic, and PostgreSQL must have seen no more than its two sessions.
# Usage: pgbouncer_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
PY=${SUPPLIERS_PYTHON:-/usr/bin/python3}
PGBOUNCER=${PGBOUNCER:-/usr/sbin/pgbouncer}
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")
chmod 755 "$work"
[ -x "$PGBOUNCER" ] || fail "pgbouncer is not installed (scripts/install-deps.sh)"

"$REPO/client/python/generate.sh" >/dev/null
export PYTHONPATH=$REPO/client/python${PYTHONPATH:+:$PYTHONPATH}

start_throwaway_postgres
# Migrations take a session-level advisory lock: run them on PostgreSQL itself.
"$SERVER" migrate --database "$CONNINFO" 2>"$work/migrate.log" || fail "migrate: $(cat "$work/migrate.log")"

bouncer_port=$(free_port)
cat >"$work/pgbouncer.ini" <<INI
[databases]
suppliers = host=127.0.0.1 port=$PG_PORT dbname=suppliers user=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $bouncer_port
unix_socket_dir =
auth_type = trust
auth_file = $work/userlist.txt
admin_users = postgres
pool_mode = transaction
default_pool_size = 2
max_client_conn = 200
logfile = $work/pgbouncer.log
pidfile = $work/pgbouncer.pid
INI
echo '"postgres" ""' >"$work/userlist.txt"
chown -R postgres "$work"
# PgBouncer refuses to run as root.
runuser -u postgres -- "$PGBOUNCER" -d "$work/pgbouncer.ini" || fail "pgbouncer did not start"
CLEANUP+=("kill \$(cat $work/pgbouncer.pid)")
bouncer() { psql -X -qAt "host=127.0.0.1 port=$bouncer_port dbname=pgbouncer user=postgres" -c "$1"; }
eventually 10 bouncer "SHOW VERSION" >/dev/null || fail "pgbouncer does not answer: $(cat "$work/pgbouncer.log")"
check "pgbouncer pools in transaction mode" \
  bash -c "psql -X -qAt 'host=127.0.0.1 port=$bouncer_port dbname=pgbouncer user=postgres' -c 'SHOW CONFIG' | grep -qx 'pool_mode|transaction|.*'"

port=$(free_port)
"$SERVER" --listen "127.0.0.1:$port" --pgbouncer --pool_max_size 8 \
  --database "host=127.0.0.1 port=$bouncer_port dbname=suppliers user=postgres" \
  2>"$work/server.log" &
server=$!
CLEANUP+=("kill -KILL $server")
eventually 10 grep -qs '"msg":"suppliers-server listening"' "$work/server.log" ||
  fail "no startup line: $(cat "$work/server.log")"
eventually 15 grep -qs '"msg":"database reachable, schema current"' "$work/server.log" ||
  fail "the health probe never reached the database through pgbouncer: $(cat "$work/server.log")"

"$PY" "$REPO/tests/e2e/python_client_test.py" --target "127.0.0.1:$port" --workdir "$work" ||
  fail "python_client_test.py through pgbouncer; the server's log ends: $(tail -n 20 "$work/server.log")"
pass "every rpc through pgbouncer in transaction mode (python_client_test.py)"

"$PY" "$REPO/client/python/examples/tutorial.py" --target "127.0.0.1:$port" >"$work/tutorial.out" 2>&1 ||
  fail "examples/tutorial.py through pgbouncer: $(cat "$work/tutorial.out")"
pass "examples/tutorial.py through pgbouncer"

# The change feed without LISTEN: events still arrive, by polling.
timeout 20 "$PY" "$REPO/client/python/examples/watch_changes.py" --target "127.0.0.1:$port" \
  --after 0 --count 3 >"$work/watch.out" 2>"$work/watch.err" ||
  fail "watch_changes.py through pgbouncer exited $?: $(cat "$work/watch.err")"
check "the watch replayed 3 events through pgbouncer" test "$(wc -l <"$work/watch.out")" -eq 3
check "the change feed polls instead of listening" \
  bash -c "! grep -q 'LISTEN' '$work/pgbouncer.log'"

# Concurrency on shared sessions: 8 pool connections over 2 server sessions.
"$PY" - "$port" <<'PYEOF' || fail "concurrent calls through pgbouncer failed"
import sys, concurrent.futures
import suppliers_client as sc
from suppliers_client import vendor_pb2 as v
port = sys.argv[1]
with sc.connect(f"127.0.0.1:{port}") as c:
    vid = c.vendors.CreateVendor(v.CreateVendorRequest(
        vendor=v.Vendor(vendor_name="pgbouncer concurrency")), timeout=10).vendor.vendor_id
    def work(i):
        if i % 3 == 0:
            c.vendors.CreateVendor(v.CreateVendorRequest(
                vendor=v.Vendor(vendor_name=f"pgbouncer vendor {i}")), timeout=10)
        else:
            got = c.vendors.GetVendor(v.GetVendorRequest(vendor_id=vid), timeout=10)
            assert got.vendor.vendor_name == "pgbouncer concurrency", got
        return True
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        assert all(pool.map(work, range(300)))
print("ok - 300 concurrent calls (100 writes) over 2 shared server sessions")
PYEOF

xacts=$(bouncer "SHOW STATS" | awk -F'|' '$1 == "suppliers" {print $2}')
check "pgbouncer carried the traffic ($xacts transactions)" test "${xacts:-0}" -gt 300
backends=$(psql -X -qAt "$CONNINFO" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = 'suppliers' AND pid <> pg_backend_pid() AND backend_type = 'client backend'")
check "PostgreSQL saw at most pgbouncer's 2 sessions ($backends)" test "$backends" -le 2
check "no prepared-statement error in the server's log" \
  bash -c "! grep -qi 'prepared statement' '$work/server.log'"
# The server retries a read that failed on a connection it then replaces, so
# callers may not see a statement that met the wrong session; PostgreSQL's
# log does.
prepared_statement_errors() { grep -c 'ERROR:  prepared statement' "$PG_ROOT/server.log" || true; }
check "PostgreSQL refused no prepared statement" test "$(prepared_statement_errors)" -eq 0

# The control: the same server without --pgbouncer, through the same
# PgBouncer, prepares statements on one server session and meets another.
plain_port=$(free_port)
"$SERVER" --listen "127.0.0.1:$plain_port" --pool_max_size 8 \
  --database "host=127.0.0.1 port=$bouncer_port dbname=suppliers user=postgres" \
  2>"$work/plain.log" &
CLEANUP+=("kill -KILL $!")
eventually 10 grep -qs '"msg":"suppliers-server listening"' "$work/plain.log" ||
  fail "no startup line: $(cat "$work/plain.log")"
# Sends N concurrent GetVendor calls to the plain server; prints how many
# failed.
plain_reads() {  # plain_reads N
  "$PY" - "$plain_port" "$1" <<'PYEOF'
import sys, concurrent.futures, grpc
import suppliers_client as sc
from suppliers_client import vendor_pb2 as v
with sc.connect(f"127.0.0.1:{sys.argv[1]}") as c:
    def work(i):
        try:
            c.vendors.GetVendor(v.GetVendorRequest(vendor_id=1), timeout=10)
            return 0
        except grpc.RpcError:
            return 1
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        print(sum(pool.map(work, range(int(sys.argv[2])))))
PYEOF
}
# Make it open and prepare its connections (warm-up calls, whatever they
# answer: the pool opens connections lazily), then have PgBouncer replace
# its server sessions: from here on no session has the statements the
# server's connections believe are prepared, so PostgreSQL refuses the first
# statement on each of them, whatever the timing. (Waiting instead for the
# pool's background top-up was a race: a connection opened after the
# RECONNECT prepares on the new sessions, and a lone connection's calls may
# then all land on its session.)
eventually 15 grep -qs '"msg":"database reachable, schema current"' "$work/plain.log" ||
  fail "the plain server never reached the database: $(cat "$work/plain.log")"
plain_reads 50 >/dev/null || fail "warm-up calls to the plain server"
bouncer "RECONNECT suppliers" >/dev/null || fail "pgbouncer RECONNECT"
sleep 0.5
failed=$(plain_reads 200) || fail "the control's reads did not run"
refused=$(prepared_statement_errors)
[ "$refused" -gt 0 ] ||
  fail "without --pgbouncer PostgreSQL refused no prepared statement: the test would not notice the mode missing"
pass "control: without --pgbouncer PostgreSQL refused $refused prepared-statement uses ($failed of 200 reads failed)"
