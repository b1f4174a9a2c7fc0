// Tests the server skeleton (server/server.h) over a real channel: health
// follows the database, and shutdown drains.
#include "server/server.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/db/migrations.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers {
namespace {

using ::grpc::health::v1::Health;
using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::suppliers::testing::PgCluster;

ServerOptions TestOptions(const std::string& conninfo) {
  ServerOptions options;
  options.listen_address = "127.0.0.1:0";
  options.pool.conninfo = conninfo;
  options.pool.max_size = 2;
  options.health_interval = absl::Milliseconds(100);
  return options;
}

class HealthClient {
 public:
  explicit HealthClient(int port)
      : stub_(Health::NewStub(
            grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                grpc::InsecureChannelCredentials()))) {}

  // The status, or UNKNOWN when the call itself failed.
  HealthCheckResponse::ServingStatus Check() {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         std::chrono::seconds(2));
    HealthCheckRequest request;
    HealthCheckResponse response;
    if (!stub_->Check(&context, request, &response).ok()) {
      return HealthCheckResponse::UNKNOWN;
    }
    return response.status();
  }

  // Polls until the status is `want` or 15 s pass; returns the last status.
  HealthCheckResponse::ServingStatus WaitFor(
      HealthCheckResponse::ServingStatus want) {
    HealthCheckResponse::ServingStatus last = Check();
    for (int i = 0; i < 150 && last != want; ++i) {
      absl::SleepFor(absl::Milliseconds(100));
      last = Check();
    }
    return last;
  }

 private:
  std::unique_ptr<Health::Stub> stub_;
};

TEST(ServerTest, HealthFollowsTheDatabaseWithoutRestartingTheServer) {
  auto cluster = PgCluster::Create();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  auto conninfo = (*cluster)->CreateMigratedDatabase();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto server = SuppliersServer::Start(TestOptions(*conninfo));
  ASSERT_TRUE(server.ok()) << server.status();
  HealthClient health((*server)->port());

  EXPECT_EQ(health.WaitFor(HealthCheckResponse::SERVING),
            HealthCheckResponse::SERVING);
  ASSERT_TRUE((*cluster)->Stop().ok());
  EXPECT_EQ(health.WaitFor(HealthCheckResponse::NOT_SERVING),
            HealthCheckResponse::NOT_SERVING);
  ASSERT_TRUE((*cluster)->Start().ok());
  EXPECT_EQ(health.WaitFor(HealthCheckResponse::SERVING),
            HealthCheckResponse::SERVING);
  (*server)->Shutdown(absl::Seconds(1));
  (*server)->Wait();
}

TEST(ServerTest, UnreachableDatabaseAtStartIsNotServingButStarts) {
  ServerOptions options =
      TestOptions("host=127.0.0.1 port=1 user=nobody connect_timeout=2");
  auto server = SuppliersServer::Start(options);
  ASSERT_TRUE(server.ok()) << server.status();
  HealthClient health((*server)->port());
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(health.Check(), HealthCheckResponse::NOT_SERVING);
}

TEST(ServerTest, AnUnmigratedDatabaseIsNotServingUntilMigrated) {
  auto conninfo = testing::SharedCluster().CreateDatabase();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto server = SuppliersServer::Start(TestOptions(*conninfo));
  ASSERT_TRUE(server.ok()) << server.status();
  HealthClient health((*server)->port());
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(health.Check(), HealthCheckResponse::NOT_SERVING);
  // Migrating brings it to SERVING without a restart.
  pqxx::connection connection(*conninfo);
  ASSERT_TRUE(ApplyMigrations(connection, EmbeddedMigrationFiles()).ok());
  EXPECT_EQ(health.WaitFor(HealthCheckResponse::SERVING),
            HealthCheckResponse::SERVING);
  // A migration the binary does not know is fine; one that was changed is
  // not.
  pqxx::nontransaction(connection)
      .exec("UPDATE schema_migrations SET checksum = 'x' WHERE version = 1");
  EXPECT_EQ(health.WaitFor(HealthCheckResponse::NOT_SERVING),
            HealthCheckResponse::NOT_SERVING);
  (*server)->Shutdown(absl::Seconds(1));
  (*server)->Wait();
}

TEST(ServerTest, AddressInUseIsUnavailable) {
  auto cluster = PgCluster::Create();
  ASSERT_TRUE(cluster.ok());
  auto first = SuppliersServer::Start(TestOptions((*cluster)->ConnInfo()));
  ASSERT_TRUE(first.ok());
  ServerOptions options = TestOptions((*cluster)->ConnInfo());
  options.listen_address = absl::StrCat("127.0.0.1:", (*first)->port());
  auto second = SuppliersServer::Start(options);
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(second.status().message()),
              ::testing::HasSubstr(options.listen_address));
}

TEST(ServerTest, InvalidPoolOptionsAreInvalidArgument) {
  ServerOptions options = TestOptions("host=127.0.0.1");
  options.pool.max_size = 0;
  EXPECT_EQ(SuppliersServer::Start(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ServerTest, ShutdownReportsNotServingAndStopsAcceptingCalls) {
  auto cluster = PgCluster::Create();
  ASSERT_TRUE(cluster.ok());
  auto conninfo = (*cluster)->CreateMigratedDatabase();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto server = SuppliersServer::Start(TestOptions(*conninfo));
  ASSERT_TRUE(server.ok());
  HealthClient health((*server)->port());
  ASSERT_EQ(health.WaitFor(HealthCheckResponse::SERVING),
            HealthCheckResponse::SERVING);
  (*server)->Shutdown(absl::Seconds(1));
  (*server)->Wait();
  EXPECT_EQ(health.Check(), HealthCheckResponse::UNKNOWN);  // call fails
}

}  // namespace
}  // namespace suppliers
