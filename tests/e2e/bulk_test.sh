#!/usr/bin/env bash
# End to end: the bulk methods (ImportVendors, ImportParts, ExportVendors,
# ExportParts, ExportPartVendorPairs) against a server with its default
# stream limits on a throwaway PostgreSQL; bulk_test.py has the checks
# (imports cut anywhere, all or nothing, cancels, exports equal to the
# tables and consistent snapshots, no session left behind, the CSV round
# trip, one stream more than --max_concurrent_streams refused).
# Needs python3-grpcio python3-protobuf protobuf-compiler
# protobuf-compiler-grpc and psql; runs Debian's /usr/bin/python3.
# Usage: bulk_test.sh REPO BUILD_DIR
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
check "psql is installed" command -v psql
check "generate.sh writes the stubs" "$REPO/client/python/generate.sh"
export PYTHONPATH=$REPO/client/python${PYTHONPATH:+:$PYTHONPATH}

start_throwaway_postgres
start_migrated_server "$SERVER" "$work/server.log"
# The limit the server chose (--max_concurrent_streams 0: half the pool).
max_streams=$(grep -o '"max_concurrent_streams":[0-9]*' "$work/server.log" | head -n 1 | cut -d: -f2)
[ -n "$max_streams" ] || fail "no max_concurrent_streams in the startup line: $(head -n 3 "$work/server.log")"
pass "the server admits $max_streams streams at once"

t0=$SECONDS
"$PY" "$REPO/tests/e2e/bulk_test.py" --target "127.0.0.1:$port" --conninfo "$CONNINFO" \
  --max-streams "$max_streams" ||
  fail "bulk_test.py; the server's log ends: $(grep -v '"msg":"rpc"' "$work/server.log" | tail -n 20)"
pass "bulk_test.py: imports, exports and their limits ($((SECONDS - t0)) s)"
