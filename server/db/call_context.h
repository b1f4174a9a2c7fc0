// Owns the per-call state that the gRPC side and the database side share:
// the call's deadline, whether it was cancelled, and the connection its SQL
// is running on (so a cancel can reach PostgreSQL).
#ifndef SUPPLIERS_SERVER_DB_CALL_CONTEXT_H_
#define SUPPLIERS_SERVER_DB_CALL_CONTEXT_H_

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/db/pool.h"

namespace suppliers {

// Thread-safe: Cancel() may be called from any thread at any time, while a
// worker runs the call's transaction.
class CallContext {
 public:
  // `deadline` bounds the whole call (its SQL runs with a statement timeout
  // of what is left of it); `acquire_deadline` is when the call must have
  // got a database connection, counting the time it waited for a worker,
  // past which the pool answers RESOURCE_EXHAUSTED (see ConnectionPool).
  explicit CallContext(absl::Time deadline,
                       absl::Time acquire_deadline = absl::InfiniteFuture())
      : deadline_(deadline), acquire_deadline_(acquire_deadline) {}
  CallContext(const CallContext&) = delete;
  CallContext& operator=(const CallContext&) = delete;

  absl::Time deadline() const { return deadline_; }
  absl::Time acquire_deadline() const { return acquire_deadline_; }
  // Marks the call cancelled and asks PostgreSQL to cancel the statement
  // running for it, if any. Blocks for one cancel request round trip.
  void Cancel();
  bool cancelled() const;

 private:
  friend class TransactionSession;
  // The lease the call's statements run on, from Attach() until Detach().
  void Attach(ConnectionPool::Lease* lease);
  void Detach();

  const absl::Time deadline_;
  const absl::Time acquire_deadline_;
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  ConnectionPool::Lease* lease_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_CALL_CONTEXT_H_
