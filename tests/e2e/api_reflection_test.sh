#!/usr/bin/env bash
# End to end: every rpc of suppliers.v1.VendorService and PartService called
# through server reflection (buf curl, no local proto files), following the
# tutorial's data, with the concrete results checked, as production runs it:
# sql/roles.sql applied, migrated as suppliers_owner, served as
# suppliers_app. Fails when an rpc in the protos is not called here. Then
# checks what the application role may not do.
# Usage: api_reflection_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
BUF=$REPO/tools/node_modules/.bin/buf
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")

# The rpcs this test calls; must equal the rpcs declared in the protos.
TESTED_METHODS=(
  suppliers.v1.VendorService/CreateVendor
  suppliers.v1.VendorService/BatchCreateVendors
  suppliers.v1.VendorService/GetVendor
  suppliers.v1.VendorService/ListVendors
  suppliers.v1.VendorService/BatchGetVendors
  suppliers.v1.VendorService/UpdateVendor
  suppliers.v1.VendorService/DeleteVendor
  suppliers.v1.PartService/CreatePart
  suppliers.v1.PartService/GetPart
  suppliers.v1.PartService/ListParts
  suppliers.v1.PartService/BatchGetParts
  suppliers.v1.PartService/UpdatePart
  suppliers.v1.PartService/DeletePart
  suppliers.v1.PartService/AddPartVendors
  suppliers.v1.PartService/RemovePartVendors
  suppliers.v1.PartService/ListPartsByVendor
  suppliers.v1.PartService/AddPartWithNewVendor
  suppliers.v1.PartService/ListPartVendorPairs
  suppliers.v1.DrawingService/UploadDrawing
  suppliers.v1.DrawingService/DownloadDrawing
  suppliers.v1.DrawingService/GetDrawingMetadata
  suppliers.v1.DrawingService/DeleteDrawing
  suppliers.v1.VendorService/ImportVendors
  suppliers.v1.VendorService/ExportVendors
  suppliers.v1.PartService/ImportParts
  suppliers.v1.PartService/ExportParts
  suppliers.v1.PartService/ExportPartVendorPairs
  suppliers.v1.ChangeFeedService/WatchChanges
)

# "package.Service" and "package.Service/Method" as declared in the protos.
protos=("$REPO"/proto/suppliers/v1/*.proto)
awk '$1 == "package" { pkg = $2; sub(/;.*/, "", pkg) }
     $1 == "service" { print pkg "." $2 }' "${protos[@]}" | sort >"$work/proto_services.txt"
awk '$1 == "package" { pkg = $2; sub(/;.*/, "", pkg) }
     $1 == "service" { svc = $2 }
     $1 == "rpc" { m = $2; sub(/\(.*/, "", m); print pkg "." svc "/" m }' "${protos[@]}" |
  sort >"$work/proto_methods.txt"
printf '%s\n' "${TESTED_METHODS[@]}" | sort >"$work/tested.txt"
check "the protos declare the four suppliers services" \
  diff <(printf '%s\n' suppliers.v1.ChangeFeedService suppliers.v1.DrawingService suppliers.v1.PartService \
    suppliers.v1.VendorService) "$work/proto_services.txt"
check "the test's method list equals the rpcs of the protos" diff "$work/tested.txt" "$work/proto_methods.txt"

start_throwaway_postgres
psql_() {  # psql_ ROLE ARGS...: as ROLE on the test database
  local role=$1; shift
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$role" -d suppliers "$@"
  else
    psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U "$role" -d suppliers "$@"
  fi
}
# The operator's steps (README): roles, migrate as the owner, roles again.
psql_ postgres -f - <"$REPO/sql/roles.sql"
"$SERVER" migrate --database "$CONNINFO user=suppliers_owner" 2>"$work/migrate.log"
psql_ postgres -f - <"$REPO/sql/roles.sql"
port=$(free_port)
"$SERVER" --listen "127.0.0.1:$port" --database "$CONNINFO user=suppliers_app" 2>"$work/server.log" &
server=$!
CLEANUP+=("kill -KILL $server")
eventually 10 grep -qs '"msg":"suppliers-server listening"' "$work/server.log" ||
  fail "no startup line: $(cat "$work/server.log")"
url=http://127.0.0.1:$port
curl_() { "$BUF" curl --protocol grpc --http2-prior-knowledge "$@"; }

# Reflection: both services, and exactly the rpcs of the protos.
curl_ --list-services "$url" >"$work/services.txt"
check "reflection lists suppliers.v1.VendorService" grep -qx suppliers.v1.VendorService "$work/services.txt"
check "reflection lists suppliers.v1.PartService" grep -qx suppliers.v1.PartService "$work/services.txt"
check "reflection lists suppliers.v1.DrawingService" grep -qx suppliers.v1.DrawingService "$work/services.txt"
check "reflection lists suppliers.v1.ChangeFeedService" grep -qx suppliers.v1.ChangeFeedService "$work/services.txt"
check "reflection lists no other suppliers service" \
  diff <(grep '^suppliers\.' "$work/services.txt" | sort) "$work/proto_services.txt"
curl_ --list-methods "$url" >"$work/methods.txt"
check "reflection lists every rpc of the protos, and no other" \
  diff <(grep '^suppliers\.' "$work/methods.txt" | sort) "$work/proto_methods.txt"

# call SERVICE/METHOD JSON: the response is kept in $work/r.json for expect.
call() {
  echo "suppliers.v1.$1" >>"$work/called.txt"
  curl_ -d "$2" "$url/suppliers.v1.$1" >"$work/r.json" 2>"$work/err.txt" ||
    fail "$1 $2 exited $?: $(cat "$work/err.txt")"
}
# expect PYTHON_EXPR JSON: EXPR over the last response `r` equals JSON.
expect() {
  python3 -S - "$work/r.json" "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
want = json.loads(sys.argv[3])
try:
    got = eval(sys.argv[2])
except Exception as e:
    got = f"<{type(e).__name__}: {e}>"
if got != want:
    sys.exit(f"{sys.argv[2]}: got {got!r}, want {want!r}\nresponse: {json.dumps(r)}")
EOF
}
# field PYTHON_EXPR: prints EXPR over the last response.
field() { python3 -S -c 'import json, sys; r = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$work/r.json" "$1"; }
col() {  # col FIELD LIST: the expression [v[FIELD] for v in r[LIST]]
  echo "[v[\"$1\"] for v in r[\"$2\"]]"
}

# --- VendorService -----------------------------------------------------------
call VendorService/CreateVendor '{"vendor":{"vendorName":"3M Co."}}'
check "CreateVendor 3M Co. -> vendor 1" expect '[r["vendor"]["vendorId"], r["vendor"]["vendorName"]]' '[1, "3M Co."]'
check "CreateVendor returns an etag" expect 'r["vendor"]["etag"] != ""' true
etag1=$(field 'r["vendor"]["etag"]')

six='["AKM Semiconductor Inc.", "Asahi Glass Co Ltd.", "Daikin Industries Ltd.",
      "Dynacast International Inc.", "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd."]'
body=$(python3 -S -c 'import json, sys; print(json.dumps({"vendors": [{"vendorName": n} for n in json.loads(sys.argv[1])]}))' "$six")
call VendorService/BatchCreateVendors "$body"
check "BatchCreateVendors: ids 2..7" expect "$(col vendorId vendors)" '[2, 3, 4, 5, 6, 7]'
check "BatchCreateVendors: names in request order" expect "$(col vendorName vendors)" "$six"

call VendorService/GetVendor '{"vendorId":4}'
check "GetVendor 4" expect '[r["vendor"]["vendorId"], r["vendor"]["vendorName"]]' '[4, "Daikin Industries Ltd."]'

call VendorService/ListVendors '{}'
check "ListVendors: all seven by name (tutorial order)" expect "$(col vendorName vendors)" \
  '["3M Co.", "AKM Semiconductor Inc.", "Asahi Glass Co Ltd.", "Daikin Industries Ltd.",
    "Dynacast International Inc.", "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd."]'
check "ListVendors: one page only" expect '"nextPageToken" in r' false
list='"pageSize":3,"orderBy":"VENDOR_ORDER_NAME_DESC"'
call VendorService/ListVendors "{$list}"
check "ListVendors page 1 of 3, name descending" expect "$(col vendorId vendors)" '[7, 6, 5]'
token=$(field 'r["nextPageToken"]')
call VendorService/ListVendors "{$list,\"pageToken\":\"$token\"}"
check "ListVendors page 2" expect "$(col vendorId vendors)" '[4, 3, 2]'
token=$(field 'r["nextPageToken"]')
call VendorService/ListVendors "{$list,\"pageToken\":\"$token\"}"
check "ListVendors page 3 is the last" expect "[$(col vendorId vendors), \"nextPageToken\" in r]" '[[1], false]'
call VendorService/ListVendors '{"orderBy":"VENDOR_ORDER_ID_DESC","nameContains":"co."}'
check "ListVendors name_contains, id descending" expect "$(col vendorId vendors)" '[7, 6, 1]'

call VendorService/BatchGetVendors '{"vendorIds":[7,1,7]}'
check "BatchGetVendors: request order, duplicates kept" expect "$(col vendorId vendors)" '[7, 1, 7]'
check "BatchGetVendors: names" expect "$(col vendorName vendors)" \
  '["Murata Manufacturing Co. Ltd.", "3M Co.", "Murata Manufacturing Co. Ltd."]'

call VendorService/UpdateVendor "{\"vendor\":{\"vendorId\":1,\"vendorName\":\"3M Corp\",\"etag\":\"$etag1\"},\"updateMask\":\"vendorName\"}"
check "UpdateVendor 1 -> 3M Corp, updatedRows 1" \
  expect '[r["vendor"]["vendorId"], r["vendor"]["vendorName"], r["updatedRows"]]' '[1, "3M Corp", 1]'
check "UpdateVendor moves the etag" expect "r[\"vendor\"][\"etag\"] != \"$etag1\"" true
call VendorService/GetVendor '{"vendorId":1}'
check "GetVendor 1 reads the new name" expect 'r["vendor"]["vendorName"]' '"3M Corp"'

# --- PartService -------------------------------------------------------------
call PartService/CreatePart '{"part":{"partName":"SIM Tray","vendorIds":[1,2]}}'
check "CreatePart SIM Tray -> part 1 with vendors 1, 2" \
  expect '[r["part"]["partId"], r["part"]["partName"], r["part"]["vendorIds"]]' '[1, "SIM Tray", [1, 2]]'
call PartService/CreatePart '{"part":{"partName":"Speaker","vendorIds":[4,3]}}'
check "CreatePart Speaker -> part 2, vendor ids ascending" \
  expect '[r["part"]["partId"], r["part"]["vendorIds"]]' '[2, [3, 4]]'

call PartService/GetPart '{"partId":1}'
check "GetPart 1" expect '[r["part"]["partName"], r["part"]["vendorIds"]]' '["SIM Tray", [1, 2]]'
etag_part1=$(field 'r["part"]["etag"]')

call PartService/ListParts '{}'
check "ListParts by name" expect "$(col partName parts)" '["SIM Tray", "Speaker"]'
call PartService/ListParts '{"orderBy":"PART_ORDER_ID_DESC","pageSize":1}'
check "ListParts id descending, page 1 of 2" expect "[$(col partId parts), \"nextPageToken\" in r]" '[[2], true]'

call PartService/BatchGetParts '{"partIds":[2,1]}'
check "BatchGetParts: request order" expect "$(col partId parts)" '[2, 1]'
check "BatchGetParts: vendor ids" expect "$(col vendorIds parts)" '[[3, 4], [1, 2]]'

call PartService/UpdatePart "{\"part\":{\"partId\":1,\"partName\":\"Nano SIM Tray\",\"etag\":\"$etag_part1\"},\"updateMask\":\"partName\"}"
check "UpdatePart 1 -> Nano SIM Tray, links unchanged" \
  expect '[r["part"]["partId"], r["part"]["partName"], r["part"]["vendorIds"]]' '[1, "Nano SIM Tray", [1, 2]]'

call PartService/AddPartVendors '{"partId":1,"vendorIds":[2,5]}'
check "AddPartVendors: one new link (2 was linked)" \
  expect '[r["part"]["vendorIds"], r["addedLinks"]]' '[[1, 2, 5], 1]'
call PartService/RemovePartVendors '{"partId":1,"vendorIds":[1,6]}'
check "RemovePartVendors: one link removed (6 was not linked)" \
  expect '[r["part"]["vendorIds"], r["removedLinks"]]' '[[2, 5], 1]'

call PartService/ListPartsByVendor '{"vendorId":2}'
check "ListPartsByVendor 2 (get_parts_by_vendor)" \
  expect '[[p["partId"], p["partName"]] for p in r["parts"]]' '[[1, "Nano SIM Tray"]]'
call PartService/ListPartsByVendor '{"vendorId":3}'
check "ListPartsByVendor 3" expect '[[p["partId"], p["partName"]] for p in r["parts"]]' '[[2, "Speaker"]]'

call PartService/AddPartWithNewVendor '{"partName":"OLED","vendorName":"LG"}'
check "AddPartWithNewVendor OLED/LG (add_new_part) -> part 3, vendor 8" \
  expect '[r["partId"], r["vendorId"]]' '[3, 8]'
call PartService/GetPart '{"partId":3}'
check "the new part is linked to the new vendor" expect '[r["part"]["partName"], r["part"]["vendorIds"]]' '["OLED", [8]]'

call PartService/ListPartVendorPairs '{}'
check "ListPartVendorPairs: the tutorial's join, by part name" \
  expect '[[p["partName"], p["vendorName"]] for p in r["pairs"]]' \
  '[["Nano SIM Tray", "AKM Semiconductor Inc."], ["Nano SIM Tray", "Dynacast International Inc."],
    ["OLED", "LG"], ["Speaker", "Asahi Glass Co Ltd."], ["Speaker", "Daikin Industries Ltd."]]'
check "ListPartVendorPairs: ids match names" \
  expect '[[p["partId"], p["vendorId"]] for p in r["pairs"]]' '[[1, 2], [1, 5], [3, 8], [2, 3], [2, 4]]'

# --- DrawingService (client and server streaming through reflection) --------
# Two messages in one request body: the header, then one chunk (base64).
png=$(printf '\x89PNG\r\n\x1a\n\x00\xff' | base64)
call DrawingService/UploadDrawing "{\"header\":{\"partId\":1,\"fileExtension\":\"png\",\"totalSize\":\"10\"}} {\"chunk\":\"$png\"}"
check "UploadDrawing: 10 bytes stored for part 1" \
  expect '[r["metadata"]["sizeBytes"], r["metadata"]["fileName"]]' '["10", "Nano SIM Tray.png"]'
sha=$(printf '\x89PNG\r\n\x1a\n\x00\xff' | sha256sum | cut -d' ' -f1)
check "UploadDrawing: the server's SHA-256 is the file's" expect 'r["metadata"]["sha256"]' "\"$sha\""
call DrawingService/GetDrawingMetadata '{"partId":1}'
check "GetDrawingMetadata: extension and size" \
  expect '[r["metadata"]["fileExtension"], r["metadata"]["sizeBytes"]]' '["png", "10"]'
call DrawingService/DownloadDrawing '{"partId":1,"readOffset":"8"}'
check "DownloadDrawing: metadata first, then the bytes of the range" \
  python3 -S - "$work/r.json" "$(printf '\x00\xff' | base64)" <<'EOF'
import json, sys
text, decoder, messages, i = open(sys.argv[1]).read(), json.JSONDecoder(), [], 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    message, i = decoder.raw_decode(text, i)
    messages.append(message)
assert "metadata" in messages[0], messages
assert messages[0]["metadata"]["rangeOffset"] == "8", messages[0]
assert "".join(m["chunk"] for m in messages[1:]) == sys.argv[2], messages
EOF
call DrawingService/DeleteDrawing '{"partId":1}'
check "DeleteDrawing: one row" expect 'r["deletedRows"]' '1'

call PartService/DeletePart '{"partId":2}'
check "DeletePart 2: one row, two links, no drawing" \
  expect '[r.get("deletedRows", 0), r.get("deletedLinks", 0), r.get("deletedDrawing", False)]' '[1, 2, false]'
call VendorService/DeleteVendor '{"vendorId":5}'
check "DeleteVendor 5: one row, its link to part 1" \
  expect '[r.get("deletedRows", 0), r.get("deletedLinks", 0)]' '[1, 1]'
call PartService/ListParts '{"orderBy":"PART_ORDER_ID_ASC"}'
check "after the deletes: parts 1 and 3, part 1 keeps vendor 2 only" \
  expect '[[p["partId"], p.get("vendorIds", [])] for p in r["parts"]]' '[[1, [2]], [3, [8]]]'
call VendorService/ListVendors '{"orderBy":"VENDOR_ORDER_ID_ASC"}'
check "after the deletes: vendor 5 is gone" expect "$(col vendorId vendors)" '[1, 2, 3, 4, 6, 7, 8]'

# --- Bulk calls and the change feed (client and server streams) --------------
# stream_is PYTHON_EXPR JSON: EXPR over `ms`, the messages of the last stream
# (buf curl prints them one after the other), equals JSON.
stream_is() {
  python3 -S - "$work/r.json" "$1" "$2" <<'EOF'
import base64, json, sys
text, decoder, ms, i = open(sys.argv[1]).read(), json.JSONDecoder(), [], 0
while True:
    while i < len(text) and text[i].isspace():
        i += 1
    if i >= len(text):
        break
    message, i = decoder.raw_decode(text, i)
    ms.append(message)
want = json.loads(sys.argv[3])
try:
    got = eval(sys.argv[2])
except Exception as e:
    got = f"<{type(e).__name__}: {e}>"
if got != want:
    sys.exit(f"{sys.argv[2]}: got {got!r}, want {want!r}\nmessages: {ms}")
EOF
}
# Two CSV chunks (base64 in JSON), cut inside a row.
chunk1=$(printf 'vendor_name\nBulk ' | base64 -w0)
chunk2=$(printf 'A\n"Bulk, B"\n' | base64 -w0)
call VendorService/ImportVendors "{\"csvChunk\":\"$chunk1\"} {\"csvChunk\":\"$chunk2\"}"
check "ImportVendors (CSV in two chunks): 2 rows, consecutive new ids" \
  expect '[r["summary"]["rowsImported"], r["summary"]["firstId"] > 8, r["summary"]["lastId"] - r["summary"]["firstId"]]' '["2", true, 1]'
bulk_a=$(field 'r["summary"]["firstId"]')
call PartService/ImportParts "{\"parts\":[{\"partName\":\"Bulk Part\",\"vendorIds\":[2,$bulk_a]}]}"
check "ImportParts (rows): 1 part, 2 links" \
  expect '[r["summary"]["rowsImported"], r["summary"]["linksImported"]]' '["1", "2"]'
bulk_part=$(field 'r["summary"]["firstId"]')
call VendorService/ExportVendors '{}'
check "ExportVendors: every vendor by id, the imported ones last" \
  stream_is '[v["vendorId"] for m in ms for v in m.get("vendors", [])]' "[1, 2, 3, 4, 6, 7, 8, $bulk_a, $((bulk_a + 1))]"
check "ExportVendors: the snapshot's change sequence in the first message" \
  stream_is 'int(ms[0]["changeSequence"]) > 0' true
call PartService/ExportParts '{"format":"EXPORT_FORMAT_CSV"}'
check "ExportParts as CSV: the header, then each part with its vendor ids" \
  stream_is 'b"".join(base64.b64decode(m.get("csvChunk", "")) for m in ms).decode().splitlines()' \
  "[\"part_id,part_name,vendor_ids\", \"1,Nano SIM Tray,2\", \"3,OLED,8\", \"$bulk_part,Bulk Part,2;$bulk_a\"]"
call PartService/ExportPartVendorPairs '{}'
check "ExportPartVendorPairs: by part id, then vendor id" \
  stream_is '[[p["partId"], p["vendorId"]] for m in ms for p in m.get("pairs", [])]' "[[1, 2], [3, 8], [$bulk_part, 2], [$bulk_part, $bulk_a]]"
# A watch never ends by itself: from the first event (afterSequence 0), for 3 s.
echo suppliers.v1.ChangeFeedService/WatchChanges >>"$work/called.txt"
set +e
timeout 3 "$BUF" curl --protocol grpc --http2-prior-knowledge \
  -d '{"afterSequence":"0","kinds":["RESOURCE_KIND_VENDOR"]}' \
  "$url/suppliers.v1.ChangeFeedService/WatchChanges" >"$work/r.json" 2>"$work/err.txt"
code=$?
set -e
check "WatchChanges streams until stopped (timeout's exit 124)" test "$code" -eq 124
check "WatchChanges from 0: every vendor insert, the imported ones last" \
  stream_is '[e["vendor"]["vendorName"] for m in ms for e in m.get("events", []) if e["operation"] == "CHANGE_OPERATION_INSERT"][-3:]' \
  '["LG", "Bulk A", "Bulk, B"]'
check "WatchChanges: the deleted vendor 5 as a delete event" \
  stream_is '[e["vendorId"] for m in ms for e in m.get("events", []) if e["operation"] == "CHANGE_OPERATION_DELETE"]' '[5]'

# --- An error through reflection ---------------------------------------------
set +e
curl_ -d '{"vendorId":999}' "$url/suppliers.v1.VendorService/GetVendor" >"$work/r.json" 2>"$work/err.txt"
code=$?
set -e
check "GetVendor 999 exits 5*8 = 40 (NOT_FOUND)" test "$code" -eq 40
check "GetVendor 999 prints code not_found" \
  python3 -S -c 'import json, sys; sys.exit(json.load(open(sys.argv[1]))["code"] != "not_found")' "$work/err.txt"

check "every rpc of the protos was called" diff <(sort -u "$work/called.txt") "$work/proto_methods.txt"

# --- Access log: one JSON line per call, none for health or reflection -------
check "the access log has the failed GetVendor with its code" \
  grep -q '"msg":"rpc","method":"/suppliers.v1.VendorService/GetVendor","code":"NOT_FOUND","duration_ms":[0-9.e-]*,"peer":"ipv4:127.0.0.1:[0-9]*"' "$work/server.log"
check "the access log has the client-streaming upload" \
  grep -q '"method":"/suppliers.v1.DrawingService/UploadDrawing","code":"OK"' "$work/server.log"
check "health and reflection calls are not logged" \
  bash -c "! grep -q '\"method\":\"/grpc\.' '$work/server.log'"

# --- The application role: everything above, nothing more --------------------
for statement in "DROP TABLE vendors" "ALTER TABLE vendors ADD COLUMN x int" \
  "TRUNCATE vendors" "CREATE TABLE intruder (x int)" "DELETE FROM schema_migrations"; do
  if psql_ suppliers_app -c "$statement" >/dev/null 2>&1; then
    fail "suppliers_app may run: $statement"
  fi
  pass "suppliers_app may not run: $statement"
done
# A right the role lacks is PERMISSION_DENIED (SQLSTATE 42501), not INTERNAL.
psql_ postgres -c "REVOKE INSERT ON vendors FROM suppliers_app"
set +e
curl_ -d '{"vendor":{"vendorName":"No rights"}}' "$url/suppliers.v1.VendorService/CreateVendor" >"$work/r.json" 2>"$work/err.txt"
code=$?
set -e
check "CreateVendor without INSERT exits 7*8 = 56 (PERMISSION_DENIED)" test "$code" -eq 56
check "the log names SQLSTATE 42501" grep -q '"sqlstate":"42501"' "$work/server.log"
