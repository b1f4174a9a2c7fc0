#!/usr/bin/env bash
# End to end: the suppliers-client binary against real suppliers-server
# processes over private PostgreSQL databases. Every command of --help is run
# (tables and --json), its results checked, some against the rows in
# PostgreSQL; then the demo, error reporting, usage errors and a stopped
# server. Fails when an rpc in the protos has no command, or a command of
# --help is not exercised here.
# Usage: client_cli_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
CLIENT=$BUILD/client/suppliers-client
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")

# cli ARGS...: runs suppliers-client against $target (a --target in ARGS
# wins); stdout in $work/out, stderr in $work/err, exit code in $code. A
# command that succeeded is recorded in $work/called.txt.
cli() {
  local args=("$@") i=0
  while [ "$i" -lt "${#args[@]}" ] && [[ ${args[$i]} == -* ]]; do
    case ${args[$i]} in
      --target | --deadline) i=$((i + 2)) ;;
      *) i=$((i + 1)) ;;
    esac
  done
  local command="${args[*]:$i:2}"
  set +e
  "$CLIENT" --target "$target" --deadline 10s "$@" >"$work/out" 2>"$work/err"
  code=$?
  set -e
  if [ "$code" -eq 0 ]; then echo "$command" >>"$work/called.txt"; fi
}
# ok ARGS...: cli, which must exit 0.
ok() {
  cli "$@"
  [ "$code" -eq 0 ] || fail "suppliers-client $* exited $code: $(cat "$work/err")"
}
# failed ARGS...: cli, which must exit 1 (the call failed) with nothing on stdout.
failed() {
  cli "$@"
  [ "$code" -eq 1 ] || fail "suppliers-client $* exited $code, want 1: $(cat "$work/out" "$work/err")"
  [ ! -s "$work/out" ] || fail "suppliers-client $* printed on stdout: $(cat "$work/out")"
}
stderr_has() { grep -qE -- "$1" "$work/err" || fail "stderr lacks /$1/: $(cat "$work/err")"; }
stdout_is() { [ "$(cat "$work/out")" = "$1" ] || fail "stdout is \"$(cat "$work/out")\", want \"$1\""; }

cat >"$work/check.py" <<'EOF'
# check.py MODE FILE EXPR WANT: EXPR over the output in FILE equals the JSON
# WANT (or, with no WANT, EXPR is printed). `lines` holds the raw lines.
# MODE json: every line must be one JSON object; `rs` holds them, `r` the first.
# MODE table: a table aligned under its header; `rows` holds every later line
# as {COLUMN: cell} (footer lines such as "updated 1 row(s)" included).
import json, sys
mode, path, expr = sys.argv[1:4]
text = open(path, encoding="utf-8").read()
lines = text.splitlines()
env = {"lines": lines}
if mode == "json":
    rs = []
    for n, line in enumerate(lines, 1):
        try:
            obj = json.loads(line)
        except ValueError:
            sys.exit(f"line {n} is not one JSON object: {line!r}")
        if not isinstance(obj, dict):
            sys.exit(f"line {n} is JSON but not an object: {line!r}")
        rs.append(obj)
    if not rs:
        sys.exit("no JSON output")
    env.update(rs=rs, r=rs[0])
else:
    header = lines[0] if lines else ""
    starts = [i for i, c in enumerate(header) if c != " " and (i == 0 or header[i - 1] == " ")]
    names = header.split()
    env["rows"] = [{name: line[s:e].strip() for name, s, e in zip(names, starts, starts[1:] + [None])}
                   for line in lines[1:]]
try:
    got = eval(expr, env)
except Exception as e:
    got = f"<{type(e).__name__}: {e}>"
if len(sys.argv) < 5:
    print(got)
elif got != json.loads(sys.argv[4]):
    sys.exit(f"{expr}: got {got!r}, want {sys.argv[4]}\noutput:\n{text}")
EOF
json_is() { python3 -S "$work/check.py" json "$work/out" "$1" "$2"; }
table_is() { python3 -S "$work/check.py" table "$work/out" "$1" "$2"; }
json_field() { python3 -S "$work/check.py" json "$work/out" "$1"; }
next_page_token() { sed -n 's/^next page: --page-token //p' "$work/out"; }

# --- 1. --help: every rpc of the protos has a command ------------------------
set +e
"$CLIENT" --help >"$work/help.txt" 2>"$work/err"
code=$?
set -e
check "--help exits 0" test "$code" -eq 0
check "-h prints the same help" cmp -s "$work/help.txt" <("$CLIENT" -h)
grep -E '^  [a-z][a-z-]* [a-z][a-z-]* +[A-Za-z0-9_.]+/[A-Za-z0-9_]+$' "$work/help.txt" >"$work/help_commands.txt" || true
# `vendors watch` and `parts watch` both call WatchChanges (their default
# kinds differ), so the rpcs are compared as a set.
awk '{ print $3 }' "$work/help_commands.txt" | sort -u >"$work/help_rpcs.txt"
awk '{ print $1 " " $2 }' "$work/help_commands.txt" | sort >"$work/commands.txt"
protos=("$REPO"/proto/suppliers/v1/*.proto)
{
  awk '$1 == "package" { pkg = $2; sub(/;.*/, "", pkg) }
       $1 == "service" { svc = $2 }
       $1 == "rpc" { m = $2; sub(/\(.*/, "", m); print pkg "." svc "/" m }' "${protos[@]}"
  echo grpc.health.v1.Health/Check
} | sort >"$work/proto_rpcs.txt"
check "the protos declare rpcs" test "$(wc -l <"$work/proto_rpcs.txt")" -gt 20
check "--help names each rpc of the protos (and Health/Check), and no other" \
  diff "$work/help_rpcs.txt" "$work/proto_rpcs.txt"
check "--help lists each command once" test -z "$(uniq -d "$work/commands.txt")"
check "--help describes demo" grep -q '^ *suppliers-client demo ' "$work/help.txt"
check "--help describes the exit codes" grep -q '0 success, 1 the call failed.*2 usage error' "$work/help.txt"

# --- 2. demo against a fresh database ----------------------------------------
start_throwaway_postgres
psql_() {  # psql_ DB SQL: the result, unaligned, without headers
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -tAc "$2"
  else
    psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d "$1" -tAc "$2"
  fi
}
# Every row the API can write, as one digest.
snapshot_sql="SELECT md5(concat_ws('|',
  (SELECT string_agg(vendor_id || ':' || vendor_name, ',' ORDER BY vendor_id) FROM vendors),
  (SELECT string_agg(part_id || ':' || part_name, ',' ORDER BY part_id) FROM parts),
  (SELECT string_agg(vendor_id || '-' || part_id, ',' ORDER BY vendor_id, part_id) FROM vendor_parts),
  (SELECT string_agg(part_id || ':' || md5(drawing_data), ',' ORDER BY part_id) FROM part_drawings),
  (SELECT count(*) FROM request_ids)))"
counts_sql="SELECT (SELECT count(*) FROM vendors) || ' vendors, ' || (SELECT count(*) FROM parts) || ' parts'"

start_server() {  # start_server LOG CONNINFO: sets server_pid, server_port
  server_port=$(free_port)
  "$SERVER" --listen "127.0.0.1:$server_port" --database "$2" 2>"$1" &
  server_pid=$!
  CLEANUP+=("kill -KILL $server_pid")
  eventually 10 grep -qs '"msg":"suppliers-server listening"' "$1" || fail "no startup line: $(cat "$1")"
  eventually 10 "$CLIENT" --target "127.0.0.1:$server_port" health check >/dev/null 2>&1 ||
    fail "server on 127.0.0.1:$server_port never SERVING: $(cat "$1")"
}

"$SERVER" migrate --database "$CONNINFO" 2>"$work/migrate1.log"
start_server "$work/server1.log" "$CONNINFO"
server1=$server_pid
target=127.0.0.1:$server_port
ok demo
cp "$work/out" "$work/demo1.txt"
check "demo passes on a fresh database" grep -q '^demo passed: all [0-9]* checks match the reference$' "$work/out"
check "demo reports no mismatch" bash -c "! grep -q MISMATCH '$work/out'"
check "demo read the drawing back as SIM Tray.png" grep -q '^  ok        saved as: "SIM Tray.png"$' "$work/out"
check "after the demo: 8 vendors, 6 parts" test "$(psql_ suppliers "$counts_sql")" = "8 vendors, 6 parts"
before=$(psql_ suppliers "$snapshot_sql")
cli demo
check "demo on a database with data exits 1" test "$code" -eq 1
check "demo says the database already holds data" grep -q 'the database already holds data' "$work/out" "$work/err"
check "demo says it wrote nothing" grep -q 'wrote nothing' "$work/out" "$work/err"
check "demo did not report success" bash -c "! grep -q 'demo passed' '$work/out'"
check "the second demo left 8 vendors, 6 parts" test "$(psql_ suppliers "$counts_sql")" = "8 vendors, 6 parts"
check "the second demo changed no row" test "$(psql_ suppliers "$snapshot_sql")" = "$before"
kill -TERM "$server1"
set +e
wait "$server1"
code=$?
set -e
check "the demo's server stops on SIGTERM with exit 0" test "$code" -eq 0
stopped=$target  # nothing listens here any more

# --- 3. every command against a second fresh database ------------------------
PGDB=other "$REPO/scripts/local-postgres.sh" fresh-db
other_conninfo=$(PGDB=other "$REPO/scripts/local-postgres.sh" conninfo)
"$SERVER" migrate --database "$other_conninfo" 2>"$work/migrate2.log"
start_server "$work/server2.log" "$other_conninfo"
target=127.0.0.1:$server_port
check "the second database starts empty" test "$(psql_ other "$counts_sql")" = "0 vendors, 0 parts"

# health
ok health check
check "health check prints SERVING" stdout_is SERVING
ok --json health check
check "health check --json" json_is r '{"status": "SERVING"}'
check "SUPPLIERS_TARGET picks the server" \
  test "$(SUPPLIERS_TARGET=$target "$CLIENT" health check)" = SERVING
check "--target wins over SUPPLIERS_TARGET" \
  test "$(SUPPLIERS_TARGET=$stopped "$CLIENT" --target "$target" health check)" = SERVING

# vendors create / create-many
rid=6f1c2a9e-1111-4222-8333-444455556666
ok vendors create --name "3M Co." --request-id "$rid"
check "vendors create: vendor 1, 3M Co." table_is '[[r["ID"], r["NAME"]] for r in rows]' '[["1", "3M Co."]]'
check "vendors create: the table shows an etag" table_is 'rows[0]["ETAG"] != ""' true
ok --json vendors create --name "3M Co." --request-id "$rid"
check "vendors create --json, same --request-id: the same vendor 1" \
  json_is '[len(rs), r["vendor"]["vendorId"], r["vendor"]["vendorName"]]' '[1, 1, "3M Co."]'
check "the repeated request id inserted nothing" test "$(psql_ other 'SELECT count(*) FROM vendors')" = 1
six=("AKM Semiconductor Inc." "Asahi Glass Co Ltd." "Daikin Industries Ltd."
  "Dynacast International Inc." "Foster Electric Co. Ltd." "Murata Manufacturing Co. Ltd.")
six_json='["AKM Semiconductor Inc.", "Asahi Glass Co Ltd.", "Daikin Industries Ltd.",
  "Dynacast International Inc.", "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd."]'
ok vendors create-many "${six[@]/#/--name=}"
check "vendors create-many: ids 2..7" table_is '[r["ID"] for r in rows]' '["2", "3", "4", "5", "6", "7"]'
check "vendors create-many: names in flag order" table_is '[r["NAME"] for r in rows]' "$six_json"
check "create-many wrote the rows" test "$(psql_ other "SELECT string_agg(vendor_name, '|' ORDER BY vendor_id) FROM vendors")" = \
  "3M Co.|$(IFS='|'; echo "${six[*]}")"
ok --json vendors create-many --name "Fleeting A" --name "Fleeting B"
check "vendors create-many --json (repeated --name): ids 8, 9" \
  json_is '[[v["vendorId"], v["vendorName"]] for v in r["vendors"]]' '[[8, "Fleeting A"], [9, "Fleeting B"]]'

# vendors get
ok vendors get --id 4
check "vendors get --id 4" table_is '[[r["ID"], r["NAME"]] for r in rows]' '[["4", "Daikin Industries Ltd."]]'
ok --json vendors get --id 1
check "vendors get --json --id 1" json_is '[r["vendor"]["vendorId"], r["vendor"]["vendorName"]]' '[1, "3M Co."]'
etag1=$(json_field 'r["vendor"]["etag"]')

# vendors delete (the two extra vendors; vendor 5 later, with a link)
ok vendors delete --id 9
check "vendors delete --id 9" stdout_is "deleted 1 vendor(s), 0 link(s)"
ok --json vendors delete --id 8
check "vendors delete --json --id 8" json_is 'rs' '[{"deletedRows": 1}]'
check "vendors 8 and 9 are gone" test "$(psql_ other 'SELECT count(*) FROM vendors WHERE vendor_id > 7')" = 0

# vendors list
all_by_name='["3M Co.", "AKM Semiconductor Inc.", "Asahi Glass Co Ltd.", "Daikin Industries Ltd.",
  "Dynacast International Inc.", "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd."]'
ok vendors list
check "vendors list: all seven by name" table_is '[r["NAME"] for r in rows]' "$all_by_name"
check "vendors list: one page, no next-page hint" bash -c "! grep -q 'next page' '$work/out'"
ok vendors list --page-size 3 --order-by name-desc
check "vendors list page 1 of 3, name-desc" table_is '[r["ID"] for r in rows[:-1]]' '["7", "6", "5"]'
token=$(next_page_token)
check "vendors list prints the next page: --page-token hint" test -n "$token"
ok vendors list --page-size 3 --order-by name-desc --page-token "$token"
check "vendors list page 2" table_is '[r["ID"] for r in rows[:-1]]' '["4", "3", "2"]'
token=$(next_page_token)
ok vendors list --page-size 3 --order-by name-desc --page-token "$token"
check "vendors list page 3 is the last, without a hint" table_is '[[r["ID"] for r in rows], len(lines)]' '[["1"], 2]'
ok vendors list --page-size 3 --order-by id --all
check "vendors list --all (table): every page, ids ascending" \
  table_is '[r["ID"] for r in rows]' '["1", "2", "3", "4", "5", "6", "7"]'
check "vendors list --all prints no hint" bash -c "! grep -q 'next page' '$work/out'"
ok --json vendors list --page-size 3 --order-by id-desc --all
check "vendors list --json --all: one JSON object per page" json_is 'len(rs)' 3
check "vendors list --json --all: ids descending across pages" \
  json_is '[v["vendorId"] for x in rs for v in x["vendors"]]' '[7, 6, 5, 4, 3, 2, 1]'
check "vendors list --json --all: next page tokens on all but the last" \
  json_is '["nextPageToken" in x for x in rs]' '[true, true, false]'
ok --json vendors list --page-size 2
check "vendors list --json (one page): one line with its token" \
  json_is '[len(rs), [v["vendorId"] for v in r["vendors"]], bool(r["nextPageToken"])]' '[1, [1, 2], true]'
ok vendors list --name-contains "co." --order-by id-desc
check "vendors list --name-contains co. --order-by id-desc" table_is '[r["ID"] for r in rows]' '["7", "6", "1"]'

# vendors batch-get
ok vendors batch-get --ids 7,1,7
check "vendors batch-get --ids 7,1,7: request order, duplicates kept" \
  table_is '[[r["ID"], r["NAME"]] for r in rows]' \
  '[["7", "Murata Manufacturing Co. Ltd."], ["1", "3M Co."], ["7", "Murata Manufacturing Co. Ltd."]]'
ok --json vendors batch-get --ids 3 --ids 2
check "vendors batch-get --json, repeated --ids" json_is '[v["vendorId"] for v in r["vendors"]]' '[3, 2]'

# vendors update
ok vendors update --id 1 --name "3M Corp" --etag "$etag1"
check "vendors update: the renamed vendor" table_is '[[r["ID"], r["NAME"]] for r in rows[:-1]]' '[["1", "3M Corp"]]'
check "vendors update: updated 1 row(s)" table_is 'lines[-1]' '"updated 1 row(s)"'
check "vendors update moved the etag" table_is "rows[0][\"ETAG\"] != \"$etag1\"" true
check "the new name is in PostgreSQL" test "$(psql_ other 'SELECT vendor_name FROM vendors WHERE vendor_id = 1')" = "3M Corp"
ok --json vendors update --id 2 --name "AKM Semiconductor Inc."
check "vendors update --json (no --etag)" \
  json_is '[r["vendor"]["vendorId"], r["vendor"]["vendorName"], r["updatedRows"]]' '[2, "AKM Semiconductor Inc.", 1]'

# parts create / get / list / batch-get / update
ok parts create --name "SIM Tray" --vendor-ids 1,2
check "parts create --vendor-ids 1,2: part 1" \
  table_is '[[r["ID"], r["NAME"], r["VENDORS"]] for r in rows]' '[["1", "SIM Tray", "1,2"]]'
check "parts create: links in PostgreSQL" \
  test "$(psql_ other "SELECT string_agg(vendor_id::text, ',' ORDER BY vendor_id) FROM vendor_parts WHERE part_id = 1")" = "1,2"
ok --json parts create --name Speaker --vendor-ids 4,3
check "parts create --json: part 2, vendor ids ascending" \
  json_is '[r["part"]["partId"], r["part"]["partName"], r["part"]["vendorIds"]]' '[2, "Speaker", [3, 4]]'
ok parts get --id 2
check "parts get --id 2" table_is '[[r["ID"], r["NAME"], r["VENDORS"]] for r in rows]' '[["2", "Speaker", "3,4"]]'
ok --json parts get --id 1
check "parts get --json --id 1" json_is '[r["part"]["partName"], r["part"]["vendorIds"]]' '["SIM Tray", [1, 2]]'
etag_part1=$(json_field 'r["part"]["etag"]')
ok parts list
check "parts list: by name" table_is '[r["NAME"] for r in rows]' '["SIM Tray", "Speaker"]'
ok parts list --order-by id-desc --page-size 1
check "parts list page 1 of 2, id-desc, with the hint" \
  table_is '[[r["ID"] for r in rows[:-1]], lines[-1].startswith("next page: --page-token ")]' '[["2"], true]'
ok parts list --order-by id-desc --page-size 1 --page-token "$(next_page_token)"
check "parts list page 2 via --page-token" table_is '[[r["ID"] for r in rows], len(lines)]' '[["1"], 2]'
ok --json parts list --order-by id --page-size 1 --all
check "parts list --json --all: two pages" json_is '[[p["partId"] for p in x["parts"]] for x in rs]' '[[1], [2]]'
ok parts list --name-contains SPEAK
check "parts list --name-contains, ignoring case" table_is '[r["NAME"] for r in rows]' '["Speaker"]'
ok parts batch-get --ids 2,1
check "parts batch-get --ids 2,1: request order" \
  table_is '[[r["ID"], r["VENDORS"]] for r in rows]' '[["2", "3,4"], ["1", "1,2"]]'
ok --json parts batch-get --ids 1
check "parts batch-get --json" json_is '[p["partName"] for p in r["parts"]]' '["SIM Tray"]'
ok parts update --id 1 --name "Nano SIM Tray" --etag "$etag_part1"
check "parts update: renamed, links unchanged" \
  table_is '[[r["ID"], r["NAME"], r["VENDORS"]] for r in rows]' '[["1", "Nano SIM Tray", "1,2"]]'
cli parts update --id 1 --name "Stale" --etag "$etag_part1"
check "parts update with a stale etag exits 1 with ABORTED" test "$code" -eq 1
stderr_has '^error: ABORTED: '

# parts add-vendors / remove-vendors / by-vendor / add-with-new-vendor
ok parts add-vendors --id 1 --vendor-ids 2,5
check "parts add-vendors 2,5: one new link" \
  table_is '[[r["VENDORS"] for r in rows[:-1]], lines[-1]]' '[["1,2,5"], "added 1 link(s)"]'
ok --json parts remove-vendors --id 1 --vendor-ids 1 --vendor-ids 6
check "parts remove-vendors --json: one link removed" \
  json_is '[r["part"]["vendorIds"], r["removedLinks"]]' '[[2, 5], 1]'
ok parts remove-vendors --id 2 --vendor-ids 7
check "parts remove-vendors (table): nothing to remove" \
  table_is '[[r["VENDORS"] for r in rows[:-1]], lines[-1]]' '[["3,4"], "removed 0 link(s)"]'
ok --json parts add-vendors --id 2 --vendor-ids 3
check "parts add-vendors --json: already linked" json_is '[r["part"]["vendorIds"], r.get("addedLinks", 0)]' '[[3, 4], 0]'
check "links in PostgreSQL" \
  test "$(psql_ other "SELECT string_agg(part_id || '-' || vendor_id, ',' ORDER BY part_id, vendor_id) FROM vendor_parts")" = "1-2,1-5,2-3,2-4"
ok parts by-vendor --vendor-id 2
check "parts by-vendor --vendor-id 2" table_is '[[r["ID"], r["NAME"]] for r in rows]' '[["1", "Nano SIM Tray"]]'
ok --json parts by-vendor --vendor-id 3
check "parts by-vendor --json --vendor-id 3" json_is '[[p["partId"], p["partName"]] for p in r["parts"]]' '[[2, "Speaker"]]'
ok parts add-with-new-vendor --name OLED --vendor-name LG
check "parts add-with-new-vendor OLED/LG: part 3, vendor 10 (8, 9 were used)" stdout_is "part 3, vendor 10"
check "add_new_part linked them" test "$(psql_ other \
  "SELECT p.part_name || '/' || v.vendor_name FROM vendor_parts l JOIN parts p USING (part_id) JOIN vendors v USING (vendor_id) WHERE l.part_id = 3")" = "OLED/LG"

# parts pairs
pairs='[["Nano SIM Tray", "AKM Semiconductor Inc."], ["Nano SIM Tray", "Dynacast International Inc."],
  ["OLED", "LG"], ["Speaker", "Asahi Glass Co Ltd."], ["Speaker", "Daikin Industries Ltd."]]'
ok parts pairs
check "parts pairs: the tutorial's join by part name" table_is '[[r["PART"], r["VENDOR"]] for r in rows]' "$pairs"
ok parts pairs --page-size 2
check "parts pairs --page-size 2: two pairs and the hint" \
  table_is '[len(rows) - 1, lines[-1].startswith("next page: --page-token ")]' '[2, true]'
ok parts pairs --page-size 2 --page-token "$(next_page_token)"
check "parts pairs --page-token: the next two" \
  table_is '[[r["PART"], r["VENDOR"]] for r in rows[:-1]]' '[["OLED", "LG"], ["Speaker", "Asahi Glass Co Ltd."]]'
ok parts pairs --page-size 2 --all
check "parts pairs --all (table): every pair, no hint" table_is '[[r["PART"], r["VENDOR"]] for r in rows]' "$pairs"
ok --json parts pairs --page-size 2 --all
check "parts pairs --json --all: pages of 2, 2, 1" json_is '[len(x["pairs"]) for x in rs]' '[2, 2, 1]'
check "parts pairs --json --all: ids" \
  json_is '[[p["partId"], p["vendorId"]] for x in rs for p in x["pairs"]]' '[[1, 2], [1, 5], [3, 10], [2, 3], [2, 4]]'

# drawings: 3 MiB of random bytes, with NUL and 0xFF bytes for sure.
drawing=$work/drawing.dwg
{ printf '\0\377'; head -c 3145724 /dev/urandom; printf '\377\0'; } >"$drawing"
size=$(stat -c %s "$drawing")
sha=$(sha256sum "$drawing" | cut -d' ' -f1)
md5=$(md5sum "$drawing" | cut -d' ' -f1)
check "the drawing is 3 MiB" test "$size" -eq 3145728
ok drawings upload --part-id 1 --file "$drawing"
check "drawings upload: name, file name from the part and the extension, size, SHA-256" \
  table_is '[[r["PART"], r["NAME"], r["FILE"], r["BYTES"], r["SHA256"]] for r in rows[:-1]]' \
  "[[\"1\", \"Nano SIM Tray\", \"Nano SIM Tray.dwg\", \"$size\", \"$sha\"]]"
check "drawings upload: stored" table_is 'lines[-1]' '"stored"'
check "PostgreSQL holds the file byte for byte (md5)" \
  test "$(psql_ other 'SELECT md5(drawing_data) FROM part_drawings WHERE part_id = 1')" = "$md5"
check "PostgreSQL holds the extension" \
  test "$(psql_ other 'SELECT file_extension || octet_length(drawing_data) FROM part_drawings WHERE part_id = 1')" = "dwg$size"
ok --json drawings upload --part-id 1 --file "$drawing"
check "drawings upload --json again: replaced" json_is '[r.get("replaced"), r["metadata"]["sizeBytes"], r["metadata"]["sha256"]]' \
  "[true, \"$size\", \"$sha\"]"
printf '\x89PNG\r\n\x1a\n\0\377' >"$work/small.bin"
ok --json drawings upload --part-id 2 --file "$work/small.bin" --extension png
check "drawings upload --extension png: Speaker.png, 10 bytes" \
  json_is '[r["metadata"]["fileName"], r["metadata"]["sizeBytes"], r.get("replaced", False)]' '["Speaker.png", "10", false]'
ok drawings info --part-id 1
check "drawings info" table_is '[[r["FILE"], r["BYTES"], r["SHA256"]] for r in rows]' "[[\"Nano SIM Tray.dwg\", \"$size\", \"$sha\"]]"
ok --json drawings info --part-id 2
check "drawings info --json" json_is '[r["metadata"]["fileExtension"], r["metadata"]["sizeBytes"]]' '["png", "10"]'
mkdir "$work/dl" "$work/range" "$work/tail"
ok drawings download --part-id 1 --out-dir "$work/dl"
check "drawings download: saved message" table_is 'lines[-1]' "\"saved $size bytes to $work/dl/Nano SIM Tray.dwg\""
check "drawings download saves <part name>.<ext>, and nothing else" \
  test "$(ls -A "$work/dl")" = "Nano SIM Tray.dwg"
check "the downloaded drawing is byte-identical" cmp "$work/dl/Nano SIM Tray.dwg" "$drawing"
ok --json drawings download --part-id 1 --out-dir "$work/range" --offset 1000000 --limit 65536
check "drawings download --json --offset --limit: the range in the metadata" \
  json_is '[r["rangeOffset"], r["rangeLength"], r["sizeBytes"], r["fileName"]]' "[\"1000000\", \"65536\", \"$size\", \"Nano SIM Tray.dwg\"]"
head -c 1065536 "$drawing" | tail -c 65536 >"$work/range.expected"
check "the range download holds exactly bytes 1000000..1065535, named as a range" \
  cmp "$work/range/Nano SIM Tray.dwg.bytes-1000000-1065535" "$work/range.expected"
check "a range never takes the drawing's own name" test ! -e "$work/range/Nano SIM Tray.dwg"
ok drawings download --part-id 1 --out-dir "$work/tail" --offset $((size - 8))
check "drawings download --offset (to the end): saved 8 bytes" \
  table_is 'lines[-1]' "\"saved 8 bytes to $work/tail/Nano SIM Tray.dwg.bytes-$((size - 8))-$((size - 1))\""
check "the tail download holds the last 8 bytes" cmp "$work/tail/Nano SIM Tray.dwg.bytes-$((size - 8))-$((size - 1))" <(tail -c 8 "$drawing")
failed drawings download --part-id 1 --out-dir "$work/no-such-dir"
check "drawings download into a missing directory exits 1" grep -q '^error: .*cannot write in' "$work/err"
ok drawings delete --part-id 1
check "drawings delete" stdout_is "deleted 1 drawing(s)"
check "the drawing row is gone" test "$(psql_ other 'SELECT count(*) FROM part_drawings WHERE part_id = 1')" = 0
failed --json drawings delete --part-id 1
check "drawings delete --json again: NOT_FOUND DRAWING_NOT_FOUND on stderr" \
  grep -q '^  reason: DRAWING_NOT_FOUND' "$work/err"
ok --json drawings upload --part-id 1 --file "$work/small.bin"
ok --json drawings delete --part-id 1
check "drawings delete --json" json_is 'rs' '[{"deletedRows": 1}]'
failed drawings info --part-id 1
check "drawings info without a drawing: NOT_FOUND" grep -q '^error: NOT_FOUND: ' "$work/err"
stderr_has 'reason: DRAWING_NOT_FOUND'
mkdir "$work/none"
failed drawings download --part-id 1 --out-dir "$work/none"
check "a failed download leaves no file behind" test -z "$(ls -A "$work/none")"

# parts delete / vendors delete with cascades
ok parts delete --id 2
check "parts delete --id 2: its links and drawing" stdout_is "deleted 1 part(s), 2 link(s), its drawing"
ok --json parts delete --id 3
check "parts delete --json --id 3" json_is '[r["deletedRows"], r["deletedLinks"], r.get("deletedDrawing", False)]' '[1, 1, false]'
ok vendors delete --id 5
check "vendors delete --id 5: its link to part 1" stdout_is "deleted 1 vendor(s), 1 link(s)"
check "after the deletes: PostgreSQL holds part 1 linked to vendor 2 only, no drawing" \
  test "$(psql_ other "SELECT string_agg(part_id || '-' || vendor_id, ',') || '/' || (SELECT count(*) FROM parts) || '/' || (SELECT count(*) FROM part_drawings) FROM vendor_parts")" = "1-2/1/0"

# --- 4. errors ---------------------------------------------------------------
failed vendors get --id 999
check "vendors get --id 999 exits 1 with error: NOT_FOUND" grep -q '^error: NOT_FOUND: ' "$work/err"
check "the reason VENDOR_NOT_FOUND is printed" grep -q '^  reason: VENDOR_NOT_FOUND' "$work/err"
failed --json vendors get --id 999
check "--json: the error still goes to stderr" grep -q '^error: NOT_FOUND: ' "$work/err"
vendors_before=$(psql_ other 'SELECT count(*) FROM vendors')
failed vendors create --name "   "
check "a blank name exits 1 with INVALID_ARGUMENT" grep -q '^error: INVALID_ARGUMENT: ' "$work/err"
check "the field violation names vendor.vendor_name" grep -q '^  field vendor.vendor_name: ' "$work/err"
check "nothing was inserted" test "$(psql_ other 'SELECT count(*) FROM vendors')" = "$vendors_before"
failed vendors update --id 1 --name "3M Again" --etag "$etag1"
check "vendors update with a stale etag exits 1 with ABORTED" grep -q '^error: ABORTED: ' "$work/err"
stderr_has 'reason: ETAG_MISMATCH'
check "the stale update changed nothing" test "$(psql_ other 'SELECT vendor_name FROM vendors WHERE vendor_id = 1')" = "3M Corp"
failed parts create --name "Power Amplifier" --vendor-ids 2,99
check "parts create with vendor 99 exits 1 with FAILED_PRECONDITION" grep -q '^error: FAILED_PRECONDITION: ' "$work/err"
check "the failed create left no part" test "$(psql_ other "SELECT count(*) FROM parts WHERE part_name = 'Power Amplifier'")" = 0
failed vendors list --page-size 5000
check "vendors list --page-size 5000 exits 1 naming the field page_size" grep -q '^  field page_size: ' "$work/err"

# Usage errors exit 2 before any call: the target here is the stopped server.
usage() {  # usage STDERR_TEXT ARGS...
  local text=$1; shift
  cli --target "$stopped" "$@"
  [ "$code" -eq 2 ] || fail "suppliers-client $* exited $code, want 2: $(cat "$work/err")"
  [ ! -s "$work/out" ] || fail "suppliers-client $* printed on stdout: $(cat "$work/out")"
  grep -qF -- "$text" "$work/err" || fail "suppliers-client $*: stderr lacks \"$text\": $(cat "$work/err")"
  grep -qF -- "run suppliers-client --help" "$work/err" || fail "suppliers-client $*: no pointer to --help"
  pass "usage error exits 2: suppliers-client $*"
}
usage "vendors get has no flag --bogus" vendors get --id 1 --bogus 1
usage "vendors list has no flag --json" vendors list --json
usage "vendors get needs --id" vendors get
usage "parts add-vendors needs --vendor-ids" parts add-vendors --id 1
usage "drawings upload needs --file" drawings upload --part-id 1
usage 'unknown command "widgets frob"' widgets frob
usage 'missing verb after "vendors"' vendors
usage "missing command"
usage "unknown option --nope" --nope vendors list
usage '--id wants a whole number, not "abc"' vendors get --id abc
usage "--ids wants ids like 1,2,3" vendors batch-get --ids 1,x
usage "--id given twice" vendors get --id 1 --id 2
usage "--id needs a value" vendors get --id
usage "--order-by is one of name, name-desc, id, id-desc" parts list --order-by bogus
usage "--deadline wants a duration" --deadline soon vendors list
usage "unexpected argument" vendors get --id 1 extra
usage "demo takes no arguments" demo now

# --json: one JSON object per line, for every command that printed JSON above
# (checked by json_is); and here a multi-page stream as raw lines.
ok --json vendors list --page-size 1 --all --order-by id
check "--json vendors list --all: one object per line, one line per page" \
  python3 -S -c '
import json, sys
lines = open(sys.argv[1]).read().split("\n")
assert lines[-1] == "", "output does not end with a newline"
objects = [json.loads(line) for line in lines[:-1]]
assert all(isinstance(o, dict) for o in objects), objects
assert [v["vendorId"] for o in objects for v in o["vendors"]] == [1, 2, 3, 4, 6, 7, 10], objects
' "$work/out"

# --- 5. watch, import, export ------------------------------------------------
# A watch from now in the background (--json prints its first message, the
# checkpoint, at once): it must see the imported vendors, and nothing else.
"$CLIENT" --target "$target" --deadline 30s --json vendors watch --kinds vendor --count 2 \
  >"$work/watch.json" 2>"$work/watch.err" &
watch_pid=$!
CLEANUP+=("kill -KILL $watch_pid")
eventually 10 test -s "$work/watch.json" || fail "vendors watch printed no first message: $(cat "$work/watch.err")"
start_seq=$(python3 -S -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["checkpointSequence"])' "$work/watch.json")
printf 'vendor_name\nImported One\n"Imported, Two"\n' >"$work/vendors.csv"
ok vendors import --csv "$work/vendors.csv"
imported=$(psql_ other "SELECT min(vendor_id) || '..' || max(vendor_id) FROM vendors WHERE vendor_name LIKE 'Imported%'")
check "vendors import: 2 vendors, their ids" stdout_is "imported 2 vendor(s): ids $imported"
check "the CSV's names are in PostgreSQL, quoted comma included" \
  test "$(psql_ other "SELECT string_agg(vendor_name, '|' ORDER BY vendor_id) FROM vendors WHERE vendor_name LIKE 'Imported%'")" = "Imported One|Imported, Two"
set +e
wait "$watch_pid"
code=$?
set -e
check "the background vendors watch --count 2 exits 0" test "$code" -eq 0
cp "$work/watch.json" "$work/out"
check "vendors watch --json: the two imported vendors, inserted, in order" \
  json_is '[[e["operation"], e["kind"], e["vendor"]["vendorName"]] for x in rs for e in x.get("events", [])]' \
  '[["CHANGE_OPERATION_INSERT", "RESOURCE_KIND_VENDOR", "Imported One"], ["CHANGE_OPERATION_INSERT", "RESOURCE_KIND_VENDOR", "Imported, Two"]]'
ok vendors watch --after "$start_seq" --count 2
first_id=${imported%%..*}
check "vendors watch --after: the same two events, one line each" \
  table_is '[l.split(" ", 1)[1] for l in lines]' \
  "[\"insert vendor vendor_id=$first_id \\\"Imported One\\\"\", \"insert vendor vendor_id=$((first_id + 1)) \\\"Imported, Two\\\"\"]"
check "vendors watch --after: sequences after the start, ascending" \
  table_is "[int(l.split()[0]) > $start_seq for l in lines] + [int(lines[0].split()[0]) < int(lines[1].split()[0])]" '[true, true, true]'

printf 'part_name,vendor_ids\nImported Part,%s;2\n' "$first_id" >"$work/parts.csv"
ok parts import --csv "$work/parts.csv"
part_id=$(psql_ other "SELECT part_id FROM parts WHERE part_name = 'Imported Part'")
check "parts import: 1 part, 2 links" stdout_is "imported 1 part(s) and 2 link(s): ids $part_id..$part_id"
check "parts import linked the part to both vendors" \
  test "$(psql_ other "SELECT string_agg(vendor_id::text, ',' ORDER BY vendor_id) FROM vendor_parts WHERE part_id = $part_id")" = "2,$first_id"
ok --json parts watch --after "$start_seq" --count 3
check "parts watch: the part, then its two links (vendors skipped)" \
  json_is '[[e["kind"], e.get("partId")] for x in rs for e in x.get("events", [])]' \
  "[[\"RESOURCE_KIND_PART\", $part_id], [\"RESOURCE_KIND_VENDOR_PART\", $part_id], [\"RESOURCE_KIND_VENDOR_PART\", $part_id]]"

vendors_before=$(psql_ other 'SELECT count(*) FROM vendors')
printf 'vendor_name\nFine Vendor\n"   "\n' >"$work/bad.csv"
failed vendors import --csv "$work/bad.csv"
check "vendors import with a blank name on row 2: INVALID_ARGUMENT naming the row" \
  grep -q '^error: INVALID_ARGUMENT: .*row 2' "$work/err"
check "the failed import wrote nothing, not even row 1" test "$(psql_ other 'SELECT count(*) FROM vendors')" = "$vendors_before"
printf 'part_name,vendor_ids\nOrphan Part,999\n' >"$work/orphan.csv"
failed parts import --csv "$work/orphan.csv"
check "parts import naming vendor 999: FAILED_PRECONDITION" grep -q '^error: FAILED_PRECONDITION: ' "$work/err"
check "the failed parts import left no part" test "$(psql_ other "SELECT count(*) FROM parts WHERE part_name = 'Orphan Part'")" = 0
failed vendors import --csv "$work/no-such.csv"
check "vendors import of a missing file exits 1 naming it" grep -q "no-such.csv" "$work/err"

ok vendors export --csv
check "vendors export --csv: byte for byte PostgreSQL's own CSV of the table" \
  cmp "$work/out" <(psql_ other "COPY (SELECT vendor_id, vendor_name FROM vendors ORDER BY vendor_id) TO STDOUT WITH (FORMAT csv, HEADER)")
check "vendors export --csv: the change sequence on stderr" grep -qE '^change sequence [0-9]+$' "$work/err"
ok vendors export
check "vendors export (table): every vendor by id" table_is '[r["ID"] for r in rows]' \
  "$(psql_ other "SELECT json_agg(vendor_id::text ORDER BY vendor_id) FROM vendors")"
ok --json vendors export
check "vendors export --json: the change sequence in the first message" json_is 'int(r["changeSequence"]) > 0' true
ok parts export --csv
check "parts export --csv: header, then part;vendor ids" \
  test "$(cat "$work/out")" = "$(printf 'part_id,part_name,vendor_ids\n1,Nano SIM Tray,2\n%s,Imported Part,2;%s' "$part_id" "$first_id")"
ok parts export
check "parts export (table)" table_is '[[r["ID"], r["VENDORS"]] for r in rows]' "[[\"1\", \"2\"], [\"$part_id\", \"2,$first_id\"]]"
ok parts export-pairs
check "parts export-pairs: by part id then vendor id" table_is '[[r["PART"], r["VENDOR"]] for r in rows]' \
  '[["Nano SIM Tray", "AKM Semiconductor Inc."], ["Imported Part", "AKM Semiconductor Inc."], ["Imported Part", "Imported One"]]'
ok parts export-pairs --csv
check "parts export-pairs --csv: ids and names" \
  test "$(sed -n 1p "$work/out")" = "part_id,part_name,vendor_id,vendor_name"
usage "--csv and --json exclude each other" --json vendors export --csv
usage "vendors import needs --csv" vendors import
usage "--kinds takes vendor, part, vendor_part and drawing" vendors watch --kinds widget

# --- 6. a stopped server -----------------------------------------------------
t0=$SECONDS
cli --target "$stopped" --deadline 2s demo
check "demo against a stopped server exits non-zero" test "$code" -ne 0
check "demo names the target it cannot reach" grep -qF "cannot reach suppliers-server at $stopped" "$work/out" "$work/err"
check "demo reports UNAVAILABLE" grep -q 'UNAVAILABLE' "$work/out" "$work/err"
failed --target "$stopped" --deadline 2s vendors list
check "vendors list against a stopped server: error: UNAVAILABLE" grep -q '^error: UNAVAILABLE: ' "$work/err"
check "the hint asks whether the server runs at the target" \
  grep -qF "(is suppliers-server running at $stopped?)" "$work/err"
failed --target "$stopped" --deadline 2s --json health check
check "health check against a stopped server: UNAVAILABLE, exit 1" grep -q '^error: UNAVAILABLE: ' "$work/err"
# A running server whose database is down is not a stopped server.
no_db_port=$(free_port)
"$SERVER" --listen "127.0.0.1:$no_db_port" --database "host=127.0.0.1 port=$(free_port) dbname=suppliers user=postgres connect_timeout=1" \
  2>"$work/no_db.log" &
CLEANUP+=("kill -KILL $!")
eventually 10 grep -qs '"msg":"suppliers-server listening"' "$work/no_db.log" || fail "no startup line: $(cat "$work/no_db.log")"
failed --target "127.0.0.1:$no_db_port" --deadline 5s vendors get --id 1
check "vendors get with the database down: error: UNAVAILABLE" grep -q '^error: UNAVAILABLE: ' "$work/err"
check "the hint says the server is up and its database is not" \
  grep -qF "(suppliers-server at 127.0.0.1:$no_db_port is up, but its database is unavailable; retry later)" "$work/err"
check "and does not ask whether the server runs" bash -c "! grep -q 'is suppliers-server running' '$work/err'"
check "the stopped-server calls give up within their deadlines" test $((SECONDS - t0)) -le 14

# --- every command of --help was run successfully ----------------------------
check "every command of --help (and demo) succeeded at least once here" \
  diff <(sort -u "$work/called.txt") <({ cat "$work/commands.txt"; echo demo; } | sort)
