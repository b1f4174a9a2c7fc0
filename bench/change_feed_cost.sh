#!/usr/bin/env bash
# What the change feed costs writers: CreateVendor and CreatePart (with two
# vendor links) under closed-loop load (bench/load_gen, 32 in flight), with
# the feed's triggers enabled, then disabled (ALTER TABLE ... DISABLE
# TRIGGER USER on the four tables), against one throwaway PostgreSQL 15 and
# one migrated suppliers-server. The triggers write the outbox in the
# changing transaction and take the commit-order advisory lock at COMMIT:
# the ratio is the share of write throughput that leaves.
#
#   bench/change_feed_cost.sh [--duration 10s] [--repeat K] [BUILD_DIR]
#
# Prints calls/s and p99 for each method and state (median of K runs,
# default 3) and the ratio enabled / disabled. Installs nothing; stops all it
# started on exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
COMMAND_LINE=$(printf '%q ' "$0" "$@")
COMMAND_LINE=${COMMAND_LINE% }
DURATION=10s
REPEAT=3
BUILD_DIR=$REPO/build
while [ $# -gt 0 ]; do
  case $1 in
    --duration) DURATION=${2:?--duration D}; shift 2 ;;
    --repeat) REPEAT=${2:?--repeat K}; shift 2 ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "change_feed_cost: unknown flag $1" >&2; exit 2 ;;
    *) BUILD_DIR=$1; shift ;;
  esac
done
[[ $REPEAT =~ ^[1-9][0-9]*$ ]] || { echo "change_feed_cost: --repeat wants a positive integer" >&2; exit 2; }
SERVER=$BUILD_DIR/server/suppliers-server
LOAD_GEN=$BUILD_DIR/bench/load_gen
for b in "$SERVER" "$LOAD_GEN"; do
  [ -x "$b" ] || { echo "change_feed_cost: $b is missing: build first" >&2; exit 2; }
done

# shellcheck source=../tests/e2e/lib.sh
source "$REPO/tests/e2e/lib.sh"
trap 'exit 130' INT
trap 'exit 143' TERM
work=$(mktemp -d /tmp/suppliers-feed-cost-XXXXXX)
chmod 755 "$work"
CLEANUP+=("rm -rf $work")
start_throwaway_postgres >"$work/postgres.log" 2>&1 || fail "PostgreSQL: $(cat "$work/postgres.log")"
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d suppliers "$@"; }
start_migrated_server "$SERVER" "$work/server.log" --access_log=false
# shellcheck disable=SC2154 # port is set by start_migrated_server
target=127.0.0.1:$port
psql_ -c "INSERT INTO vendors (vendor_name) SELECT 'seed ' || g FROM generate_series(1, 100) g"

triggers() {  # triggers ENABLE|DISABLE
  local table
  for table in vendors parts vendor_parts part_drawings; do
    psql_ -c "ALTER TABLE $table $1 TRIGGER USER"
  done
}
run() {  # run LABEL METHOD REQUEST: one JSON line
  "$LOAD_GEN" --target "$target" --method "$2" --request "$3" --in_flight 32 \
    --connections 4 --warmup 2s --duration "$DURATION" --json --label "$1"
}
: >"$work/results.jsonl"
for ((i = 1; i <= REPEAT; i++)); do
  for state in ENABLE DISABLE; do
    triggers "$state"
    run "vendor $state" suppliers.v1.VendorService/CreateVendor \
      'vendor { vendor_name: "bench vendor {n}" }' >>"$work/results.jsonl"
    run "part $state" suppliers.v1.PartService/CreatePart \
      'part { part_name: "bench part {n}" vendor_ids: [1, 2] }' >>"$work/results.jsonl"
  done
done
triggers ENABLE
events=$(psql_ -tAc "SELECT count(*) FROM change_events")

python3 - "$work/results.jsonl" "$COMMAND_LINE" "$events" "$(nproc)" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
def median(label, key):
    return statistics.median(r[key] for r in rows if r["label"] == label)
print(f"change feed cost to writers ({sys.argv[4]} cores, 32 in flight; median of runs)")
for what, method in (("vendor", "CreateVendor"), ("part", "CreatePart + 2 links")):
    on, off = median(f"{what} ENABLE", "ok_calls_per_s"), median(f"{what} DISABLE", "ok_calls_per_s")
    p99_on, p99_off = median(f"{what} ENABLE", "p99_ms"), median(f"{what} DISABLE", "p99_ms")
    print(f"  {method:22} feed on {on:8.0f} calls/s p99 {p99_on:6.2f} ms | "
          f"off {off:8.0f} calls/s p99 {p99_off:6.2f} ms | ratio on/off {on / off:.2f}")
print(f"  ({sys.argv[3]} change events recorded with the feed on)")
print(f"command: {sys.argv[2]}")
PY
