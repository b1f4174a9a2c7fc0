// Tests token authentication and per-method authorization: every way a
// bearer token can be wrong gets UNAUTHENTICATED, a valid token without the
// method's scope PERMISSION_DENIED naming it, and none of them writes
// anything; certificates alone work through the scopes file; the access log
// names the caller and never shows the token.
#include <thread>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "server/rpc/method_scopes.h"
#include "suppliers/v1/drawing.grpc.pb.h"
#include "tests/security/secure_server_fixture.h"

namespace suppliers::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kSecret[] = "a shared secret of the test";
constexpr char kIssuer[] = "https://issuer.test";
constexpr char kAudience[] = "suppliers";

std::string Now(absl::Duration offset = absl::ZeroDuration()) {
  return absl::StrCat(absl::ToUnixSeconds(absl::Now() + offset));
}

// Claims of a good token, adjusted by the test.
std::map<std::string, std::string> Claims(const std::string& scope) {
  return {{"sub", "\"alice\""},
          {"iss", absl::StrCat("\"", kIssuer, "\"")},
          {"aud", absl::StrCat("\"", kAudience, "\"")},
          {"exp", Now(absl::Minutes(5))},
          {"scope", absl::StrCat("\"", scope, "\"")}};
}

class TokenTest : public SecureServerTest {
 protected:
  void StartWithKeys() {
    rsa_ = MakeRsaKey();
    ServerOptions options = Options();
    AuthOptions auth;
    auth.hs256_secret = kSecret;
    auth.public_key_pem = rsa_.public_pem;
    auth.issuer = kIssuer;
    auth.audience = kAudience;
    options.auth = auth;
    Start(std::move(options));
    channel_ = Plaintext();
  }
  std::string Hs256(std::map<std::string, std::string> claims) const {
    return MakeToken("HS256", kSecret, claims);
  }

  KeyPair rsa_;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(TokenTest, ValidTokensPassWithTheirScopes) {
  StartWithKeys();
  EXPECT_TRUE(Create(channel_, Hs256(Claims("suppliers.write"))).ok());
  EXPECT_TRUE(
      Create(channel_, MakeToken("RS256", rsa_.private_pem,
                                 Claims("suppliers.read suppliers.write")))
          .ok());
  EXPECT_TRUE(List(channel_, Hs256(Claims("suppliers.read"))).ok());
}

TEST_F(TokenTest, EveryBadTokenIsUnauthenticatedAndWritesNothing) {
  StartWithKeys();
  const std::string before = Checksum();
  auto with = [](std::map<std::string, std::string> claims,
                 const std::string& name, const std::string& value) {
    claims[name] = value;
    return claims;
  };
  auto without = [](std::map<std::string, std::string> claims,
                    const std::string& name) {
    claims.erase(name);
    return claims;
  };
  const auto good = Claims("suppliers.write");
  const KeyPair other_rsa = MakeRsaKey();
  const std::map<std::string, std::string> cases = {
      {"expired", Hs256(with(good, "exp", Now(absl::Minutes(-5))))},
      {"not yet valid", Hs256(with(good, "nbf", Now(absl::Minutes(5))))},
      {"no exp", Hs256(without(good, "exp"))},
      {"wrong signature", MakeToken("HS256", "another secret", good)},
      {"wrong RSA key", MakeToken("RS256", other_rsa.private_pem, good)},
      {"wrong issuer", Hs256(with(good, "iss", "\"https://evil.test\""))},
      {"wrong audience", Hs256(with(good, "aud", "\"someone-else\""))},
      {"alg none", MakeToken("none", "", good)},
      {"HS256 keyed with the RSA public key",
       MakeToken("HS256", rsa_.public_pem, good)},
      {"garbage", "not.a.token"},
      {"empty", ""},
  };
  for (const auto& [name, token] : cases) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    context.AddMetadata("authorization", "Bearer " + token);
    v1::CreateVendorRequest request;
    request.mutable_vendor()->set_vendor_name(name);
    v1::CreateVendorResponse response;
    const grpc::Status status =
        v1::VendorService::NewStub(channel_)->CreateVendor(&context, request,
                                                           &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << name;
    EXPECT_EQ(ErrorInfoOf(status).reason(), "INVALID_TOKEN") << name;
  }
  // No token at all, and a header that is not a bearer token.
  const grpc::Status missing = Create(channel_);
  EXPECT_EQ(missing.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(ErrorInfoOf(missing).reason(), "MISSING_CREDENTIALS");
  grpc::ClientContext basic;
  basic.AddMetadata("authorization", "Basic YWxpY2U6c2VjcmV0");
  v1::CreateVendorRequest request;
  request.mutable_vendor()->set_vendor_name("basic");
  v1::CreateVendorResponse response;
  EXPECT_EQ(v1::VendorService::NewStub(channel_)
                ->CreateVendor(&basic, request, &response)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Checksum(), before);
}

TEST_F(TokenTest, AValidTokenWithoutTheScopeIsPermissionDenied) {
  StartWithKeys();
  const std::string before = Checksum();
  const std::string reader = Hs256(Claims("suppliers.read"));
  const grpc::Status denied = Create(channel_, reader);
  EXPECT_EQ(denied.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(ErrorInfoOf(denied).reason(), "MISSING_SCOPE");
  EXPECT_EQ(ErrorInfoOf(denied).metadata().at("scope"), "suppliers.write");
  // Streams are checked too, before they take a stream slot.
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + reader);
  v1::UploadDrawingResponse uploaded;
  auto writer =
      v1::DrawingService::NewStub(channel_)->UploadDrawing(&context, &uploaded);
  v1::UploadDrawingRequest header;
  header.mutable_header()->set_part_id(1);
  header.mutable_header()->set_file_extension("png");
  header.set_finish_write(true);
  writer->Write(header);
  writer->WritesDone();
  EXPECT_EQ(writer->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Checksum(), before);
  // The read scope reads.
  EXPECT_TRUE(List(channel_, reader).ok());
  EXPECT_EQ(List(channel_, Hs256(Claims("other.scope"))).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(TokenTest, EcdsaKeysVerifyEs256Only) {
  const KeyPair ec = MakeEcKey();
  ServerOptions options = Options();
  AuthOptions auth;
  auth.public_key_pem = ec.public_pem;
  options.auth = auth;
  Start(std::move(options));
  channel_ = Plaintext();
  EXPECT_TRUE(Create(channel_, MakeToken("ES256", ec.private_pem,
                                         Claims("suppliers.write")))
                  .ok());
  EXPECT_EQ(Create(channel_,
                   MakeToken("HS256", ec.public_pem, Claims("suppliers.write")))
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TokenTest, CertificatesAloneGetTheScopesTheFileGrants) {
  ServerOptions options = Options();
  options.tls.cert_file = cert_file_;
  options.tls.key_file = key_file_;
  options.tls.client_ca_file = ca_file_;
  AuthOptions auth;
  auth.certificate_scopes["reporting"] = {"suppliers.read"};
  options.auth = auth;
  Start(std::move(options));
  const Certificate reporting = Issue("reporting", &ca_, false);
  const Certificate unknown = Issue("unknown-service", &ca_, false);
  EXPECT_TRUE(List(Tls(ca_.cert_pem, &reporting)).ok());
  EXPECT_EQ(Create(Tls(ca_.cert_pem, &reporting)).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(List(Tls(ca_.cert_pem, &unknown)).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(TokenTest, HealthAndReflectionStayOpen) {
  StartWithKeys();
  grpc::ClientContext context;
  grpc::health::v1::HealthCheckRequest request;
  grpc::health::v1::HealthCheckResponse response;
  EXPECT_TRUE(grpc::health::v1::Health::NewStub(channel_)
                  ->Check(&context, request, &response)
                  .ok());
}

}  // namespace
}  // namespace suppliers::testing
