#!/usr/bin/env bash
# The README's second command (and all that .ci/run runs): installs what is
# missing, builds, checks formatting, layering, clang-tidy, proto lint and
# compatibility with the released v1 API (buf breaking),
# runs every test with CTest (the fault suite on its own, so that its timing
# bounds are not measured on a machine busy with the rest), then the clang
# checks: thread-safety analysis, the unit and pg tests under ASan and UBSan,
# and the fuzzers. Each database test starts its own throwaway PostgreSQL.
# Idempotent; safe to re-run after a failed run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
scripts/check-format.sh
scripts/check-layers.sh
scripts/clang-tidy.sh
if [ -f proto/buf.yaml ]; then
  (cd proto && ../tools/node_modules/.bin/buf lint) && echo "buf lint: ok"
  # An incompatible change to the released v1 API fails here.
  scripts/check-proto-compat.sh
fi
(cd build && ctest --output-on-failure -j "$(($(nproc) * 2))" --timeout 600 -LE fault)
(cd build && ctest --output-on-failure -j "$(nproc)" --timeout 600 -L fault)
scripts/clang-checks.sh
