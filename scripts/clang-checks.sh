#!/usr/bin/env bash
# The checks only clang can make, in one clang build (build-clang/):
# - lock annotations (ABSL_GUARDED_BY and friends) checked as errors
#   (-Wthread-safety -Werror=thread-safety; GCC ignores them);
# - the unit and pg tests under AddressSanitizer and UBSan;
# - a short run of every libFuzzer target (scripts/fuzz.sh).
# Run by scripts/test.sh. FUZZ_SECONDS sets the fuzzing time per target.
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=${CLANG_BUILD_DIR:-build-clang}
CC=clang CXX=clang++ cmake -S . -B "$build_dir" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSUPPLIERS_SANITIZE=ON \
  -DSUPPLIERS_THREAD_SAFETY=ON -DSUPPLIERS_FUZZ=ON \
  -DSUPPLIERS_HEADER_CHECKS=OFF -DSUPPLIERS_BUILD_FAULT_TESTS=OFF >/dev/null
cmake --build "$build_dir"
echo "clang: thread-safety analysis clean"
(cd "$build_dir" && ctest --output-on-failure -j "$(($(nproc) * 2))" \
  --timeout 600 -L 'unit|pg')
echo "clang: unit and pg tests clean under ASan and UBSan"
scripts/fuzz.sh "${FUZZ_SECONDS:-20}"
