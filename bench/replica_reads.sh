#!/usr/bin/env bash
# What a read replica does to read throughput: GetVendor and ListVendors
# under closed-loop load (bench/load_gen, 32 in flight, 4 connections)
# against three servers over the same data: the primary alone (reads on the
# StatementDriver, the default), the primary alone with reads on the workers
# (--read_connections 0, the path replica routing takes), and primary plus
# one streaming replica (--replica_database), made with pg_basebackup on
# this machine. Prints calls/s and p99 per method and server (median of K
# runs), the ratios to the primary alone, and where the reads ran (commits
# counted in pg_stat_database on each PostgreSQL), and CreateVendor on the
# primary alone and with the replica (where each write also reads its commit
# position for read-your-writes).
#
#   bench/replica_reads.sh [--duration 8s] [--repeat K] [BUILD_DIR]
#
# Run as root (the PostgreSQL servers run as postgres). Installs nothing;
# stops all it started on exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
COMMAND_LINE=$(printf '%q ' "$0" "$@")
COMMAND_LINE=${COMMAND_LINE% }
DURATION=8s
REPEAT=3
BUILD_DIR=$REPO/build
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=${2:?--duration D}; shift 2 ;;
    --repeat) REPEAT=${2:?--repeat K}; shift 2 ;;
    -h | --help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "replica_reads: unknown flag $1" >&2; exit 2 ;;
    *) BUILD_DIR=$1; shift ;;
  esac
done
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "replica_reads: --repeat wants a positive integer" >&2; exit 2; }
SERVER=$BUILD_DIR/server/suppliers-server
LOAD_GEN=$BUILD_DIR/bench/load_gen
for b in "$SERVER" "$LOAD_GEN"; do
  [ -x "$b" ] || { echo "replica_reads: $b is missing: build first" >&2; exit 2; }
done
BINDIR=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

# shellcheck source=../tests/e2e/lib.sh
source "$REPO/tests/e2e/lib.sh"
trap 'exit 130' INT
trap 'exit 143' TERM
work=$(mktemp -d /tmp/suppliers-replica-bench-XXXXXX)
chmod 755 "$work"
CLEANUP+=("rm -rf $work")
start_throwaway_postgres >"$work/postgres.log" 2>&1 || fail "PostgreSQL: $(cat "$work/postgres.log")"
"$SERVER" migrate --database "$CONNINFO" 2>"$work/migrate.log" || fail "migrate: $(cat "$work/migrate.log")"
psql -X -q -v ON_ERROR_STOP=1 "$CONNINFO" \
  -c "INSERT INTO vendors (vendor_name) SELECT 'bench vendor ' || g FROM generate_series(1, 10000) g"

replica_root=$work/replica
replica_port=$(free_port)
mkdir -p "$replica_root" && chown postgres "$replica_root" && chmod 700 "$replica_root"
runuser -u postgres -- pg_basebackup -h 127.0.0.1 -p "$PG_PORT" -U postgres \
  -D "$replica_root/data" -R -X stream -c fast >"$work/basebackup.log" 2>&1 ||
  fail "pg_basebackup: $(cat "$work/basebackup.log")"
runuser -u postgres -- "$BINDIR/pg_ctl" -D "$replica_root/data" -l "$replica_root/server.log" -w -t 60 \
  -o "-c port=$replica_port -c listen_addresses=127.0.0.1 -c unix_socket_directories=$replica_root/data" \
  start >/dev/null
CLEANUP+=("runuser -u postgres -- $BINDIR/pg_ctl -D $replica_root/data -m immediate stop")
REPLICA="host=127.0.0.1 port=$replica_port dbname=suppliers user=postgres"

start_server() {  # start_server NAME FLAGS...: sets port_NAME
  local name=$1 p
  shift
  p=$(free_port)
  "$SERVER" --listen "127.0.0.1:$p" --database "$CONNINFO" --access_log=false "$@" 2>"$work/$name.log" &
  CLEANUP+=("kill -KILL $!")
  eventually 15 grep -qs '"msg":"suppliers-server listening"' "$work/$name.log" ||
    fail "$name: no startup line: $(cat "$work/$name.log")"
  printf -v "port_$name" '%s' "$p"
}
start_server primary
start_server workers --read_connections 0
start_server replica --replica_database "$REPLICA" --replica_max_lag 5s
eventually 15 grep -qs '"msg":"read replica usable"' "$work/replica.log" ||
  fail "the replica never became usable: $(cat "$work/replica.log")"

commits() { psql -X -qAt "$1" -c "SELECT xact_commit FROM pg_stat_database WHERE datname = 'suppliers'"; }
run() {  # run LABEL PORT METHOD REQUEST: one JSON line
  "$LOAD_GEN" --target "127.0.0.1:$2" --method "$3" --request "$4" --counter_max 10000 \
    --in_flight 32 --connections 4 --warmup 2s --duration "$DURATION" --json --label "$1"
}
: >"$work/results.jsonl"
for ((i = 1; i <= REPEAT; i++)); do
  for server in primary workers replica; do
    p=port_$server
    if [ "$server" = replica ]; then
      before_primary=$(commits "$CONNINFO") before_replica=$(commits "$REPLICA")
    fi
    run "get $server" "${!p}" suppliers.v1.VendorService/GetVendor 'vendor_id: {n}' >>"$work/results.jsonl"
    run "list $server" "${!p}" suppliers.v1.VendorService/ListVendors 'page_size: 50' >>"$work/results.jsonl"
    if [ "$server" = replica ]; then
      echo "{\"label\": \"commits\", \"primary\": $(($(commits "$CONNINFO") - before_primary)), \"replica\": $(($(commits "$REPLICA") - before_replica))}" >>"$work/results.jsonl"
    fi
    if [ "$server" != workers ]; then
      # Writes with replicas also read their commit position (one more
      # statement): what read-your-writes costs them.
      run "create $server" "${!p}" suppliers.v1.VendorService/CreateVendor \
        'vendor { vendor_name: "bench new {n}" }' >>"$work/results.jsonl"
    fi
  done
done

python3 - "$work/results.jsonl" "$COMMAND_LINE" "$(nproc)" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def median(label, key):
    return statistics.median(r[key] for r in rows if r["label"] == label)
print(f"read throughput with a streaming replica ({sys.argv[3]} cores, all on this machine; "
      "32 in flight, 4 connections; median of runs)")
names = {"primary": "primary alone (driver)", "workers": "primary alone (workers)",
         "replica": "primary + 1 replica"}
for what, method in (("get", "GetVendor"), ("list", "ListVendors 50")):
    base = median(f"{what} primary", "ok_calls_per_s")
    for server in ("primary", "workers", "replica"):
        rate = median(f"{what} {server}", "ok_calls_per_s")
        p99 = median(f"{what} {server}", "p99_ms")
        print(f"  {method:15} {names[server]:24} {rate:8.0f} calls/s p99 {p99:6.2f} ms"
              f"  ratio to primary alone {rate / base:.2f}")
base = median("create primary", "ok_calls_per_s")
rate = median("create replica", "ok_calls_per_s")
print(f"  {'CreateVendor':15} {'primary alone':24} {base:8.0f} calls/s p99 "
      f"{median('create primary', 'p99_ms'):6.2f} ms")
print(f"  {'CreateVendor':15} {'with a replica (+LSN)':24} {rate:8.0f} calls/s p99 "
      f"{median('create replica', 'p99_ms'):6.2f} ms  ratio {rate / base:.2f}")
c = [r for r in rows if r["label"] == "commits"]
primary = sum(r["primary"] for r in c)
replica = sum(r["replica"] for r in c)
print(f"  with the replica, transactions committed: replica {replica}, primary {primary} "
      f"({100 * replica / max(1, primary + replica):.0f}% of reads on the replica; the primary's "
      "count includes the probes and the change feed)")
print(f"command: {sys.argv[2]}")
PY
