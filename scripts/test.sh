#!/usr/bin/env bash
# The README's second command (and all that .ci/run runs): installs what is
# missing, builds, checks formatting, layering, clang-tidy and proto lint,
# and runs every test with CTest. Each database test starts its own
# throwaway PostgreSQL. Idempotent; safe to re-run after a failed run.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh
scripts/check-format.sh
scripts/check-layers.sh
scripts/clang-tidy.sh
if [ -f proto/buf.yaml ]; then
  (cd proto && ../tools/node_modules/.bin/buf lint) && echo "buf lint: ok"
fi
cd build
ctest --output-on-failure -j "$(($(nproc) * 2))" --timeout 600
