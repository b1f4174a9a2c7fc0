// Owns the server's transport security: TLS or mTLS from PEM files that gRPC
// re-reads when they change, the check of those files at start, and the rule
// that only a loopback address may listen without TLS.
#include "server/rpc/transport_security.h"

#include <arpa/inet.h>
#include <grpcpp/security/tls_certificate_provider.h>
#include <grpcpp/security/tls_credentials_options.h>
#include <openssl/bio.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/file_contents.h"

namespace suppliers {
namespace {

using Bio = std::unique_ptr<BIO, decltype(&BIO_free)>;
Bio Memory(const std::string& pem) {
  return Bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())),
             &BIO_free);
}

// Reads and checks the PEM files now, so a typo fails the start with a
// message instead of every handshake later.
absl::Status CheckFiles(const TlsOptions& tls) {
  absl::StatusOr<std::string> cert =
      ReadFileContents(tls.cert_file, "--tls_cert_file");
  if (!cert.ok()) return cert.status();
  absl::StatusOr<std::string> key =
      ReadFileContents(tls.key_file, "--tls_key_file");
  if (!key.ok()) return key.status();
  Bio cert_bio = Memory(*cert);
  std::unique_ptr<X509, decltype(&X509_free)> x509(
      PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr), &X509_free);
  if (x509 == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_cert_file: ", tls.cert_file, " holds no PEM certificate"));
  }
  Bio key_bio = Memory(*key);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr),
      &EVP_PKEY_free);
  if (pkey == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--tls_key_file: ", tls.key_file, " holds no PEM private key"));
  }
  if (X509_check_private_key(x509.get(), pkey.get()) != 1) {
    return absl::InvalidArgumentError(
        "--tls_key_file: the key does not match the certificate of "
        "--tls_cert_file");
  }
  if (!tls.client_ca_file.empty()) {
    absl::StatusOr<std::string> ca =
        ReadFileContents(tls.client_ca_file, "--tls_client_ca_file");
    if (!ca.ok()) return ca.status();
    Bio ca_bio = Memory(*ca);
    std::unique_ptr<X509, decltype(&X509_free)> ca_cert(
        PEM_read_bio_X509(ca_bio.get(), nullptr, nullptr, nullptr), &X509_free);
    if (ca_cert == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("--tls_client_ca_file: ", tls.client_ca_file,
                       " holds no PEM certificate"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool IsLoopbackAddress(absl::string_view listen_address) {
  if (absl::StartsWith(listen_address, "unix:")) return true;
  absl::string_view host = listen_address;
  const size_t colon = host.rfind(':');
  if (colon != absl::string_view::npos) host = host.substr(0, colon);
  if (absl::ConsumePrefix(&host, "[")) absl::ConsumeSuffix(&host, "]");
  if (host == "localhost") return true;
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    return IN6_IS_ADDR_LOOPBACK(&v6);
  }
  return false;
}

absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    absl::string_view listen_address, const TlsOptions& tls) {
  const bool has_cert = !tls.cert_file.empty();
  const bool has_key = !tls.key_file.empty();
  if (has_cert != has_key) {
    return absl::InvalidArgumentError(
        "TLS needs both --tls_cert_file and --tls_key_file");
  }
  if (!has_cert) {
    if (!tls.client_ca_file.empty()) {
      return absl::InvalidArgumentError(
          "--tls_client_ca_file (mTLS) needs --tls_cert_file and "
          "--tls_key_file");
    }
    if (!IsLoopbackAddress(listen_address) && !tls.allow_insecure) {
      return absl::InvalidArgumentError(absl::StrCat(
          "refusing to listen on ", listen_address,
          " without TLS: add --tls_cert_file and --tls_key_file (and "
          "--tls_client_ca_file for mTLS), or --allow_insecure to serve "
          "plaintext off loopback on purpose"));
    }
    return grpc::InsecureServerCredentials();
  }
  if (absl::Status checked = CheckFiles(tls); !checked.ok()) return checked;
  const unsigned int refresh_seconds = static_cast<unsigned int>(
      std::max<int64_t>(1, absl::ToInt64Seconds(tls.reload_interval)));
  auto provider = tls.client_ca_file.empty()
                      ? std::make_shared<
                            grpc::experimental::FileWatcherCertificateProvider>(
                            tls.key_file, tls.cert_file, refresh_seconds)
                      : std::make_shared<
                            grpc::experimental::FileWatcherCertificateProvider>(
                            tls.key_file, tls.cert_file, tls.client_ca_file,
                            refresh_seconds);
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  if (tls.client_ca_file.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    options.watch_root_certs();
    options.set_cert_request_type(
        GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return grpc::experimental::TlsServerCredentials(options);
}

}  // namespace suppliers
