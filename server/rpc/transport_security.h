// Owns the server's transport security: TLS, or mTLS with a client CA, from
// PEM files that gRPC re-reads when they change (rotation without a
// restart), the check of those files at start, and the rule that only a
// loopback address may listen without TLS.
#ifndef SUPPLIERS_SERVER_RPC_TRANSPORT_SECURITY_H_
#define SUPPLIERS_SERVER_RPC_TRANSPORT_SECURITY_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace suppliers {

struct TlsOptions {
  // PEM certificate chain and private key of the server; both or neither.
  std::string cert_file;
  std::string key_file;
  // PEM bundle of the CAs whose client certificates are accepted; when set,
  // every client must present a certificate that one of them verifies.
  std::string client_ca_file;
  // How often the files are looked at for changes.
  absl::Duration reload_interval = absl::Seconds(10);
  // Listen without TLS on an address that is not loopback. Off by default:
  // plaintext then needs a deliberate flag.
  bool allow_insecure = false;
};

// Whether HOST:PORT listens on loopback only (127.0.0.0/8, ::1, localhost)
// or on a unix socket.
bool IsLoopbackAddress(absl::string_view listen_address);

// The credentials to listen with on `listen_address`. INVALID_ARGUMENT,
// naming the flag to fix, for: one of cert and key without the other;
// files that cannot be read or hold no PEM certificate/key; a key that does
// not match the certificate; a client CA without server TLS; a non-loopback
// address without TLS and without allow_insecure.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    absl::string_view listen_address, const TlsOptions& tls);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_TRANSPORT_SECURITY_H_
