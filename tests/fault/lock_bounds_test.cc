// Fault: a table locked from outside (ACCESS EXCLUSIVE, as a careless
// migration or a manual ALTER would) while the pool opens connections.
// Before the fix, preparing statements on a new connection waited for the
// lock forever: every call added a backend stuck `active`, and SIGTERM did
// not exit until the lock was released.
#include <signal.h>

#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"

namespace suppliers::testing {
namespace {

class LockBoundsTest : public FaultTest {};

// Holds ACCESS EXCLUSIVE on vendors until destroyed.
class TableLock {
 public:
  explicit TableLock(const std::string& conninfo)
      : connection_(conninfo), txn_(connection_) {
    txn_.exec("LOCK TABLE vendors IN ACCESS EXCLUSIVE MODE");
  }

 private:
  pqxx::connection connection_;
  pqxx::work txn_;
};

grpc::Status GetVendor(v1::VendorService::Stub& vendors,
                       absl::Duration deadline) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + deadline));
  v1::GetVendorRequest request;
  request.set_vendor_id(1);
  v1::GetVendorResponse response;
  return vendors.GetVendor(context.get(), request, &response);
}

TEST_F(LockBoundsTest, OpeningAConnectionGivesUpAtTheCallersDeadline) {
  StartServer(
      {"--pool_min_idle", "0", "--pool_max_size", "4", "--access_log=false"});
  TableLock lock(conninfo_);
  std::vector<std::thread> callers;
  std::vector<grpc::Status> statuses(6);
  const absl::Time start = absl::Now();
  for (int i = 0; i < 6; ++i) {
    callers.emplace_back(
        [&, i] { statuses[i] = GetVendor(*vendors_, absl::Seconds(1)); });
  }
  for (std::thread& caller : callers) caller.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  for (const grpc::Status& status : statuses) {
    EXPECT_TRUE(status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED ||
                status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED)
        << status.error_code() << " " << status.error_message();
  }
  // No backend of the server is left waiting on the lock.
  int64_t busy = BusyServerSessions();
  for (int i = 0; i < 20 && busy > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(100));
    busy = BusyServerSessions();
  }
  EXPECT_EQ(busy, 0);
}

TEST_F(LockBoundsTest, ShutdownWithinTheGraceWhileCallsWaitOnALock) {
  StartServer({"--pool_min_idle", "0", "--pool_max_size", "4",
               "--shutdown_grace", "2s", "--access_log=false"});
  TableLock lock(conninfo_);
  std::vector<std::thread> callers;
  for (int i = 0; i < 4; ++i) {
    callers.emplace_back(
        [&] { (void)GetVendor(*vendors_, absl::Seconds(30)); });
  }
  absl::SleepFor(absl::Milliseconds(500));  // the calls are inside the pool
  const absl::Time start = absl::Now();
  absl::StatusOr<int> exit_code = server_->Stop(SIGTERM, absl::Seconds(10));
  const absl::Duration took = absl::Now() - start;
  for (std::thread& caller : callers) caller.join();
  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_LT(took, absl::Seconds(3.5)) << "grace 2s";
}

}  // namespace
}  // namespace suppliers::testing
