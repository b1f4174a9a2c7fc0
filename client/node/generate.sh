#!/usr/bin/env bash
# Bundles the protos this package loads at run time into client/node/proto/
# (suppliers/v1 and google/rpc status + error_details; google/protobuf/*
# ships with protobufjs), and generates TypeScript declarations of every
# message and service into client/node/types/ with proto-loader-gen-types,
# using the same options as index.js. Runs `npm ci` only when node_modules
# was not installed from the current package-lock.json, so reruns are
# offline. proto/, types/ and node_modules/ are gitignored.
# Usage: client/node/generate.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
cd "$HERE"
# Tests run generators side by side (ctest -j) while others load the
# package: one generator at a time, and output already current is left in
# place, so a loader never finds it half-replaced.
exec 9>"$HERE/.generate.lock"
flock 9

# npm ci only when node_modules was not installed from this very
# package-lock.json: the lock's SHA-256 is stamped into node_modules after a
# successful install. --prefer-offline: the npm cache is enough for a rerun.
stamp=node_modules/.suppliers-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error
  echo "$want" >"$stamp"
fi

# Staged under their own names (the declarations name their proto files),
# then swapped in only when they changed.
rm -rf .stage && mkdir -p .stage/proto/suppliers/v1 .stage/proto/google/rpc
cp "$REPO"/proto/suppliers/v1/*.proto .stage/proto/suppliers/v1/
cp "$REPO"/proto/third_party/google/rpc/{status,error_details,code}.proto .stage/proto/google/rpc/
# Keep these options in step with LOADER_OPTIONS in index.js.
(cd .stage && "$HERE"/node_modules/.bin/proto-loader-gen-types \
  --longs=String --enums=String --defaults --oneofs --includeComments \
  --grpcLib=@grpc/grpc-js -I proto -O types \
  suppliers/v1/vendor.proto suppliers/v1/part.proto \
  suppliers/v1/drawing.proto suppliers/v1/change_feed.proto \
  suppliers/v1/bulk.proto google/rpc/status.proto \
  google/rpc/error_details.proto >/dev/null)
for d in proto types; do
  if [ -d "$d" ] && diff -rq ".stage/$d" "$d" >/dev/null; then
    continue
  fi
  rm -rf "$d" && mv ".stage/$d" "$d"
done
rm -rf .stage
echo "bundled $(find proto -name '*.proto' | wc -l) protos in $HERE/proto, types in $HERE/types" >&2
