#!/usr/bin/env bash
# Generates package suppliersv1 (messages and gRPC stubs of proto/suppliers/v1)
# into client/go/suppliersv1/, and lays out a private GOPATH under
# client/go/.gopath so that the import path of the protos' go_package,
# github.com/suppliers-grpc/suppliers/client/go/..., resolves to this folder.
# Offline: protoc-gen-go is built from Debian's /usr/share/gocode,
# protoc-gen-go-grpc is Debian's. Idempotent; generated files are gitignored.
#
# Usage: client/go/generate.sh
# Then:  eval "$(client/go/generate.sh --env)" sets GO111MODULE, GOPROXY, GOPATH.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
GOPATH_DIR=$HERE/.gopath
SYSTEM_GOCODE=${SYSTEM_GOCODE:-/usr/share/gocode}
IMPORT_PATH=github.com/suppliers-grpc/suppliers/client/go

env_lines() {
  echo "export GO111MODULE=off GOPROXY=off GOFLAGS= GOPATH='$GOPATH_DIR:$SYSTEM_GOCODE'"
}
if [ "${1:-}" = "--env" ]; then env_lines; exit 0; fi
eval "$(env_lines)"
# Tests run generators side by side (ctest -j) while others build the
# package: one generator at a time, and output already current is left in
# place, so a build never finds it half-replaced.
exec 9>"$HERE/.generate.lock"
flock 9

# The private GOPATH: src/github.com/suppliers-grpc/suppliers/client/go -> here.
link=$GOPATH_DIR/src/$IMPORT_PATH
mkdir -p "$(dirname "$link")" "$GOPATH_DIR/bin"
if [ "$(readlink "$link" 2>/dev/null)" != "$HERE" ]; then
  rm -rf "$link"
  ln -s "$HERE" "$link"
fi

# protoc-gen-go from the system's Go sources (rebuilt only when missing).
if [ ! -x "$GOPATH_DIR/bin/protoc-gen-go" ]; then
  GOPATH=$SYSTEM_GOCODE go build -o "$GOPATH_DIR/bin/protoc-gen-go" google.golang.org/protobuf/cmd/protoc-gen-go
fi
command -v protoc-gen-go-grpc >/dev/null ||
  { echo "protoc-gen-go-grpc not found (apt-get install protoc-gen-go-grpc)" >&2; exit 1; }

out=$HERE/suppliersv1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# module= strips the go_package prefix, so files land in $tmp/suppliersv1/.
PATH=$GOPATH_DIR/bin:$PATH protoc \
  -I "$REPO/proto" \
  --go_out="$tmp" --go_opt=module=$IMPORT_PATH \
  --go-grpc_out="$tmp" --go-grpc_opt=module=$IMPORT_PATH \
  "$REPO"/proto/suppliers/v1/*.proto
if ! diff -rq "$tmp/suppliersv1" "$out" >/dev/null 2>&1; then
  mkdir -p "$out"
  rm -f "$out"/*.pb.go
  cp "$tmp"/suppliersv1/*.pb.go "$out"/
fi
echo "generated $(find "$out" -name "*.pb.go" | wc -l) files in $out" >&2
