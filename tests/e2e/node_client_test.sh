#!/usr/bin/env bash
# End to end: the Node client (client/node, @suppliers/client) against a
# fresh server. client/node/generate.sh installs the pinned dependencies
# with `npm ci` only when node_modules was not installed from the current
# package-lock.json (so reruns are offline), bundles the protos and
# generates the TypeScript types; then examples/tutorial.js runs: vendors,
# parts, links, pages, etags, a few MiB drawing uploaded and streamed back
# (SHA-256), errors with google.rpc details, deletes, each result checked;
# then examples/watch.js replays the first changes from the change feed.
# Usage: node_client_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
NODE_DIR=$REPO/client/node
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")

command -v node >/dev/null || fail "node not found"
check "client/node/generate.sh bundles the protos and generates types" "$NODE_DIR/generate.sh"
check "types were generated for the three services" \
  test -f "$NODE_DIR/types/suppliers/v1/VendorService.ts" -a -f "$NODE_DIR/types/suppliers/v1/PartService.ts" \
  -a -f "$NODE_DIR/types/suppliers/v1/DrawingService.ts"
stamp=$(stat -c %Y "$NODE_DIR/node_modules/.suppliers-lock.sha256")
"$NODE_DIR/generate.sh" 2>/dev/null
check "a second generate.sh leaves node_modules alone (no npm ci)" \
  test "$(stat -c %Y "$NODE_DIR/node_modules/.suppliers-lock.sha256")" = "$stamp"
check "the installed versions are the locked ones" \
  bash -c "cd '$NODE_DIR' && npm ls --offline >/dev/null 2>&1"

start_throwaway_postgres
start_migrated_server "$SERVER" "$work/server.log"

node "$NODE_DIR/examples/tutorial.js" "127.0.0.1:$port" $((3 * 1024 * 1024 + 12345)) ||
  fail "the Node tutorial failed (server log: $work/server.log)"
pass "the Node client's tutorial against the server"
check "the access log has the Node client's upload" \
  grep -q '"method":"/suppliers.v1.DrawingService/UploadDrawing","code":"OK"' "$work/server.log"

# The watch example from the first event (AFTER=0, an explicit optional
# afterSequence): the tutorial's first changes, one line each, then exit.
timeout 20 node "$NODE_DIR/examples/watch.js" "127.0.0.1:$port" 3 0 >"$work/watch.out" 2>"$work/watch.err" ||
  fail "examples/watch.js exited $?: $(cat "$work/watch.err")"
check "examples/watch.js printed 3 events" test "$(wc -l <"$work/watch.out")" -eq 3
check "the first is sequence 1, the tutorial's first vendor insert" \
  grep -qE '^1 insert vendor vendor_id=1 "' "$work/watch.out"
check "every line is SEQUENCE OPERATION KIND ..." \
  bash -c "! grep -vE '^[0-9]+ (insert|update|delete) (vendor|part|vendor_part|drawing)( |\$)' '$work/watch.out'"
