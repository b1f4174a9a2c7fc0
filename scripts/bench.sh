#!/usr/bin/env bash
# Unary-call benchmark, in one go and interleaved: for GetVendor, ListVendors
# (page of 50 by name), CreateVendor and UpdateVendor at 1, 8, 32, 128 and
# 512 calls in flight, the service (bench/load_gen against suppliers-server),
# the gRPC ceiling (bench/ceiling_server: GetVendor from memory, no
# database) and pgbench running the exact statements the service sends for
# the same call (captured from PostgreSQL's log_statement=all in this run and
# printed). A throwaway PostgreSQL 15 with 10,000 vendors; nothing else
# touched. Prints one JSON line per run and a Markdown table at the end.
#
#   scripts/bench.sh                 # 5 s windows (about 6 minutes)
#   DURATION=20s scripts/bench.sh    # longer windows
#   LEVELS="32" METHODS="GetVendor" scripts/bench.sh
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-1s}
LEVELS=${LEVELS:-1 8 32 128 512}
METHODS=${METHODS:-GetVendor ListVendors CreateVendor UpdateVendor}
CONNECTIONS=${CONNECTIONS:-4}
# pgbench needs a backend per client; past this it runs this many clients.
PGBENCH_MAX_CLIENTS=${PGBENCH_MAX_CLIENTS:-64}
PGBENCH=/usr/lib/postgresql/15/bin/pgbench

# shellcheck source=../tests/e2e/lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d /tmp/suppliers-bench-XXXXXX)
chmod 755 "$work"
CLEANUP+=("rm -rf $work")
start_throwaway_postgres
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_() { as_pg psql -X -qAt -h 127.0.0.1 -p "$PG_PORT" -d suppliers "$@"; }

"$BUILD/server/suppliers-server" migrate --database "$CONNINFO" 2>"$work/migrate.log"
psql_ -c "INSERT INTO vendors (vendor_name) SELECT 'vendor ' || g FROM generate_series(1, 10000) g" >/dev/null
psql_ -c "VACUUM ANALYZE vendors" >/dev/null

port=$(free_port)
"$BUILD/server/suppliers-server" --listen "127.0.0.1:$port" --database "$CONNINFO" \
  --access_log=false 2>"$work/server.log" &
server=$!
CLEANUP+=("kill -TERM $server")
ceiling_port=$(free_port)
"$BUILD/bench/ceiling_server" --listen "127.0.0.1:$ceiling_port" 2>"$work/ceiling.log" &
ceiling=$!
CLEANUP+=("kill -TERM $ceiling")
eventually 10 grep -qs '"msg":"suppliers-server listening"' "$work/server.log" ||
  fail "server did not start: $(cat "$work/server.log")"
pool_size=$(grep -o '"pool_max_size":[0-9]*' "$work/server.log" | cut -d: -f2)

request_of() {
  case $1 in
    GetVendor) echo 'vendor_id: {n}' ;;
    ListVendors) echo 'page_size: 50 order_by: VENDOR_ORDER_NAME_ASC' ;;
    CreateVendor) echo 'vendor { vendor_name: "bench {uuid}" }' ;;
    UpdateVendor) echo 'vendor { vendor_id: {n} vendor_name: "renamed {uuid}" } update_mask { paths: "vendor_name" }' ;;
  esac
}
load() {  # load LABEL TARGET METHOD IN_FLIGHT [DEADLINE] [RATE]
  local pid=$server
  [ "$1" = ceiling ] && pid=$ceiling
  "$BUILD/bench/load_gen" --target "$2" --method "suppliers.v1.VendorService/$3" \
    --server_pid "$pid" --rate "${6:-0}" \
    --request "$(request_of "$3")" --counter_max 10000 --in_flight "$4" \
    --connections "$CONNECTIONS" --warmup "$WARMUP" --duration "$DURATION" \
    --deadline "${5:-5s}" --json --label "$1"
}

# --- What the service sends per call, from log_statement=all ----------------
psql_ -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null
sleep 0.5
: >"$work/statements.txt"
for method in $METHODS; do
  log_lines=$(wc -l <"$PG_ROOT/server.log")
  "$BUILD/bench/load_gen" --target "127.0.0.1:$port" --method "suppliers.v1.VendorService/$method" \
    --request "$(request_of "$method")" --counter_max 10000 --in_flight 1 --connections 1 \
    --warmup 0s --count 3 >/dev/null
  sleep 0.3
  {
    echo "== $method: statements of 3 calls (the health probe's own connection left out)"
    tail -n +"$((log_lines + 1))" "$PG_ROOT/server.log" | python3 -c '
import re, sys
lines = [l for l in sys.stdin if re.search(r"LOG:  (execute|statement)", l)]
pid = lambda l: (re.search(r"\[(\d+)\]", l) or [None, ""])[1]
probe = {pid(l) for l in lines if "schema_migrations" in l or "SELECT 1" in l}
for l in lines:
    if pid(l) not in probe:
        print(re.sub(r"^.*LOG:  ", "", l.rstrip()))'
  } >>"$work/statements.txt"
done
psql_ -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null
cat "$work/statements.txt" >&2

# pgbench scripts: the same statements, prepared, random rows.
cat >"$work/GetVendor.sql" <<'EOF'
\set id random(1, 10000)
SELECT vendor_id, vendor_name, xmin::text FROM vendors WHERE vendor_id = :id;
EOF
cat >"$work/ListVendors.sql" <<'EOF'
SELECT vendor_id, vendor_name, xmin::text FROM vendors WHERE vendor_name ILIKE '%' AND (NOT false OR (vendor_name, vendor_id) > (''::varchar, 0::int)) ORDER BY vendor_name, vendor_id LIMIT 51;
EOF
cat >"$work/CreateVendor.sql" <<'EOF'
INSERT INTO vendors (vendor_name) VALUES ('bench ' || md5(random()::text)) RETURNING vendor_id, vendor_name, xmin::text;
EOF
cat >"$work/UpdateVendor.sql" <<'EOF'
\set id random(1, 10000)
UPDATE vendors SET vendor_name = 'renamed ' || md5(random()::text) WHERE vendor_id = :id AND ('' = '' OR xmin::text = '') RETURNING vendor_id, vendor_name, xmin::text;
EOF
pgbench_run() {  # pgbench_run METHOD CLIENTS [RATE]: one JSON line
  local clients=$(($2 < PGBENCH_MAX_CLIENTS ? $2 : PGBENCH_MAX_CLIENTS))
  local rate_args=()
  [ -n "${3:-}" ] && rate_args=(-R "$3")
  rm -rf "$work/pgb" && mkdir -p "$work/pgb" && chmod 777 "$work/pgb"
  (cd "$work/pgb" && as_pg "$PGBENCH" -h 127.0.0.1 -p "$PG_PORT" -n -M prepared \
    -c "$clients" -j 2 -T "$((${DURATION%s} + ${WARMUP%s}))" "${rate_args[@]}" -l -f "$work/$1.sql" suppliers >"$work/pgb/out.txt" 2>&1) ||
    { cat "$work/pgb/out.txt" >&2; return 1; }
  python3 - "$1" "$2" "$clients" "$work/pgb" "${WARMUP%s}" <<'PY'
import glob, json, sys
method, in_flight, clients, path = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
warmup = float(sys.argv[5])
entries = []
for name in glob.glob(path + "/pgbench_log.*"):
    for line in open(name):
        f = line.split()
        # With -R the 7th field is the schedule lag: latency counts from the
        # scheduled start, as load_gen's --rate does.
        entries.append((int(f[4]) + int(f[5]) / 1e6,
                        (int(f[2]) + (int(f[6]) if len(f) > 6 else 0)) / 1000.0))
# The first seconds (connecting, a schedule already behind) are a warm-up,
# as for load_gen.
start = min((t for t, _ in entries), default=0) + warmup
kept = [(t, l) for t, l in entries if t >= start]
lat = [l for _, l in kept]
first = min((t for t, _ in kept), default=None)
last = max((t for t, _ in kept), default=None)
lat.sort()
pct = lambda p: lat[min(len(lat) - 1, int(p * len(lat)))] if lat else 0
secs = max(1e-9, (last or 0) - (first or 0))
print(json.dumps({"label": "pgbench", "method": method, "in_flight": in_flight, "clients": clients,
                  "calls": len(lat), "calls_per_s": round(len(lat) / secs, 1), "p50_ms": pct(0.5),
                  "p90_ms": pct(0.9), "p99_ms": pct(0.99), "max_ms": lat[-1] if lat else 0}))
PY
}

results=$work/results.jsonl
for level in $LEVELS; do
  for method in $METHODS; do
    load service "127.0.0.1:$port" "$method" "$level" | tee -a "$results"
    if [ "$method" = GetVendor ]; then
      load ceiling "127.0.0.1:$ceiling_port" GetVendor "$level" | tee -a "$results"
    fi
    pgbench_run "$method" "$level" | tee -a "$results"
  done
done

# A true overload: 512 in flight with 60 ms deadlines, shorter than the
# queue they make. Refusals must come at once, not at the deadline.
load overload "127.0.0.1:$port" GetVendor 512 "${OVERLOAD_DEADLINE:-60ms}" | tee "$work/overload.json"

# Latency at half the peak: open loop at half the best OK rate the service
# reached for each method above, against pgbench -R at the same rate and the
# same concurrency (both count latency from the scheduled start).
HALF_PEAK_IN_FLIGHT=${HALF_PEAK_IN_FLIGHT:-32}
halfpeak=$work/halfpeak.jsonl
: >"$halfpeak"
for method in $METHODS; do
  half=$(python3 - "$results" "$method" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
ok = [r["ok_calls_per_s"] for r in rows if r["label"] == "service" and r["method"].endswith("/" + sys.argv[2])]
print(int(max(ok) / 2) if ok else 0)
PY
)
  [ "$half" -gt 0 ] || continue
  load halfpeak "127.0.0.1:$port" "$method" "$HALF_PEAK_IN_FLIGHT" 5s "$half" | tee -a "$halfpeak"
  pgbench_run "$method" "$HALF_PEAK_IN_FLIGHT" "$half" |
    sed 's/"label": "pgbench"/"label": "pgbench_halfpeak"/' | tee -a "$halfpeak"
done

python3 - "$results" "$pool_size" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["label"], r["method"].split("/")[-1], r["in_flight"]): r for r in rows}
methods = list(dict.fromkeys(r["method"].split("/")[-1] for r in rows))
levels = sorted({r["in_flight"] for r in rows})
print(f"\nservice pool size {sys.argv[2]}; combined limit = 1 / (1/ceiling + 1/pgbench)\n")
print("| method | in flight | service OK calls/s | p50 / p99 ms | not OK | server CPU us / switches per call | "
      "ceiling calls/s | ceiling CPU us / switches per call | "
      "pgbench calls/s (clients) | pgbench p50 / p99 ms | service / combined limit |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for m in methods:
    for n in levels:
        s = by.get(("service", m, n))
        if not s:
            continue
        c = by.get(("ceiling", "GetVendor", n))
        p = by.get(("pgbench", m, n))
        bad = sum(v for k, v in s["codes"].items() if k != "OK")
        # Only answered calls count: a refusal is cheap, not served.
        s = dict(s, calls_per_s=s["ok_calls_per_s"])
        use = lambda r: f"{r['server_cpu_per_call_us']:.0f} / {r['server_context_switches_per_call']:.1f}"
        cells = [m, str(n), f"{s['calls_per_s']:.0f}", f"{s['p50_ms']:.2f} / {s['p99_ms']:.2f}", str(bad),
                 use(s) if "server_cpu_per_call_us" in s else "",
                 f"{c['calls_per_s']:.0f}" if c else "",
                 use(c) if c and "server_cpu_per_call_us" in c else "",
                 f"{p['calls_per_s']:.0f} ({p['clients']})" if p else "",
                 f"{p['p50_ms']:.2f} / {p['p99_ms']:.2f}" if p else ""]
        if c and p:
            limit = 1 / (1 / c["calls_per_s"] + 1 / p["calls_per_s"])
            cells.append(f"{s['calls_per_s'] / limit:.2f}")
        else:
            cells.append("")
        print("| " + " | ".join(cells) + " |")
PY
python3 - "$halfpeak" "$HALF_PEAK_IN_FLIGHT" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
by = {(r["label"], r["method"].split("/")[-1]): r for r in rows}
print(f"\nhalf the peak rate, open loop, at most {sys.argv[2]} in flight (pgbench -R, same clients); target: service p99 <= 2 x pgbench p99\n")
print("| method | rate calls/s | service OK calls/s | service p50 / p99 ms | pgbench calls/s | pgbench p50 / p99 ms | p99 ratio |")
print("|---|---|---|---|---|---|---|")
for (label, m), s in by.items():
    if label != "halfpeak":
        continue
    p = by.get(("pgbench_halfpeak", m))
    cells = [m, f"{s['calls_per_s']:.0f}", f"{s['ok_calls_per_s']:.0f}", f"{s['p50_ms']:.2f} / {s['p99_ms']:.2f}"]
    if p:
        cells += [f"{p['calls_per_s']:.0f}", f"{p['p50_ms']:.2f} / {p['p99_ms']:.2f}",
                  f"{s['p99_ms'] / max(1e-9, p['p99_ms']):.2f}"]
    print("| " + " | ".join(cells) + " |")
PY
python3 - "$work/overload.json" "${OVERLOAD_DEADLINE:-60ms}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
print(f"\noverload, GetVendor at 512 in flight with {sys.argv[2]} deadlines: {r['calls_per_s']:.0f} calls/s answered "
      f"(p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms), codes {r['codes']}; "
      f"refusals answered in p50 {r['not_ok_p50_ms']:.2f} ms, p99 {r['not_ok_p99_ms']:.2f} ms")
PY
