// Owns turning the security flags into options: reading the token keys and
// the certificate-to-scopes file, with errors that name the flag.
#include "server/security_config.h"

#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/file_contents.h"

namespace suppliers {
absl::StatusOr<std::map<std::string, std::set<std::string>>>
ParseCertificateScopes(absl::string_view contents,
                       absl::string_view file_name) {
  std::map<std::string, std::set<std::string>> scopes;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(contents, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const size_t equals = line.rfind('=');
    if (equals == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_number,
                       ": expected `<common name> = <scope> ...`"));
    }
    const std::string name(absl::StripAsciiWhitespace(line.substr(0, equals)));
    std::set<std::string> granted;
    for (absl::string_view scope :
         absl::StrSplit(line.substr(equals + 1), ' ', absl::SkipWhitespace())) {
      granted.emplace(scope);
    }
    if (name.empty() || granted.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file_name, ":", line_number,
                       ": needs a common name and at least one scope"));
    }
    scopes[name].insert(granted.begin(), granted.end());
  }
  return scopes;
}

absl::StatusOr<std::optional<AuthOptions>> LoadAuthOptions(
    const AuthFlags& flags) {
  if (flags.hs256_secret_file.empty() && flags.public_key_file.empty() &&
      flags.mtls_scopes_file.empty()) {
    if (!flags.issuer.empty() || !flags.audience.empty()) {
      return absl::InvalidArgumentError(
          "--auth_jwt_issuer and --auth_jwt_audience need a token key "
          "(--auth_jwt_hs256_secret_file or --auth_jwt_public_key_file)");
    }
    return std::optional<AuthOptions>();
  }
  AuthOptions options;
  options.issuer = flags.issuer;
  options.audience = flags.audience;
  options.leeway = flags.clock_skew;
  if (!flags.hs256_secret_file.empty()) {
    absl::StatusOr<std::string> secret = ReadFileContents(
        flags.hs256_secret_file, "--auth_jwt_hs256_secret_file");
    if (!secret.ok()) return secret.status();
    options.hs256_secret = std::string(absl::StripAsciiWhitespace(*secret));
    if (options.hs256_secret.empty()) {
      return absl::InvalidArgumentError(
          "--auth_jwt_hs256_secret_file: the secret file is empty");
    }
  }
  if (!flags.public_key_file.empty()) {
    absl::StatusOr<std::string> key =
        ReadFileContents(flags.public_key_file, "--auth_jwt_public_key_file");
    if (!key.ok()) return key.status();
    options.public_key_pem = *std::move(key);
  }
  if (!flags.mtls_scopes_file.empty()) {
    absl::StatusOr<std::string> contents =
        ReadFileContents(flags.mtls_scopes_file, "--auth_mtls_scopes_file");
    if (!contents.ok()) return contents.status();
    absl::StatusOr<std::map<std::string, std::set<std::string>>> scopes =
        ParseCertificateScopes(*contents, flags.mtls_scopes_file);
    if (!scopes.ok()) return scopes.status();
    options.certificate_scopes = *std::move(scopes);
  }
  return std::optional<AuthOptions>(std::move(options));
}

}  // namespace suppliers
