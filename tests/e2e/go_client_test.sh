#!/usr/bin/env bash
# End to end: the Go client (client/go) against a fresh server. Generates
# package suppliersv1 with client/go/generate.sh (offline: Debian's Go
# packages in GOPATH mode), builds client/go/examples/tutorial and runs it:
# vendors, parts, links, pages, etags, a few MiB drawing uploaded and
# streamed back (SHA-256), errors with google.rpc details, deletes. The
# tutorial checks every result and exits non-zero at the first difference.
# Then examples/watch replays the first changes from the change feed.
# Usage: go_client_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")

command -v go >/dev/null || fail "go not found (apt-get install golang-go golang-google-grpc-dev ...)"
check "client/go/generate.sh generates package suppliersv1" "$REPO/client/go/generate.sh"
eval "$("$REPO/client/go/generate.sh" --env)"
check "the helper package and the tutorial pass go vet" \
  go vet github.com/suppliers-grpc/suppliers/client/go/suppliers \
  github.com/suppliers-grpc/suppliers/client/go/examples/tutorial
check "the tutorial builds" \
  go build -o "$work/tutorial" github.com/suppliers-grpc/suppliers/client/go/examples/tutorial

start_throwaway_postgres
start_migrated_server "$SERVER" "$work/server.log"

"$work/tutorial" -target "127.0.0.1:$port" -drawing_bytes $((3 * 1024 * 1024 + 12345)) ||
  fail "the Go tutorial failed (server log: $work/server.log)"
pass "the Go client's tutorial against the server"
check "the access log has the Go client's upload" \
  grep -q '"method":"/suppliers.v1.DrawingService/UploadDrawing","code":"OK"' "$work/server.log"

# The watch example from the first event (-after 0, an explicit optional
# AfterSequence): the tutorial's first changes, one line each, then exit.
check "the watch example builds" \
  go build -o "$work/watch" github.com/suppliers-grpc/suppliers/client/go/examples/watch
timeout 20 "$work/watch" -target "127.0.0.1:$port" -after 0 -count 3 >"$work/watch.out" 2>"$work/watch.err" ||
  fail "examples/watch exited $?: $(cat "$work/watch.err")"
check "examples/watch printed 3 events" test "$(wc -l <"$work/watch.out")" -eq 3
check "the first is sequence 1, the tutorial's first vendor insert" \
  grep -qE '^1 insert vendor vendor_id=1 "' "$work/watch.out"
