// Owns running one call's database work as transactions: a pooled
// connection, a statement timeout from the call's remaining deadline,
// cancellation reaching the running statement, the mapping of database
// exceptions to statuses, and retries of serialization failures.
#ifndef SUPPLIERS_SERVER_DB_TRANSACTION_RUNNER_H_
#define SUPPLIERS_SERVER_DB_TRANSACTION_RUNNER_H_

#include <exception>
#include <memory>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pqxx/transaction_base"
#include "server/db/call_context.h"
#include "server/db/pg_connection.h"
#include "server/db/pool.h"
#include "server/db/replica_set.h"

namespace suppliers {

class TransactionSession;

// Thread-safe; holds no per-call state.
class TransactionRunner {
 public:
  enum class Access { kReadOnly, kReadWrite };
  // Repeatable read gives a multi-step read one snapshot (a download reads
  // every chunk of the same drawing version).
  enum class Isolation { kReadCommitted, kRepeatableRead };
  // What encloses a call's statements.
  enum class Scope {
    // BEGIN ... COMMIT around the body.
    kTransaction,
    // The body's first statement runs alone, in autocommit: it is the
    // call's whole transaction (all or nothing, as any statement), and the
    // call costs one round trip instead of three. Anything the body runs
    // after it must only read, to explain a failure (a NOT_FOUND after an
    // UPDATE that matched no row); each runs as a transaction of its own.
    kSingleStatement,
  };
  // Transaction body. Must start from a clean slate on each invocation (it
  // may be run again after a serialization failure) and return OK to commit.
  using Body = absl::FunctionRef<absl::Status(pqxx::transaction_base&)>;

  // Read-only work goes to `replicas` (optional) when the call allows it
  // and a replica qualifies (ReplicaSet::Pick), else to `pool`, the
  // primary. With `report_commit_lsn`, a call that committed a write
  // learns the WAL position after its commit (CallContext::commit_lsn; one
  // more statement per write), for its client's read-your-writes.
  explicit TransactionRunner(ConnectionPool& pool,
                             ReplicaSet* replicas = nullptr,
                             bool report_commit_lsn = false)
      : pool_(pool),
        replicas_(replicas),
        report_commit_lsn_(report_commit_lsn) {}
  TransactionRunner(const TransactionRunner&) = delete;
  TransactionRunner& operator=(const TransactionRunner&) = delete;

  // Runs `body` in one transaction (read-only ones as READ ONLY) on a pooled
  // connection, its statements bounded by statement_timeout (the call's
  // remaining time, up to a quarter more: the exact bound is the cancel the
  // call sends at its deadline; see EnsureSessionDefaults in the .cc).
  // Commits when `body` returns OK, rolls back otherwise. Serialization
  // failures and deadlocks are retried up to 3 attempts in all, with a short
  // jittered backoff, while the deadline allows. Errors: pool errors as is;
  // database errors through FromDatabaseException; CANCELLED when the call
  // was cancelled; DEADLINE_EXCEEDED when no time is left.
  absl::Status Run(CallContext& call, Access access, Body body,
                   Scope scope = Scope::kTransaction);

  // Run() for a body that fills in a result (a call's response): returns the
  // result once committed. Every attempt starts from a default-constructed
  // Result, so a retried body never sees a failed attempt's partial output.
  template <typename Result>
  absl::StatusOr<Result> RunFor(
      CallContext& call, Access access,
      absl::FunctionRef<absl::Status(pqxx::transaction_base&, Result&)> body,
      Scope scope = Scope::kTransaction) {
    Result result;
    absl::Status status = Run(
        call, access,
        [&](pqxx::transaction_base& txn) {
          result = Result();
          return body(txn, result);
        },
        scope);
    if (!status.ok()) return status;
    return result;
  }

  // Opens a transaction that spans several steps of one call (streams): a
  // pooled connection held until the session is destroyed, attached to
  // `call` for cancellation, statement_timeout from the call's deadline.
  // `call` must outlive the session. Errors as for Run.
  absl::StatusOr<std::unique_ptr<TransactionSession>> Begin(
      CallContext& call, Access access, Isolation isolation);

 private:
  absl::Status RunOnce(CallContext& call, Access access, Body body,
                       Scope scope);
  // Opens the session; a read may go to a replica unless `primary_only`,
  // and falls back to the primary when the replica cannot give it a
  // connection.
  absl::StatusOr<std::unique_ptr<TransactionSession>> Open(CallContext& call,
                                                           Access access,
                                                           Isolation isolation,
                                                           Scope scope,
                                                           bool primary_only);
  absl::StatusOr<std::unique_ptr<TransactionSession>> OpenOn(
      ConnectionPool& pool, CallContext& call, Access access,
      Isolation isolation, Scope scope);

  ConnectionPool& pool_;
  ReplicaSet* const replicas_;
  const bool report_commit_lsn_;
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
  // TransactionRunner::Run; after any error the transaction is rolled back
  // and every later Step or Commit returns that error again.
  absl::Status Run(Step step);
  // Commits; the session is finished afterwards. With the runner's
  // report_commit_lsn, a read-write session then records the WAL position
  // in the call (a failure to read it costs only the position).
  absl::Status Commit();
  // The replica pool the session runs on; nullptr: the primary.
  ConnectionPool* replica() const { return replica_; }

 private:
  friend class TransactionRunner;
  TransactionSession(CallContext& call, ConnectionPool::Lease lease,
                     bool read_only, bool autocommit);
  // Reads the WAL position after this session's commit into the call.
  void RecordCommitPosition();
  // Records the failure, rolls back and detaches; returns the failure.
  absl::Status Fail(const std::exception& error);
  absl::Status Fail(absl::Status status);
  // Detaches from the call and rolls back what is still open.
  void End();

  CallContext& call_;
  ConnectionPool::Lease lease_;
  const bool read_only_;
  // Statements commit as they run (Scope::kSingleStatement): a write whose
  // connection broke may have committed.
  const bool autocommit_;
  ConnectionPool* replica_ = nullptr;
  bool report_commit_lsn_ = false;
  std::unique_ptr<pqxx::transaction_base> txn_;
  absl::Status failed_;
  bool finished_ = false;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_TRANSACTION_RUNNER_H_
