#!/usr/bin/env bash
# Start-up and idle footprint of suppliers-server: the time from exec to the
# first "database reachable, schema current" (the moment health turns
# SERVING) and the resident memory once idle (2 s after), with a warm pool of
# one connection, against a throwaway PostgreSQL. Median of RUNS starts;
# prints the figures and their ratio to the targets of issue 11 (200 ms,
# 20 MiB).
#
#   bench/startup_memory.sh            # 5 starts
#   RUNS=9 bench/startup_memory.sh
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$REPO/build}
RUNS=${RUNS:-5}
# shellcheck source=../tests/e2e/lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")
start_throwaway_postgres >/dev/null
"$BUILD/server/suppliers-server" migrate --database "$CONNINFO" 2>/dev/null

startups=()
rss=()
pss=()
private=()
for _ in $(seq "$RUNS"); do
  port=$(free_port)
  log=$work/server.log
  start=$(date +%s%N)
  "$BUILD/server/suppliers-server" --listen "127.0.0.1:$port" --database "$CONNINFO" \
    --pool_min_idle 1 2>"$log" &
  pid=$!
  until grep -qs '"msg":"database reachable' "$log"; do sleep 0.002; done
  startups+=($((($(date +%s%N) - start) / 1000000)))
  sleep 2
  rss+=("$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")")
  # RSS counts the shared libraries' pages too; PSS shares them out among
  # the processes mapping them, private pages are this process's own.
  pss+=("$(awk '/^Pss:/ {print $2}' "/proc/$pid/smaps_rollup")")
  private+=("$(awk '/^Private_(Clean|Dirty):/ {n += $2} END {print n}' "/proc/$pid/smaps_rollup")")
  kill -TERM "$pid"
  wait "$pid" || true
done
python3 - "${startups[*]}" "${rss[*]}" "${pss[*]}" "${private[*]}" <<'PY'
import statistics, sys
startup = statistics.median(int(x) for x in sys.argv[1].split())
rss_mib = statistics.median(int(x) for x in sys.argv[2].split()) / 1024
print(f"start-up to SERVING: {startup:.0f} ms (median of {len(sys.argv[1].split())}); "
      f"target 200 ms: ratio {startup / 200:.2f} ({'met' if startup <= 200 else 'not met'})")
pss_mib = statistics.median(int(x) for x in sys.argv[3].split()) / 1024
private_mib = statistics.median(int(x) for x in sys.argv[4].split()) / 1024
print(f"idle RSS, warm pool of one: {rss_mib:.1f} MiB; "
      f"target 20 MiB: ratio {rss_mib / 20:.2f} ({'met' if rss_mib <= 20 else 'not met'})")
print(f"  of which PSS {pss_mib:.1f} MiB, private {private_mib:.1f} MiB "
      f"(the rest: shared library pages, shared with other processes)")
PY
