// Owns the fixture of the fault suite: a PostgreSQL of the test's own (so it
// may be stopped, restarted or locked), a migrated database, a real
// suppliers-server process on it, stubs over a real channel, and helpers to
// read the database directly.
#ifndef SUPPLIERS_TESTS_FAULT_FAULT_FIXTURE_H_
#define SUPPLIERS_TESTS_FAULT_FAULT_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "suppliers/v1/drawing.grpc.pb.h"
#include "suppliers/v1/part.grpc.pb.h"
#include "suppliers/v1/vendor.grpc.pb.h"
#include "tests/fault/server_process.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers::testing {

class FaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::unique_ptr<PgCluster>> cluster = PgCluster::Create();
    ASSERT_TRUE(cluster.ok()) << cluster.status();
    cluster_ = *std::move(cluster);
    absl::StatusOr<std::string> conninfo = cluster_->CreateMigratedDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    conninfo_ = *conninfo;
    // The test clusters trade durability for speed (synchronous_commit off);
    // the fault suite checks that acknowledged writes survive a crash, so
    // its database commits durably, as production does.
    Exec(
        "DO $$ BEGIN EXECUTE format('ALTER DATABASE %I SET "
        "synchronous_commit = on', current_database()); END $$");
  }

  void TearDown() override {
    if (server_ != nullptr && ::testing::Test::HasFailure()) {
      std::fprintf(stderr, "--- suppliers-server log ---\n%s\n",
                   server_->Log().c_str());
    }
    server_.reset();
  }

  // Starts the server with `flags` and waits until it is SERVING.
  void StartServer(const std::vector<std::string>& flags) {
    absl::StatusOr<std::unique_ptr<ServerProcess>> server =
        ServerProcess::Start(conninfo_ + " application_name=suppliers-server",
                             flags);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = *std::move(server);
    ASSERT_TRUE(server_->WaitForHealth(true, absl::Seconds(10)))
        << server_->Log();
    channel_ = grpc::CreateChannel(server_->target(),
                                   grpc::InsecureChannelCredentials());
    vendors_ = v1::VendorService::NewStub(channel_);
    parts_ = v1::PartService::NewStub(channel_);
    drawings_ = v1::DrawingService::NewStub(channel_);
  }

  static std::unique_ptr<grpc::ClientContext> Context(absl::Duration timeout) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + timeout));
    return context;
  }

  static std::string ReasonOf(const grpc::Status& status) {
    google::rpc::Status details;
    google::rpc::ErrorInfo info;
    if (details.ParseFromString(status.error_details())) {
      for (const auto& any : details.details()) {
        if (any.UnpackTo(&info)) return info.reason();
      }
    }
    return "";
  }

  int CreateVendor(const std::string& name) {
    v1::CreateVendorRequest request;
    request.mutable_vendor()->set_vendor_name(name);
    v1::CreateVendorResponse response;
    const grpc::Status status = vendors_->CreateVendor(
        Context(absl::Seconds(10)).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.vendor().vendor_id();
  }

  // Runs `query` on a fresh connection to the test database; the first
  // column of the first row.
  int64_t QueryInt(const std::string& query) {
    pqxx::connection connection(conninfo_);
    pqxx::nontransaction txn(connection);
    return txn.exec(query)[0][0].as<int64_t>();
  }
  void Exec(const std::string& statement) {
    pqxx::connection connection(conninfo_);
    pqxx::nontransaction txn(connection);
    txn.exec(statement);
  }
  // Sessions of the server (application_name suppliers-server), other than
  // idle ones, in pg_stat_activity.
  int64_t BusyServerSessions() {
    return QueryInt(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
        "'suppliers-server' AND state <> 'idle'");
  }

  std::unique_ptr<PgCluster> cluster_;
  std::string conninfo_;
  std::unique_ptr<ServerProcess> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::VendorService::Stub> vendors_;
  std::unique_ptr<v1::PartService::Stub> parts_;
  std::unique_ptr<v1::DrawingService::Stub> drawings_;
};

}  // namespace suppliers::testing

#endif  // SUPPLIERS_TESTS_FAULT_FAULT_FIXTURE_H_
