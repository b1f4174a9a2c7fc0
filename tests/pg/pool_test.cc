// Tests the connection pool (server/db/pool.h) against a real database: bounds,
// exhaustion, deadlines, prepared statements, killed backends, lifetime.
#include "server/db/pool.h"

#include <libpq-fe.h>
#include <signal.h>

#include <atomic>
#include <set>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/pg/pg_cluster.h"

namespace suppliers {
namespace {

using ::suppliers::testing::PgCluster;
using ::suppliers::testing::SharedCluster;

constexpr PreparedStatement kAddOne{"add_one", "SELECT $1::int + 1"};

PoolOptions Options(const std::string& conninfo, int max_size) {
  PoolOptions options;
  options.conninfo = conninfo;
  options.max_size = max_size;
  options.min_idle = 0;
  options.statements = {kAddOne};
  return options;
}

std::string Database() {
  absl::StatusOr<std::string> conninfo = SharedCluster().CreateDatabase();
  EXPECT_TRUE(conninfo.ok()) << conninfo.status();
  return conninfo.value_or("");
}

absl::Time In(absl::Duration d) { return absl::Now() + d; }

int AddOne(ConnectionPool::Lease& lease, int value) {
  pqxx::work txn(lease.connection());
  return txn.exec_prepared("add_one", value)[0][0].as<int>();
}

// Kills backends from outside the pool, as an operator or a failover would.
void TerminateBackends(const std::string& conninfo, const std::set<int>& pids) {
  pqxx::connection admin(conninfo);
  pqxx::nontransaction txn(admin);
  for (int pid : pids) txn.exec_params("SELECT pg_terminate_backend($1)", pid);
  // pg_terminate_backend only signals; wait until the backends are gone.
  for (int i = 0; i < 100; ++i) {
    int alive = 0;
    for (int pid : pids) {
      alive += txn.exec_params(
                      "SELECT count(*) FROM pg_stat_activity WHERE "
                      "pid = $1",
                      pid)[0][0]
                   .as<int>();
    }
    if (alive == 0) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

TEST(PoolTest, ManyMoreThreadsThanConnectionsAllSucceedWithinTheBound) {
  const std::string conninfo = Database();
  ConnectionPool pool(Options(conninfo, 3));
  constexpr int kThreads = 12;
  constexpr int kCallsPerThread = 40;
  std::atomic<int> failures{0};
  absl::Mutex mu;
  std::set<int> pids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kCallsPerThread; ++i) {
        auto lease = pool.Acquire(In(absl::Seconds(30)));
        if (!lease.ok() || AddOne(*lease, t * 1000 + i) != t * 1000 + i + 1) {
          ++failures;
          continue;
        }
        absl::MutexLock lock(&mu);
        pids.insert(lease->BackendPid());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_LE(pids.size(), 3u);
  const ConnectionPool::Stats stats = pool.GetStats();
  EXPECT_LE(stats.opened, 3);
  EXPECT_EQ(stats.in_use, 0);
  EXPECT_EQ(stats.waiters, 0);
}

TEST(PoolTest, ExhaustedPoolAnswersResourceExhaustedAfterAcquireTimeout) {
  PoolOptions options = Options(Database(), 1);
  options.acquire_timeout = absl::Milliseconds(200);
  ConnectionPool pool(options);
  auto held = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(held.ok()) << held.status();
  const absl::Time start = absl::Now();
  auto second = pool.Acquire(In(absl::Seconds(30)));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
}

TEST(PoolTest, CallerDeadlineBeforeAcquireTimeoutAnswersDeadlineExceeded) {
  PoolOptions options = Options(Database(), 1);
  options.acquire_timeout = absl::Seconds(10);
  ConnectionPool pool(options);
  auto held = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(held.ok());
  auto second = pool.Acquire(In(absl::Milliseconds(100)));
  EXPECT_EQ(second.status().code(), absl::StatusCode::kDeadlineExceeded);
}

TEST(PoolTest, TooManyWaitersAreRefusedAtOnce) {
  PoolOptions options = Options(Database(), 1);
  options.max_waiters = 1;
  options.acquire_timeout = absl::Seconds(3);
  ConnectionPool pool(options);
  auto held = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(held.ok());
  std::thread waiter([&] { (void)pool.Acquire(In(absl::Seconds(3))); });
  while (pool.GetStats().waiters < 1) absl::SleepFor(absl::Milliseconds(5));
  const absl::Time start = absl::Now();
  auto refused = pool.Acquire(In(absl::Seconds(3)));
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(std::string(refused.status().message()),
              ::testing::HasSubstr("waiting"));
  EXPECT_LT(absl::Now() - start, absl::Seconds(1));
  held = absl::UnavailableError("released");  // frees the connection
  waiter.join();
}

TEST(PoolTest, WaiterGetsTheConnectionWhenItIsReleased) {
  ConnectionPool pool(Options(Database(), 1));
  auto held = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(held.ok());
  const int pid = held->BackendPid();
  std::thread releaser([&] {
    absl::SleepFor(absl::Milliseconds(100));
    held = absl::UnavailableError("released");
  });
  auto next = pool.Acquire(In(absl::Seconds(5)));
  releaser.join();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->BackendPid(), pid);  // reused, not reopened
  EXPECT_EQ(pool.GetStats().opened, 1);
}

TEST(PoolTest, StatementsArePreparedOncePerConnection) {
  ConnectionPool pool(Options(Database(), 1));
  for (int i = 0; i < 5; ++i) {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(AddOne(*lease, i), i + 1);
    pqxx::read_transaction txn(lease->connection());
    EXPECT_EQ(txn.exec("SELECT count(*) FROM pg_prepared_statements WHERE "
                       "name = 'add_one'")[0][0]
                  .as<int>(),
              1);
  }
  EXPECT_EQ(pool.GetStats().opened, 1);
}

TEST(PoolTest, KilledIdleBackendsAreReplacedWithoutFailingAnyCall) {
  const std::string conninfo = Database();
  ConnectionPool pool(Options(conninfo, 4));
  std::set<int> pids;
  {
    std::vector<ConnectionPool::Lease> leases;
    for (int i = 0; i < 4; ++i) {
      auto lease = pool.Acquire(In(absl::Seconds(5)));
      ASSERT_TRUE(lease.ok());
      pids.insert(lease->BackendPid());
      leases.push_back(*std::move(lease));
    }
  }
  ASSERT_EQ(pool.GetStats().idle, 4);
  TerminateBackends(conninfo, pids);
  for (int i = 0; i < 20; ++i) {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok()) << lease.status();
    EXPECT_EQ(AddOne(*lease, i), i + 1) << "call " << i;
    EXPECT_EQ(pids.count(lease->BackendPid()), 0u);
  }
  EXPECT_GE(pool.GetStats().discarded, 4);
}

TEST(PoolTest, KilledBackendInUseFailsOnlyThatCall) {
  const std::string conninfo = Database();
  ConnectionPool pool(Options(conninfo, 2));
  {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
    TerminateBackends(conninfo, {lease->BackendPid()});
    EXPECT_THROW(AddOne(*lease, 1), pqxx::broken_connection);
    lease->MarkBroken();
  }
  for (int i = 0; i < 5; ++i) {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
    EXPECT_EQ(AddOne(*lease, i), i + 1);
  }
}

TEST(PoolTest, BrokenConnectionIsDroppedEvenIfNotMarked) {
  const std::string conninfo = Database();
  ConnectionPool pool(Options(conninfo, 1));
  int killed_pid = 0;
  {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
    killed_pid = lease->BackendPid();
    TerminateBackends(conninfo, {killed_pid});
    EXPECT_THROW(AddOne(*lease, 1), pqxx::broken_connection);
  }
  auto lease = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(lease.ok());
  EXPECT_NE(lease->BackendPid(), killed_pid);
  EXPECT_EQ(AddOne(*lease, 41), 42);
}

TEST(PoolTest, ConnectionsOlderThanMaxLifetimeAreReplaced) {
  PoolOptions options = Options(Database(), 1);
  options.max_lifetime = absl::Milliseconds(200);
  ConnectionPool pool(options);
  int first_pid = 0;
  {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
    first_pid = lease->BackendPid();
  }
  absl::SleepFor(absl::Milliseconds(300));
  auto lease = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(lease.ok());
  EXPECT_NE(lease->BackendPid(), first_pid);
}

TEST(PoolTest, MinIdleConnectionsAreOpenedInTheBackground) {
  PoolOptions options = Options(Database(), 4);
  options.min_idle = 2;
  options.maintenance_interval = absl::Milliseconds(20);
  ConnectionPool pool(options);
  for (int i = 0; i < 250 && pool.GetStats().idle < 2; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(pool.GetStats().idle, 2);
  EXPECT_EQ(pool.GetStats().opened, 2);  // min idle, not max size
}

TEST(PoolTest, CancelStopsTheRunningStatement) {
  ConnectionPool pool(Options(Database(), 1));
  auto lease = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(lease.ok());
  std::thread canceller([&] {
    absl::SleepFor(absl::Milliseconds(200));
    lease->Cancel();
  });
  const absl::Time start = absl::Now();
  std::string sqlstate;
  try {
    pqxx::work txn(lease->connection());
    txn.exec("SELECT pg_sleep(30)");
  } catch (const pqxx::sql_error& e) {
    sqlstate = e.sqlstate();
  }
  canceller.join();
  EXPECT_EQ(sqlstate, "57014");  // query_canceled
  EXPECT_LT(absl::Now() - start, absl::Seconds(10));
}

TEST(PoolTest, DatabaseDownAnswersUnavailableAndRecovers) {
  auto cluster = PgCluster::Create();
  ASSERT_TRUE(cluster.ok()) << cluster.status();
  ConnectionPool pool(Options((*cluster)->ConnInfo(), 2));
  {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
  }
  ASSERT_TRUE((*cluster)->Stop().ok());
  auto down = pool.Acquire(In(absl::Seconds(5)));
  EXPECT_EQ(down.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(std::string(down.status().message()),
              ::testing::HasSubstr("cannot connect"));
  ASSERT_TRUE((*cluster)->Start().ok());
  auto back = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(AddOne(*back, 1), 2);
}

// The transaction state libpq reports for a fresh lease of `pool`.
PGTransactionStatusType StateOfNextLease(ConnectionPool& pool) {
  auto lease = pool.Acquire(In(absl::Seconds(5)));
  EXPECT_TRUE(lease.ok()) << lease.status();
  if (!lease.ok()) return PQTRANS_UNKNOWN;
  return PQtransactionStatus(lease->connection().raw_handle());
}

TEST(PoolTest, AConnectionLeftInAnAbortedTransactionNeverComesBack) {
  ConnectionPool pool(Options(Database(), 1));
  {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
    PGconn* raw = lease->connection().raw_handle();
    PQclear(PQexec(raw, "BEGIN"));
    PQclear(PQexec(raw, "SELECT 1/0"));
    ASSERT_EQ(PQtransactionStatus(raw), PQTRANS_INERROR);
  }
  EXPECT_EQ(StateOfNextLease(pool), PQTRANS_IDLE);
  auto lease = pool.Acquire(In(absl::Seconds(5)));
  ASSERT_TRUE(lease.ok());
  EXPECT_EQ(AddOne(*lease, 41), 42);
}

TEST(PoolTest, AConnectionLeftInsideATransactionIsRolledBack) {
  const std::string conninfo = Database();
  {
    pqxx::connection admin(conninfo);
    pqxx::nontransaction(admin).exec("CREATE TABLE t (x int)");
  }
  ConnectionPool pool(Options(conninfo, 1));
  {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
    PGconn* raw = lease->connection().raw_handle();
    PQclear(PQexec(raw, "BEGIN"));
    PQclear(PQexec(raw, "INSERT INTO t VALUES (1)"));
    ASSERT_EQ(PQtransactionStatus(raw), PQTRANS_INTRANS);
  }
  EXPECT_EQ(StateOfNextLease(pool), PQTRANS_IDLE);
  pqxx::connection admin(conninfo);
  EXPECT_EQ(pqxx::nontransaction(admin)
                .exec("SELECT count(*) FROM t")[0][0]
                .as<int>(),
            0);
}

// Whether backend `pid` is still running a statement after `within`; polls
// so a cancel that lands in milliseconds is seen in milliseconds.
bool StillRunningAfter(const std::string& conninfo, int pid,
                       absl::Duration within) {
  pqxx::connection admin(conninfo);
  const absl::Time until = absl::Now() + within;
  while (true) {
    const int running = pqxx::nontransaction(admin)
                            .exec_params(
                                "SELECT count(*) FROM pg_stat_activity WHERE "
                                "pid = $1 AND state = 'active'",
                                pid)[0][0]
                            .as<int>();
    if (running == 0) return false;
    if (absl::Now() >= until) return true;
    absl::SleepFor(absl::Milliseconds(20));
  }
}

TEST(PoolTest, AConnectionWithAQueryStillRunningIsCancelledAndReplaced) {
  const std::string conninfo = Database();
  ConnectionPool pool(Options(conninfo, 1));
  int busy_pid = 0;
  const absl::Time released_at = [&] {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    EXPECT_TRUE(lease.ok());
    busy_pid = lease->BackendPid();
    EXPECT_EQ(
        PQsendQuery(lease->connection().raw_handle(), "SELECT pg_sleep(30)"),
        1);
    return absl::Now();
  }();
  // Handing the lease back must not wait for the query.
  EXPECT_LT(absl::Now() - released_at, absl::Seconds(2));
  EXPECT_EQ(StateOfNextLease(pool), PQTRANS_IDLE);
  // The abandoned query does not keep running in PostgreSQL: it would for
  // 30 s; gone well before that (10 s, for a machine busy with other tests;
  // the cancel usually lands within milliseconds).
  EXPECT_FALSE(StillRunningAfter(conninfo, busy_pid, absl::Seconds(10)));
}

// PostgreSQL ignores a cancel that arrives while the backend waits for its
// next command, so a first cancel that overtakes the query it was meant for
// is lost. Stopping the backend makes that ordering certain: it takes the
// cancel signal on waking, before it reads the query.
TEST(PoolTest, ACancelThatOvertakesTheAbandonedQueryIsRepeated) {
  const std::string conninfo = Database();
  ConnectionPool pool(Options(conninfo, 1));
  int busy_pid = 0;
  std::thread waker;
  {
    auto lease = pool.Acquire(In(absl::Seconds(5)));
    ASSERT_TRUE(lease.ok());
    busy_pid = lease->BackendPid();
    if (::kill(busy_pid, SIGSTOP) != 0) {
      GTEST_SKIP() << "cannot signal the backend (run as root or postgres)";
    }
    // Woken within the pool's return-to-idle bound (1 s), after its first
    // cancel request has been delivered, whatever happens below.
    waker = std::thread([busy_pid] {
      absl::SleepFor(absl::Milliseconds(300));
      ::kill(busy_pid, SIGCONT);
    });
    EXPECT_EQ(
        PQsendQuery(lease->connection().raw_handle(), "SELECT pg_sleep(30)"),
        1);
  }
  waker.join();
  EXPECT_FALSE(StillRunningAfter(conninfo, busy_pid, absl::Seconds(10)));
}

}  // namespace
}  // namespace suppliers
