#!/usr/bin/env bash
# Runs clang-tidy (.clang-tidy) over our C++ sources with the build's
# compile_commands.json; fails on any finding. BUILD_DIR picks the build
# (default build/). Sources run in parallel, one per core.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${BUILD_DIR:-build}
if [ ! -f "$build_dir/compile_commands.json" ]; then
  echo "clang-tidy: no $build_dir/compile_commands.json; run scripts/build.sh first" >&2
  exit 1
fi
mapfile -t sources < <(git ls-files --cached --others --exclude-standard \
  'common/*.cc' 'server/*.cc' 'client/*.cc' 'bench/*.cc')
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! printf '%s\n' "${sources[@]}" |
  xargs -P "$(nproc)" -n 4 clang-tidy -p "$build_dir" --quiet >"$log" 2>&1; then
  grep -E 'warning:|error:' -A3 "$log" >&2 || cat "$log" >&2
  echo "clang-tidy: findings above (checks in .clang-tidy)" >&2
  exit 1
fi
echo "clang-tidy: ${#sources[@]} files clean"
