// Owns the fixture of the security tests: a migrated database, a directory
// of certificates and keys made for the test, an in-process SuppliersServer
// configured by the test (TLS, mTLS, tokens), channels of every kind, and a
// checksum of every row, so a refused call is shown to have written nothing.
#ifndef SUPPLIERS_TESTS_SECURITY_SECURE_SERVER_FIXTURE_H_
#define SUPPLIERS_TESTS_SECURITY_SECURE_SERVER_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/server.h"
#include "suppliers/v1/vendor.grpc.pb.h"
#include "tests/pg/pg_cluster.h"
#include "tests/security/test_pki.h"

namespace suppliers::testing {

class SecureServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo =
        SharedCluster().CreateMigratedDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    conninfo_ = *conninfo;
    char pattern[] = "/tmp/suppliers-pki-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
    ca_ = Issue("Test CA", nullptr, true);
    server_cert_ = Issue("server-1", &ca_, false);
    ca_file_ = WriteFile(dir_, "ca.pem", ca_.cert_pem);
    cert_file_ = WriteFile(dir_, "server.pem", server_cert_.cert_pem);
    key_file_ = WriteFile(dir_, "server.key", server_cert_.key_pem);
  }

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(absl::Seconds(1));
      server_->Wait();
    }
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }

  // Options for a server on a free loopback port over the test database.
  ServerOptions Options() const {
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.pool.conninfo = conninfo_;
    options.pool.max_size = 4;
    options.health_interval = absl::Milliseconds(200);
    options.access_log = true;
    return options;
  }
  void Start(ServerOptions options) {
    absl::StatusOr<std::unique_ptr<SuppliersServer>> server =
        SuppliersServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
  }
  std::string Target() const {
    return absl::StrCat("127.0.0.1:", server_->port());
  }

  std::shared_ptr<grpc::Channel> Plaintext() const {
    return grpc::CreateChannel(Target(), grpc::InsecureChannelCredentials());
  }
  // TLS verifying the server with `ca_pem`, presenting `client` if given.
  std::shared_ptr<grpc::Channel> Tls(
      const std::string& ca_pem, const Certificate* client = nullptr) const {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = ca_pem;
    if (client != nullptr) {
      ssl.pem_cert_chain = client->cert_pem;
      ssl.pem_private_key = client->key_pem;
    }
    grpc::ChannelArguments arguments;
    // Each test channel its own connection (no subchannel sharing).
    arguments.SetInt("suppliers.test.channel", ++channels_);
    return grpc::CreateCustomChannel(Target(), grpc::SslCredentials(ssl),
                                     arguments);
  }

  // CreateVendor (scope suppliers.write) with an optional bearer token.
  grpc::Status Create(const std::shared_ptr<grpc::Channel>& channel,
                      const std::string& token = "",
                      const std::string& name = "Acme") const {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::CreateVendorRequest request;
    request.mutable_vendor()->set_vendor_name(name);
    v1::CreateVendorResponse response;
    return v1::VendorService::NewStub(channel)->CreateVendor(&context, request,
                                                             &response);
  }
  // ListVendors (scope suppliers.read).
  grpc::Status List(const std::shared_ptr<grpc::Channel>& channel,
                    const std::string& token = "") const {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    v1::ListVendorsRequest request;
    v1::ListVendorsResponse response;
    return v1::VendorService::NewStub(channel)->ListVendors(&context, request,
                                                            &response);
  }

  // A digest of every row of every table the API writes.
  std::string Checksum() const {
    pqxx::connection connection(conninfo_);
    pqxx::nontransaction txn(connection);
    return txn
        .exec(
            "SELECT md5(coalesce((SELECT string_agg(v::text, ',' ORDER BY "
            "vendor_id) FROM vendors v), '') || coalesce((SELECT "
            "string_agg(p::text, ',' ORDER BY part_id) FROM parts p), '') || "
            "coalesce((SELECT string_agg(l::text, ',' ORDER BY vendor_id, "
            "part_id) FROM vendor_parts l), '') || coalesce((SELECT "
            "string_agg(r::text, ',' ORDER BY request_id) FROM request_ids "
            "r), ''))")[0][0]
        .as<std::string>();
  }

  static google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status) {
    google::rpc::Status details;
    google::rpc::ErrorInfo info;
    if (details.ParseFromString(status.error_details())) {
      for (const auto& any : details.details()) {
        if (any.UnpackTo(&info)) break;
      }
    }
    return info;
  }

  std::string conninfo_;
  std::string dir_;
  Certificate ca_;
  Certificate server_cert_;
  std::string ca_file_;
  std::string cert_file_;
  std::string key_file_;
  std::unique_ptr<SuppliersServer> server_;
  mutable int channels_ = 0;
};

}  // namespace suppliers::testing

#endif  // SUPPLIERS_TESTS_SECURITY_SECURE_SERVER_FIXTURE_H_
