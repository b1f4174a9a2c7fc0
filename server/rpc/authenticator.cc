// Owns deciding who calls and what they may call: bearer tokens (JWT) and
// verified client certificates mapped to scopes.
#include "server/rpc/authenticator.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <cerrno>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "server/base/errors.h"

namespace suppliers {
namespace {

// Longer bearer values are refused unread (a header is not a blob store).
constexpr size_t kMaxTokenBytes = 8 << 10;
// Verified tokens kept; the cache starts over when full.
constexpr size_t kMaxCachedTokens = 4096;
// A verified token is trusted again without verifying for at most this.
constexpr absl::Duration kMaxCacheAge = absl::Minutes(5);

absl::Status InvalidToken(absl::string_view why) {
  return ErrorWithInfo(absl::StatusCode::kUnauthenticated,
                       absl::StrCat("the bearer token is not valid: ", why),
                       "INVALID_TOKEN", {});
}

struct JwtDeleter {
  void operator()(jwt_t* jwt) const { jwt_free(jwt); }
};
using Jwt = std::unique_ptr<jwt_t, JwtDeleter>;

// A numeric claim, or nullopt when absent (or not a number).
std::optional<long> NumericClaim(jwt_t* jwt, const char* name) {
  errno = 0;
  const long value = jwt_get_grant_int(jwt, name);
  if (errno != 0) return std::nullopt;
  return value;
}

bool AudienceHolds(jwt_t* jwt, const std::string& audience) {
  if (const char* single = jwt_get_grant(jwt, "aud")) {
    return audience == single;
  }
  // An array: libjwt hands it back as JSON text; audiences are validated at
  // start to hold no quote or backslash, so a quoted match is exact.
  char* json = jwt_get_grants_json(jwt, "aud");
  if (json == nullptr) return false;
  const bool found =
      absl::StrContains(json, absl::StrCat("\"", audience, "\""));
  std::free(json);
  return found;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Authenticator>> Authenticator::Create(
    AuthOptions options) {
  if (options.hs256_secret.empty() && options.public_key_pem.empty() &&
      options.certificate_scopes.empty()) {
    return absl::InvalidArgumentError(
        "authentication needs a token key (--auth_jwt_hs256_secret_file or "
        "--auth_jwt_public_key_file) or --auth_mtls_scopes_file");
  }
  if (absl::StrContains(options.audience, "\"") ||
      absl::StrContains(options.audience, "\\")) {
    return absl::InvalidArgumentError(
        "the audience must not contain quotes or backslashes");
  }
  KeyKind kind = KeyKind::kNone;
  if (!options.public_key_pem.empty()) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(
        BIO_new_mem_buf(options.public_key_pem.data(),
                        static_cast<int>(options.public_key_pem.size())),
        &BIO_free);
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
        PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr),
        &EVP_PKEY_free);
    if (key == nullptr) {
      return absl::InvalidArgumentError(
          "the JWT public key file holds no PEM public key");
    }
    switch (EVP_PKEY_base_id(key.get())) {
      case EVP_PKEY_RSA:
        kind = KeyKind::kRsa;
        break;
      case EVP_PKEY_EC:
        kind = KeyKind::kEc;
        break;
      default:
        return absl::InvalidArgumentError(
            "the JWT public key must be RSA (RS256) or EC P-256 (ES256)");
    }
  }
  return std::unique_ptr<Authenticator>(
      new Authenticator(std::move(options), kind));
}

absl::StatusOr<Identity> Authenticator::VerifyToken(
    absl::string_view token) const {
  const std::string key(token);
  const absl::Time now = absl::Now();
  {
    absl::MutexLock lock(&mu_);
    auto it = cache_.find(key);
    if (it != cache_.end()) {
      if (now < it->second.valid_until) return it->second.identity;
      cache_.erase(it);
    }
  }
  absl::Time valid_until;
  absl::StatusOr<Identity> identity = VerifyUncached(key, &valid_until);
  if (identity.ok()) {
    absl::MutexLock lock(&mu_);
    if (cache_.size() >= kMaxCachedTokens) cache_.clear();
    cache_[key] = Cached{*identity, std::min(valid_until, now + kMaxCacheAge)};
  }
  return identity;
}

absl::StatusOr<Identity> Authenticator::VerifyUncached(
    const std::string& token, absl::Time* valid_until) const {
  if (token.size() > kMaxTokenBytes) return InvalidToken("it is too long");
  // Each configured key verifies with its one algorithm only: a token must
  // never choose how it is checked (`alg: none`, or HS256 "signed" with the
  // public key's PEM as the secret). libjwt verifies with whatever the
  // header names, so after a successful verification the algorithm must be
  // the key's own.
  struct Candidate {
    const std::string* key;
    jwt_alg_t alg;
  };
  std::vector<Candidate> candidates;
  if (!options_.hs256_secret.empty()) {
    candidates.push_back({&options_.hs256_secret, JWT_ALG_HS256});
  }
  if (key_kind_ == KeyKind::kRsa) {
    candidates.push_back({&options_.public_key_pem, JWT_ALG_RS256});
  } else if (key_kind_ == KeyKind::kEc) {
    candidates.push_back({&options_.public_key_pem, JWT_ALG_ES256});
  }
  Jwt jwt;
  bool wrong_algorithm = false;
  for (const Candidate& candidate : candidates) {
    jwt_t* raw = nullptr;
    if (jwt_decode(
            &raw, token.c_str(),
            reinterpret_cast<const unsigned char*>(candidate.key->data()),
            static_cast<int>(candidate.key->size())) != 0 ||
        raw == nullptr) {
      continue;
    }
    Jwt decoded(raw);
    if (jwt_get_alg(decoded.get()) != candidate.alg) {
      wrong_algorithm = true;
      continue;
    }
    jwt = std::move(decoded);
    break;
  }
  if (jwt == nullptr) {
    return InvalidToken(wrong_algorithm
                            ? "its algorithm is not the one its key accepts"
                            : "it is not a JWT signed with an accepted key "
                              "and algorithm");
  }
  const absl::Time now = absl::Now();
  const std::optional<long> exp = NumericClaim(jwt.get(), "exp");
  if (!exp.has_value()) return InvalidToken("it has no `exp` claim");
  const absl::Time expires = absl::FromUnixSeconds(*exp) + options_.leeway;
  if (now >= expires) return InvalidToken("it has expired");
  if (const std::optional<long> nbf = NumericClaim(jwt.get(), "nbf")) {
    if (now + options_.leeway < absl::FromUnixSeconds(*nbf)) {
      return InvalidToken("it is not valid yet (`nbf`)");
    }
  }
  if (!options_.issuer.empty()) {
    const char* iss = jwt_get_grant(jwt.get(), "iss");
    if (iss == nullptr || options_.issuer != iss) {
      return InvalidToken("it was issued by someone else (`iss`)");
    }
  }
  if (!options_.audience.empty() &&
      !AudienceHolds(jwt.get(), options_.audience)) {
    return InvalidToken("it is meant for another audience (`aud`)");
  }
  Identity identity;
  if (const char* sub = jwt_get_grant(jwt.get(), "sub")) identity.subject = sub;
  if (const char* scope = jwt_get_grant(jwt.get(), "scope")) {
    for (absl::string_view s :
         absl::StrSplit(scope, ' ', absl::SkipWhitespace())) {
      identity.scopes.emplace(s);
    }
  }
  *valid_until = expires;
  return identity;
}

absl::StatusOr<Identity> Authenticator::Authenticate(
    const grpc::ServerContextBase& context) const {
  const auto& metadata = context.client_metadata();
  auto header = metadata.find("authorization");
  if (header != metadata.end()) {
    const absl::string_view value(header->second.data(), header->second.size());
    const absl::string_view stripped = absl::StripLeadingAsciiWhitespace(value);
    if (stripped.size() < 7 ||
        !absl::EqualsIgnoreCase(stripped.substr(0, 7), "bearer ")) {
      return InvalidToken("the authorization header is not `Bearer <JWT>`");
    }
    if (options_.hs256_secret.empty() && options_.public_key_pem.empty()) {
      return InvalidToken("this server accepts no tokens, only certificates");
    }
    return VerifyToken(absl::StripAsciiWhitespace(stripped.substr(7)));
  }
  if (!options_.certificate_scopes.empty()) {
    const std::shared_ptr<const grpc::AuthContext> auth =
        context.auth_context();
    if (auth != nullptr && auth->IsPeerAuthenticated()) {
      for (const grpc::string_ref& name :
           auth->FindPropertyValues("x509_common_name")) {
        const std::string common_name(name.data(), name.size());
        auto it = options_.certificate_scopes.find(common_name);
        if (it != options_.certificate_scopes.end()) {
          return Identity{absl::StrCat("cert:", common_name), it->second};
        }
      }
    }
  }
  return ErrorWithInfo(absl::StatusCode::kUnauthenticated,
                       "the call carries no credentials: send "
                       "`authorization: Bearer <JWT>`",
                       "MISSING_CREDENTIALS", {});
}

absl::StatusOr<Identity> Authenticator::Authorize(
    const grpc::ServerContextBase& context, absl::string_view scope) const {
  absl::StatusOr<Identity> identity = Authenticate(context);
  if (!identity.ok()) return identity;
  if (identity->scopes.count(std::string(scope)) == 0) {
    return ErrorWithInfo(
        absl::StatusCode::kPermissionDenied,
        absl::StrCat("the caller's credentials lack the scope ", scope,
                     " this method needs"),
        "MISSING_SCOPE", {{"scope", std::string(scope)}});
  }
  return identity;
}

}  // namespace suppliers
