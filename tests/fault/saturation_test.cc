// Fault: every pooled connection blocked on a lock. Before the fix, further
// calls waited in the work queue for their whole deadline and answered
// DEADLINE_EXCEEDED; the acquire timeout never applied because the wait
// happened before the pool. Time spent queued now counts against it.
#include <thread>
#include <vector>

#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"

namespace suppliers::testing {
namespace {

class SaturationTest : public FaultTest {};

TEST_F(SaturationTest, ASaturatedServerShedsWithinTheAcquireTimeout) {
  // A warm pool: the bound under test is the wait for a connection, not the
  // opening of one on a loaded machine.
  StartServer({"--pool_max_size", "4", "--pool_min_idle", "4",
               "--pool_acquire_timeout", "500ms", "--access_log=false"});
  const int vendor_id = CreateVendor("Acme");
  for (int i = 0; i < 100 && QueryInt("SELECT count(*) FROM pg_stat_activity "
                                      "WHERE application_name = "
                                      "'suppliers-server'") < 5;
       ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  // Four renames of the same vendor block on a row lock held outside: the
  // whole pool is stuck.
  pqxx::connection locker(conninfo_);
  pqxx::work lock(locker);
  lock.exec_params("SELECT 1 FROM vendors WHERE vendor_id = $1 FOR UPDATE",
                   vendor_id);
  std::vector<std::thread> blocked;
  for (int i = 0; i < 4; ++i) {
    blocked.emplace_back([&] {
      v1::UpdateVendorRequest request;
      request.mutable_vendor()->set_vendor_id(vendor_id);
      request.mutable_vendor()->set_vendor_name("renamed");
      v1::UpdateVendorResponse response;
      (void)vendors_->UpdateVendor(Context(absl::Seconds(20)).get(), request,
                                   &response);
    });
  }
  // Counted by what they wait for: the server's health probe has a session
  // of its own that is briefly active now and then.
  auto blocked_on_lock = [&] {
    return QueryInt(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
        "'suppliers-server' AND wait_event_type = 'Lock'");
  };
  for (int i = 0; i < 50 && blocked_on_lock() < 4; ++i) {
    absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_EQ(blocked_on_lock(), 4);

  // Unrelated reads, more of them than workers, with generous deadlines:
  // each is told RESOURCE_EXHAUSTED within the bound, none is held hostage.
  std::vector<std::thread> readers;
  std::vector<grpc::Status> statuses(12);
  std::vector<absl::Duration> took(12);
  for (int i = 0; i < 12; ++i) {
    readers.emplace_back([&, i] {
      const absl::Time start = absl::Now();
      v1::ListPartsRequest request;
      v1::ListPartsResponse response;
      statuses[i] = parts_->ListParts(Context(absl::Seconds(5)).get(), request,
                                      &response);
      took[i] = absl::Now() - start;
    });
  }
  for (std::thread& reader : readers) reader.join();
  for (int i = 0; i < 12; ++i) {
    EXPECT_EQ(statuses[i].error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
        << statuses[i].error_message();
    EXPECT_EQ(ReasonOf(statuses[i]), "SERVER_SATURATED");
    EXPECT_LT(took[i], absl::Milliseconds(1500)) << "bound 500ms";
  }
  lock.abort();
  for (std::thread& thread : blocked) thread.join();
  // Once the lock is gone the server serves again.
  v1::ListPartsRequest request;
  v1::ListPartsResponse response;
  EXPECT_TRUE(
      parts_->ListParts(Context(absl::Seconds(5)).get(), request, &response)
          .ok());
}

}  // namespace
}  // namespace suppliers::testing
