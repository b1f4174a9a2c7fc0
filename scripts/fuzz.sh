#!/usr/bin/env bash
# Runs every libFuzzer target (tests/fuzz) for SECONDS each (default 60):
# first replays tests/fuzz/regressions/<target>/ (inputs that once crashed),
# then fuzzes from the corpus kept in build-clang/fuzz-corpus/<target>.
# Needs the clang build (scripts/clang-checks.sh makes it). A crash fails
# the run and names the input to add to tests/fuzz/regressions/<target>/.
#   scripts/fuzz.sh          60 s each
#   scripts/fuzz.sh 3600     an hour each
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
build_dir=${CLANG_BUILD_DIR:-build-clang}
targets=(page_token_fuzzer request_validation_fuzzer upload_protocol_fuzzer)
cmake --build "$build_dir" --target "${targets[@]}" >/dev/null
status=0
for target in "${targets[@]}"; do
  binary="$build_dir/tests/fuzz/$target"
  regressions="tests/fuzz/regressions/$target"
  corpus="$build_dir/fuzz-corpus/$target"
  artifacts="$build_dir/fuzz-artifacts/$target/"
  mkdir -p "$corpus" "$artifacts"
  if compgen -G "$regressions/*" >/dev/null; then
    if ! "$binary" -runs=0 "$regressions"/* >"$artifacts/replay.log" 2>&1; then
      echo "fuzz: $target crashes on a recorded regression:" >&2
      tail -20 "$artifacts/replay.log" >&2
      status=1
      continue
    fi
  fi
  if "$binary" -max_total_time="$seconds" -print_final_stats=1 \
      -artifact_prefix="$artifacts" "$corpus" >"$artifacts/run.log" 2>&1; then
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$artifacts/run.log" | grep -o '[0-9]*$' || echo "?")
    echo "fuzz: $target ok ($runs inputs in ${seconds}s)"
  else
    echo "fuzz: $target FAILED; the crashing input is in $artifacts:" >&2
    grep -E 'ERROR|SUMMARY|Test unit written' "$artifacts/run.log" >&2 || tail -20 "$artifacts/run.log" >&2
    echo "fuzz: fix it, then copy the input into tests/fuzz/regressions/$target/" >&2
    status=1
  fi
done
exit "$status"
