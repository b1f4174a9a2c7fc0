#!/usr/bin/env bash
# End to end: the secure setup of the README, with the openssl command line
# only. A CA, server and client certificates and an HS256 token are made
# here; the server serves TLS with tokens, the sample client's demo runs over
# it, buf curl calls it over TLS with a token, refusals write nothing and the
# access log names the caller but never holds the token. Then mTLS with the
# certificate-to-scopes file, and the refusal to serve plaintext off
# loopback.
# Usage: secure_demo_test.sh REPO BUILD_DIR
set -euo pipefail
REPO=$1
BUILD=$2
SERVER=$BUILD/server/suppliers-server
CLIENT=$BUILD/client/suppliers-client
BUF=$REPO/tools/node_modules/.bin/buf
# shellcheck source=lib.sh
source "$REPO/tests/e2e/lib.sh"
work=$(mktemp -d)
CLEANUP+=("rm -rf $work")
chmod 711 "$work"  # PostgreSQL's tools run as postgres from here
cd "$work"

# --- Certificates and a token, as the README makes them ----------------------
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=suppliers test CA" \
  -keyout ca.key -out ca.pem 2>/dev/null
issue() {  # issue NAME CN EXTENSIONS: NAME.pem and NAME.key signed by the CA
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" >"$1.ext"
  openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 30 \
    -extfile "$1.ext" -out "$1.pem" 2>/dev/null
}
issue server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1"
issue orders orders-service "extendedKeyUsage=clientAuth"
openssl rand -hex 32 >jwt.secret
chmod 600 server.key jwt.secret
# token SUB SCOPE: an HS256 JWT valid for ten minutes, signed with jwt.secret.
token() {
  python3 - "$1" "$2" <<'EOF'
import base64, hashlib, hmac, json, sys, time
def b64(data): return base64.urlsafe_b64encode(data).rstrip(b"=")
secret = open("jwt.secret", "rb").read().strip()
claims = {"sub": sys.argv[1], "scope": sys.argv[2], "iss": "https://auth.test",
          "aud": "suppliers", "iat": int(time.time()), "exp": int(time.time()) + 600}
signing = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()) + b"." + b64(json.dumps(claims).encode())
print((signing + b"." + b64(hmac.new(secret, signing, hashlib.sha256).digest())).decode())
EOF
}
token demo-e2e "suppliers.read suppliers.write" >writer.token
token reporting-job "suppliers.read" >reader.token

start_throwaway_postgres
"$SERVER" migrate --database "$CONNINFO" 2>migrate.log
psql_() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- psql -X -qAt -h 127.0.0.1 -p "$PG_PORT" -d suppliers -c "$1"
  else
    psql -X -qAt -h 127.0.0.1 -p "$PG_PORT" -d suppliers -c "$1"
  fi
}
snapshot() { psql_ "SELECT md5(string_agg(v::text, ',' ORDER BY vendor_id)) FROM vendors v"; }

start_server() {  # start_server LOG FLAGS...: sets server_pid, port
  local log=$1; shift
  port=$(free_port)
  "$SERVER" --listen "127.0.0.1:$port" --database "$CONNINFO" "$@" 2>"$log" &
  server_pid=$!
  CLEANUP+=("kill -KILL $server_pid")
  eventually 10 grep -qs '"msg":"suppliers-server listening"' "$log" || fail "no startup line: $(cat "$log")"
}
client() {  # client ARGS...: exit code in $code, output in out.txt / err.txt
  set +e
  "$CLIENT" --target "localhost:$port" --deadline 10s "$@" >out.txt 2>err.txt
  code=$?
  set -e
}

# --- TLS and tokens -----------------------------------------------------------
start_server tls.log --tls_cert_file server.pem --tls_key_file server.key \
  --auth_jwt_hs256_secret_file jwt.secret --auth_jwt_issuer https://auth.test \
  --auth_jwt_audience suppliers
check "the startup line says TLS and token auth are on" \
  grep -q '"tls":"tls".*"auth":"on"' tls.log

client --tls-ca ca.pem --token-file writer.token demo
check "the demo passes over TLS with a token" grep -q '^demo passed' out.txt
check "the access log names the caller by the token's sub" \
  grep -q '"method":"/suppliers.v1.VendorService/CreateVendor".*"caller":"demo-e2e"' tls.log
check "the access log never holds a token" bash -c "! grep -qF \"\$(cut -d. -f3 writer.token)\" tls.log"

before=$(snapshot)
client --tls-ca ca.pem vendors create --name "No token"
check "no token: exit 1" test "$code" -eq 1
check "no token: UNAUTHENTICATED" grep -q UNAUTHENTICATED err.txt
client --tls-ca ca.pem --token-file reader.token vendors create --name "Read only"
check "a read-only token cannot write: PERMISSION_DENIED" grep -q PERMISSION_DENIED err.txt
check "PERMISSION_DENIED names the scope" grep -q 'suppliers.write' err.txt
client vendors list
check "a plaintext client cannot reach the TLS server" test "$code" -ne 0
check "the refused calls wrote nothing" test "$(snapshot)" = "$before"
SUPPLIERS_TOKEN=$(cat reader.token) client --tls-ca ca.pem --json vendors get --id 1
check "\$SUPPLIERS_TOKEN is sent as the bearer token" test "$code" -eq 0
check "vendor 1 is the demo's first vendor, renamed" grep -q '"vendorName":"3M Corp"' out.txt

# buf curl over TLS with a token, as the README shows it (reflection is open).
"$BUF" curl --protocol grpc --cacert ca.pem -H "Authorization: Bearer $(cat reader.token)" \
  -d '{"pageSize": 2}' "https://localhost:$port/suppliers.v1.VendorService/ListVendors" >curl.json
check "buf curl over TLS with a token lists vendors" \
  python3 -c 'import json,sys; r=json.load(open("curl.json")); sys.exit(len(r["vendors"]) != 2)'
set +e
"$BUF" curl --protocol grpc --cacert ca.pem -d '{"vendorId": 1}' \
  "https://localhost:$port/suppliers.v1.VendorService/GetVendor" >/dev/null 2>curl.err
curl_code=$?
set -e
check "buf curl without a token exits 16*8 = 128 (UNAUTHENTICATED)" test "$curl_code" -eq 128
kill -TERM "$server_pid"; wait "$server_pid" || true

# --- mTLS: a certificate alone, mapped to scopes -------------------------------
printf '# CN = scopes\norders-service = suppliers.read\n' >mtls-scopes.txt
start_server mtls.log --tls_cert_file server.pem --tls_key_file server.key \
  --tls_client_ca_file ca.pem --auth_mtls_scopes_file mtls-scopes.txt
client --tls-ca ca.pem --tls-cert orders.pem --tls-key orders.key vendors get --id 1
check "mTLS: the mapped certificate reads without a token" test "$code" -eq 0
check "mTLS: the access log names the certificate's subject" grep -q '"caller":"[^"]*orders-service' mtls.log
client --tls-ca ca.pem --tls-cert orders.pem --tls-key orders.key vendors create --name "By cert"
check "mTLS: the certificate's scopes do not include writing" grep -q PERMISSION_DENIED err.txt
client --tls-ca ca.pem vendors get --id 1
check "mTLS: no client certificate, no call" test "$code" -ne 0
check "mTLS refusals wrote nothing" test "$(snapshot)" = "$before"
kill -TERM "$server_pid"; wait "$server_pid" || true

# --- Plaintext off loopback ------------------------------------------------------
set +e
"$SERVER" --listen "0.0.0.0:$(free_port)" --database "$CONNINFO" 2>insecure.log
code=$?
set -e
check "plaintext on 0.0.0.0 exits 2" test "$code" -eq 2
check "the refusal names --tls_cert_file and --allow_insecure" \
  bash -c "grep -q -- '--tls_cert_file' insecure.log && grep -q -- '--allow_insecure' insecure.log"
echo "secure demo: all checks passed"
