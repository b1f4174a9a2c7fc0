// Owns turning the security flags into options: reading the token keys and
// the certificate-to-scopes file, with errors that name the flag.
#ifndef SUPPLIERS_SERVER_SECURITY_CONFIG_H_
#define SUPPLIERS_SERVER_SECURITY_CONFIG_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/rpc/authenticator.h"

namespace suppliers {

// The security flags as given (paths, not contents).
struct AuthFlags {
  std::string hs256_secret_file;
  std::string public_key_file;
  std::string issuer;
  std::string audience;
  std::string mtls_scopes_file;
  absl::Duration clock_skew = absl::Seconds(30);
};

// nullopt when no key and no scopes file is given (the server then checks
// no credentials); otherwise the options, with the HS256 secret being the
// file's bytes with surrounding white space trimmed. INVALID_ARGUMENT
// naming the flag for a file that cannot be read, an empty secret, or a
// malformed scopes file.
absl::StatusOr<std::optional<AuthOptions>> LoadAuthOptions(
    const AuthFlags& flags);

// Parses a certificate-to-scopes file: one `<common name> = <scope> ...`
// per line (split at the last '='), blank lines and `#` comments ignored.
// INVALID_ARGUMENT naming `file_name` and the line.
absl::StatusOr<std::map<std::string, std::set<std::string>>>
ParseCertificateScopes(absl::string_view contents, absl::string_view file_name);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_SECURITY_CONFIG_H_
