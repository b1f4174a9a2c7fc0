// Tests the per-call transaction runner (server/db/transaction_runner.h):
// retries of conflicts, the deadline as statement timeout, read-only
// transactions, cancellation, and lost connections.
#include "server/db/transaction_runner.h"

#include <thread>

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/db/statements.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers {
namespace {

using ::suppliers::testing::SharedCluster;

class TransactionRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo =
        SharedCluster().CreateMigratedDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    PoolOptions options;
    options.conninfo = *conninfo;
    options.max_size = 2;
    options.min_idle = 0;
    options.session_setup = sql::SessionSetup();
    options.statements = sql::AllStatements();
    pool_ = std::make_unique<ConnectionPool>(options);
    transactions_ = std::make_unique<TransactionRunner>(*pool_);
  }
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<TransactionRunner> transactions_;
};

TEST_F(TransactionRunnerTest, ConflictsAreRetriedAndThenSucceed) {
  CallContext call(absl::Now() + absl::Seconds(10));
  int attempts = 0;
  const absl::Status status =
      transactions_->Run(call, TransactionRunner::Access::kReadWrite,
                         [&](pqxx::transaction_base&) {
                           if (++attempts < 3) {
                             throw pqxx::serialization_failure("conflict");
                           }
                           return absl::OkStatus();
                         });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 3);
}

TEST_F(TransactionRunnerTest, PersistentConflictIsAbortedAfterThreeAttempts) {
  CallContext call(absl::Now() + absl::Seconds(10));
  int attempts = 0;
  const absl::Status status =
      transactions_->Run(call, TransactionRunner::Access::kReadWrite,
                         [&](pqxx::transaction_base&) -> absl::Status {
                           ++attempts;
                           throw pqxx::deadlock_detected("deadlock");
                           return absl::OkStatus();
                         });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(attempts, 3);
}

TEST_F(TransactionRunnerTest, DeadlineBecomesTheStatementTimeout) {
  CallContext call(absl::Now() + absl::Seconds(1));
  std::string timeout;
  const absl::Time start = absl::Now();
  const absl::Status status = transactions_->Run(
      call, TransactionRunner::Access::kReadOnly,
      [&](pqxx::transaction_base& txn) {
        timeout = txn.exec("SHOW statement_timeout")[0][0].as<std::string>();
        txn.exec("SELECT pg_sleep(5)");
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_LT(absl::Now() - start, absl::Seconds(4));
  EXPECT_FALSE(timeout.empty());
  EXPECT_NE(timeout, "0");
}

TEST_F(TransactionRunnerTest, ReadOnlyTransactionsRefuseWrites) {
  CallContext call(absl::Now() + absl::Seconds(10));
  const absl::Status status = transactions_->Run(
      call, TransactionRunner::Access::kReadOnly,
      [&](pqxx::transaction_base& txn) {
        txn.exec("INSERT INTO vendors (vendor_name) VALUES ('x')");
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
}

TEST_F(TransactionRunnerTest, FailedBodyRollsBack) {
  CallContext call(absl::Now() + absl::Seconds(10));
  const absl::Status status = transactions_->Run(
      call, TransactionRunner::Access::kReadWrite,
      [&](pqxx::transaction_base& txn) {
        txn.exec("INSERT INTO vendors (vendor_name) VALUES ('x')");
        return absl::FailedPreconditionError("changed my mind");
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  CallContext check(absl::Now() + absl::Seconds(10));
  int count = -1;
  ASSERT_TRUE(
      transactions_
          ->Run(check, TransactionRunner::Access::kReadOnly,
                [&](pqxx::transaction_base& txn) {
                  count =
                      txn.exec("SELECT count(*) FROM vendors")[0][0].as<int>();
                  return absl::OkStatus();
                })
          .ok());
  EXPECT_EQ(count, 0);
}

TEST_F(TransactionRunnerTest, CancelStopsTheRunningStatement) {
  CallContext call(absl::Now() + absl::Seconds(30));
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(300));
    call.Cancel();
  });
  const absl::Time start = absl::Now();
  const absl::Status status =
      transactions_->Run(call, TransactionRunner::Access::kReadOnly,
                         [&](pqxx::transaction_base& txn) {
                           txn.exec("SELECT pg_sleep(20)");
                           return absl::OkStatus();
                         });
  canceller.join();
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  // A cancelled call does not start new work either.
  EXPECT_EQ(transactions_
                ->Run(call, TransactionRunner::Access::kReadOnly,
                      [](pqxx::transaction_base&) { return absl::OkStatus(); })
                .code(),
            absl::StatusCode::kCancelled);
}

TEST_F(TransactionRunnerTest, LostConnectionIsUnavailableAndNotReused) {
  CallContext call(absl::Now() + absl::Seconds(10));
  const absl::Status status = transactions_->Run(
      call, TransactionRunner::Access::kReadWrite,
      [&](pqxx::transaction_base& txn) {
        txn.exec("SELECT pg_terminate_backend(pg_backend_pid())");
        return absl::OkStatus();
      });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  CallContext next(absl::Now() + absl::Seconds(10));
  EXPECT_TRUE(transactions_
                  ->Run(next, TransactionRunner::Access::kReadOnly,
                        [](pqxx::transaction_base& txn) {
                          txn.exec("SELECT 1");
                          return absl::OkStatus();
                        })
                  .ok());
}

// A cancel the call did not ask for (one meant for the connection's
// previous call, acted on late) interrupts a statement well before the
// deadline: the statement was rolled back, so the call runs again.
TEST_F(TransactionRunnerTest, AStrayCancelIsRetriedNotReportedAsATimeout) {
  CallContext call(absl::Now() + absl::Seconds(10));
  int attempts = 0;
  const absl::Status status = transactions_->Run(
      call, TransactionRunner::Access::kReadOnly,
      [&](pqxx::transaction_base& txn) {
        if (++attempts == 1) {
          txn.exec("SELECT pg_cancel_backend(pg_backend_pid()), pg_sleep(2)");
        }
        return absl::OkStatus();
      },
      TransactionRunner::Scope::kSingleStatement);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(attempts, 2);
  // Every time: ABORTED, retryable by the client too, never a timeout.
  const absl::Status always = transactions_->Run(
      call, TransactionRunner::Access::kReadOnly,
      [&](pqxx::transaction_base& txn) {
        txn.exec("SELECT pg_cancel_backend(pg_backend_pid()), pg_sleep(2)");
        return absl::OkStatus();
      });
  EXPECT_EQ(always.code(), absl::StatusCode::kAborted) << always;
  EXPECT_LT(absl::Now() - (call.deadline() - absl::Seconds(10)),
            absl::Seconds(5));
}

}  // namespace
}  // namespace suppliers
