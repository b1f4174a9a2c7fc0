// Owns the bounded PostgreSQL connection pool: lazy connections, deadline-
// bounded acquisition, per-connection prepared statements, and detection and
// replacement of broken or expired connections.
#ifndef SUPPLIERS_SERVER_DB_POOL_H_
#define SUPPLIERS_SERVER_DB_POOL_H_

#include <cstdint>
#include <memory>
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

struct PoolOptions {
  // libpq keyword/value conninfo. Contains the password: never log it.
  std::string conninfo;
  // Most connections open at once (in use + idle).
  int max_size = 8;
  // Idle connections the maintenance thread keeps open in the background.
  int min_idle = 1;
  // Most callers waiting for a connection; the next one is refused at once
  // with RESOURCE_EXHAUSTED instead of queueing without bound.
  int max_waiters = 64;
  // Longest a caller waits for a free connection when its own deadline is
  // later; past it the pool answers RESOURCE_EXHAUSTED.
  absl::Duration acquire_timeout = absl::Seconds(2);
  // Connections older than this are closed when idle and replaced, so server
  // side state (memory, plan caches) and DNS/failover changes are refreshed.
  absl::Duration max_lifetime = absl::Minutes(30);
  // A lease handed back inside a transaction (open or aborted) is rolled
  // back within this bound; past it, or with a command still running, the
  // connection is cancelled and closed instead of returned.
  absl::Duration return_to_idle_timeout = absl::Seconds(1);
  // How often the maintenance thread expires and tops up idle connections.
  absl::Duration maintenance_interval = absl::Seconds(1);
  // Run on every new connection before its statements are prepared (session
  // settings, temporary tables the statements refer to).
  std::vector<std::string> session_setup;
  // Prepared on every new connection before it is handed out.
  std::vector<PreparedStatement> statements;
};

// Thread-safe. Every method may be called from any thread. Leases must be
// destroyed before the pool.
class ConnectionPool {
 public:
  class Lease;

  explicit ConnectionPool(PoolOptions options);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;
  // Stops the maintenance thread and closes idle connections.
  ~ConnectionPool();

  // Hands out a healthy connection, opening one if the pool is below
  // max_size. Waits for a free one until min(caller_deadline, now +
  // acquire_timeout). Errors:
  //   DEADLINE_EXCEEDED   the caller's deadline came first;
  //   RESOURCE_EXHAUSTED  pool full past acquire_timeout, or too many waiters;
  //   UNAVAILABLE         a new connection could not be opened (database down).
  absl::StatusOr<Lease> Acquire(absl::Time caller_deadline);

  struct Stats {
    int idle = 0;
    int in_use = 0;
    int connecting = 0;
    int waiters = 0;
    int64_t opened = 0;     // connections ever opened
    int64_t discarded = 0;  // connections closed as broken or expired
  };
  Stats GetStats() const;

 private:
  struct Slot {
    std::unique_ptr<PgConnection> connection;
    absl::Time created;
  };

  absl::StatusOr<Slot> Open(absl::Time deadline);
  bool Reusable(const Slot& slot, absl::Time now) const;
  void Release(Slot slot, bool broken);
  void MaintenanceLoop();

  const PoolOptions options_;
  mutable absl::Mutex mu_;
  absl::CondVar available_;           // a connection or a place was freed
  absl::CondVar maintenance_wakeup_;  // stopping
  std::vector<Slot> idle_ ABSL_GUARDED_BY(mu_);
  int in_use_ ABSL_GUARDED_BY(mu_) = 0;
  int connecting_ ABSL_GUARDED_BY(mu_) = 0;
  int waiters_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t opened_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t discarded_ ABSL_GUARDED_BY(mu_) = 0;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread maintenance_;
};

// Exclusive use of one pooled connection; returns it on destruction, which
// may take a bounded round trip (a ROLLBACK of a transaction the holder left
// open): destroy leases on worker threads. A connection goes back to the
// pool only when libpq reports it idle with nothing pending. Move-only. Not
// thread-safe: one thread uses a lease at a time, but Cancel() may be called
// from another thread.
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
  void Cancel() const;
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
