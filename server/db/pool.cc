// Owns the bounded PostgreSQL connection pool: lazy connections opened and
// set up within the caller's bounds, deadline-bounded acquisition,
// per-connection prepared statements, connections returned only when idle,
// detection and replacement of broken or expired ones, and a shutdown that
// cancels whatever still runs in the database.
#include "server/db/pool.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "pqxx/pqxx"
#include "server/base/errors.h"
#include "server/base/log.h"
#include "server/base/metrics.h"
#include "server/db/database_errors.h"

namespace suppliers {
namespace {

// An idle connection has no query outstanding, so the server has nothing to
// say to it: readable input means an error report and EOF (backend
// terminated, server restarted), or at best an unsolicited message. Either
// way the connection is not worth trusting, and this check costs no round
// trip.
bool SocketLooksIdle(const PgConnection& connection) {
  const int fd = connection.sock();
  if (fd < 0) return false;
  pollfd p{fd, POLLIN, 0};
  const int ready = ::poll(&p, 1, 0);
  return ready == 0;
}

// How reading a command's answers up to a point in time ended.
enum class Drained { kEnded, kTimedOut, kFailed };

// Reads and discards the answers to the command in progress on `raw` until
// it ends or `until` passes. A COPY is not drained (it waits on the client):
// kFailed, as for a connection that is gone.
Drained DrainAnswers(PGconn* raw, absl::Time until) {
  while (true) {
    if (PQconsumeInput(raw) != 1) return Drained::kFailed;
    while (PQisBusy(raw) == 0) {
      PGresult* result = PQgetResult(raw);
      if (result == nullptr) return Drained::kEnded;
      const ExecStatusType status = PQresultStatus(result);
      PQclear(result);
      if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT ||
          status == PGRES_COPY_BOTH) {
        return Drained::kFailed;
      }
    }
    const int64_t wait_ms = absl::ToInt64Milliseconds(until - absl::Now());
    if (wait_ms <= 0) return Drained::kTimedOut;
    pollfd p{PQsocket(raw), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait_ms)) < 0 && errno != EINTR) {
      return Drained::kFailed;
    }
  }
}

// Brings a connection handed back by a lease to "idle, nothing pending"
// within `bound`, or reports that it cannot. A call that ended in the middle
// of its transaction (a cancel or timeout landing on its ROLLBACK, a step
// that never finished) must not lend its session state to the next call.
bool ReturnToIdle(PgConnection& connection, absl::Duration bound) {
  PGconn* raw = connection.raw_handle();
  if (raw == nullptr || PQstatus(raw) != CONNECTION_OK) return false;
  switch (PQtransactionStatus(raw)) {
    case PQTRANS_IDLE:
      return true;  // libpq says IDLE only with no command in progress
    case PQTRANS_INTRANS:
    case PQTRANS_INERROR:
      break;
    default:
      return false;  // a command still running, or a broken connection
  }
  if (PQsendQuery(raw, "ROLLBACK") != 1) return false;
  return DrainAnswers(raw, absl::Now() + bound) == Drained::kEnded &&
         PQtransactionStatus(raw) == PQTRANS_IDLE;
}

// How often a command left running on a returned lease is cancelled again.
constexpr absl::Duration kCancelRepeat = absl::Milliseconds(50);

// Cancels the command `connection` still runs, again every kCancelRepeat
// until PostgreSQL answers it or `bound` passes. One request is not enough:
// a cancel that reaches the backend before it has read the command is
// ignored, and closing the socket does not stop the command either (a
// backend notices a vanished client only when it next writes to it), so it
// would run on to its timeout holding its locks and its backend. (A COPY
// waits on the client: closing the socket ends it.)
void CancelUntilAnswered(PgConnection& connection, absl::Duration bound) {
  PGconn* raw = connection.raw_handle();
  const absl::Time until = absl::Now() + bound;
  while (PQtransactionStatus(raw) == PQTRANS_ACTIVE) {
    connection.Cancel();
    const absl::Time repeat_at = std::min(until, absl::Now() + kCancelRepeat);
    if (DrainAnswers(raw, repeat_at) != Drained::kTimedOut) return;
    if (absl::Now() >= until) return;
  }
}

// How often a waiting caller looks at its cancel scope.
constexpr absl::Duration kCancelCheck = absl::Milliseconds(50);

absl::Status CannotConnect() {
  return ErrorWithInfo(absl::StatusCode::kUnavailable,
                       "cannot connect to the database; retry",
                       "DATABASE_UNAVAILABLE", {});
}

// The bound that ended an attempt: the caller's deadline, or the pool's.
absl::Status OutOfTime(bool deadline_is_callers, int max_size) {
  if (deadline_is_callers) {
    return ErrorWithInfo(absl::StatusCode::kDeadlineExceeded,
                         "the call's deadline passed while waiting for a "
                         "database connection",
                         "DEADLINE_PASSED", {});
  }
  return ErrorWithInfo(
      absl::StatusCode::kResourceExhausted,
      absl::StrCat("no database connection (of ", max_size,
                   ") became available in time; retry with backoff"),
      "SERVER_SATURATED", {});
}

}  // namespace

ConnectionPool::ConnectionPool(PoolOptions options)
    : options_(std::move(options)) {
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
}

ConnectionPool::~ConnectionPool() {
  Shutdown();
  maintenance_.join();
  std::vector<Slot> closing;
  {
    absl::MutexLock lock(&mu_);
    closing.swap(idle_);
  }
  // `closing` is destroyed here, outside the lock: closing a connection
  // talks to the server.
}

void ConnectionPool::Shutdown() {
  absl::MutexLock lock(&mu_);
  if (stopping_) return;
  stopping_ = true;
  abandon_connects_ = true;
  available_.SignalAll();
  maintenance_wakeup_.Signal();
  // Under the lock, so no holder can close its connection meanwhile (Release
  // untracks under the same lock). Each cancel is a short round trip to the
  // postmaster, once per busy connection.
  for (PgConnection* connection : busy_) connection->Cancel();
}

void ConnectionPool::Track(PgConnection* connection) {
  absl::MutexLock lock(&mu_);
  busy_.insert(connection);
}

void ConnectionPool::Untrack(PgConnection* connection) {
  absl::MutexLock lock(&mu_);
  busy_.erase(connection);
}

absl::Status ConnectionPool::SetUp(PgConnection& connection,
                                   absl::Time deadline) {
  // Behind a transaction-pooling proxy the next transaction may run on
  // another server session: anything set here would be lost, or land on a
  // session another client uses next.
  if (options_.transaction_pooling) return absl::OkStatus();
  // Bounded like everything else the caller waits for: a setup or PREPARE
  // blocked on a lock (ACCESS EXCLUSIVE on a table, say) gives up at the
  // deadline instead of holding a backend and a worker forever.
  const int64_t timeout_ms =
      std::max<int64_t>(1, absl::ToInt64Milliseconds(deadline - absl::Now()));
  std::vector<std::string> setup = {
      absl::StrCat("SET statement_timeout = ", timeout_ms)};
  setup.insert(setup.end(), options_.session_setup.begin(),
               options_.session_setup.end());
  {
    pqxx::nontransaction txn(connection);
    txn.exec(absl::StrJoin(setup, "; "));  // one round trip
  }
  for (const PreparedStatement& statement : options_.statements) {
    connection.prepare(statement.name, statement.sql);
    connection.prepare_now(statement.name);
  }
  pqxx::nontransaction(connection).exec("RESET statement_timeout");
  connection.set_session_prepared(true);
  return absl::OkStatus();
}

absl::StatusOr<ConnectionPool::Slot> ConnectionPool::Open(
    absl::Time deadline, bool deadline_is_callers, CancelScope* scope) {
  if (absl::Now() >= deadline) {
    return OutOfTime(deadline_is_callers, options_.max_size);
  }
  auto abandoned = [this, scope] {
    return abandon_connects_.load() || (scope != nullptr && scope->cancelled());
  };
  std::unique_ptr<PgConnection> connection;
  try {
    connection = std::make_unique<PgConnection>(
        options_.conninfo, ConnectLimits{deadline, abandoned});
  } catch (const std::exception& e) {
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) return ShuttingDown();
      if (scope != nullptr && scope->cancelled()) return CallCancelled();
      const absl::Time now = absl::Now();
      // libpq's message names the host, port and user: the log only, and
      // at most once a second while the database stays down.
      if (now - last_failure_logged_ >= absl::Seconds(1)) {
        last_failure_logged_ = now;
        Log(LogLevel::kWarning, "cannot connect to the database",
            {{"error", std::string(absl::StripAsciiWhitespace(e.what()))}});
      }
    }
    if (deadline_is_callers && absl::Now() >= deadline) {
      return OutOfTime(true, options_.max_size);
    }
    return CannotConnect();
  }
  Track(connection.get());
  // A cancel of the caller reaches the setup's statements from here on.
  if (scope != nullptr) scope->Attach(connection.get());
  absl::Status status;
  if (scope != nullptr && scope->cancelled()) {
    status = CallCancelled();
  } else {
    try {
      status = SetUp(*connection, deadline);
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() == "57014") {
        status = scope != nullptr && scope->cancelled()
                     ? CallCancelled()
                     : OutOfTime(deadline_is_callers, options_.max_size);
      } else {
        status = FromDatabaseException(e, false, true);
      }
    } catch (const std::exception& e) {
      status = FromDatabaseException(e, false, true);
    }
  }
  if (scope != nullptr) scope->Detach();
  if (!status.ok()) {
    Untrack(connection.get());
    return status;
  }
  // Still tracked: the caller hands it out (busy) or parks it (untracks).
  return Slot{std::move(connection), absl::Now()};
}

bool ConnectionPool::Reusable(const Slot& slot, absl::Time now) const {
  return slot.connection->is_open() &&
         now - slot.created < options_.max_lifetime &&
         SocketLooksIdle(*slot.connection);
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(
    absl::Time caller_deadline, absl::Time acquire_deadline,
    CancelScope* scope) {
  const absl::Time began = absl::Now();
  absl::StatusOr<Lease> lease =
      AcquireUnmeasured(caller_deadline, acquire_deadline, scope);
  if (lease.ok()) Metrics::Get().RecordPoolAcquire(absl::Now() - began);
  return lease;
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::AcquireUnmeasured(
    absl::Time caller_deadline, absl::Time acquire_deadline,
    CancelScope* scope) {
  const absl::Time pool_deadline =
      std::min(acquire_deadline, absl::Now() + options_.acquire_timeout);
  const bool callers_first = caller_deadline <= pool_deadline;
  const absl::Time wait_until = std::min(caller_deadline, pool_deadline);
  // Declared before the lock so that it is destroyed after the unlock:
  // closing a connection talks to the server.
  std::vector<Slot> unusable;
  absl::MutexLock lock(&mu_);
  while (true) {
    if (stopping_) return ShuttingDown();
    const absl::Time now = absl::Now();
    if (std::optional<Lease> idle = TakeIdleLocked(now, unusable)) {
      return *std::move(idle);
    }
    if (in_use_ + connecting_ < options_.max_size) {
      ++connecting_;
      mu_.Unlock();
      unusable.clear();
      absl::StatusOr<Slot> opened = Open(wait_until, callers_first, scope);
      mu_.Lock();
      --connecting_;
      if (!opened.ok()) {
        // Our reserved place is free again; someone waiting may use it.
        available_.Signal();
        return opened.status();
      }
      ++opened_;
      if (stopping_) {
        busy_.erase(opened->connection.get());
        ++discarded_;
        unusable.push_back(*std::move(opened));
        return ShuttingDown();
      }
      ++in_use_;
      return Lease(this, *std::move(opened));
    }
    if (now >= wait_until) return OutOfTime(callers_first, options_.max_size);
    if (waiters_ >= options_.max_waiters) {
      return ErrorWithInfo(
          absl::StatusCode::kResourceExhausted,
          absl::StrCat("too many calls (", waiters_,
                       ") are already waiting for a database connection; "
                       "retry with backoff"),
          "SERVER_SATURATED", {});
    }
    if (scope != nullptr && scope->cancelled()) return CallCancelled();
    ++waiters_;
    // A cancelled caller stops waiting within a slice.
    available_.WaitWithDeadline(
        &mu_, scope == nullptr ? wait_until
                               : std::min(wait_until, now + kCancelCheck));
    --waiters_;
  }
}

std::optional<ConnectionPool::Lease> ConnectionPool::TryAcquireIdle() {
  // Destroyed after the unlock: closing a connection talks to the server.
  std::vector<Slot> unusable;
  absl::MutexLock lock(&mu_);
  if (stopping_) return std::nullopt;
  return TakeIdleLocked(absl::Now(), unusable);
}

std::optional<ConnectionPool::Lease> ConnectionPool::TakeIdleLocked(
    absl::Time now, std::vector<Slot>& unusable) {
  while (!idle_.empty()) {
    // Most recently used first: keeps a warm set small so the rest can
    // age out.
    Slot slot = std::move(idle_.back());
    idle_.pop_back();
    if (Reusable(slot, now)) {
      ++in_use_;
      busy_.insert(slot.connection.get());
      return Lease(this, std::move(slot));
    }
    ++discarded_;
    unusable.push_back(std::move(slot));
  }
  return std::nullopt;
}

void ConnectionPool::Release(Slot slot, bool broken) {
  if (!broken &&
      !ReturnToIdle(*slot.connection, options_.return_to_idle_timeout)) {
    broken = true;
    // Whatever still runs for this session must not outlive it.
    if (PQtransactionStatus(slot.connection->raw_handle()) == PQTRANS_ACTIVE) {
      CancelUntilAnswered(*slot.connection, options_.return_to_idle_timeout);
    }
  }
  {
    absl::MutexLock lock(&mu_);
    --in_use_;
    busy_.erase(slot.connection.get());
    const bool keep = !broken && !stopping_ && Reusable(slot, absl::Now());
    if (keep) {
      idle_.push_back(std::move(slot));
    } else {
      ++discarded_;
    }
    available_.Signal();
  }
  // A discarded `slot` closes here, outside the lock.
}

void ConnectionPool::MaintenanceLoop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    maintenance_wakeup_.WaitWithTimeout(&mu_, options_.maintenance_interval);
    if (stopping_) break;
    // Expire idle connections that are too old or broken.
    const absl::Time now = absl::Now();
    std::vector<Slot> expired;
    for (auto it = idle_.begin(); it != idle_.end();) {
      if (Reusable(*it, now)) {
        ++it;
      } else {
        expired.push_back(std::move(*it));
        it = idle_.erase(it);
        ++discarded_;
      }
    }
    // Top up to min_idle within max_size, one connection per round so a
    // database that is down costs one failed attempt per interval.
    const bool want_more =
        static_cast<int>(idle_.size()) < options_.min_idle &&
        static_cast<int>(idle_.size()) + in_use_ + connecting_ <
            options_.max_size;
    if (want_more) ++connecting_;
    mu_.Unlock();
    expired.clear();
    absl::StatusOr<Slot> opened;
    if (want_more) {
      opened = Open(absl::Now() + options_.acquire_timeout, false, nullptr);
    }
    mu_.Lock();
    if (want_more) {
      --connecting_;
      if (opened.ok()) {
        ++opened_;
        busy_.erase(opened->connection.get());
        if (!stopping_) {
          idle_.push_back(*std::move(opened));
          available_.Signal();
        }
      }
    }
  }
}

ConnectionPool::Stats ConnectionPool::GetStats() const {
  absl::MutexLock lock(&mu_);
  Stats stats;
  stats.idle = static_cast<int>(idle_.size());
  stats.in_use = in_use_;
  stats.connecting = connecting_;
  stats.waiters = waiters_;
  stats.opened = opened_;
  stats.discarded = discarded_;
  return stats;
}

ConnectionPool::Lease::Lease(Lease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      slot_(std::move(other.slot_)),
      broken_(other.broken_) {}

ConnectionPool::Lease::~Lease() {
  if (pool_ != nullptr) pool_->Release(std::move(slot_), broken_);
}

int ConnectionPool::Lease::BackendPid() const {
  return slot_.connection->backendpid();
}

}  // namespace suppliers
