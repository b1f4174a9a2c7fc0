// Owns deciding who calls and what they may call: bearer tokens (JWT, HS256
// with a shared secret, or RS256/ES256 with a public key; issuer, audience,
// exp and nbf checked with a leeway; `alg: none` and algorithm confusion
// refused) and, on mTLS, verified client certificates mapped to scopes by a
// file. Decisions are statuses for the caller and identities for the access
// log, never the token itself.
#ifndef SUPPLIERS_SERVER_RPC_AUTHENTICATOR_H_
#define SUPPLIERS_SERVER_RPC_AUTHENTICATOR_H_

#include <grpcpp/server_context.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace suppliers {

struct AuthOptions {
  // The HS256 key (a secret file's bytes, surrounding white space trimmed),
  // or empty.
  std::string hs256_secret;
  // A PEM public key (RSA for RS256, EC P-256 for ES256), or empty. With
  // both set, tokens of either kind verify with their own key only.
  std::string public_key_pem;
  // When not empty, the token's `iss` must equal it.
  std::string issuer;
  // When not empty, the token's `aud` (a string or an array) must hold it.
  std::string audience;
  // Clock skew allowed on `exp` and `nbf`.
  absl::Duration leeway = absl::Seconds(30);
  // Verified client certificate common name -> the scopes it grants, for
  // callers that authenticate by certificate only (mTLS, no token).
  std::map<std::string, std::set<std::string>> certificate_scopes;
};

// Who called, as far as the server could verify.
struct Identity {
  // The token's `sub`, or "cert:<common name>".
  std::string subject;
  std::set<std::string> scopes;
};

// Thread-safe. Verified tokens are cached (bounded, never past their
// expiry), since clients reuse one token for many calls.
class Authenticator {
 public:
  // INVALID_ARGUMENT when nothing is configured, or the public key is not
  // an RSA or EC key in PEM form.
  static absl::StatusOr<std::unique_ptr<Authenticator>> Create(
      AuthOptions options);
  Authenticator(const Authenticator&) = delete;
  Authenticator& operator=(const Authenticator&) = delete;

  // The caller's identity: from `authorization: Bearer <JWT>` when present
  // (UNAUTHENTICATED, reason INVALID_TOKEN, when it does not verify), else
  // from a verified client certificate that certificate_scopes names
  // (UNAUTHENTICATED, reason MISSING_CREDENTIALS, when neither).
  absl::StatusOr<Identity> Authenticate(
      const grpc::ServerContextBase& context) const;

  // Authenticate(), then PERMISSION_DENIED (reason MISSING_SCOPE, metadata
  // naming the scope) unless the identity holds `scope`.
  absl::StatusOr<Identity> Authorize(const grpc::ServerContextBase& context,
                                     absl::string_view scope) const;

  // The same decisions for a token alone (tests, tools).
  absl::StatusOr<Identity> VerifyToken(absl::string_view token) const;

 private:
  enum class KeyKind { kNone, kRsa, kEc };
  explicit Authenticator(AuthOptions options, KeyKind key_kind)
      : options_(std::move(options)), key_kind_(key_kind) {}
  absl::StatusOr<Identity> VerifyUncached(const std::string& token,
                                          absl::Time* valid_until) const;

  const AuthOptions options_;
  const KeyKind key_kind_;
  struct Cached {
    Identity identity;
    absl::Time valid_until;
  };
  mutable absl::Mutex mu_;
  mutable absl::flat_hash_map<std::string, Cached> cache_ ABSL_GUARDED_BY(mu_);
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_AUTHENTICATOR_H_
