// Owns running one call's database work as transactions: a pooled
// connection, a statement timeout from the call's remaining deadline,
// cancellation reaching the running statement, the mapping of database
// exceptions to statuses, and retries of serialization failures.
#include "server/db/transaction_runner.h"

#include <optional>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "server/base/errors.h"
#include "server/db/database_errors.h"
#include "server/db/statements.h"

namespace suppliers {
namespace {

constexpr int kMaxAttempts = 3;

// Gives the connection's session the defaults a call needs: read-only or
// not, and a statement_timeout that ends no earlier than the call's
// deadline and at most a quarter after it. Sent only when the current
// values do not fit (one round trip, outside any transaction, so they stay
// for the next calls): a steady load with one deadline length sends none.
// The timeout is the backstop; the exact bound is the cancel each call sends
// to PostgreSQL when its deadline passes.
void EnsureSessionDefaults(PgConnection& connection, bool read_only,
                           int64_t remaining_ms) {
  PgConnection::SessionDefaults& current = connection.session_defaults();
  if (current.Fit(read_only, remaining_ms)) return;
  const int64_t timeout_ms =
      PgConnection::SessionDefaults::TimeoutFor(remaining_ms);
  current = {};  // unknown until the change is known to have taken
  pqxx::nontransaction setter(connection);
  sql::Exec(setter, sql::kSetSessionDefaults, read_only ? "on" : "off",
            absl::StrCat(timeout_ms, "ms"));
  setter.commit();
  current.read_only = read_only;
  current.statement_timeout_ms = timeout_ms;
}

}  // namespace

absl::Status TransactionRunner::Run(CallContext& call, Access access, Body body,
                                    Scope scope) {
  absl::Status status;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    status = RunOnce(call, access, body, scope);
    if (!IsRetryable(status) || attempt == kMaxAttempts) {
      break;
    }
    // Jitter keeps two conflicting calls from colliding again in lockstep.
    thread_local std::minstd_rand random(std::random_device{}());
    const unsigned spread_ms = 10 * attempt;
    const absl::Duration backoff = absl::Milliseconds(
        5 * attempt + static_cast<int>(random() % spread_ms));
    if (absl::Now() + backoff >= call.deadline()) break;
    absl::SleepFor(backoff);
  }
  return status;
}

absl::Status TransactionRunner::RunOnce(CallContext& call, Access access,
                                        Body body, Scope scope) {
  bool primary_only = false;
  while (true) {
    absl::StatusOr<std::unique_ptr<TransactionSession>> session =
        Open(call, access, Isolation::kReadCommitted, scope, primary_only);
    if (!session.ok()) return session.status();
    absl::Status status = (*session)->Run(
        [&](pqxx::transaction_base& txn, PgConnection&) { return body(txn); });
    if (status.ok()) status = (*session)->Commit();
    if (status.ok() && call.cancelled()) {
      // Committed work stays committed; the client is gone and will not
      // see the answer, which gRPC reports as CANCELLED anyway.
      return CallCancelled();
    }
    ConnectionPool* replica = (*session)->replica();
    if (replica != nullptr && !primary_only &&
        status.code() == absl::StatusCode::kUnavailable && !call.cancelled() &&
        absl::Now() < call.deadline()) {
      // The replica went away under the read (stopped, restarted): a read
      // is safe to run again, on the primary, and the caller sees no error.
      replicas_->ReportUnavailable(replica);
      primary_only = true;
      continue;
    }
    return status;
  }
}

absl::StatusOr<std::unique_ptr<TransactionSession>> TransactionRunner::Begin(
    CallContext& call, Access access, Isolation isolation) {
  return Open(call, access, isolation, Scope::kTransaction,
              /*primary_only=*/false);
}

absl::StatusOr<std::unique_ptr<TransactionSession>> TransactionRunner::Open(
    CallContext& call, Access access, Isolation isolation, Scope scope,
    bool primary_only) {
  if (!call.refusal().ok()) return call.refusal();
  if (call.cancelled()) {
    return CallCancelled();
  }
  if (access == Access::kReadOnly && replicas_ != nullptr && !primary_only &&
      !call.read_routing().primary_only) {
    if (ConnectionPool* replica = replicas_->Pick(call.read_routing().min_lsn);
        replica != nullptr) {
      absl::StatusOr<std::unique_ptr<TransactionSession>> session =
          OpenOn(*replica, call, access, isolation, scope);
      if (session.ok()) {
        (*session)->replica_ = replica;
        return session;
      }
      if (session.status().code() != absl::StatusCode::kUnavailable ||
          call.cancelled()) {
        return session.status();
      }
      replicas_->ReportUnavailable(replica);
    }
  }
  absl::StatusOr<std::unique_ptr<TransactionSession>> session =
      OpenOn(pool_, call, access, isolation, scope);
  if (session.ok()) {
    (*session)->report_commit_lsn_ =
        report_commit_lsn_ && access == Access::kReadWrite;
  }
  return session;
}

absl::StatusOr<std::unique_ptr<TransactionSession>> TransactionRunner::OpenOn(
    ConnectionPool& pool, CallContext& call, Access access, Isolation isolation,
    Scope scope) {
  absl::StatusOr<ConnectionPool::Lease> lease =
      pool.Acquire(call.deadline(), call.acquire_deadline(), &call);
  if (!lease.ok()) return lease.status();
  const int64_t remaining_ms =
      absl::ToInt64Milliseconds(call.deadline() - absl::Now());
  if (remaining_ms < 1) return DeadlinePassed();
  // Behind a transaction-pooling proxy no session state survives the
  // transaction: the call's settings go inside it (SET LOCAL), and a single
  // statement gets a transaction too, to carry them.
  const bool pooled = pool.transaction_pooling();
  if (pooled) scope = Scope::kTransaction;
  std::unique_ptr<TransactionSession> session(new TransactionSession(
      call, *std::move(lease), access == Access::kReadOnly,
      scope == Scope::kSingleStatement));
  try {
    PgConnection& connection = session->lease_.connection();
    if (!pooled) {
      EnsureSessionDefaults(connection, access == Access::kReadOnly,
                            remaining_ms);
    }
    if (!pooled && !call.trace_tag().empty()) {
      // One more round trip, only when the operator asked for it
      // (--trace_statements).
      pqxx::nontransaction tagger(connection);
      sql::Exec(tagger, sql::kSetTraceTag, call.trace_tag());
      tagger.commit();
    }
    if (scope == Scope::kSingleStatement) {
      session->txn_ = std::make_unique<pqxx::nontransaction>(connection);
    } else if (access == Access::kReadOnly) {
      if (isolation == Isolation::kRepeatableRead) {
        session->txn_ = std::make_unique<
            pqxx::transaction<pqxx::repeatable_read, pqxx::read_only>>(
            connection);
      } else {
        session->txn_ = std::make_unique<pqxx::read_transaction>(connection);
      }
    } else if (isolation == Isolation::kRepeatableRead) {
      session->txn_ =
          std::make_unique<pqxx::transaction<pqxx::repeatable_read>>(
              connection);
    } else {
      session->txn_ = std::make_unique<pqxx::work>(connection);
    }
    if (pooled) {
      sql::Exec(
          *session->txn_, sql::kSetTransactionDefaults,
          absl::StrCat(PgConnection::SessionDefaults::TimeoutFor(remaining_ms),
                       "ms"),
          call.trace_tag());
    }
  } catch (const std::exception& e) {
    return session->Fail(e);
  }
  return session;
}

TransactionSession::TransactionSession(CallContext& call,
                                       ConnectionPool::Lease lease,
                                       bool read_only, bool autocommit)
    : call_(call),
      lease_(std::move(lease)),
      read_only_(read_only),
      autocommit_(autocommit) {
  call_.Attach(&lease_.connection());
}

TransactionSession::~TransactionSession() { End(); }

void TransactionSession::End() {
  // Detached first: Detach waits for a cancel request in flight, so no
  // cancel can land on the ROLLBACK below (a cancelled ROLLBACK would leave
  // the session in an aborted transaction; the pool would then have to
  // clean it up).
  call_.Detach();
  finished_ = true;
  try {
    txn_.reset();  // rolls back an open transaction
  } catch (const std::exception&) {
    lease_.MarkBroken();
  }
}

absl::Status TransactionSession::Fail(const std::exception& error) {
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error);
      sql != nullptr && sql->sqlstate() == "57014" && !call_.cancelled() &&
      absl::Now() < call_.deadline()) {
    // Cancelled, but neither by our client nor by our statement_timeout
    // (which ends no earlier than the deadline): a cancel meant for the
    // connection's previous call, which PostgreSQL acted on late, at its
    // first interrupt check in this call's statement. That statement was
    // rolled back; running the call again is safe. (ABORTED, not
    // UNAVAILABLE: the connection itself is fine and stays in the pool.)
    return Fail(MarkRetryable(StatementInterrupted()));
  }
  if (autocommit_ && !read_only_ && !call_.cancelled() &&
      dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    // The statement was its own COMMIT: it may have happened.
    lease_.MarkBroken();
    return Fail(CommitOutcomeUnknown());
  }
  return Fail(FromDatabaseException(error, call_.cancelled(), read_only_));
}

absl::Status TransactionSession::Fail(absl::Status status) {
  failed_ = std::move(status);
  if (failed_.code() == absl::StatusCode::kUnavailable) lease_.MarkBroken();
  End();
  return failed_;
}

absl::Status TransactionSession::Run(Step step) {
  if (!failed_.ok()) return failed_;
  if (finished_) return absl::FailedPreconditionError("session finished");
  if (call_.cancelled()) {
    return Fail(CallCancelled());
  }
  try {
    absl::Status status = step(*txn_, lease_.connection());
    if (!status.ok()) return Fail(std::move(status));
    return status;
  } catch (const std::exception& e) {
    return Fail(e);
  }
}

absl::Status TransactionSession::Commit() {
  if (!failed_.ok()) return failed_;
  if (finished_) return absl::FailedPreconditionError("session finished");
  try {
    txn_->commit();
    finished_ = true;
  } catch (const std::exception& e) {
    return Fail(e);
  }
  if (report_commit_lsn_) RecordCommitPosition();
  return absl::OkStatus();
}

void TransactionSession::RecordCommitPosition() {
  try {
    txn_.reset();
    pqxx::nontransaction query(lease_.connection());
    // The insert position is at or past the end of the commit record just
    // written: a replica that replayed through it shows the commit.
    const std::optional<uint64_t> lsn =
        ParseLsn(sql::Exec1(query, sql::kCommitPosition)[0].as<std::string>());
    if (lsn.has_value()) call_.set_commit_lsn(*lsn);
  } catch (const std::exception&) {
    // The write committed; only its position is unknown (the client then
    // gets none and reads from the primary). A broken connection is not
    // returned to the pool.
    if (PQstatus(lease_.connection().raw_handle()) != CONNECTION_OK) {
      lease_.MarkBroken();
    }
  }
}

}  // namespace suppliers
