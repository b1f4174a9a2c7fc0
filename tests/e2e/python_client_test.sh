#!/usr/bin/env bash
# End to end: the Python client package (client/python) against a real
# server on a throwaway PostgreSQL: generate.sh, then python_client_test.py
# calls every rpc of the generated descriptors and checks the results, error
# details and drawings by SHA-256 (failing when an rpc was not called), then
# examples/tutorial.py must exit 0, and examples/watch_changes.py replay the
# first changes from the change feed. Needs python3-grpcio python3-protobuf
# protobuf-compiler protobuf-compiler-grpc; runs Debian's /usr/bin/python3.
# Usage: python_client_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
PY=${SUPPLIERS_PYTHON:-/usr/bin/python3}
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")
chmod 711 "$work"

check "python3-grpcio and python3-protobuf are importable by $PY" \
  "$PY" -c 'import grpc, google.protobuf'
check "generate.sh writes the stubs" "$REPO/client/python/generate.sh"
check "generate.sh is idempotent" "$REPO/client/python/generate.sh"
export PYTHONPATH=$REPO/client/python${PYTHONPATH:+:$PYTHONPATH}
check "the package imports with no generated top-level grpc/ or google/" \
  "$PY" -c 'import grpc, suppliers_client, google.protobuf as g
assert grpc.__file__.startswith("/usr/"), grpc.__file__
assert "_generated" not in g.__file__, g.__file__'

start_throwaway_postgres
start_migrated_server "$SERVER" "$work/server.log"

"$PY" "$REPO/tests/e2e/python_client_test.py" --target "127.0.0.1:$port" --workdir "$work" ||
  fail "python_client_test.py; the server's log ends: $(tail -n 20 "$work/server.log")"
pass "python_client_test.py: every rpc, through the package"

"$PY" "$REPO/client/python/examples/tutorial.py" --target "127.0.0.1:$port" >"$work/tutorial.out" 2>&1 ||
  fail "examples/tutorial.py exited non-zero: $(cat "$work/tutorial.out")"
pass "examples/tutorial.py exits 0"
check "the tutorial printed its vendors and the downloaded drawing's SHA-256" \
  grep -q 'downloaded .* sha256 ok' "$work/tutorial.out"

# The watch example from the first event (--after 0, an explicit optional
# after_sequence): the first changes, one line each, then exit.
timeout 20 "$PY" "$REPO/client/python/examples/watch_changes.py" --target "127.0.0.1:$port" \
  --after 0 --count 3 >"$work/watch.out" 2>"$work/watch.err" ||
  fail "examples/watch_changes.py exited $?: $(cat "$work/watch.err")"
check "examples/watch_changes.py printed 3 events" test "$(wc -l <"$work/watch.out")" -eq 3
check "the first is sequence 1, the first vendor insert" \
  grep -qE '^1 insert vendor vendor_id=1 "' "$work/watch.out"
