#!/usr/bin/env bash
# Installs what the build, the tests and the local database need, and nothing
# that is already there. Idempotent; safe to re-run after a failed run.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(build-essential cmake ninja-build pkg-config clang clang-format clang-tidy
  libclang-rt-14-dev libfuzzer-14-dev
  libgrpc++-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  libpqxx-dev libpq-dev libabsl-dev libgtest-dev libgmock-dev libbenchmark-dev
  libssl-dev libjwt-dev grpc-proto postgresql-15 postgresql-contrib
  prometheus-cpp-dev
  # tests/e2e/pgbouncer_test.sh: the API through PgBouncer in transaction mode.
  pgbouncer
  # bench/import_bench.sh: the tutorial's psycopg2 executemany baseline.
  python3-psycopg2
  # The language clients (client/python, client/go) and their tests.
  python3-grpcio python3-protobuf
  golang-go golang-google-grpc-dev protoc-gen-go-grpc golang-google-protobuf-dev
  golang-github-golang-protobuf-1-5-dev golang-google-genproto-dev)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
    missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq \
    --no-install-recommends "${missing[@]}"
  # Debian starts a cluster of its own on 5432; we run ours on our own port
  # and never touch it.
fi

# buf (lint, curl through reflection) comes from the npm registry, pinned by
# tools/package-lock.json.
if [ ! -x tools/node_modules/.bin/buf ]; then
  echo "install-deps: installing buf from npm (tools/package-lock.json)"
  (cd tools && npm ci --no-audit --no-fund --loglevel=error)
fi
