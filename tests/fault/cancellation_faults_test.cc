// Fault: calls that give up (cancelled, or their deadline passes) while
// their SQL waits on a lock held outside, with a warm pool and a cold one
// (the connection still being opened). Whatever the server started in
// PostgreSQL for them must be gone from pg_stat_activity within a second.
#include <ostream>
#include <thread>
#include <vector>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"

namespace suppliers::testing {
namespace {

struct PoolCase {
  const char* name;
  std::vector<std::string> flags;
};

void PrintTo(const PoolCase& pool, std::ostream* out) { *out << pool.name; }

class CancellationFaultsTest : public FaultTest,
                               public ::testing::WithParamInterface<PoolCase> {
 protected:
  // Waits up to `bound` for the server to have no session doing anything.
  bool ServerQuietWithin(absl::Duration bound) {
    const absl::Time until = absl::Now() + bound;
    while (BusyServerSessions() > 0) {
      if (absl::Now() >= until) {
        pqxx::connection connection(conninfo_);
        pqxx::nontransaction txn(connection);
        for (const pqxx::row& row :
             txn.exec("SELECT state, wait_event_type, left(query, 60) FROM "
                      "pg_stat_activity WHERE application_name = "
                      "'suppliers-server' AND state <> 'idle'")) {
          ADD_FAILURE() << "still busy: " << row[0].c_str() << " "
                        << row[1].c_str() << " " << row[2].c_str();
        }
        return false;
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return true;
  }
};

TEST_P(CancellationFaultsTest, NothingIsLeftRunningOnceCallsGiveUp) {
  std::vector<std::string> flags = GetParam().flags;
  flags.push_back("--access_log=false");
  StartServer(flags);
  const int vendor_id = CreateVendor("Acme");
  // Lock the row (renames wait) and, for the cold pool, the table (opening a
  // connection waits too).
  pqxx::connection locker(conninfo_);
  pqxx::work lock(locker);
  lock.exec_params("SELECT 1 FROM vendors WHERE vendor_id = $1 FOR UPDATE",
                   vendor_id);
  for (int round = 0; round < 3; ++round) {
    // Deadlines that pass while the SQL waits.
    std::vector<std::thread> calls;
    for (int i = 0; i < 4; ++i) {
      calls.emplace_back([&, i] {
        v1::UpdateVendorRequest request;
        request.mutable_vendor()->set_vendor_id(vendor_id);
        request.mutable_vendor()->set_vendor_name(absl::StrCat("x", i));
        v1::UpdateVendorResponse response;
        const grpc::Status status = vendors_->UpdateVendor(
            Context(absl::Milliseconds(300)).get(), request, &response);
        EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
      });
    }
    for (std::thread& call : calls) call.join();
    EXPECT_TRUE(ServerQuietWithin(absl::Seconds(1))) << "after deadlines";
    // Cancels while the SQL waits.
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<absl::Notification> done(4);
    std::vector<v1::UpdateVendorRequest> requests(4);
    std::vector<v1::UpdateVendorResponse> responses(4);
    for (int i = 0; i < 4; ++i) {
      contexts.push_back(Context(absl::Seconds(30)));
      requests[i].mutable_vendor()->set_vendor_id(vendor_id);
      requests[i].mutable_vendor()->set_vendor_name(absl::StrCat("y", i));
      vendors_->async()->UpdateVendor(
          contexts[i].get(), &requests[i], &responses[i],
          [&done, i](grpc::Status status) {
            EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
            done[i].Notify();
          });
    }
    absl::SleepFor(absl::Milliseconds(300));
    for (auto& context : contexts) context->TryCancel();
    for (absl::Notification& notification : done) {
      notification.WaitForNotification();
    }
    EXPECT_TRUE(ServerQuietWithin(absl::Seconds(1))) << "after cancels";
  }
  lock.abort();
  // Nothing was renamed, and the server serves on.
  v1::GetVendorRequest get;
  get.set_vendor_id(vendor_id);
  v1::GetVendorResponse got;
  ASSERT_TRUE(
      vendors_->GetVendor(Context(absl::Seconds(5)).get(), get, &got).ok());
  EXPECT_EQ(got.vendor().vendor_name(), "Acme");
}

INSTANTIATE_TEST_SUITE_P(
    Pools, CancellationFaultsTest,
    ::testing::Values(
        PoolCase{"Warm", {"--pool_max_size", "4", "--pool_min_idle", "4"}},
        PoolCase{"Cold",
                 {"--pool_max_size", "4", "--pool_min_idle", "0",
                  "--pool_max_lifetime", "1ms"}}),
    [](const ::testing::TestParamInfo<PoolCase>& info) {
      return std::string(info.param.name);
    });

}  // namespace
}  // namespace suppliers::testing
