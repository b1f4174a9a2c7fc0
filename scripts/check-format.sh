#!/usr/bin/env bash
# Fails when any tracked C++ file differs from clang-format's output
# (.clang-format: Google style).
set -euo pipefail
cd "$(dirname "$0")/.."
mapfile -t files < <(git ls-files '*.cc' '*.h' 2>/dev/null || find server client tests bench -name '*.cc' -o -name '*.h')
if [ ${#files[@]} -eq 0 ]; then exit 0; fi
if ! clang-format --dry-run -Werror "${files[@]}"; then
  echo "check-format: run clang-format -i on the files above" >&2
  exit 1
fi
echo "check-format: ${#files[@]} files formatted"
