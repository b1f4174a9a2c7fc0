// Tests the StatementDriver (server/db/statement_driver.h) against a real
// database: pipelined reads answered each with its own rows, a failing
// statement leaving its neighbours alone, cancels reaching the statement of
// the call that sent them (also one that waited behind another), reads
// surviving a killed backend, shedding, withdrawal, and a clean stop.
#include "server/db/statement_driver.h"

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/db/statements.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers {
namespace {

using ::suppliers::testing::SharedCluster;

constexpr PreparedStatement kAddOne{"add_one", "SELECT $1::int + 1"};
// Sleeps $1 seconds, then answers $2.
constexpr PreparedStatement kSleepThen{
    "sleep_then", "SELECT pg_sleep($1::float8)::text, $2::int"};

using Answer = absl::StatusOr<ResultRows>;

class StatementDriverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo = SharedCluster().CreateDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    conninfo_ = *conninfo;
  }

  void TearDown() override {
    if (driver_ != nullptr) driver_->Stop();
    driver_.reset();
    work_.reset();
    pool_.reset();
  }

  void Start(StatementDriver::Options options, int pool_size = 4) {
    PoolOptions pool;
    pool.conninfo = conninfo_;
    pool.max_size = pool_size;
    pool.min_idle = 0;
    pool.statements = {sql::kSetSessionDefaults, kAddOne, kSleepThen};
    pool_ = std::make_unique<ConnectionPool>(pool);
    work_ = std::make_unique<WorkQueue>(2, 64);
    driver_ = std::make_unique<StatementDriver>(*pool_, *work_, options);
  }

  // A driver with one connection whose pipeline holds `depth` statements.
  void StartOneConnection(int depth, int pool_size = 4,
                          absl::Duration max_queue_wait = absl::Seconds(1)) {
    StatementDriver::Options options;
    options.max_connections = 1;
    options.pipeline_depth = depth;
    options.max_queue_wait = max_queue_wait;
    Start(options, pool_size);
  }

  // Opens the driver's connection, so that the calls that follow share
  // its pipeline rather than wait for it.
  void WarmUp() {
    std::future<Answer> warm = Submit(Call(), AddOne("0"));
    ASSERT_TRUE(Wait(warm).ok());
  }

  static std::shared_ptr<CallContext> Call(
      absl::Duration deadline = absl::Seconds(10)) {
    return std::make_shared<CallContext>(absl::Now() + deadline);
  }

  // Submits and returns the future answer; a refusal is the answer.
  std::future<Answer> Submit(std::shared_ptr<CallContext> call,
                             StatementCall statement,
                             StatementDriver::Ticket* ticket = nullptr) {
    auto promise = std::make_shared<std::promise<Answer>>();
    std::future<Answer> answer = promise->get_future();
    absl::Status sent = driver_->Submit(
        std::move(call), std::move(statement),
        [promise](Answer result) { promise->set_value(std::move(result)); },
        ticket);
    if (!sent.ok()) promise->set_value(sent);
    return answer;
  }

  static StatementCall AddOne(const std::string& value) {
    return {kAddOne, {value}};
  }
  static StatementCall SleepThen(double seconds, int value) {
    return {kSleepThen, {absl::StrCat(seconds), absl::StrCat(value)}};
  }

  // The single int the statement answered, or -1.
  static int Value(Answer& answer, int column = 0) {
    if (!answer.ok() || answer->size() != 1) return -1;
    int value = -1;
    EXPECT_TRUE(absl::SimpleAtoi(answer->Text(0, column), &value));
    return value;
  }

  static Answer Wait(std::future<Answer>& answer,
                     absl::Duration bound = absl::Seconds(10)) {
    if (answer.wait_for(absl::ToChronoSeconds(bound)) !=
        std::future_status::ready) {
      return absl::DeadlineExceededError("the test waited too long");
    }
    return answer.get();
  }

  int64_t QueryInt(const std::string& sql) {
    pqxx::connection admin(conninfo_);
    pqxx::nontransaction txn(admin);
    return txn.exec(sql)[0][0].as<int64_t>();
  }

  std::string conninfo_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<WorkQueue> work_;
  std::unique_ptr<StatementDriver> driver_;
};

TEST_F(StatementDriverTest, ManyConcurrentReadsEachGetTheirOwnRow) {
  StatementDriver::Options options;
  options.max_connections = 2;
  options.pipeline_depth = 4;
  Start(options);
  constexpr int kThreads = 3;
  constexpr int kPerThread = 200;
  std::vector<std::vector<std::future<Answer>>> answers(kThreads);
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; ++t) {
    callers.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        answers[t].push_back(
            Submit(Call(), AddOne(absl::StrCat(t * kPerThread + i))));
      }
    });
  }
  for (std::thread& caller : callers) caller.join();
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      Answer answer = Wait(answers[t][i]);
      ASSERT_TRUE(answer.ok()) << answer.status();
      EXPECT_EQ(Value(answer), t * kPerThread + i + 1);
    }
  }
  EXPECT_LE(driver_->connections(), 2);
  EXPECT_LE(pool_->GetStats().opened, 2);
}

TEST_F(StatementDriverTest, AFailingStatementLeavesItsNeighboursAlone) {
  StartOneConnection(8);
  WarmUp();
  std::future<Answer> before = Submit(Call(), SleepThen(0.2, 1));
  std::future<Answer> bad = Submit(Call(), AddOne("not a number"));
  std::future<Answer> after = Submit(Call(), AddOne("41"));
  Answer before_answer = Wait(before);
  Answer bad_answer = Wait(bad);
  Answer after_answer = Wait(after);
  EXPECT_EQ(Value(before_answer, 1), 1) << before_answer.status();
  EXPECT_EQ(bad_answer.status().code(), absl::StatusCode::kInvalidArgument)
      << bad_answer.status();
  EXPECT_EQ(bad_answer.status().message().find("SELECT"), std::string::npos)
      << "no SQL text in the message: " << bad_answer.status();
  EXPECT_EQ(Value(after_answer), 42) << after_answer.status();
}

TEST_F(StatementDriverTest, ACancelReachesTheRunningStatement) {
  StartOneConnection(4);
  std::shared_ptr<CallContext> call = Call(absl::Seconds(60));
  std::future<Answer> sleeping = Submit(call, SleepThen(30, 1));
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Time cancelled_at = absl::Now();
  call->Cancel();
  Answer answer = Wait(sleeping, absl::Seconds(5));
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kCancelled)
      << answer.status();
  EXPECT_LT(absl::Now() - cancelled_at, absl::Seconds(2));
  // The connection is fine for the next call.
  std::future<Answer> next = Submit(Call(), AddOne("1"));
  Answer next_answer = Wait(next);
  EXPECT_EQ(Value(next_answer), 2) << next_answer.status();
}

TEST_F(StatementDriverTest, ACallCancelledWhileBehindAnotherIsCancelledInTurn) {
  StartOneConnection(4);
  WarmUp();
  std::future<Answer> ahead = Submit(Call(), SleepThen(0.5, 7));
  std::shared_ptr<CallContext> behind_call = Call(absl::Seconds(60));
  std::future<Answer> behind = Submit(behind_call, SleepThen(30, 8));
  absl::SleepFor(absl::Milliseconds(100));
  behind_call->Cancel();  // its statement is not running yet
  Answer ahead_answer = Wait(ahead);
  EXPECT_EQ(Value(ahead_answer, 1), 7)
      << "the cancel must not land on the statement ahead: "
      << ahead_answer.status();
  const absl::Time ahead_done = absl::Now();
  Answer behind_answer = Wait(behind, absl::Seconds(10));
  EXPECT_EQ(behind_answer.status().code(), absl::StatusCode::kCancelled)
      << behind_answer.status();
  EXPECT_LT(absl::Now() - ahead_done, absl::Seconds(3));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pg_stat_activity WHERE query LIKE "
                     "'%pg_sleep%' AND state = 'active' AND pid <> "
                     "pg_backend_pid()"),
            0);
}

TEST_F(StatementDriverTest, ReadsOnAKilledBackendRunAgainElsewhere) {
  StartOneConnection(4);
  WarmUp();
  std::vector<std::future<Answer>> answers;
  for (int i = 0; i < 3; ++i)
    answers.push_back(Submit(Call(), SleepThen(0.5, i)));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(QueryInt("SELECT count(pg_terminate_backend(pid)) FROM "
                     "pg_stat_activity WHERE query LIKE '%pg_sleep%' AND pid "
                     "<> pg_backend_pid()"),
            1);
  for (int i = 0; i < 3; ++i) {
    Answer answer = Wait(answers[i]);
    EXPECT_EQ(Value(answer, 1), i) << answer.status();
  }
  EXPECT_GE(pool_->GetStats().discarded, 1);
}

TEST_F(StatementDriverTest, TheDeadlineBoundsTheStatement) {
  StartOneConnection(4);
  const absl::Time start = absl::Now();
  std::future<Answer> sleeping =
      Submit(Call(absl::Milliseconds(400)), SleepThen(5, 1));
  Answer answer = Wait(sleeping);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kDeadlineExceeded)
      << answer.status();
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(StatementDriverTest, AQueuedCallIsShedAtItsBound) {
  StartOneConnection(1, /*pool_size=*/1, absl::Milliseconds(300));
  std::future<Answer> busy = Submit(Call(), SleepThen(1.5, 1));
  absl::SleepFor(absl::Milliseconds(100));
  const absl::Time queued_at = absl::Now();
  std::future<Answer> short_deadline =
      Submit(Call(absl::Milliseconds(150)), AddOne("1"));
  std::future<Answer> long_deadline = Submit(Call(), AddOne("2"));
  Answer short_answer = Wait(short_deadline);
  EXPECT_EQ(short_answer.status().code(), absl::StatusCode::kDeadlineExceeded)
      << short_answer.status();
  Answer long_answer = Wait(long_deadline);
  EXPECT_EQ(long_answer.status().code(), absl::StatusCode::kResourceExhausted)
      << long_answer.status();
  EXPECT_LT(absl::Now() - queued_at, absl::Seconds(1));
  Answer busy_answer = Wait(busy);
  EXPECT_EQ(Value(busy_answer, 1), 1) << busy_answer.status();
}

// With no connection to be had (the pool's only one held elsewhere), a
// queued call is still shed at its bound, not at the pool's acquire timeout
// or the caller's deadline.
TEST_F(StatementDriverTest, AQueuedCallIsShedEvenWhenNoConnectionComes) {
  StartOneConnection(1, /*pool_size=*/1, absl::Milliseconds(300));
  absl::StatusOr<ConnectionPool::Lease> held =
      pool_->Acquire(absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(held.ok()) << held.status();
  const absl::Time start = absl::Now();
  std::future<Answer> waiting = Submit(Call(absl::Seconds(10)), AddOne("1"));
  Answer answer = Wait(waiting);
  EXPECT_EQ(answer.status().code(), absl::StatusCode::kResourceExhausted)
      << answer.status();
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(1000));
}

// The expected wait follows each statement's own time, not the gaps
// between answers: a quiet spell must not make a later burst look slow (an
// earlier estimate did, and then refused every call for good, since
// refused calls never queued to correct it).
TEST_F(StatementDriverTest, ABurstAfterAQuietSpellIsQueuedNotRefused) {
  StartOneConnection(1, /*pool_size=*/1, absl::Seconds(1));
  for (int round = 0; round < 2; ++round) {
    std::future<Answer> first = Submit(Call(), AddOne("1"));
    ASSERT_TRUE(Wait(first).ok());
    absl::SleepFor(absl::Milliseconds(1200));
    std::vector<std::future<Answer>> burst;
    for (int i = 0; i < 50; ++i) {
      burst.push_back(Submit(Call(), AddOne(absl::StrCat(i))));
    }
    for (int i = 0; i < 50; ++i) {
      Answer answer = Wait(burst[i]);
      EXPECT_EQ(Value(answer), i + 1)
          << "round " << round << ": " << answer.status();
    }
  }
}

TEST_F(StatementDriverTest, AWithdrawnCallIsNeverAnswered) {
  StartOneConnection(1, /*pool_size=*/1);
  std::future<Answer> busy = Submit(Call(), SleepThen(0.3, 1));
  absl::SleepFor(absl::Milliseconds(100));
  std::atomic<bool> answered{false};
  StatementDriver::Ticket ticket = 0;
  ASSERT_TRUE(
      driver_
          ->Submit(
              Call(), AddOne("1"), [&](Answer) { answered = true; }, &ticket)
          .ok());
  ASSERT_NE(ticket, 0u);
  EXPECT_TRUE(driver_->Withdraw(ticket));
  EXPECT_FALSE(driver_->Withdraw(ticket));
  EXPECT_EQ(driver_->queued(), 0);
  ASSERT_TRUE(Wait(busy).ok());
  absl::SleepFor(absl::Milliseconds(100));
  EXPECT_FALSE(answered);
}

TEST_F(StatementDriverTest, StopAnswersEveryCallAndHandsBackEveryConnection) {
  StartOneConnection(1, /*pool_size=*/1);
  std::future<Answer> running = Submit(Call(), SleepThen(0.3, 1));
  absl::SleepFor(absl::Milliseconds(100));
  std::future<Answer> queued = Submit(Call(), AddOne("1"));
  driver_->Stop();
  Answer queued_answer = Wait(queued, absl::Seconds(1));
  EXPECT_EQ(queued_answer.status().code(), absl::StatusCode::kUnavailable)
      << queued_answer.status();
  Answer running_answer = Wait(running, absl::Seconds(1));
  EXPECT_EQ(Value(running_answer, 1), 1) << running_answer.status();
  EXPECT_EQ(pool_->GetStats().in_use, 0);
  std::future<Answer> late = Submit(Call(), AddOne("1"));
  EXPECT_EQ(Wait(late).status().code(), absl::StatusCode::kUnavailable);
  // The connection went back usable: blocking, out of pipeline mode.
  absl::StatusOr<ConnectionPool::Lease> lease =
      pool_->Acquire(absl::Now() + absl::Seconds(5));
  ASSERT_TRUE(lease.ok()) << lease.status();
  pqxx::nontransaction txn(lease->connection());
  EXPECT_EQ(txn.exec_prepared("add_one", 1)[0][0].as<int>(), 2);
}

}  // namespace
}  // namespace suppliers
