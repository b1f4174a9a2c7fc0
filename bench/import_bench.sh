#!/usr/bin/env bash
# Bulk import benchmark: VendorService.ImportVendors (`suppliers-client
# vendors import --csv FILE`, CSV chunks streamed through COPY) against the
# PostgreSQL tutorial's own way (psycopg2 `executemany`, one INSERT per row)
# and `psql \copy` of the same CSV into the same table, side by side in one
# run, against a throwaway PostgreSQL 15 and a migrated suppliers-server.
# The migrations' change-feed triggers on vendors fire for every method alike.
# Before each timed run the vendors table and the change-feed tables are
# emptied (TRUNCATE ... RESTART IDENTITY CASCADE, VACUUM ANALYZE, CHECKPOINT);
# after it the table's rows are checked (count and an md5 of the sorted names).
# Targets (the issue): import >= 10x executemany's rows/s and >= 0.7x
# psql \copy's. executemany is measured on a sample and extrapolated.
#
#   bench/import_bench.sh [flags] [BUILD_DIR]       (BUILD_DIR default: build)
#     --rows N             vendors in the CSV (default 1000000)
#     --executemany-rows M rows of the CSV that executemany inserts (default 20000)
#     --repeat K           timed runs of each method; the median counts (default 3)
#     --export             instead: the server's peak RSS (VmHWM) while
#                          `suppliers-client vendors export --csv` streams
#                          --export-rows vendors (default 10000000), and its rows/s
#
# Needs python3-psycopg2 (scripts/install-deps.sh) for Debian's /usr/bin/python3
# (or $SUPPLIERS_PYTHON). Installs nothing; stops all it started on exit.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
COMMAND_LINE=$(printf '%q ' "$0" "$@")
COMMAND_LINE=${COMMAND_LINE% }

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; }
ROWS=1000000
EM_ROWS=20000
REPEAT=3
EXPORT=0
EXPORT_ROWS=10000000
BUILD_DIR=$REPO/build
positional=()
while [ $# -gt 0 ]; do
  case $1 in
    --rows) ROWS=${2:?--rows N}; shift 2 ;;
    --rows=*) ROWS=${1#*=}; shift ;;
    --executemany-rows) EM_ROWS=${2:?--executemany-rows M}; shift 2 ;;
    --executemany-rows=*) EM_ROWS=${1#*=}; shift ;;
    --repeat) REPEAT=${2:?--repeat K}; shift 2 ;;
    --repeat=*) REPEAT=${1#*=}; shift ;;
    --export) EXPORT=1; shift ;;
    --export-rows) EXPORT_ROWS=${2:?--export-rows N}; shift 2 ;;
    --export-rows=*) EXPORT_ROWS=${1#*=}; shift ;;
    -h | --help) usage; exit 0 ;;
    -*) echo "import_bench: unknown flag $1" >&2; usage >&2; exit 2 ;;
    *) positional+=("$1"); shift ;;
  esac
done
[ ${#positional[@]} -le 1 ] || { echo "import_bench: one BUILD_DIR at most" >&2; exit 2; }
[ ${#positional[@]} -eq 0 ] || BUILD_DIR=${positional[0]}
BUILD_DIR=$(cd "$BUILD_DIR" 2>/dev/null && pwd) ||
  { echo "import_bench: no build directory ${positional[0]:-$REPO/build}" >&2; exit 2; }
for v in ROWS EM_ROWS REPEAT EXPORT_ROWS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || { echo "import_bench: $v must be a positive integer, not '${!v}'" >&2; exit 2; }
done
[ "$EM_ROWS" -le "$ROWS" ] || EM_ROWS=$ROWS

SERVER=$BUILD_DIR/server/suppliers-server
CLIENT=$BUILD_DIR/client/suppliers-client
PY=${SUPPLIERS_PYTHON:-/usr/bin/python3}
for b in "$SERVER" "$CLIENT"; do
  [ -x "$b" ] || { echo "import_bench: $b is missing: build first" >&2; exit 2; }
done
if [ "$EXPORT" -eq 0 ] && ! "$PY" -c 'import psycopg2' 2>/dev/null; then
  echo "import_bench: python3-psycopg2 is missing for $PY (the executemany baseline needs it):" >&2
  echo "  scripts/install-deps.sh   (or: apt-get install python3-psycopg2)" >&2
  exit 2
fi
# The client's commands, from its --help (the import and export commands
# may not be built yet).
client_help=$("$CLIENT" --help 2>&1 || true)
has_command() { grep -qE "^ +vendors $1( |\$)" <<<"$client_help"; }

say() { echo "import_bench: $*" >&2; }

# shellcheck source=../tests/e2e/lib.sh
source "$REPO/tests/e2e/lib.sh"
# lib.sh's EXIT trap stops the server and PostgreSQL; make signals exit too.
trap 'exit 130' INT
trap 'exit 143' TERM
work=$(mktemp -d /tmp/suppliers-import-bench-XXXXXX)
chmod 755 "$work"
CLEANUP+=("rm -rf $work")

say "starting a throwaway PostgreSQL and suppliers-server ($BUILD_DIR)"
start_throwaway_postgres >"$work/postgres.log" 2>&1 || fail "PostgreSQL: $(cat "$work/postgres.log")"
export PGCLIENTENCODING=UTF8
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d suppliers "$@"; }
start_migrated_server "$SERVER" "$work/server.log" --access_log=false --stream_max_duration=2h
# shellcheck disable=SC2154 # port and server are set by start_migrated_server
{ target=127.0.0.1:$port; server_pid=$server; }

revision="$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)"
[ -z "$(git -C "$REPO" status --porcelain --untracked-files=no 2>/dev/null)" ] ||
  revision="$revision (work tree modified)"
context="PostgreSQL $(psql_ -tAc 'SHOW server_version' | cut -d' ' -f1), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at start, revision $revision"

hwm_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$server_pid/status"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$server_pid/status"; }
now_ns() { date +%s%N; }

# ---------------------------------------------------------------- --export --
if [ "$EXPORT" -eq 1 ]; then
  if ! has_command export; then
    echo "export: not available ($CLIENT has no \`vendors export\` command)"
    echo "command: $COMMAND_LINE"
    exit 0
  fi
  say "loading $EXPORT_ROWS vendors (INSERT ... SELECT generate_series, triggers off)"
  # session_replication_role=replica skips the change-feed triggers: the
  # export reads vendors only, and the load is several times faster.
  psql_ -c "SET session_replication_role = replica" \
    -c "INSERT INTO vendors (vendor_name) SELECT 'Vendor ' || lpad(g::text, 8, '0') || ' Ltd' FROM generate_series(1, $EXPORT_ROWS) g" \
    -c "VACUUM ANALYZE vendors" -c "CHECKPOINT"
  loaded=$(psql_ -tAc "SELECT count(*) FROM vendors")
  [ "$loaded" -eq "$EXPORT_ROWS" ] || fail "loaded $loaded vendors, want $EXPORT_ROWS"
  hwm_before=$(hwm_kib)
  rss_before=$(rss_kib)
  say "exporting $EXPORT_ROWS vendors as CSV"
  t0=$(now_ns)
  lines=$("$CLIENT" --target "$target" --deadline 7200s vendors export --csv 2>"$work/export.err" | wc -l) ||
    fail "export failed: $(tail -5 "$work/export.err")"
  t1=$(now_ns)
  hwm_after=$(hwm_kib)
  rss_after=$(rss_kib)
  "$PY" - "$EXPORT_ROWS" "$((t1 - t0))" "$lines" "$hwm_before" "$hwm_after" "$rss_before" "$rss_after" "$context" <<'PY'
import sys
rows, ns, lines, hb, ha, rb, ra = (int(x) for x in sys.argv[1:8])
secs = ns / 1e9
mib = lambda kib: kib / 1024
print(f"export of {rows} vendors (suppliers-client vendors export --csv; {sys.argv[8]})")
print(f"  wall clock       {secs:.2f} s, {rows / secs:,.0f} rows/s; {lines} lines of CSV received")
print(f"  server VmHWM     before {mib(hb):.1f} MiB, after {mib(ha):.1f} MiB (peak grew {mib(ha - hb):.1f} MiB)")
print(f"  server VmRSS     before {mib(rb):.1f} MiB, after {mib(ra):.1f} MiB")
print(f"  table size       {rows} rows; peak growth per million rows exported: {mib(ha - hb) / (rows / 1e6):.2f} MiB")
PY
  echo "command: $COMMAND_LINE"
  exit 0
fi

# ---------------------------------------------------------------- import --
csv=$work/vendors.csv
say "generating $ROWS vendors in $csv"
# Prints the expected checks: "<rows> <md5 of the sorted names, one a line>"
# for the first EM_ROWS rows, then for all ROWS.
"$PY" - "$csv" "$ROWS" "$EM_ROWS" >"$work/expected.txt" <<'PY'
import csv, hashlib, sys
path, n, m = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
width = max(6, len(str(n)))
names = []
for i in range(1, n + 1):
    s = f"{i:0{width}d}"
    if i % 10 == 3:
        name = f"Vendor {s}, Inc."               # a comma: quoted
    elif i % 10 == 7:
        name = f'Vendor {s} "Quoted" Ltd'        # quotes: quoted and doubled
    elif i % 100 == 49:
        name = f'Vendor {s}, "Both" & Co'
    elif i % 100 == 61:
        name = f"Vendor {s} Müller GmbH"         # UTF-8
    else:
        name = f"Vendor {s} Ltd"
    names.append(name)
with open(path, "w", newline="", encoding="utf-8") as f:
    w = csv.writer(f, lineterminator="\n")
    w.writerow(["vendor_name"])
    w.writerows([x] for x in names)
digest = lambda xs: hashlib.md5("\n".join(sorted(xs)).encode()).hexdigest()
print(m, digest(names[:m]))
print(n, digest(names))
PY
read -r _ em_md5 < <(sed -n 1p "$work/expected.txt")
read -r _ all_md5 < <(sed -n 2p "$work/expected.txt")
chmod 644 "$csv"

reset_tables() {
  PGOPTIONS='-c client_min_messages=warning' psql_ -c "TRUNCATE vendors, change_events, change_transactions RESTART IDENTITY CASCADE" \
    -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
}
# check_table ROWS MD5: prints "ok" or what is wrong.
check_table() {
  local got
  got=$(psql_ -tA -F ' ' -c "SELECT count(*), md5(coalesce(string_agg(vendor_name, E'\n' ORDER BY vendor_name COLLATE \"C\"), '')) FROM vendors")
  if [ "$got" = "$1 $2" ]; then
    echo ok
  elif [ "${got% *}" = "$1" ]; then
    echo "vendors holds $1 rows but not the CSV's names"
  else
    echo "vendors holds ${got% *} rows, want $1"
  fi
}

cat >"$work/executemany.py" <<'PY'
# The tutorial's "insert multiple vendors": executemany, one INSERT per row,
# one commit. Prints the wall-clock nanoseconds from connect to close.
import csv, sys, time
import psycopg2
conninfo, path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open(path, newline="", encoding="utf-8") as f:
    reader = csv.reader(f)
    next(reader)
    vendor_list = [(row[0],) for _, row in zip(range(n), reader)]
start = time.perf_counter()
conn = psycopg2.connect(conninfo)
cur = conn.cursor()
cur.executemany("INSERT INTO vendors(vendor_name) VALUES(%s)", vendor_list)
conn.commit()
cur.close()
conn.close()
print(int((time.perf_counter() - start) * 1e9))
PY

import_available=1
has_command import || import_available=0
[ "$import_available" -eq 1 ] || echo "import: not available ($CLIENT has no \`vendors import\` command)"

results=$work/results.tsv   # method rep rows ns check
: >"$results"
failed=0
record() {  # record METHOD REP ROWS NS CHECK
  printf '%s\t%s\t%s\t%s\t%s\n' "$@" >>"$results"
  if [ "$5" != ok ]; then failed=1; fi
  say "$1 run $2: $3 rows in $(awk -v ns="$4" 'BEGIN {printf "%.2f", ns / 1e9}') s ($5)"
}

for rep in $(seq "$REPEAT"); do
  # a. psycopg2 executemany on the first EM_ROWS rows.
  reset_tables
  if ns=$("$PY" "$work/executemany.py" "$CONNINFO" "$csv" "$EM_ROWS" 2>"$work/executemany.err"); then
    record executemany "$rep" "$EM_ROWS" "$ns" "$(check_table "$EM_ROWS" "$em_md5")"
  else
    record executemany "$rep" "$EM_ROWS" 0 "failed: $(tail -1 "$work/executemany.err")"
  fi

  # b. psql \copy of the whole CSV.
  reset_tables
  t0=$(now_ns)
  if psql_ -c "\\copy vendors(vendor_name) FROM '$csv' WITH (FORMAT csv, HEADER)" >/dev/null 2>"$work/copy.err"; then
    t1=$(now_ns)
    record psql-copy "$rep" "$ROWS" "$((t1 - t0))" "$(check_table "$ROWS" "$all_md5")"
  else
    record psql-copy "$rep" "$ROWS" 0 "failed: $(tail -1 "$work/copy.err")"
  fi

  # c. ImportVendors through the client.
  if [ "$import_available" -eq 1 ]; then
    reset_tables
    t0=$(now_ns)
    if "$CLIENT" --target "$target" --deadline 7200s vendors import --csv "$csv" \
      >"$work/import.out" 2>"$work/import.err"; then
      t1=$(now_ns)
      record import "$rep" "$ROWS" "$((t1 - t0))" "$(check_table "$ROWS" "$all_md5")"
    else
      record import "$rep" "$ROWS" 0 "failed: $(tail -1 "$work/import.err" | cut -c1-200)"
    fi
  fi
done

"$PY" - "$results" "$ROWS" "$EM_ROWS" "$REPEAT" "$import_available" "$context" <<'PY'
import statistics, sys
path, n, m, k, have_import, context = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "1", sys.argv[6]
runs = {}
for line in open(path, encoding="utf-8"):
    method, rep, rows, ns, check = line.rstrip("\n").split("\t")
    runs.setdefault(method, []).append((int(rows), int(ns) / 1e9, check))
print(f"\nbulk import of {n} vendors, median of {k} run(s) each, every run on an emptied table "
      f"with the change-feed triggers ({context})\n")
head = ("method", "rows", "seconds", "rows/s", "runs (s)", "check")
table, rate = [], {}
for method, label in (("executemany", "psycopg2 executemany (1 INSERT/row)"),
                      ("psql-copy", "psql \\copy"), ("import", "suppliers-client vendors import")):
    if method not in runs:
        if method == "import":
            table.append((label, str(n), "-", "-", "-", "import: not available"))
        continue
    good = [(r, s) for r, s, c in runs[method] if c == "ok"]
    bad = [c for _, _, c in runs[method] if c != "ok"]
    rows = runs[method][0][0]
    if good:
        secs = statistics.median(s for _, s in good)
        rate[method] = rows / secs
        table.append((label, str(rows), f"{secs:.2f}", f"{rows / secs:,.0f}",
                      " ".join(f"{s:.2f}" for _, s in good), "ok" if not bad else f"{len(bad)} bad: {bad[0]}"))
    else:
        table.append((label, str(rows), "-", "-", "-", bad[0]))
widths = [max(len(r[i]) for r in [head] + table) for i in range(len(head))]
for r in [head, tuple("-" * w for w in widths)] + table:
    print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
if "executemany" in rate and m < n:
    print(f"\nexecutemany at {n} rows: {n / rate['executemany']:.1f} s, EXTRAPOLATED from the "
          f"{m}-row sample's rows/s (not run at full size)")
print()
for base, label, target in (("executemany", "import / executemany", 10.0), ("psql-copy", "import / psql \\copy", 0.7)):
    goal = f"target >= {target:g}x"
    if not have_import:
        print(f"{label:22} {'n/a':>7}  {goal:15} (import: not available)")
    elif "import" in rate and base in rate:
        ratio = rate["import"] / rate[base]
        print(f"{label:22} {ratio:6.2f}x  {goal:15} {'PASS' if ratio >= target else 'MISS'}")
    else:
        print(f"{label:22} {'n/a':>7}  {goal:15} MISS (a run failed)")
PY
echo "command: $COMMAND_LINE"
if [ "$failed" -ne 0 ]; then
  say "some runs failed their check (see the table)"
  exit 1
fi
