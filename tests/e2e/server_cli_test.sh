#!/usr/bin/env bash
# End to end: the suppliers-server binary's migrate command, startup, health
# through a real gRPC client (buf curl), reflection, SIGTERM, exit codes.
# Usage: server_cli_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
BUF=$REPO/tools/node_modules/.bin/buf
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")

start_throwaway_postgres
secret="s3cr3t-pw-$$"
# Trust auth accepts any password; it is here to prove it is never logged.
db="$CONNINFO password=$secret"

# Configuration errors exit 2 and name the file and the section.
set +e
"$SERVER" migrate --config "$work/missing.ini" 2>"$work/err"
code=$?
set -e
check "missing config file exits 2" test "$code" -eq 2
check "error names the file and the section" grep -q "missing.ini.*\[postgresql\]" "$work/err"
printf '[other]\nhost=x\n' >"$work/database.ini"
set +e
"$SERVER" migrate --config "$work/database.ini" 2>"$work/err"
code=$?
set -e
check "missing section exits 2" test "$code" -eq 2
check "error names the section and the file" grep -q "\[postgresql\].*database.ini" "$work/err"

# The tutorial's database.ini format works, and migrate is idempotent.
printf '[postgresql]\nhost=127.0.0.1\nport=%s\ndatabase=suppliers\nuser=postgres\npassword=%s\n' \
  "$PG_PORT" "$secret" >"$work/database.ini"
"$SERVER" migrate --config "$work/database.ini" 2>"$work/migrate1.log"
files=$(ls "$REPO"/sql/migrations/*.sql | wc -l)
check "first migrate applies all $files files" grep -q "\"applied_count\":$files" "$work/migrate1.log"
"$SERVER" migrate --database "$db" 2>"$work/migrate2.log"
check "second migrate is a no-op" grep -q '"msg":"schema up to date, nothing applied".*"applied_count":0' "$work/migrate2.log"
psql_() { runuser -u postgres -- psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d suppliers "$@"; }
[ "$(id -u)" -eq 0 ] || psql_() { psql -X -h 127.0.0.1 -p "$PG_PORT" -U postgres -d suppliers "$@"; }
psql_ -c '\d' >"$work/d.txt"
for t in vendors parts part_drawings vendor_parts; do
  check "\\d lists $t" grep -qE "\| $t +\| table" "$work/d.txt"
done
psql_ -c '\df' >"$work/df.txt"
check "\\df lists get_parts_by_vendor as a function" grep -qE "get_parts_by_vendor.*\| func" "$work/df.txt"
check "\\df lists add_new_part as a procedure" grep -qE "add_new_part.*\| proc" "$work/df.txt"

# Serve: startup line, reflection, health following the database.
port=$(free_port)
"$SERVER" --listen "127.0.0.1:$port" --database "$db" --health_interval 200ms \
  2>"$work/server.log" &
server=$!
CLEANUP+=("kill -KILL $server")
eventually 10 grep -q '"msg":"suppliers-server listening"' "$work/server.log" ||
  fail "no startup line: $(cat "$work/server.log")"
check "startup line has address and pool size" \
  grep -q "\"address\":\"127.0.0.1:$port\",\"pool_max_size\":8" "$work/server.log"
curl_() { "$BUF" curl --protocol grpc --http2-prior-knowledge "$@"; }
curl_ --list-services "http://127.0.0.1:$port" >"$work/services.txt"
check "reflection lists the health service" grep -qx "grpc.health.v1.Health" "$work/services.txt"
check "reflection lists the reflection service" grep -qx "grpc.reflection.v1alpha.ServerReflection" "$work/services.txt"
curl_ --list-methods "http://127.0.0.1:$port" >"$work/methods.txt"
check "reflection describes Health/Check" grep -qx "grpc.health.v1.Health/Check" "$work/methods.txt"
# Both reflection protocols, each describing the same services and methods.
for protocol in grpc-v1 grpc-v1alpha; do
  curl_ --reflect-protocol "$protocol" --list-services "http://127.0.0.1:$port" >"$work/services-$protocol.txt"
  check "reflection $protocol lists the API, health and both reflection services" diff \
    <(printf '%s\n' grpc.health.v1.Health grpc.reflection.v1.ServerReflection \
      grpc.reflection.v1alpha.ServerReflection suppliers.v1.ChangeFeedService suppliers.v1.DrawingService \
      suppliers.v1.PartService suppliers.v1.VendorService) \
    <(sort "$work/services-$protocol.txt")
  curl_ --reflect-protocol "$protocol" --list-methods "http://127.0.0.1:$port" >"$work/methods-$protocol.txt"
  check "reflection $protocol describes every method the other lists" diff "$work/methods.txt" "$work/methods-$protocol.txt"
  curl_ --reflect-protocol "$protocol" -d '{"vendorId":1}' \
    "http://127.0.0.1:$port/suppliers.v1.VendorService/GetVendor" >"$work/get-$protocol.txt" 2>&1 || true
  check "a call described through reflection $protocol reaches the service" \
    grep -q '"vendor 1 does not exist"' "$work/get-$protocol.txt"
done
health() { curl_ -d "{\"service\":\"${1:-}\"}" "http://127.0.0.1:$port/grpc.health.v1.Health/Check" 2>/dev/null | tr -d ' \n'; }
check "health SERVING" eventually 10 bash -c "[ \"\$($(declare -f curl_ health); BUF=$BUF port=$port; health)\" = '{\"status\":\"SERVING\"}' ]"
for service in suppliers.v1.VendorService suppliers.v1.PartService suppliers.v1.DrawingService \
  suppliers.v1.ChangeFeedService; do
  check "health answers $service by name: SERVING" test "$(health "$service")" = '{"status":"SERVING"}'
done
set +e
curl_ -d '{"service":"suppliers.v1.NoSuchService"}' "http://127.0.0.1:$port/grpc.health.v1.Health/Check" >/dev/null 2>&1
code=$?
set -e
check "health answers an unknown service NOT_FOUND (buf exit 5 x 8)" test "$code" -eq 40

PG_ROOT=$PG_ROOT PG_PORT=$PG_PORT "$REPO/scripts/local-postgres.sh" stop
check "health NOT_SERVING after PostgreSQL stops" eventually 15 bash -c "[ \"\$($(declare -f curl_ health); BUF=$BUF port=$port; health)\" = '{\"status\":\"NOT_SERVING\"}' ]"
check "each service's health follows: VendorService NOT_SERVING" \
  test "$(health suppliers.v1.VendorService)" = '{"status":"NOT_SERVING"}'
PG_ROOT=$PG_ROOT PG_PORT=$PG_PORT "$REPO/scripts/local-postgres.sh" start
check "health SERVING again after PostgreSQL restarts" eventually 15 bash -c "[ \"\$($(declare -f curl_ health); BUF=$BUF port=$port; health)\" = '{\"status\":\"SERVING\"}' ]"
check "server was never restarted" kill -0 "$server"

# The command line's contract: help on stdout with exit 0, usage errors exit 2.
check "--help exits 0" bash -c "'$SERVER' --help >'$work/help.txt'"
check "--help lists --listen, --database, --pool_max_size and --read_connections" \
  bash -c "grep -qx '  --listen' $work/help.txt && grep -qx '  --database' $work/help.txt &&
           grep -qx '  --pool_max_size' $work/help.txt && grep -qx '  --read_connections' $work/help.txt"
check "--help shows no build paths" bash -c "! grep -q '/server/' $work/help.txt"
check "-h is --help" cmp -s <("$SERVER" -h) "$work/help.txt"
"$SERVER" --helpfull >"$work/helpfull.txt"
check "--helpfull lists at least what --help lists" \
  bash -c "[ \$(grep -c '^  --' $work/helpfull.txt) -ge \$(grep -c '^  --' $work/help.txt) ]"
usage_exit() {  # usage_exit DESCRIPTION PATTERN ARGS...: exit 2 and stderr names it
  local what=$1 pattern=$2; shift 2
  set +e
  "$SERVER" "$@" >/dev/null 2>"$work/usage.err"
  local code=$?
  set -e
  check "$what exits 2" test "$code" -eq 2
  check "$what names the flag" grep -q -- "$pattern" "$work/usage.err"
}
usage_exit "an unknown flag" "unknown flag --no_such_flag" --no_such_flag=1
usage_exit "a bad integer" "bad value for --pool_max_size" --pool_max_size=ten
usage_exit "a bad duration" "bad value for --health_interval" --health_interval fast
usage_exit "a bad boolean" "bad value for --access_log" --access_log=maybe
usage_exit "a flag without its value" "missing value for --listen" --listen
usage_exit "an unknown command" "usage:" frobnicate

# A second server on the same port fails with exit 1.
set +e
"$SERVER" --listen "127.0.0.1:$port" --database "$db" 2>"$work/second.log"
code=$?
set -e
check "taken port exits 1" test "$code" -eq 1

check "the bind failure is logged as JSON" grep -q '^{"ts".*chttp2_server' "$work/second.log"
if grep -v '^{' "$work/second.log" | grep -q .; then
  fail "a line of the log is not JSON: $(grep -v '^{' "$work/second.log" | head -1)"
fi

# A port that is not a number is refused at start, not retried forever.
set +e
"$SERVER" --listen "127.0.0.1:$(free_port)" --database "host=127.0.0.1 port=54x32" 2>"$work/port.log"
code=$?
set -e
check "a non-numeric database port exits 2" test "$code" -eq 2
check "the error names the bad port" grep -q '54x32' "$work/port.log"

# With the password in a file, it is on no command line.
printf '%s\n' "$secret" >"$work/password"
chmod 600 "$work/password"
port2=$(free_port)
"$SERVER" --listen "127.0.0.1:$port2" --database "$CONNINFO" \
  --database_password_file "$work/password" 2>"$work/server2.log" &
server2=$!
CLEANUP+=("kill -KILL $server2")
eventually 10 grep -q '"msg":"suppliers-server listening"' "$work/server2.log" ||
  fail "no startup line with a password file: $(cat "$work/server2.log")"
if tr '\0' ' ' <"/proc/$server2/cmdline" | grep -q "$secret"; then
  fail "the password is on the command line"
fi
pass "a password file keeps the password off /proc/PID/cmdline"
kill -TERM "$server2"
wait "$server2" || true

kill -TERM "$server"
set +e
wait "$server"
code=$?
set -e
check "SIGTERM shuts down with exit 0" test "$code" -eq 0
check "shutdown is logged" grep -q '"msg":"stopped"' "$work/server.log"
if grep -q "$secret" "$work"/*.log "$work/err"; then fail "a log holds the password"; fi
pass "the password appears in no log"
