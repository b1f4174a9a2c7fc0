#!/usr/bin/env bash
# The buf breaking gate (scripts/check-proto-compat.sh) against the committed
# v1 baseline: the tree as it is passes, an additive change passes, a change
# to an excluded (non-API) proto passes, and incompatible changes to v1 (a
# renamed field, a renumbered field, a removed RPC, a changed go_package)
# fail. Offline; about 5 s.
# Usage: proto_breaking_test.sh REPO BUILD_DIR   (BUILD_DIR is unused)
set -euo pipefail
REPO=$1
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
CHECK=$REPO/scripts/check-proto-compat.sh
BASELINE=$REPO/proto/baseline/suppliers-v1.binpb
work=$(mktemp -d /tmp/suppliers-proto-breaking-XXXXXX)
CLEANUP+=("rm -rf $work")

check "baseline is committed at proto/baseline/suppliers-v1.binpb" test -s "$BASELINE"
# The baseline holds the v1 API only: buf.yaml's excludes (internal, third_party) apply.
files=$("$REPO/tools/node_modules/.bin/buf" ls-files "$BASELINE")
check "baseline holds suppliers/v1 files" grep -q '^suppliers/v1/vendor.proto$' <<<"$files"
# shellcheck disable=SC2016  # $1 is expanded by the inner bash
check "baseline has no suppliers/internal or third_party file" \
  bash -c '! grep -E "^(suppliers/internal|google/rpc|grpc/)" <<<"$1"' _ "$files"

check "unchanged proto/ passes" "$CHECK" "$REPO/proto" "$BASELINE"

# variant NAME: a fresh copy of proto/ in $work/NAME/proto.
variant() {
  rm -rf "${work:?}/$1"
  mkdir -p "$work/$1"
  cp -r "$REPO/proto" "$work/$1/proto"
  echo "$work/$1/proto"
}
# edit FILE PERL_SUBSTITUTION: applies it and fails when it changed nothing.
edit() {
  local before
  before=$(cksum <"$1")
  perl -0pi -e "$2" "$1"
  [ "$(cksum <"$1")" != "$before" ] || fail "edit '$2' matched nothing in $1"
}
expect_break() {  # expect_break WHAT DIR MESSAGE_REGEX
  local out code=0
  out=$("$CHECK" "$2" "$BASELINE" 2>&1) || code=$?
  [ "$code" -eq 1 ] || { echo "$out" >&2; fail "$1: expected buf breaking to fail (exit 1), got $code"; }
  grep -q "$3" <<<"$out" || { echo "$out" >&2; fail "$1: expected /$3/ in the output"; }
  pass "$1 fails buf breaking"
}

d=$(variant additive)
# shellcheck disable=SC2016  # $1 is perl's
edit "$d/suppliers/v1/vendor.proto" 's/(  string etag = 3;\n)/$1  string website = 4;\n/'
check "adding a field passes" "$CHECK" "$d" "$BASELINE"

d=$(variant internal)
edit "$d/suppliers/internal/page_token.proto" 's/int32 last_id = 3;/int64 last_id = 9;/'
check "an incompatible change to suppliers/internal (not API) passes" "$CHECK" "$d" "$BASELINE"

d=$(variant rename)
edit "$d/suppliers/v1/vendor.proto" 's/string vendor_name = 2;/string name = 2;/'
expect_break "renaming Vendor.vendor_name" "$d" 'changed name from "vendor_name" to "name"'

d=$(variant renumber)
edit "$d/suppliers/v1/vendor.proto" 's/string vendor_name = 2;/string vendor_name = 5;/'
expect_break "renumbering Vendor.vendor_name 2 -> 5" "$d" 'field "2" with name "vendor_name" .*deleted'

d=$(variant retype)
edit "$d/suppliers/v1/vendor.proto" 's/int32 vendor_id = 1;/int64 vendor_id = 1;/'
expect_break "changing Vendor.vendor_id int32 -> int64" "$d" 'changed type from "int32" to "int64"'

d=$(variant rpc)
edit "$d/suppliers/v1/drawing.proto" 's/  rpc DeleteDrawing\(.*?\n  \}\n//s'
expect_break "removing DrawingService.DeleteDrawing" "$d" '"DeleteDrawing" .*deleted'

d=$(variant gopackage)
edit "$d/suppliers/v1/part.proto" 's/option go_package = "[^"]*";/option go_package = "example.com\/other;other";/'
expect_break "changing part.proto's go_package" "$d" 'go_package'
