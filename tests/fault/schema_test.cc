// Fault: a server pointed at a database that was never migrated. Before the
// fix it reported SERVING and its calls answered FAILED_PRECONDITION with
// PostgreSQL's text: SQL, table names and all.
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"

namespace suppliers::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SchemaTest : public FaultTest {};

TEST_F(SchemaTest, AnUnmigratedDatabaseIsNotServingAndLeaksNoSql) {
  absl::StatusOr<std::string> empty = cluster_->CreateDatabase();
  ASSERT_TRUE(empty.ok());
  absl::StatusOr<std::unique_ptr<ServerProcess>> server = ServerProcess::Start(
      *empty + " application_name=suppliers-server", {"--pool_min_idle=0"});
  ASSERT_TRUE(server.ok()) << server.status();
  EXPECT_TRUE((*server)->WaitForHealth(false, absl::Seconds(5)));
  // Still NOT_SERVING a while later: the database is reachable, the schema
  // is not there.
  absl::SleepFor(absl::Milliseconds(1500));
  EXPECT_TRUE((*server)->WaitForHealth(false, absl::Seconds(1)));
  EXPECT_THAT((*server)->Log(), HasSubstr("suppliers-server migrate"));

  auto vendors = v1::VendorService::NewStub(grpc::CreateChannel(
      (*server)->target(), grpc::InsecureChannelCredentials()));
  v1::CreateVendorRequest request;
  request.mutable_vendor()->set_vendor_name("3M Co.");
  v1::CreateVendorResponse response;
  const grpc::Status status = vendors->CreateVendor(
      Context(absl::Seconds(5)).get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ReasonOf(status), "SCHEMA_NOT_MIGRATED");
  for (const char* leak : {"vendors", "INSERT", "relation", "LINE"}) {
    EXPECT_THAT(status.error_message(), Not(HasSubstr(leak)));
    EXPECT_THAT(status.error_details(), Not(HasSubstr(leak)));
  }
}

}  // namespace
}  // namespace suppliers::testing
