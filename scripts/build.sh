#!/usr/bin/env bash
# Configures (once) and builds everything into build/. Idempotent.
# BUILD_DIR and CMAKE_ARGS may be set to build elsewhere or with options, e.g.
# CMAKE_ARGS=-DSUPPLIERS_SANITIZE=ON BUILD_DIR=build-asan scripts/build.sh
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
# shellcheck disable=SC2086
cmake -S . -B "$build_dir" -G Ninja ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir"
