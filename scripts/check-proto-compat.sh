#!/usr/bin/env bash
# Fails when the v1 API in proto/ breaks wire or source compatibility with the
# released API recorded in proto/baseline/suppliers-v1.binpb (buf's FILE rules,
# proto/buf.yaml: no field renumbered, renamed, retyped or deleted, no RPC or
# message removed, same packages and language options per file). The module's
# excludes apply: suppliers/internal and third_party are not part of the API.
#
#   scripts/check-proto-compat.sh                      check proto/ (offline)
#   scripts/check-proto-compat.sh PROTO_DIR [BASELINE] check another tree
#   scripts/check-proto-compat.sh --update-baseline    rewrite the baseline
#                                                      from proto/ (a release)
# BUF may point at another buf binary (default tools/node_modules/.bin/buf).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
buf=${BUF:-$repo/tools/node_modules/.bin/buf}
[ -x "$buf" ] || { echo "check-proto-compat: $buf missing (scripts/install-deps.sh installs it)" >&2; exit 2; }

if [ "${1:-}" = "--update-baseline" ]; then
  # The image keeps its imports (descriptor.proto, field_mask.proto): buf
  # needs them to read the baseline. Source info (comments, line numbers)
  # is left out; the output is byte-for-byte reproducible.
  "$buf" build "$repo/proto" --exclude-source-info -o "$repo/proto/baseline/suppliers-v1.binpb"
  echo "check-proto-compat: wrote proto/baseline/suppliers-v1.binpb from proto/:"
  "$buf" ls-files "$repo/proto/baseline/suppliers-v1.binpb" | sed 's/^/  /'
  exit 0
fi

proto_dir=${1:-$repo/proto}
baseline=${2:-$proto_dir/baseline/suppliers-v1.binpb}
[ -f "$baseline" ] || { echo "check-proto-compat: no baseline at $baseline" >&2; exit 2; }
if ! "$buf" breaking "$proto_dir" --against "$baseline"; then
  echo "check-proto-compat: FAILED: the change above breaks suppliers.v1 clients;" \
    "add a field/RPC instead, or put an incompatible API in a new package (suppliers.v2)" >&2
  exit 1
fi
echo "ok - buf breaking: $(basename "$proto_dir")/ is compatible with $(basename "$baseline") (FILE rules)"
