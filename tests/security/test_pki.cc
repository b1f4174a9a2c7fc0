// Owns the certificates, keys and tokens the security tests make at run
// time.
#include "tests/security/test_pki.h"

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace suppliers::testing {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

std::string Drain(BIO* bio) {
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio, &data);
  return std::string(data, length);
}

KeyPair ToPem(EVP_PKEY* key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> priv(BIO_new(BIO_s_mem()),
                                                 &BIO_free);
  std::unique_ptr<BIO, decltype(&BIO_free)> pub(BIO_new(BIO_s_mem()),
                                                &BIO_free);
  PEM_write_bio_PrivateKey(priv.get(), key, nullptr, nullptr, 0, nullptr,
                           nullptr);
  PEM_write_bio_PUBKEY(pub.get(), key);
  return KeyPair{Drain(priv.get()), Drain(pub.get())};
}

Key ReadPrivate(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return Key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr),
             &EVP_PKEY_free);
}

std::unique_ptr<X509, decltype(&X509_free)> ReadCert(const std::string& pem) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  return std::unique_ptr<X509, decltype(&X509_free)>(
      PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr), &X509_free);
}

void AddExtension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
}

std::string Base64Url(const std::string& bytes) {
  return absl::WebSafeBase64Escape(bytes);
}

}  // namespace

KeyPair MakeEcKey() {
  Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  return ToPem(key.get());
}

KeyPair MakeRsaKey() {
  Key key(EVP_RSA_gen(2048), &EVP_PKEY_free);
  return ToPem(key.get());
}

Certificate Issue(const std::string& common_name, const Certificate* issuer,
                  bool is_ca, absl::Duration valid_from,
                  absl::Duration valid_until) {
  const KeyPair pair = MakeEcKey();
  Key key = ReadPrivate(pair.private_pem);
  std::unique_ptr<X509, decltype(&X509_free)> cert(X509_new(), &X509_free);
  X509_set_version(cert.get(), 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), ++serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()),
                  absl::ToInt64Seconds(valid_from));
  X509_gmtime_adj(X509_getm_notAfter(cert.get()),
                  absl::ToInt64Seconds(valid_until));
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1, 0);
  std::unique_ptr<X509, decltype(&X509_free)> issuer_cert(nullptr, &X509_free);
  Key signing_key(nullptr, &EVP_PKEY_free);
  if (issuer != nullptr) {
    issuer_cert = ReadCert(issuer->cert_pem);
    signing_key = ReadPrivate(issuer->key_pem);
    X509_set_issuer_name(cert.get(), X509_get_subject_name(issuer_cert.get()));
  } else {
    X509_set_issuer_name(cert.get(), name);
  }
  X509* issued_by = issuer != nullptr ? issuer_cert.get() : cert.get();
  if (is_ca) {
    AddExtension(cert.get(), issued_by, NID_basic_constraints,
                 "critical,CA:TRUE");
    AddExtension(cert.get(), issued_by, NID_key_usage,
                 "critical,keyCertSign,cRLSign");
  } else {
    AddExtension(cert.get(), issued_by, NID_basic_constraints, "CA:FALSE");
    AddExtension(cert.get(), issued_by, NID_subject_alt_name,
                 "IP:127.0.0.1,DNS:localhost");
    AddExtension(cert.get(), issued_by, NID_ext_key_usage,
                 "serverAuth,clientAuth");
  }
  X509_sign(cert.get(), issuer != nullptr ? signing_key.get() : key.get(),
            EVP_sha256());
  std::unique_ptr<BIO, decltype(&BIO_free)> out(BIO_new(BIO_s_mem()),
                                                &BIO_free);
  PEM_write_bio_X509(out.get(), cert.get());
  return Certificate{Drain(out.get()), pair.private_pem};
}

std::string MakeToken(const std::string& alg, const std::string& key,
                      const std::map<std::string, std::string>& claims) {
  std::vector<std::string> fields;
  for (const auto& [name, value] : claims) {
    fields.push_back(absl::StrCat("\"", name, "\":", value));
  }
  const std::string payload =
      absl::StrCat("{", absl::StrJoin(fields, ","), "}");
  if (alg == "none") {
    return absl::StrCat(Base64Url(R"({"alg":"none","typ":"JWT"})"), ".",
                        Base64Url(payload), ".");
  }
  jwt_t* jwt = nullptr;
  jwt_new(&jwt);
  jwt_add_grants_json(jwt, payload.c_str());
  jwt_set_alg(jwt, jwt_str_alg(alg.c_str()),
              reinterpret_cast<const unsigned char*>(key.data()),
              static_cast<int>(key.size()));
  char* encoded = jwt_encode_str(jwt);
  std::string token = encoded == nullptr ? "" : encoded;
  std::free(encoded);
  jwt_free(jwt);
  return token;
}

std::string WriteFile(const std::string& dir, const std::string& name,
                      const std::string& contents) {
  const std::string path = absl::StrCat(dir, "/", name);
  const std::string temporary = absl::StrCat(path, ".tmp");
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << contents;
  }
  std::rename(temporary.c_str(), path.c_str());
  return path;
}

}  // namespace suppliers::testing
