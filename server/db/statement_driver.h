// Owns running single read-only statements without a thread per
// connection: one driver thread holds a few pooled connections in libpq's
// non-blocking pipeline mode under one epoll, callers send on one straight
// from their own thread, and the driver thread collects every reply that
// has arrived per wake. A call costs one round trip and no hand-off to a
// worker, and calls that arrive together share the connection's round
// trips; multi-statement work and streams stay on the work queue.
#ifndef SUPPLIERS_SERVER_DB_STATEMENT_DRIVER_H_
#define SUPPLIERS_SERVER_DB_STATEMENT_DRIVER_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/base/work_queue.h"
#include "server/db/call_context.h"
#include "server/db/pool.h"
#include "server/db/result_rows.h"

namespace suppliers {

// Each statement runs alone, in autocommit (a Sync after each: one failing
// statement affects no other), with the connection's session set read-only and
// a statement_timeout that ends no earlier than the call's deadline (the same
// defaults the transaction runner keeps; sent first, in the same wake, only
// when they do not fit). The call is attached to its connection while the
// statement runs, so a cancel (CallContext::Cancel, CallCanceller) reaches
// PostgreSQL as on a worker.
//
// A statement goes to the connection with the fewest statements in flight,
// up to `pipeline_depth` each. Connections are leased from the pool while
// none is idle (the blocking Acquire runs on `blocking_work`, never on the
// driver or a caller), at most `max_connections`, and handed back after
// `linger` without work, or at once when the pool has callers waiting.
// Calls that find every connection full wait in a FIFO, admitted by expected
// wait as in WorkQueue: a call whose expected wait is more than half of what it
// may wait (its deadline, its acquire deadline, `max_queue_wait`) is refused at
// once with RESOURCE_EXHAUSTED; one still queued at that bound is shed.
//
// Thread-safe. Completions run on the driver thread and must not block.
class StatementDriver {
 public:
  struct Options {
    int max_connections = 4;
    // Statements in flight on one connection at once. A statement waits
    // for those ahead of it on its connection, so this stays small.
    int pipeline_depth = 4;
    size_t queue_capacity = 4096;
    absl::Duration max_queue_wait = absl::Seconds(1);
    absl::Duration linger = absl::Milliseconds(200);
  };
  // Called exactly once per accepted statement, on the driver thread (or
  // on the thread that calls Stop()): the rows, or the mapped error
  // (database_errors.h) or the reason it was shed.
  using Done = absl::AnyInvocable<void(absl::StatusOr<ResultRows>) &&>;
  // Names an accepted statement, for Withdraw(). Never 0.
  using Ticket = uint64_t;

  StatementDriver(ConnectionPool& pool, WorkQueue& blocking_work,
                  Options options);
  StatementDriver(const StatementDriver&) = delete;
  StatementDriver& operator=(const StatementDriver&) = delete;
  // Stops (see Stop()).
  ~StatementDriver();

  // Runs `statement` for `call`. Never blocks on the network. Refused
  // (`done` not moved from) with RESOURCE_EXHAUSTED (queue full, or the
  // expected wait does not fit), CANCELLED (the call already was), or
  // UNAVAILABLE (stopping). On acceptance `*ticket` (when given) names it.
  absl::Status Submit(std::shared_ptr<CallContext> call,
                      StatementCall statement, Done&& done,
                      Ticket* ticket = nullptr);

  // Removes the statement named `ticket` if it is still queued (not sent);
  // its `done` will not run. False when it was sent, answered or shed.
  bool Withdraw(Ticket ticket);

  // Refuses new statements, answers the queued ones UNAVAILABLE, waits for
  // those on the wire (cancel them first: ConnectionPool::Shutdown) and
  // hands every connection back. Idempotent. `blocking_work` must still run
  // tasks while this waits.
  void Stop();

  // Connections held now (busy or lingering), and statements queued.
  int connections() const;
  int queued() const;

 private:
  struct Job {
    Ticket ticket = 0;
    std::shared_ptr<CallContext> call;
    StatementCall statement;
    Done done;
    absl::Time expire_at;
    absl::Time sent_at;
    // When the driver last sent this call's cancel (see AttachHeadLocked).
    absl::Time cancel_sent_at = absl::InfinitePast();
    int attempts = 0;
  };
  // One statement sent on a connection and not yet answered: a call's, or
  // a change of session defaults ahead of one.
  struct InFlight;
  struct Connection;
  // What a locked section decided to do once unlocked: answer calls and
  // hand connections back (both may take time or call out).
  struct Deferred {
    std::vector<std::pair<Done, absl::StatusOr<ResultRows>>> answers;
    std::vector<ConnectionPool::Lease> releases;
    // Calls whose cancel must be sent (a round trip to the postmaster).
    std::vector<std::shared_ptr<CallContext>> cancels;
    void Answer(Job& job, absl::StatusOr<ResultRows> result);
  };

  enum class Started { kSent, kAnswered, kRetired };

  void Loop();
  void Adopt(absl::StatusOr<ConnectionPool::Lease> lease);
  // Touches no member: callers run it after unlocking, and Stop() may
  // return meanwhile.
  static void RunDeferred(Deferred& deferred);
  // Below: with mu_ held.
  // Leases more connections while the work outgrows them: idle pooled
  // ones at once, else one at a time through `blocking_work_`.
  void AcquireMoreLocked(Deferred& deferred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sets up a leased connection for the driver and feeds it.
  void AdoptLocked(ConnectionPool::Lease lease, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Sends `job` (after the session defaults it needs, if any) on
  // `connection`, which has room: kSent. A job cancelled or out of time is
  // answered unsent (kAnswered); a failed send answers every job of the
  // connection and retires it (kRetired: `connection` is gone).
  Started SendLocked(Connection& connection, Job job, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `connection` takes queued jobs while it has room. False when it was
  // retired (a send failed).
  bool FeedLocked(Connection& connection, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Attaches the first call in flight on `connection` (the one whose
  // statement runs), so that its cancel reaches that statement; sends (and
  // repeats) the cancel of one cancelled while it waited.
  void AttachHeadLocked(Connection& connection, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The connection with room and the fewest statements in flight.
  Connection* LeastBusyLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // `connection` broke: its jobs go back to the queue (reads that had no
  // effect) or are answered, and it is retired.
  void FailConnectionLocked(Connection& connection, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues `job` again at the front while it has attempts and time left
  // and is wanted; otherwise answers it with `status`.
  void RetryOrAnswerLocked(Job job, absl::Status status, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Every connection with room takes queued jobs.
  void FeedAllLocked(Deferred& deferred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void OnReadyLocked(Connection& connection, uint32_t events,
                     Deferred& deferred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The head statement of `connection` got its whole reply (`result`,
  // owned). False when the connection was retired.
  bool OnReplyLocked(Connection& connection, PGresult* result,
                     Deferred& deferred) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RetireLocked(Connection& connection, bool broken, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ShedExpiredLocked(absl::Time now, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void ReleaseLingeringLocked(absl::Time now, Deferred& deferred)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  Connection* FindLocked(uint64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration ExpectedWaitLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  ConnectionPool& pool_;
  WorkQueue& blocking_work_;
  const Options options_;
  const int epoll_fd_;
  const int wake_fd_;  // eventfd: stop, or a new earliest expiry
  mutable absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> connections_ ABSL_GUARDED_BY(mu_);
  std::deque<Job> queue_ ABSL_GUARDED_BY(mu_);
  int acquiring_ ABSL_GUARDED_BY(mu_) = 0;
  Ticket last_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_connection_id_ ABSL_GUARDED_BY(mu_) = 0;
  // Recent time from sending a statement to its answer (moving average,
  // 1/16 weight); see ExpectedWaitLocked.
  absl::Duration time_per_statement_ ABSL_GUARDED_BY(mu_) =
      absl::ZeroDuration();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The driver waits in epoll without a timeout (nothing held, queued or
  // coming): a call queued now must wake it, or it would never be shed.
  bool sleeping_forever_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ = false;  // Stop() ran; owner's thread only
  std::thread thread_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_STATEMENT_DRIVER_H_
