// Owns the bounded PostgreSQL connection pool: lazy connections opened and
// set up within the caller's bounds, deadline-bounded acquisition,
// per-connection prepared statements, connections returned only when idle,
// detection and replacement of broken or expired ones, and a shutdown that
// cancels whatever still runs in the database.
#ifndef SUPPLIERS_SERVER_DB_POOL_H_
#define SUPPLIERS_SERVER_DB_POOL_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/db/pg_connection.h"

namespace suppliers {

// A named SQL statement, prepared once on every pooled connection.
struct PreparedStatement {
  const char* name;
  const char* sql;
};

// Where a caller's cancellation meets the pool: while the pool opens a
// connection for a caller, it attaches the connection (so that a cancel
// reaches its setup) and gives up as soon as cancelled() turns true, as it
// does when waiting for a free connection. Implemented by CallContext.
class CancelScope {
 public:
  virtual ~CancelScope() = default;
  virtual bool cancelled() const = 0;
  virtual void Attach(PgConnection* connection) = 0;
  virtual void Detach() = 0;
};

struct PoolOptions {
  // libpq keyword/value conninfo. Contains the password: never log it.
  std::string conninfo;
  // Most connections open at once (in use + idle + being opened).
  int max_size = 8;
  // Idle connections the maintenance thread keeps open in the background.
  int min_idle = 1;
  // Most callers waiting for a connection; the next one is refused at once
  // with RESOURCE_EXHAUSTED instead of queueing without bound.
  int max_waiters = 64;
  // Longest a caller waits for a connection (a free one, or a new one being
  // opened) when its own deadline is later; past it the pool answers
  // RESOURCE_EXHAUSTED. Callers that already waited elsewhere (in the work
  // queue) pass their own acquire deadline instead.
  absl::Duration acquire_timeout = absl::Seconds(2);
  // Connections older than this are closed when idle and replaced, so server
  // side state (memory, plan caches) and DNS/failover changes are refreshed.
  absl::Duration max_lifetime = absl::Minutes(30);
  // A lease handed back inside a transaction (open or aborted) is rolled
  // back within this bound; past it, or with a command still running, the
  // connection is closed instead of returned, a running command first
  // cancelled (repeatedly, within the same bound) so it cannot outlive it.
  absl::Duration return_to_idle_timeout = absl::Seconds(1);
  // How often the maintenance thread expires and tops up idle connections.
  absl::Duration maintenance_interval = absl::Seconds(1);
  // Run on every new connection before its statements are prepared (session
  // settings, temporary tables the statements refer to).
  std::vector<std::string> session_setup;
  // Prepared on every new connection before it is handed out.
  std::vector<PreparedStatement> statements;
  // The connections go through a transaction-pooling proxy (PgBouncer in
  // pool_mode=transaction), where a session keeps nothing past the current
  // transaction: neither session_setup nor statements are run, connections
  // are not session_prepared(), and the TransactionRunner sets what a call
  // needs inside each transaction.
  bool transaction_pooling = false;
};

// Thread-safe. Every method may be called from any thread. Leases must be
// destroyed before the pool.
class ConnectionPool {
 public:
  class Lease;

  explicit ConnectionPool(PoolOptions options);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  // Shuts down, stops the maintenance thread and closes idle connections.
  ~ConnectionPool();

  // Hands out a healthy connection, opening one if the pool is below
  // max_size. Waits, and bounds the opening of a new connection (connect,
  // session setup, statement preparation, each under a statement timeout),
  // until min(caller_deadline, acquire_deadline), where acquire_deadline
  // defaults to now + acquire_timeout. Errors (messages name no host, user
  // or SQL; the details go to the log):
  //   DEADLINE_EXCEEDED   the caller's deadline came first;
  //   RESOURCE_EXHAUSTED  pool full past the acquire deadline, or too many
  //                       waiters;
  //   UNAVAILABLE         a new connection could not be opened (database
  //                       down, or too slow to accept one), or shut down;
  //   FAILED_PRECONDITION the statements do not prepare: the schema is not
  //                       migrated (reason SCHEMA_NOT_MIGRATED);
  //   CANCELLED           `scope` (optional) was cancelled meanwhile.
  absl::StatusOr<Lease> Acquire(
      absl::Time caller_deadline,
      absl::Time acquire_deadline = absl::InfiniteFuture(),
      CancelScope* scope = nullptr);

  // An idle, healthy connection at once, or nothing: never waits and never
  // opens one, so that a thread which must not block can still take a warm
  // connection (the StatementDriver).
  std::optional<Lease> TryAcquireIdle();

  // Refuses further acquisitions (UNAVAILABLE), abandons connections being
  // opened and cancels every command running on a connection of the pool,
  // so that their holders finish promptly. Idempotent; leases stay valid
  // and are closed when returned.
  void Shutdown();

  struct Stats {
    int idle = 0;
    int in_use = 0;
    int connecting = 0;
    int waiters = 0;
    int64_t opened = 0;     // connections ever opened
    int64_t discarded = 0;  // connections closed as broken or expired
  };
  Stats GetStats() const;

  // Whether connections keep session state (see PoolOptions).
  bool transaction_pooling() const { return options_.transaction_pooling; }

 private:
  // Acquire without the metric of its wait.
  absl::StatusOr<Lease> AcquireUnmeasured(absl::Time caller_deadline,
                                          absl::Time acquire_deadline,
                                          CancelScope* scope);
  struct Slot {
    std::unique_ptr<PgConnection> connection;
    absl::Time created;
  };

  absl::StatusOr<Slot> Open(absl::Time deadline, bool deadline_is_callers,
                            CancelScope* scope);
  absl::Status SetUp(PgConnection& connection, absl::Time deadline);
  bool Reusable(const Slot& slot, absl::Time now) const;
  // Hands out the most recently used reusable idle connection, moving
  // the unusable ones it meets to `unusable` (closed by the caller after
  // unlocking); nothing when none is left.
  std::optional<Lease> TakeIdleLocked(absl::Time now,
                                      std::vector<Slot>& unusable)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void Release(Slot slot, bool broken);
  void MaintenanceLoop();
  // Connections whose commands Shutdown() must cancel.
  void Track(PgConnection* connection);
  void Untrack(PgConnection* connection);

  const PoolOptions options_;
  // Read by connection attempts without the lock (PgConnection polls it).
  std::atomic<bool> abandon_connects_{false};
  mutable absl::Mutex mu_;
  absl::CondVar available_;           // a connection or a place was freed
  absl::CondVar maintenance_wakeup_;  // stopping
  std::vector<Slot> idle_ ABSL_GUARDED_BY(mu_);
  // Connections in use or being set up (not idle).
  std::set<PgConnection*> busy_ ABSL_GUARDED_BY(mu_);
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  int connecting_ ABSL_GUARDED_BY(mu_) = 0;
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t opened_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t discarded_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time last_failure_logged_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  std::thread maintenance_;
};

// Exclusive use of one pooled connection; returns it on destruction, which
// may take bounded round trips (a ROLLBACK of a transaction the holder left
// open, cancels of a command it left running): destroy leases on worker
// threads. A connection goes back to the pool only when libpq reports it
// idle with nothing pending. Move-only. Not thread-safe: one thread uses a
// lease at a time, but Cancel() may be called from another thread.
class ConnectionPool::Lease {
 public:
  Lease(Lease&& other) noexcept;
  Lease& operator=(Lease&& other) = delete;
  Lease(const Lease&) = delete;
  ~Lease();

  PgConnection& connection() const { return *slot_.connection; }
  // Drops the connection instead of returning it (after a broken-connection
  // error, or when its session state is unknown).
  void MarkBroken() { broken_ = true; }
  // Asks the server to cancel the statement running on this connection.
  void Cancel() const { slot_.connection->Cancel(); }
  // Process id of the backend serving this connection.
  int BackendPid() const;

 private:
  friend class ConnectionPool;
  Lease(ConnectionPool* pool, Slot slot)
      : pool_(pool), slot_(std::move(slot)) {}

  ConnectionPool* pool_;
  Slot slot_;
  bool broken_ = false;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_POOL_H_
