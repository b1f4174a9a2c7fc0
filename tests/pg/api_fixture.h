// Owns the fixture of the API integration tests: a migrated database in the
// test's throwaway cluster, a real SuppliersServer on a free port, stubs over
// a real channel, and helpers to read status details and database state.
#ifndef SUPPLIERS_TESTS_PG_API_FIXTURE_H_
#define SUPPLIERS_TESTS_PG_API_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/server.h"
#include "suppliers/v1/drawing.grpc.pb.h"
#include "suppliers/v1/part.grpc.pb.h"
#include "suppliers/v1/vendor.grpc.pb.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers::testing {

class ApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo =
        SharedCluster().CreateMigratedDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    conninfo_ = *conninfo;
    ServerOptions options;
    options.listen_address = "127.0.0.1:0";
    options.pool.conninfo = conninfo_;
    options.pool.max_size = 4;
    options.health_interval = absl::Milliseconds(200);
    Configure(options);
    absl::StatusOr<std::unique_ptr<SuppliersServer>> server =
        SuppliersServer::Start(std::move(options));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", server_->port()),
                                   grpc::InsecureChannelCredentials());
    vendors_ = v1::VendorService::NewStub(channel_);
    parts_ = v1::PartService::NewStub(channel_);
    drawings_ = v1::DrawingService::NewStub(channel_);
  }

  // Lets a test adjust the server before it starts.
  virtual void Configure(ServerOptions& /*options*/) {}

  void TearDown() override {
    if (server_ != nullptr) {
      server_->Shutdown(absl::Seconds(2));
      server_->Wait();
    }
  }

  // A client context with a deadline `timeout` from now.
  static std::unique_ptr<grpc::ClientContext> Context(
      absl::Duration timeout = absl::Seconds(10)) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return context;
  }

  // The google.rpc.Status carried in the status details.
  static google::rpc::Status DetailsOf(const grpc::Status& status) {
    google::rpc::Status details;
    EXPECT_TRUE(details.ParseFromString(status.error_details()));
    return details;
  }
  static google::rpc::ErrorInfo ErrorInfoOf(const grpc::Status& status) {
    google::rpc::ErrorInfo info;
    const google::rpc::Status details = DetailsOf(status);
    for (const auto& any : details.details()) {
      if (any.UnpackTo(&info)) return info;
    }
    ADD_FAILURE() << "no ErrorInfo in " << status.error_message();
    return info;
  }
  // The field of the single BadRequest violation ("" when there is none).
  static std::string ViolatedField(const grpc::Status& status) {
    google::rpc::BadRequest bad_request;
    const google::rpc::Status details = DetailsOf(status);
    for (const auto& any : details.details()) {
      if (any.UnpackTo(&bad_request) &&
          bad_request.field_violations_size() == 1) {
        return bad_request.field_violations(0).field();
      }
    }
    return "";
  }

  // Runs `query` directly against the test database; returns the first
  // column of the first row as an int.
  int QueryInt(const std::string& query) {
    pqxx::connection connection(conninfo_);
    pqxx::nontransaction txn(connection);
    return txn.exec(query)[0][0].as<int>();
  }
  std::string QueryText(const std::string& query) {
    pqxx::connection connection(conninfo_);
    pqxx::nontransaction txn(connection);
    return txn.exec(query)[0][0].as<std::string>();
  }
  void Exec(const std::string& statement) {
    pqxx::connection connection(conninfo_);
    pqxx::nontransaction txn(connection);
    txn.exec(statement);
  }

  // Creates a vendor through the API and returns its id (fails the test on
  // error).
  int CreateVendor(const std::string& name) {
    v1::CreateVendorRequest request;
    request.mutable_vendor()->set_vendor_name(name);
    v1::CreateVendorResponse response;
    const grpc::Status status =
        vendors_->CreateVendor(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.vendor().vendor_id();
  }
  int CreatePart(const std::string& name, std::vector<int> vendor_ids) {
    v1::CreatePartRequest request;
    request.mutable_part()->set_part_name(name);
    for (int id : vendor_ids) request.mutable_part()->add_vendor_ids(id);
    v1::CreatePartResponse response;
    const grpc::Status status =
        parts_->CreatePart(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.part().part_id();
  }

  std::string conninfo_;
  std::unique_ptr<SuppliersServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VendorService::Stub> vendors_;
  std::unique_ptr<v1::PartService::Stub> parts_;
  std::unique_ptr<v1::DrawingService::Stub> drawings_;
};

}  // namespace suppliers::testing

#endif  // SUPPLIERS_TESTS_PG_API_FIXTURE_H_
