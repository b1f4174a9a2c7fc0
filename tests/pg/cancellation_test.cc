// Tests that the caller's deadline and cancellation reach PostgreSQL: a
// cancelled call and an expired deadline leave no query running
// (pg_stat_activity), and the server sheds load with RESOURCE_EXHAUSTED and
// reports a stopped database as UNAVAILABLE.
#include <grpcpp/grpcpp.h>

#include <thread>

#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/pg/api_fixture.h"

namespace suppliers {
namespace {

using ::suppliers::testing::ApiTest;
using ::suppliers::testing::SharedCluster;

// Holds a row lock on vendor 1 from outside the server, so that any call
// updating vendor 1 blocks in PostgreSQL until the lock is released.
class RowLock {
 public:
  explicit RowLock(const std::string& conninfo)
      : connection_(conninfo), txn_(connection_) {
    txn_.exec("SELECT 1 FROM vendors WHERE vendor_id = 1 FOR UPDATE");
  }
  int BackendPid() const { return connection_.backendpid(); }

 private:
  pqxx::connection connection_;
  pqxx::work txn_;  // rolled back (lock released) on destruction
};

v1::UpdateVendorRequest RenameVendor1() {
  v1::UpdateVendorRequest request;
  request.mutable_vendor()->set_vendor_id(1);
  request.mutable_vendor()->set_vendor_name("renamed");
  return request;
}

// UpdateVendor(1) started asynchronously: it blocks in PostgreSQL while a
// RowLock holds vendor 1. Never outlives its call.
class PendingRename {
 public:
  PendingRename(v1::VendorService::Stub& vendors, absl::Duration deadline)
      : request_(RenameVendor1()) {
    context_.set_deadline(absl::ToChronoTime(absl::Now() + deadline));
    vendors.async()->UpdateVendor(&context_, &request_, &response_,
                                  [this](grpc::Status status) {
                                    status_ = std::move(status);
                                    done_.Notify();
                                  });
  }
  PendingRename(const PendingRename&) = delete;
  PendingRename& operator=(const PendingRename&) = delete;
  ~PendingRename() {
    context_.TryCancel();
    done_.WaitForNotification();
  }

  void Cancel() { context_.TryCancel(); }
  // The call's final status; fails the test if it takes over 10 s.
  grpc::Status Wait() {
    EXPECT_TRUE(done_.WaitForNotificationWithTimeout(absl::Seconds(10)));
    return status_;
  }
  const v1::UpdateVendorResponse& response() const { return response_; }

 private:
  grpc::ClientContext context_;
  const v1::UpdateVendorRequest request_;
  v1::UpdateVendorResponse response_;
  grpc::Status status_;
  absl::Notification done_;
};

class CancellationTest : public ApiTest {
 protected:
  // Statements from the server blocked on our lock or still running.
  int BlockedUpdates(int lock_holder_pid) {
    return QueryInt(
        "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
        "AND query LIKE 'UPDATE vendors SET vendor_name%' AND pid <> " +
        std::to_string(lock_holder_pid));
  }
  // Polls until no blocked update is left; returns how long it took.
  absl::Duration WaitUntilNoBlockedUpdate(int lock_holder_pid) {
    const absl::Time start = absl::Now();
    while (BlockedUpdates(lock_holder_pid) > 0 &&
           absl::Now() - start < absl::Seconds(20)) {
      absl::SleepFor(absl::Milliseconds(20));
    }
    return absl::Now() - start;
  }
  void WaitUntilBlocked(int lock_holder_pid) {
    for (int i = 0; i < 500 && BlockedUpdates(lock_holder_pid) == 0; ++i) {
      absl::SleepFor(absl::Milliseconds(10));
    }
    ASSERT_EQ(BlockedUpdates(lock_holder_pid), 1);
  }
};

TEST_F(CancellationTest, CancelledCallStopsItsQueryAtOnce) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  RowLock lock(conninfo_);
  // A long deadline: only the cancellation can stop the query quickly.
  PendingRename rename(*vendors_, absl::Seconds(60));
  WaitUntilBlocked(lock.BackendPid());
  rename.Cancel();
  EXPECT_EQ(rename.Wait().error_code(), grpc::StatusCode::CANCELLED);
  EXPECT_LT(WaitUntilNoBlockedUpdate(lock.BackendPid()), absl::Seconds(5));
  EXPECT_EQ(BlockedUpdates(lock.BackendPid()), 0);
  EXPECT_EQ(QueryText("SELECT vendor_name FROM vendors WHERE vendor_id = 1"),
            "3M Co.");
}

TEST_F(CancellationTest, ExpiredDeadlineStopsItsQuery) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  RowLock lock(conninfo_);
  v1::UpdateVendorResponse response;
  const absl::Time start = absl::Now();
  const grpc::Status status = vendors_->UpdateVendor(
      Context(absl::Milliseconds(500)).get(), RenameVendor1(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  // Gone by the deadline plus a margin, while our lock is still held.
  WaitUntilNoBlockedUpdate(lock.BackendPid());
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(BlockedUpdates(lock.BackendPid()), 0);
}

// A short server-side fallback deadline, for calls whose client set none.
class ShortDefaultDeadlineTest : public CancellationTest {
 protected:
  void Configure(ServerOptions& options) override {
    options.default_call_deadline = absl::Milliseconds(700);
  }
};

TEST_F(ShortDefaultDeadlineTest, CallWithoutClientDeadlineIsBounded) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  RowLock lock(conninfo_);
  grpc::ClientContext context;
  v1::UpdateVendorResponse response;
  const absl::Time start = absl::Now();
  const grpc::Status status =
      vendors_->UpdateVendor(&context, RenameVendor1(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_EQ(ErrorInfoOf(status).reason(), "STATEMENT_TIMEOUT");
  EXPECT_EQ(BlockedUpdates(lock.BackendPid()), 0);
}

class TinyPoolTest : public CancellationTest {
 protected:
  void Configure(ServerOptions& options) override {
    options.pool.max_size = 1;
    options.pool.min_idle = 0;
    options.pool.acquire_timeout = absl::Milliseconds(300);
    // More workers than connections, so a second call reaches the pool
    // instead of waiting in the work queue.
    options.worker_threads = 2;
  }
};

TEST_F(TinyPoolTest, ExhaustedPoolAnswersResourceExhausted) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  RowLock lock(conninfo_);
  // The only connection blocks on our lock...
  PendingRename blocked(*vendors_, absl::Seconds(30));
  WaitUntilBlocked(lock.BackendPid());
  // ...so another call finds the pool exhausted.
  v1::GetVendorRequest get;
  get.set_vendor_id(1);
  v1::GetVendorResponse response;
  const grpc::Status status =
      vendors_->GetVendor(Context().get(), get, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "SERVER_SATURATED");
  // A caller whose deadline comes first gets DEADLINE_EXCEEDED instead.
  const grpc::Status hurried = vendors_->GetVendor(
      Context(absl::Milliseconds(100)).get(), get, &response);
  EXPECT_EQ(hurried.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
}

class TinyQueueTest : public CancellationTest {
 protected:
  void Configure(ServerOptions& options) override {
    options.pool.max_size = 1;
    options.worker_threads = 1;
    options.work_queue_capacity = 1;
  }
};

TEST_F(TinyQueueTest, FullWorkQueueAnswersResourceExhausted) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  RowLock lock(conninfo_);
  // The one worker blocks on our lock, the next call fills the queue.
  PendingRename running(*vendors_, absl::Seconds(30));
  WaitUntilBlocked(lock.BackendPid());
  PendingRename queued(*vendors_, absl::Seconds(30));
  absl::SleepFor(absl::Milliseconds(200));  // let it reach the queue
  // A call that needs a worker (GetVendor would go through the statement
  // driver, which does not).
  v1::BatchGetVendorsRequest get;
  get.add_vendor_ids(1);
  v1::BatchGetVendorsResponse response;
  const grpc::Status status =
      vendors_->BatchGetVendors(Context().get(), get, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), ::testing::HasSubstr("overloaded"));
}

TEST_F(TinyQueueTest, ACallCancelledInTheQueueLeavesItAtOnce) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  RowLock lock(conninfo_);
  PendingRename running(*vendors_, absl::Seconds(30));
  WaitUntilBlocked(lock.BackendPid());
  // This call takes the queue's only place, then its caller gives up.
  grpc::ClientContext context;
  v1::BatchGetVendorsRequest get;
  get.add_vendor_ids(1);
  v1::BatchGetVendorsResponse got;
  absl::Notification done;
  grpc::Status cancelled;
  vendors_->async()->BatchGetVendors(&context, &get, &got,
                                     [&](grpc::Status status) {
                                       cancelled = std::move(status);
                                       done.Notify();
                                     });
  absl::SleepFor(absl::Milliseconds(200));  // let it reach the queue
  context.TryCancel();
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_EQ(cancelled.error_code(), grpc::StatusCode::CANCELLED);
  absl::SleepFor(absl::Milliseconds(100));  // the server sees the cancel
  // Its place is free again: the next call is queued (and, the worker still
  // blocked, ends at its deadline), not refused as "overloaded".
  v1::BatchGetVendorsResponse response;
  const grpc::Status next = vendors_->BatchGetVendors(
      Context(absl::Milliseconds(500)).get(), get, &response);
  EXPECT_EQ(next.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << next.error_message();
}

TEST_F(CancellationTest, ShutdownDrainsInFlightCallsWithinTheGrace) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  auto lock = std::make_unique<RowLock>(conninfo_);
  PendingRename rename(*vendors_, absl::Seconds(30));
  WaitUntilBlocked(lock->BackendPid());
  // Release the lock shortly after shutdown starts: the call must finish
  // normally inside the grace period instead of being cut off.
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(300));
    lock.reset();
  });
  const absl::Time start = absl::Now();
  server_->Shutdown(absl::Seconds(10));
  server_->Wait();
  releaser.join();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  const grpc::Status status = rename.Wait();
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(rename.response().vendor().vendor_name(), "renamed");
}

TEST_F(CancellationTest, ShutdownCancelsCallsStillRunningAfterTheGrace) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  RowLock lock(conninfo_);
  PendingRename rename(*vendors_, absl::Seconds(30));
  WaitUntilBlocked(lock.BackendPid());
  const absl::Time start = absl::Now();
  server_->Shutdown(absl::Milliseconds(500));
  server_->Wait();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  EXPECT_FALSE(rename.Wait().ok());
  // The statement was cancelled, not left waiting on our lock.
  EXPECT_EQ(BlockedUpdates(lock.BackendPid()), 0);
}

TEST_F(CancellationTest, StoppedDatabaseAnswersUnavailableAndRecovers) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  // This test's process owns its cluster (one process per test case).
  ASSERT_TRUE(SharedCluster().Stop().ok());
  v1::GetVendorRequest get;
  get.set_vendor_id(1);
  v1::GetVendorResponse response;
  const grpc::Status down =
      vendors_->GetVendor(Context().get(), get, &response);
  EXPECT_EQ(down.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_THAT(down.error_message(),
              ::testing::Not(::testing::HasSubstr("SELECT")));  // no SQL leaks
  ASSERT_TRUE(SharedCluster().Start().ok());
  const grpc::Status back =
      vendors_->GetVendor(Context().get(), get, &response);
  ASSERT_TRUE(back.ok()) << back.error_message();
  EXPECT_EQ(response.vendor().vendor_name(), "3M Co.");
}

TEST_F(CancellationTest, KilledBackendFailsAtMostOneCall) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  // Kill every backend of the server's pool between calls.
  Exec(
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
      "datname = current_database() AND pid <> pg_backend_pid()");
  absl::SleepFor(absl::Milliseconds(100));
  int failures = 0;
  for (int i = 0; i < 10; ++i) {
    v1::GetVendorRequest get;
    get.set_vendor_id(1);
    v1::GetVendorResponse response;
    if (!vendors_->GetVendor(Context().get(), get, &response).ok()) ++failures;
  }
  EXPECT_LE(failures, 1);
}

}  // namespace
}  // namespace suppliers
