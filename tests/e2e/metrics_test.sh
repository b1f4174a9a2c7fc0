#!/usr/bin/env bash
# End to end: the Prometheus endpoint (--metrics_listen). After the sample
# client's demo (every kind of call, an upload and a download) and a round
# of killed backends, a scrape shows the calls by method and code with their
# latency, the pool and queue figures, the drawing bytes, the streams, and,
# after updates stopped by a held lock, the database errors by SQLSTATE class.
# Usage: metrics_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
CLIENT=$BUILD/client/suppliers-client
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")

start_throwaway_postgres
metrics_port=$(free_port)
start_migrated_server "$SERVER" "$work/server.log" --metrics_listen "127.0.0.1:$metrics_port"
scrape() { curl -sf "http://127.0.0.1:$metrics_port/metrics" >"$1"; }

check "the endpoint answers before any call" scrape "$work/before.txt"
check "no call counted yet" bash -c "! grep -q '^suppliers_rpc_calls_total' '$work/before.txt'"
check "pool size is exported" grep -qx 'suppliers_db_pool_max_connections 8' "$work/before.txt"

eventually 10 "$CLIENT" --target "127.0.0.1:$port" health check >/dev/null 2>&1 || fail "never SERVING"
"$CLIENT" --target "127.0.0.1:$port" demo >"$work/demo.txt" 2>&1 || fail "demo failed: $(cat "$work/demo.txt")"
scrape "$work/after_demo.txt"

# Updates of a row another session holds locked: PostgreSQL ends each at
# the call's deadline (statement or lock timeout, SQLSTATE class 57 or 55),
# and the error is counted by its class.
runuser -u postgres -- psql -X -qAt -h 127.0.0.1 -p "$PG_PORT" -d suppliers -c \
  "BEGIN; SELECT vendor_id FROM vendors WHERE vendor_id = 1 FOR UPDATE; SELECT pg_sleep(6); COMMIT;" >/dev/null 2>&1 &
locker=$!
CLEANUP+=("kill $locker")
sleep 0.5
for i in 1 2 3; do
  if "$CLIENT" --target "127.0.0.1:$port" --deadline 1s vendors update --id 1 --name "Locked Out" >/dev/null 2>"$work/update.err"; then
    fail "an update of a locked row succeeded"
  fi
done
scrape "$work/after.txt"

python3 - "$work/before.txt" "$work/after_demo.txt" "$work/after.txt" <<'PY'
import re, sys

def parse(path):
    values = {}
    for line in open(path):
        if line.startswith("#") or not line.strip():
            continue
        name, value = line.rsplit(" ", 1)
        values[name] = float(value)
    return values

before, demo, after = (parse(p) for p in sys.argv[1:4])
failures = []
def expect(what, ok):
    print(("ok - " if ok else "FAIL: ") + what)
    if not ok:
        failures.append(what)

def total(values, prefix):
    return sum(v for k, v in values.items() if k.startswith(prefix))

calls = {k: v for k, v in demo.items() if k.startswith("suppliers_rpc_calls_total{")}
methods = {re.search(r'method="([^"]+)"', k).group(1) for k in calls}
expect(f"calls counted for the demo's {len(methods)} methods (>= 10)", len(methods) >= 10)
expect("CreateVendor OK counted once",
       demo.get('suppliers_rpc_calls_total{code="OK",method="/suppliers.v1.VendorService/CreateVendor"}') == 1)
expect("the demo's refused CreatePart is counted FAILED_PRECONDITION",
       demo.get('suppliers_rpc_calls_total{code="FAILED_PRECONDITION",method="/suppliers.v1.PartService/CreatePart"}', 0) >= 1)
for method in sorted(methods):
    counted = sum(v for k, v in calls.items() if f'method="{method}"' in k)
    observed = demo.get(f'suppliers_rpc_duration_seconds_count{{method="{method}"}}')
    if observed != counted:
        expect(f"{method}: latency observations ({observed}) equal calls ({counted})", False)
expect("every call's latency is observed", not any("latency observations" in f for f in failures))
expect("latency buckets are cumulative up to +Inf",
       demo.get('suppliers_rpc_duration_seconds_bucket{method="/suppliers.v1.VendorService/CreateVendor",le="+Inf"}') == 1)
expect("pool acquisitions were timed", demo.get("suppliers_db_pool_acquire_seconds_count", 0) > 0)
expect("queue waits were timed", demo.get("suppliers_work_queue_wait_seconds_count", 0) > 0)
expect("drawing bytes in moved", demo.get('suppliers_drawing_bytes_total{direction="in"}', 0) > 0)
expect("drawing bytes out moved", demo.get('suppliers_drawing_bytes_total{direction="out"}', 0) > 0)
expect("upload streams counted",
       demo.get('suppliers_streams_total{method="/suppliers.v1.DrawingService/UploadDrawing"}', 0) >= 1)
expect("download streams counted",
       demo.get('suppliers_streams_total{method="/suppliers.v1.DrawingService/DownloadDrawing"}', 0) >= 1)
expect("no stream left active", total(demo, "suppliers_streams_active{") == 0)
expect("pool connections exported by state",
       all(f'suppliers_db_pool_connections{{state="{s}"}}' in demo for s in ("in_use", "idle")))
expect("queue depth exported", "suppliers_work_queue_depth" in demo)
errors = {k: v for k, v in after.items() if k.startswith("suppliers_db_errors_total{")}
timeouts = sum(after.get(f'suppliers_db_errors_total{{sqlstate_class="{c}"}}', 0) for c in ("55", "57"))
expect(f"the stopped updates counted by SQLSTATE class (55 or 57): {errors}", timeouts >= 3)
failed_updates = sum(v for k, v in after.items()
                     if k.startswith("suppliers_rpc_calls_total{") and "UpdateVendor" in k
                     and 'code="OK"' not in k)
expect(f"and the updates as failed UpdateVendor calls ({failed_updates}, by their code)", failed_updates >= 1)
sys.exit(1 if failures else 0)
PY

# The endpoint's address must be free: a taken one stops the start (exit 1).
set +e
"$SERVER" --listen "127.0.0.1:$(free_port)" --database "$CONNINFO" \
  --metrics_listen "127.0.0.1:$metrics_port" 2>"$work/taken.log"
code=$?
set -e
check "a taken metrics port exits 1" test "$code" -eq 1
check "and says which address" grep -q "cannot serve metrics on 127.0.0.1:$metrics_port" "$work/taken.log"
