// Owns the per-call state that the gRPC side and the database side share:
// the call's deadlines, whether it was cancelled, and the connection its SQL
// is running on (or being set up on), so that a cancel can reach PostgreSQL.
#ifndef SUPPLIERS_SERVER_DB_CALL_CONTEXT_H_
#define SUPPLIERS_SERVER_DB_CALL_CONTEXT_H_

#include <atomic>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/db/pg_connection.h"
#include "server/db/pool.h"

namespace suppliers {

// Thread-safe: Cancel() may be called from any thread at any time, while a
// worker runs the call's transaction.
class CallContext final : public CancelScope {
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

  // What the call's database session carries in `application_name` while
  // the call's statements run ("suppliers trace=<id>"), so that a statement
  // in PostgreSQL's log or pg_stat_activity names its call; empty: the
  // session is not tagged (the default: a tag costs a statement per call).
  // Set before the context is shared with another thread.
  void set_trace_tag(std::string tag) { trace_tag_ = std::move(tag); }
  const std::string& trace_tag() const { return trace_tag_; }

  // Where the call's reads may run (read replicas; replica_set.h). Set
  // before the context is shared with another thread.
  struct ReadRouting {
    // Reads go to the primary, like writes (the caller's choice).
    bool primary_only = false;
    // Reads go to a replica only once it has replayed the WAL through this
    // position (a commit LSN the caller received from a write): read your
    // writes. 0: any usable replica.
    uint64_t min_lsn = 0;
  };
  void set_read_routing(ReadRouting routing) { read_routing_ = routing; }
  const ReadRouting& read_routing() const { return read_routing_; }

  // Why the call must be refused before it reaches the database (a
  // malformed routing header, say); OK otherwise. Set before the context
  // is shared with another thread.
  void set_refusal(absl::Status refusal) { refusal_ = std::move(refusal); }
  const absl::Status& refusal() const { return refusal_; }

  // The WAL position at or after the call's last commit (0: it wrote
  // nothing, or the server does not report positions), which the call
  // returns to its client for read-your-writes. Any thread.
  void set_commit_lsn(uint64_t lsn) { commit_lsn_ = lsn; }
  uint64_t commit_lsn() const { return commit_lsn_.load(); }

  // Marks the call cancelled and asks PostgreSQL to cancel the statement
  // running for it, if any (one round trip to the postmaster). A cancel
  // that reaches the backend between two statements is ignored by
  // PostgreSQL, so callers repeat it while attached() (CallCanceller).
  void Cancel();
  bool cancelled() const override { return cancelled_.load(); }
  // Whether the call's work is on a connection right now.
  bool attached() const;

  // The connection the call's statements run on, from Attach() until
  // Detach(). Detach waits for a cancel request in flight.
  void Attach(PgConnection* connection) override;
  void Detach() override;

 private:
  const absl::Time deadline_;
  const absl::Time acquire_deadline_;
  std::string trace_tag_;
  ReadRouting read_routing_;
  absl::Status refusal_;
  std::atomic<uint64_t> commit_lsn_{0};
  std::atomic<bool> cancelled_{false};
  mutable absl::Mutex mu_;
  PgConnection* connection_ ABSL_GUARDED_BY(mu_) = nullptr;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_CALL_CONTEXT_H_
