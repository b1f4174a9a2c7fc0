// Owns the certificates, keys and tokens the security tests make at run
// time: CAs, server and client certificates (valid, expired, from another
// CA), RSA and EC key pairs, and JWTs signed (or not) every way a caller
// might send them.
#ifndef SUPPLIERS_TESTS_SECURITY_TEST_PKI_H_
#define SUPPLIERS_TESTS_SECURITY_TEST_PKI_H_

#include <map>
#include <string>

#include "absl/time/time.h"

namespace suppliers::testing {

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};
KeyPair MakeEcKey();   // P-256
KeyPair MakeRsaKey();  // 2048 bits

struct Certificate {
  std::string cert_pem;
  std::string key_pem;
};

// A certificate for `common_name`, signed by `issuer` (nullptr: self-signed),
// valid from now + `valid_from` to now + `valid_until`. `is_ca` makes a CA;
// otherwise it is a leaf whose subjectAltName covers 127.0.0.1 and
// localhost (so it serves as a server and a client certificate alike).
Certificate Issue(const std::string& common_name, const Certificate* issuer,
                  bool is_ca, absl::Duration valid_from = absl::Hours(-1),
                  absl::Duration valid_until = absl::Hours(24));

// A JWT with `claims` (values are JSON: "\"text\"" or "123"), signed with
// `alg` ("HS256" with `key` as the secret, "RS256"/"ES256" with `key` a
// PEM private key), or unsigned for alg "none".
std::string MakeToken(const std::string& alg, const std::string& key,
                      const std::map<std::string, std::string>& claims);

// Writes `contents` to `dir`/`name` (replacing it atomically) and returns
// the path.
std::string WriteFile(const std::string& dir, const std::string& name,
                      const std::string& contents);

}  // namespace suppliers::testing

#endif  // SUPPLIERS_TESTS_SECURITY_TEST_PKI_H_
