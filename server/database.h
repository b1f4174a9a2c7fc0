// Owns running one call's database work: a pooled connection, a transaction
// whose statement timeout is the call's remaining deadline, cancellation of
// the running statement when the call is cancelled, the mapping of database
// exceptions to statuses, and retries of serialization failures.
#ifndef SUPPLIERS_SERVER_DATABASE_H_
#define SUPPLIERS_SERVER_DATABASE_H_

#include "absl/base/thread_annotations.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/transaction_base"
#include "server/pool.h"

namespace suppliers {

// Per-call state shared by the gRPC reactor and the worker running the call.
// Thread-safe: Cancel() may be called from any thread at any time.
class CallContext {
 public:
  explicit CallContext(absl::Time deadline) : deadline_(deadline) {}
  CallContext(const CallContext&) = delete;
  CallContext& operator=(const CallContext&) = delete;

  absl::Time deadline() const { return deadline_; }
  // Marks the call cancelled and asks PostgreSQL to cancel the statement
  // running for it, if any. Blocks for one cancel request round trip.
  void Cancel();
  bool cancelled() const;

 private:
  friend class Database;
  friend class TransactionSession;
  void Attach(ConnectionPool::Lease* lease);
  void Detach();

  const absl::Time deadline_;
  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  ConnectionPool::Lease* lease_ ABSL_GUARDED_BY(mu_) = nullptr;
};

// Statement every pooled connection must prepare for Database to work.
extern const PreparedStatement kSetStatementTimeout;

class TransactionSession;

// Thread-safe; holds no per-call state.
class Database {
 public:
  enum class Access { kReadOnly, kReadWrite };
  // Repeatable read gives a multi-step read one snapshot (a download reads
  // every chunk of the same drawing version).
  enum class Isolation { kReadCommitted, kRepeatableRead };
  // Transaction body. Must start from a clean slate on each invocation (it
  // may be run again after a serialization failure) and return OK to commit.
  using Body = absl::FunctionRef<absl::Status(pqxx::transaction_base&)>;

  explicit Database(ConnectionPool& pool) : pool_(pool) {}
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  // Runs `body` in one transaction (read-only ones as READ ONLY) on a pooled
  // connection, with statement_timeout set to the call's remaining time.
  // Commits when `body` returns OK, rolls back otherwise. Serialization
  // failures and deadlocks are retried up to 3 attempts in all, with a short
  // jittered backoff, while the deadline allows. Errors: pool errors as is;
  // database errors through FromDatabaseException; CANCELLED when the call
  // was cancelled; DEADLINE_EXCEEDED when no time is left.
  absl::Status Run(CallContext& call, Access access, Body body);

  // Opens a transaction that spans several steps of one call (streams): a
  // pooled connection held until the session is destroyed, attached to
  // `call` for cancellation, statement_timeout from the call's deadline.
  // `call` must outlive the session. Errors as for Run.
  absl::StatusOr<std::unique_ptr<TransactionSession>> Begin(
      CallContext& call, Access access, Isolation isolation);

 private:
  absl::Status RunOnce(CallContext& call, Access access, Body body);

  ConnectionPool& pool_;
};

// One open transaction of a streaming call. Not thread-safe: one step at a
// time, from any thread. Destroying it rolls back what was not committed and
// returns the connection to the pool (a network round trip: destroy it on a
// worker, not on a gRPC thread).
class TransactionSession {
 public:
  using Step =
      absl::FunctionRef<absl::Status(pqxx::transaction_base&, PgConnection&)>;

  TransactionSession(const TransactionSession&) = delete;
  TransactionSession& operator=(const TransactionSession&) = delete;
  ~TransactionSession();

  // Runs `step` in the transaction. Exceptions are mapped as in
  // Database::Run; after any error the transaction is rolled back and every
  // later Step or Commit returns that error again.
  absl::Status Run(Step step);
  // Commits; the session is finished afterwards.
  absl::Status Commit();

 private:
  friend class Database;
  TransactionSession(CallContext& call, ConnectionPool::Lease lease);
  absl::Status Fail(const std::exception& error);

  CallContext& call_;
  ConnectionPool::Lease lease_;
  std::unique_ptr<pqxx::transaction_base> txn_;
  absl::Status failed_;
  bool finished_ = false;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DATABASE_H_
