#!/usr/bin/env bash
# Fails when an #include points up the floors (docs/design.md):
#   common/ < server/base/ < server/db/ < server/store/ < server/rpc/ < server/
# A file may include its own floor and the floors below it. client/ and
# bench/ never include server code (only common/, client/ and, for bench/,
# the tests' PostgreSQL harness). Run by every build and by scripts/test.sh.
set -euo pipefail
cd "$(dirname "$0")/.."

floor() {
  case "$1" in
    common/*) echo 0 ;;
    server/base/*) echo 1 ;;
    server/db/*) echo 2 ;;
    server/store/*) echo 3 ;;
    server/rpc/*) echo 4 ;;
    server/*) echo 5 ;;
    *) echo 99 ;;
  esac
}

status=0
while IFS= read -r file; do
  while IFS=: read -r line included; do
    [ -n "$included" ] || continue
    case "$file" in
      server/* | common/*)
        if [ "$(floor "$included")" -gt "$(floor "$file")" ]; then
          echo "$file:$line: includes $included, a floor above it" >&2
          status=1
        fi
        ;;
      client/* | bench/*)
        case "$included" in
          server/*)
            echo "$file:$line: includes $included; clients and benchmarks use only common/ and the generated stubs" >&2
            status=1
            ;;
          client/*)
            if [[ "$file" == bench/* ]]; then
              echo "$file:$line: includes $included; benchmarks do not depend on the sample client" >&2
              status=1
            fi
            ;;
        esac
        ;;
    esac
  done < <(grep -n -o -E '^#include "(common|server|client|bench)/[^"]+"' "$file" |
    sed -E 's/^([0-9]+):#include "([^"]+)"/\1:\2/' || true)
done < <(find common server client bench -name '*.h' -o -name '*.cc' | sort)
if [ "$status" -eq 0 ]; then echo "check-layers: no include points up"; fi
exit "$status"
