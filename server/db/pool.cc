// Owns the bounded PostgreSQL connection pool: lazy connections, deadline-
// bounded acquisition, per-connection prepared statements, and detection and
// replacement of broken or expired connections.
#include "server/db/pool.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"

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
  const absl::Time until = absl::Now() + bound;
  while (true) {
    if (PQconsumeInput(raw) != 1) return false;
    while (PQisBusy(raw) == 0) {
      PGresult* result = PQgetResult(raw);
      if (result == nullptr) {
        return PQtransactionStatus(raw) == PQTRANS_IDLE;
      }
      PQclear(result);
    }
    const int64_t wait_ms = absl::ToInt64Milliseconds(until - absl::Now());
    if (wait_ms <= 0) return false;
    pollfd p{PQsocket(raw), POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(wait_ms)) < 0 && errno != EINTR) {
      return false;
    }
  }
}

}  // namespace

ConnectionPool::ConnectionPool(PoolOptions options)
    : options_(std::move(options)) {
  maintenance_ = std::thread([this] { MaintenanceLoop(); });
}

ConnectionPool::~ConnectionPool() {
  std::vector<Slot> closing;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    available_.SignalAll();
    maintenance_wakeup_.Signal();
    closing.swap(idle_);
  }
  maintenance_.join();
  // `closing` is destroyed here, outside the lock: closing a connection
  // talks to the server.
}

absl::StatusOr<ConnectionPool::Slot> ConnectionPool::Open(absl::Time deadline) {
  if (absl::Now() >= deadline) {
    return absl::DeadlineExceededError(
        "deadline passed before a database connection could be opened");
  }
  try {
    Slot slot{std::make_unique<PgConnection>(options_.conninfo), absl::Now()};
    if (!options_.session_setup.empty()) {
      pqxx::nontransaction setup(*slot.connection);
      for (const std::string& statement : options_.session_setup) {
        setup.exec(statement);
      }
    }
    for (const PreparedStatement& statement : options_.statements) {
      slot.connection->prepare(statement.name, statement.sql);
      slot.connection->prepare_now(statement.name);
    }
    return slot;
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ",
                     absl::StripAsciiWhitespace(e.what())));
  } catch (const pqxx::sql_error& e) {
    // A statement that does not prepare is a bug or a schema that was not
    // migrated; either way no call on this connection could succeed.
    return absl::FailedPreconditionError(
        absl::StrCat("cannot prepare statements (is the schema migrated?): ",
                     absl::StripAsciiWhitespace(e.what())));
  } catch (const std::exception& e) {
    return absl::UnavailableError(
        absl::StrCat("cannot connect to the database: ",
                     absl::StripAsciiWhitespace(e.what())));
  }
}

bool ConnectionPool::Reusable(const Slot& slot, absl::Time now) const {
  return slot.connection->is_open() &&
         now - slot.created < options_.max_lifetime &&
         SocketLooksIdle(*slot.connection);
}

absl::StatusOr<ConnectionPool::Lease> ConnectionPool::Acquire(
    absl::Time caller_deadline) {
  const absl::Time pool_deadline = absl::Now() + options_.acquire_timeout;
  const absl::Time wait_until = std::min(caller_deadline, pool_deadline);
  // Declared before the lock so that it is destroyed after the unlock:
  // closing a connection talks to the server.
  std::vector<Slot> unusable;
  absl::MutexLock lock(&mu_);
  while (true) {
    if (stopping_) {
      return absl::UnavailableError("the connection pool is shutting down");
    }
    const absl::Time now = absl::Now();
    while (!idle_.empty()) {
      // Most recently used first: keeps a warm set small so the rest can
      // age out.
      Slot slot = std::move(idle_.back());
      idle_.pop_back();
      if (Reusable(slot, now)) {
        ++in_use_;
        return Lease(this, std::move(slot));
      }
      ++discarded_;
      unusable.push_back(std::move(slot));
    }
    if (in_use_ + connecting_ < options_.max_size) {
      ++connecting_;
      mu_.Unlock();
      unusable.clear();
      absl::StatusOr<Slot> opened = Open(caller_deadline);
      mu_.Lock();
      --connecting_;
      if (!opened.ok()) {
        // Our reserved place is free again; someone waiting may use it.
        available_.Signal();
        return opened.status();
      }
      ++opened_;
      ++in_use_;
      return Lease(this, *std::move(opened));
    }
    if (now >= wait_until) {
      if (caller_deadline <= pool_deadline) {
        return absl::DeadlineExceededError(
            "deadline exceeded while waiting for a database connection");
      }
      return absl::ResourceExhaustedError(
          absl::StrCat("all ", options_.max_size,
                       " database connections are busy; try again later"));
    }
    if (waiters_ >= options_.max_waiters) {
      return absl::ResourceExhaustedError(
          absl::StrCat("too many calls (", waiters_,
                       ") are already waiting for a database connection"));
    }
    ++waiters_;
    available_.WaitWithDeadline(&mu_, wait_until);
    --waiters_;
  }
}

void ConnectionPool::Release(Slot slot, bool broken) {
  if (!broken &&
      !ReturnToIdle(*slot.connection, options_.return_to_idle_timeout)) {
    broken = true;
    // Whatever still runs for this session must not outlive it: closing the
    // socket alone leaves a running query running until its timeout.
    if (PQtransactionStatus(slot.connection->raw_handle()) == PQTRANS_ACTIVE) {
      try {
        slot.connection->cancel_query();
      } catch (const std::exception&) {
        // Best effort; the statement timeout still bounds the query.
      }
    }
  }
  {
    absl::MutexLock lock(&mu_);
    --in_use_;
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
      opened = Open(absl::Now() + absl::Seconds(30));
    }
    mu_.Lock();
    if (want_more) {
      --connecting_;
      if (opened.ok() && !stopping_) {
        ++opened_;
        idle_.push_back(*std::move(opened));
        available_.Signal();
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

void ConnectionPool::Lease::Cancel() const {
  try {
    slot_.connection->cancel_query();
  } catch (const std::exception&) {
    // Best effort: if the cancel request cannot be delivered, the statement
    // timeout still bounds the query.
  }
}

int ConnectionPool::Lease::BackendPid() const {
  return slot_.connection->backendpid();
}

}  // namespace suppliers
