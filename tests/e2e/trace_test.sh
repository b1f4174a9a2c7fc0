#!/usr/bin/env bash
# End to end: W3C trace context. A call joins the caller's trace (its
# `traceparent` header) or starts one; the `traceresponse` header names it,
# the access log line carries it, and with --trace_statements PostgreSQL's
# log names it beside the statement (application_name), on both ways a call
# reaches the database: the pipelined reads (GetVendor) and the workers
# (CreateVendor).
# Usage: trace_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
BUF=$REPO/tools/node_modules/.bin/buf
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")

start_throwaway_postgres
psql_admin() { runuser -u postgres -- psql -X -qAt -h 127.0.0.1 -p "$PG_PORT" -d suppliers "$@"; }
psql_admin -c "ALTER SYSTEM SET log_line_prefix = 'app=[%a] '" \
  -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null
start_migrated_server "$SERVER" "$work/server.log" --trace_statements
url=http://127.0.0.1:$port
# -v prints the response headers on stderr: "buf: < (#2) Traceresponse: ..."
# (#1 is the reflection stream).
curl_() { "$BUF" curl --protocol grpc --http2-prior-knowledge -v "$@"; }

create_trace=0af7651916cd43dd8448eb211c80319c
curl_ -H "traceparent: 00-$create_trace-b7ad6b7169203331-01" \
  -d '{"vendor":{"vendorName":"Traced Vendor"}}' "$url/suppliers.v1.VendorService/CreateVendor" \
  >"$work/create.json" 2>"$work/create.err"
check "CreateVendor answers traceresponse with the caller's trace and a span of its own" \
  grep -qiE "< \(#2\) traceresponse: 00-$create_trace-[0-9a-f]{16}-01" "$work/create.err"
check "the response's span is not the caller's" bash -c "! grep -qi 'traceresponse: 00-$create_trace-b7ad6b7169203331' '$work/create.err'"

get_trace=4bf92f3577b34da6a3ce929d0e0e4736
curl_ -H "traceparent: 00-$get_trace-00f067aa0ba902b7-01" \
  -d '{"vendorId":1}' "$url/suppliers.v1.VendorService/GetVendor" >"$work/get.json" 2>"$work/get.err"
check "GetVendor answers traceresponse with the caller's trace" \
  grep -qiE "< \(#2\) traceresponse: 00-$get_trace-[0-9a-f]{16}-01" "$work/get.err"

curl_ -H "traceparent: not-a-trace" -d '{"vendorId":1}' "$url/suppliers.v1.VendorService/GetVendor" \
  >/dev/null 2>"$work/new.err"
new_trace=$(sed -nE 's/.*< \(#2\) [Tt]raceresponse: 00-([0-9a-f]{32})-[0-9a-f]{16}-00.*/\1/p' "$work/new.err")
check "a malformed traceparent starts a new trace" test -n "$new_trace"

for trace in "$create_trace" "$get_trace" "$new_trace"; do
  check "the access log line carries trace $trace" grep -q "\"trace_id\":\"$trace\"" "$work/server.log"
done
check "PostgreSQL's log names the CreateVendor trace beside its INSERT" \
  eventually 5 grep -qE "app=\[suppliers trace=$create_trace\].*execute vendor_insert" "$PG_ROOT/server.log"
check "PostgreSQL's log names the GetVendor trace beside its SELECT (pipelined)" \
  eventually 5 grep -qE "app=\[suppliers trace=$get_trace\].*execute vendor_get" "$PG_ROOT/server.log"
check "and the generated trace too" \
  eventually 5 grep -qE "app=\[suppliers trace=$new_trace\].*execute vendor_get" "$PG_ROOT/server.log"
