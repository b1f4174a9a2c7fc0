// Tests transport security: TLS, mTLS (every way a client certificate can
// be wrong), the refusal to serve plaintext off loopback, bad TLS files at
// start, and certificate rotation under load without a lost call.
#include <atomic>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/security/secure_server_fixture.h"

namespace suppliers::testing {
namespace {

using ::testing::HasSubstr;

class TlsTest : public SecureServerTest {
 protected:
  ServerOptions TlsOptions(bool mutual) const {
    ServerOptions options = Options();
    options.tls.cert_file = cert_file_;
    options.tls.key_file = key_file_;
    if (mutual) options.tls.client_ca_file = ca_file_;
    options.tls.reload_interval = absl::Seconds(1);
    return options;
  }
};

TEST_F(TlsTest, TlsServesTlsClientsOnly) {
  Start(TlsOptions(false));
  const std::string before = Checksum();
  EXPECT_EQ(Create(Plaintext()).error_code(), grpc::StatusCode::UNAVAILABLE);
  const Certificate other_ca = Issue("Other CA", nullptr, true);
  EXPECT_EQ(Create(Tls(other_ca.cert_pem)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Checksum(), before);
  EXPECT_TRUE(Create(Tls(ca_.cert_pem)).ok());
}

TEST_F(TlsTest, MutualTlsRefusesEveryWrongClientCertificate) {
  Start(TlsOptions(true));
  const std::string before = Checksum();
  // No certificate.
  EXPECT_EQ(Create(Tls(ca_.cert_pem)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // One from another CA.
  const Certificate other_ca = Issue("Other CA", nullptr, true);
  const Certificate stranger = Issue("stranger", &other_ca, false);
  EXPECT_EQ(Create(Tls(ca_.cert_pem, &stranger)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // An expired one from the right CA.
  const Certificate expired =
      Issue("expired", &ca_, false, absl::Hours(-48), absl::Hours(-24));
  EXPECT_EQ(Create(Tls(ca_.cert_pem, &expired)).error_code(),
            grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(Checksum(), before);
  // A valid one.
  const Certificate client = Issue("orders-service", &ca_, false);
  EXPECT_TRUE(Create(Tls(ca_.cert_pem, &client)).ok());
}

TEST_F(TlsTest, PlaintextOffLoopbackIsRefusedUnlessAllowed) {
  ServerOptions options = Options();
  options.listen_address = "0.0.0.0:0";
  absl::StatusOr<std::unique_ptr<SuppliersServer>> refused =
      SuppliersServer::Start(options);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("--tls_cert_file"));
  EXPECT_THAT(std::string(refused.status().message()),
              HasSubstr("--allow_insecure"));
  options.tls.allow_insecure = true;
  absl::StatusOr<std::unique_ptr<SuppliersServer>> allowed =
      SuppliersServer::Start(options);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  (*allowed)->Shutdown(absl::ZeroDuration());
}

TEST_F(TlsTest, BadTlsFilesFailTheStartNamingTheFlag) {
  ServerOptions options = TlsOptions(false);
  const Certificate other = Issue("other", &ca_, false);
  options.tls.key_file = WriteFile(dir_, "other.key", other.key_pem);
  absl::StatusOr<std::unique_ptr<SuppliersServer>> mismatched =
      SuppliersServer::Start(options);
  EXPECT_EQ(mismatched.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(mismatched.status().message()),
              HasSubstr("--tls_key_file"));
  options = TlsOptions(false);
  options.tls.cert_file = dir_ + "/missing.pem";
  EXPECT_THAT(std::string(SuppliersServer::Start(options).status().message()),
              HasSubstr("--tls_cert_file"));
  options = TlsOptions(false);
  options.tls.key_file = "";
  EXPECT_EQ(SuppliersServer::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

// The common name of the certificate a fresh TLS channel was served with.
std::string ServedCommonName(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::ClientContext context;
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  v1::ListVendorsRequest request;
  v1::ListVendorsResponse response;
  if (!v1::VendorService::NewStub(channel)
           ->ListVendors(&context, request, &response)
           .ok()) {
    return "";
  }
  for (const grpc::string_ref& name :
       context.auth_context()->FindPropertyValues("x509_common_name")) {
    return std::string(name.data(), name.size());
  }
  return "";
}

TEST_F(TlsTest, ARotatedCertificateIsServedWithoutLosingACall) {
  Start(TlsOptions(false));
  ASSERT_EQ(ServedCommonName(Tls(ca_.cert_pem)), "server-1");
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> load;
  for (int t = 0; t < 3; ++t) {
    load.emplace_back([&] {
      // Long-lived channels and fresh ones (new handshakes) alike.
      std::shared_ptr<grpc::Channel> channel = Tls(ca_.cert_pem);
      for (int i = 0; !stop; ++i) {
        if (i % 10 == 0) channel = Tls(ca_.cert_pem);
        (List(channel).ok() ? ok : failed)++;
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(500));
  const Certificate next = Issue("server-2", &ca_, false);
  // Key first, then certificate, each replaced atomically, as cert-manager
  // or a Kubernetes secret update would.
  WriteFile(dir_, "server.key", next.key_pem);
  WriteFile(dir_, "server.pem", next.cert_pem);
  std::string served;
  for (int i = 0; i < 50 && served != "server-2"; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    served = ServedCommonName(Tls(ca_.cert_pem));
  }
  absl::SleepFor(absl::Milliseconds(500));
  stop = true;
  for (std::thread& thread : load) thread.join();
  EXPECT_EQ(served, "server-2");
  EXPECT_GT(ok, 50);
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace suppliers::testing
