// Owns running single read-only statements without a thread per
// connection: one driver thread, a few pooled connections in libpq's
// non-blocking pipeline mode under one epoll, callers sending on the least
// busy one from their own thread.
#include "server/db/statement_driver.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pqxx/except"
#include "server/base/errors.h"
#include "server/db/database_errors.h"
#include "server/db/pg_connection.h"
#include "server/db/statements.h"

namespace suppliers {
namespace {

// Attempts of one statement that a stray cancel (meant for the
// connection's previous call) interrupted; see TransactionSession::Fail.
constexpr int kMaxAttempts = 3;
// How often queued statements are checked for their expiry, and idle
// connections for their linger time, when nothing else wakes the driver.
constexpr int kQueuedTickMs = 5;
constexpr int kIdleTickMs = 50;
// How often the driver repeats the cancel of a cancelled call whose
// statement is running.
constexpr absl::Duration kCancelRepeat = absl::Milliseconds(20);

bool SendPrepared(PGconn* raw, const char* name,
                  const std::vector<std::string>& params) {
  const char* values[16];
  std::vector<const char*> more;
  const char** pointers = values;
  if (params.size() > std::size(values)) {
    more.resize(params.size());
    pointers = more.data();
  }
  for (size_t i = 0; i < params.size(); ++i) pointers[i] = params[i].c_str();
  return PQsendQueryPrepared(raw, name, static_cast<int>(params.size()),
                             pointers, nullptr, nullptr, 0) == 1;
}

// The status a failed reply maps to, through the one classification.
absl::Status FromFailedReply(PGconn* raw, const PGresult* result,
                             bool cancelled) {
  try {
    ThrowLibpqError(raw, result);
  } catch (const std::exception& e) {
    return FromDatabaseException(e, cancelled, /*read_only=*/true);
  }
}

absl::Status FromBrokenConnection(PGconn* raw, bool cancelled) {
  return FromDatabaseException(
      pqxx::broken_connection(raw != nullptr ? PQerrorMessage(raw) : ""),
      cancelled, /*read_only=*/true);
}

struct ClearResult {
  void operator()(PGresult* result) const { PQclear(result); }
};

}  // namespace

struct StatementDriver::InFlight {
  // A change of session defaults (to `timeout_ms`) ahead of the next job,
  // the next job's trace tag, or a call's statement.
  bool sets_defaults = false;
  bool sets_trace_tag = false;
  int64_t timeout_ms = 0;
  std::optional<Job> job;
  // The statement's first result so far (complete at the Sync's result).
  std::unique_ptr<PGresult, ClearResult> result;
};

struct StatementDriver::Connection {
  Connection(uint64_t id, ConnectionPool::Lease lease)
      : id(id),
        lease(std::move(lease)),
        raw(this->lease.connection().raw_handle()),
        sent_defaults(this->lease.connection().session_defaults()) {}
  const uint64_t id;
  ConnectionPool::Lease lease;
  PGconn* const raw;
  // In the order sent, so in the order their replies come.
  std::deque<InFlight> in_flight;
  // The session defaults once everything sent has run (unknown after a
  // change failed).
  PgConnection::SessionDefaults sent_defaults;
  bool watching_write = false;
  absl::Time idle_since;
};

void StatementDriver::Deferred::Answer(Job& job,
                                       absl::StatusOr<ResultRows> result) {
  answers.emplace_back(std::move(job.done), std::move(result));
}

StatementDriver::StatementDriver(ConnectionPool& pool, WorkQueue& blocking_work,
                                 Options options)
    : pool_(pool),
      blocking_work_(blocking_work),
      options_(options),
      epoll_fd_(epoll_create1(EPOLL_CLOEXEC)),
      wake_fd_(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
  epoll_event wake{};
  wake.events = EPOLLIN;
  wake.data.u64 = 0;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &wake);
  thread_ = std::thread([this] { Loop(); });
}

StatementDriver::~StatementDriver() {
  Stop();
  close(wake_fd_);
  close(epoll_fd_);
}

absl::Status StatementDriver::Submit(std::shared_ptr<CallContext> call,
                                     StatementCall statement, Done&& done,
                                     Ticket* ticket) {
  Deferred deferred;
  bool wake = false;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return ShuttingDown();
    if (call->cancelled()) return CallCancelled();
    const absl::Time now = absl::Now();
    Job job;
    job.call = std::move(call);
    job.statement = std::move(statement);
    job.expire_at =
        std::min({job.call->deadline(), job.call->acquire_deadline(),
                  now + options_.max_queue_wait});
    // First come, first served: nothing overtakes the queue.
    Connection* room = queue_.empty() ? LeastBusyLocked() : nullptr;
    if (room == nullptr) {
      if (absl::Status admitted =
              AdmitToQueue(queue_.size(), options_.queue_capacity,
                           ExpectedWaitLocked(), job.expire_at - now);
          !admitted.ok()) {
        return admitted;
      }
    }
    job.ticket = ++last_ticket_;
    job.done = std::move(done);
    if (ticket != nullptr) *ticket = job.ticket;
    if (room != nullptr) {
      (void)SendLocked(*room, std::move(job), deferred);
    } else {
      queue_.push_back(std::move(job));
      // A driver asleep without a timeout would never shed it at its bound.
      wake = std::exchange(sleeping_forever_, false);
    }
    AcquireMoreLocked(deferred);
  }
  if (wake) {
    const uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
  }
  RunDeferred(deferred);
  return absl::OkStatus();
}

bool StatementDriver::Withdraw(Ticket ticket) {
  Done withdrawn;
  {
    absl::MutexLock lock(&mu_);
    auto it = std::find_if(queue_.begin(), queue_.end(), [&](const Job& job) {
      return job.ticket == ticket;
    });
    if (it == queue_.end()) return false;
    withdrawn = std::move(it->done);
    queue_.erase(it);
  }
  return true;  // `withdrawn` is destroyed here, outside the lock
}

void StatementDriver::Stop() {
  if (stopped_) return;
  stopped_ = true;
  Deferred deferred;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    for (Job& job : queue_) deferred.Answer(job, ShuttingDown());
    queue_.clear();
  }
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof(one));
  RunDeferred(deferred);
  thread_.join();
  {
    absl::MutexLock lock(&mu_);
    while (!connections_.empty()) {
      RetireLocked(*connections_.back(), /*broken=*/false, deferred);
    }
  }
  RunDeferred(deferred);
}

int StatementDriver::connections() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(connections_.size());
}

int StatementDriver::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

void StatementDriver::RunDeferred(Deferred& deferred) {
  // Cancels first: they concern statements running now.
  for (const std::shared_ptr<CallContext>& call : deferred.cancels) {
    call->Cancel();
  }
  deferred.cancels.clear();
  for (auto& [done, result] : deferred.answers) {
    std::move(done)(std::move(result));
  }
  deferred.answers.clear();
  deferred.releases.clear();  // hands the connections back to the pool
}

void StatementDriver::Loop() {
  epoll_event events[32];
  absl::Time next_tick = absl::InfinitePast();
  while (true) {
    int timeout_ms = -1;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_ && acquiring_ == 0 &&
          std::all_of(connections_.begin(), connections_.end(),
                      [](const std::unique_ptr<Connection>& c) {
                        return c->in_flight.empty();
                      })) {
        return;
      }
      if (!queue_.empty()) {
        timeout_ms = kQueuedTickMs;
      } else if (!connections_.empty() || stopping_ || acquiring_ > 0) {
        timeout_ms = kIdleTickMs;
      }
      sleeping_forever_ = timeout_ms < 0;
    }
    const int ready = epoll_wait(epoll_fd_, events, 32, timeout_ms);
    Deferred deferred;
    {
      absl::MutexLock lock(&mu_);
      for (int i = 0; i < ready; ++i) {
        if (events[i].data.u64 == 0) {
          uint64_t drained;
          (void)!read(wake_fd_, &drained, sizeof(drained));
          continue;
        }
        // It may have been retired by a caller's failed send meanwhile.
        if (Connection* c = FindLocked(events[i].data.u64); c != nullptr) {
          OnReadyLocked(*c, events[i].events, deferred);
        }
      }
      const absl::Time now = absl::Now();
      if (now >= next_tick) {
        ShedExpiredLocked(now, deferred);
        ReleaseLingeringLocked(now, deferred);
        for (const std::unique_ptr<Connection>& c : connections_) {
          AttachHeadLocked(*c, deferred);
        }
        next_tick = now + absl::Milliseconds(kQueuedTickMs);
      }
      // Calls put back after a lost connection go to those with room.
      FeedAllLocked(deferred);
      AcquireMoreLocked(deferred);
    }
    RunDeferred(deferred);
  }
}

void StatementDriver::Adopt(absl::StatusOr<ConnectionPool::Lease> lease) {
  Deferred deferred;
  {
    absl::MutexLock lock(&mu_);
    --acquiring_;
    if (!lease.ok()) {
      // The database is down or not migrated, and no connection serves the
      // queue: the reason goes to the callers now rather than at their
      // expiry. A pool that was only busy is asked again; each queued call
      // keeps its own bound.
      const absl::StatusCode code = lease.status().code();
      if (connections_.empty() && acquiring_ == 0 &&
          code != absl::StatusCode::kResourceExhausted &&
          code != absl::StatusCode::kDeadlineExceeded) {
        for (Job& job : queue_) deferred.Answer(job, lease.status());
        queue_.clear();
      }
    } else {
      AdoptLocked(*std::move(lease), deferred);
      AcquireMoreLocked(deferred);
    }
  }
  RunDeferred(deferred);
}

void StatementDriver::AdoptLocked(ConnectionPool::Lease lease,
                                  Deferred& deferred) {
  if (stopping_ || lease.connection().raw_handle() == nullptr) {
    deferred.releases.push_back(std::move(lease));
    return;
  }
  auto connection =
      std::make_unique<Connection>(++last_connection_id_, std::move(lease));
  epoll_event watch{};
  watch.events = EPOLLIN;
  watch.data.u64 = connection->id;
  if (PQsetnonblocking(connection->raw, 1) != 0 ||
      PQenterPipelineMode(connection->raw) != 1 ||
      epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, PQsocket(connection->raw), &watch) !=
          0) {
    connection->lease.MarkBroken();
    deferred.releases.push_back(std::move(connection->lease));
    return;
  }
  connection->idle_since = absl::Now();
  connections_.push_back(std::move(connection));
  FeedLocked(*connections_.back(), deferred);
}

void StatementDriver::AcquireMoreLocked(Deferred& deferred) {
  while (true) {
    if (stopping_ || acquiring_ > 0) return;
    const int have = static_cast<int>(connections_.size());
    if (have >= options_.max_connections) return;
    // One more connection while the work is more than one statement per
    // connection: replies then come from several backends at once.
    size_t work = queue_.size();
    for (const std::unique_ptr<Connection>& c : connections_) {
      work += c->in_flight.size();
    }
    if (work <= static_cast<size_t>(have)) return;
    // An idle pooled connection is taken at once, without a worker (whose
    // queue may be full, its threads blocked on locks).
    std::optional<ConnectionPool::Lease> idle = pool_.TryAcquireIdle();
    if (!idle.has_value()) break;
    AdoptLocked(*std::move(idle), deferred);
  }
  // None idle: a worker waits for one (or opens it) within the pool's
  // bounds.
  ++acquiring_;
  absl::Status submitted = blocking_work_.Submit(
      [this] { Adopt(pool_.Acquire(absl::InfiniteFuture())); });
  if (!submitted.ok()) --acquiring_;
}

StatementDriver::Connection* StatementDriver::LeastBusyLocked() {
  Connection* best = nullptr;
  for (const std::unique_ptr<Connection>& c : connections_) {
    if (static_cast<int>(c->in_flight.size()) >= options_.pipeline_depth) {
      continue;
    }
    if (best == nullptr || c->in_flight.size() < best->in_flight.size()) {
      best = c.get();
    }
  }
  return best;
}

void StatementDriver::AttachHeadLocked(Connection& connection,
                                       Deferred& deferred) {
  // The statement running now is the first call's (a defaults change
  // ahead of it runs in microseconds): a cancel sent for that call reaches
  // its own statement, not a neighbour's.
  for (InFlight& entry : connection.in_flight) {
    if (!entry.job.has_value()) continue;
    Job& job = *entry.job;
    if (!job.call->attached()) {
      job.call->Attach(&connection.lease.connection());
    }
    // Cancelled while it waited behind others: the canceller gave up on it
    // then (nothing was attached), so the driver sends the cancel, and
    // repeats it on its ticks (a cancel that reaches the backend between
    // two statements is ignored) until the statement answers.
    const absl::Time now = absl::Now();
    if (job.call->cancelled() && now - job.cancel_sent_at >= kCancelRepeat) {
      job.cancel_sent_at = now;
      deferred.cancels.push_back(job.call);
    }
    return;
  }
}

StatementDriver::Started StatementDriver::SendLocked(Connection& connection,
                                                     Job job,
                                                     Deferred& deferred) {
  const absl::Time now = absl::Now();
  if (job.call->cancelled()) {
    deferred.Answer(job, CallCancelled());
    return Started::kAnswered;
  }
  const int64_t remaining_ms =
      absl::ToInt64Milliseconds(job.call->deadline() - now);
  if (remaining_ms < 1) {
    deferred.Answer(job, DeadlinePassed());
    return Started::kAnswered;
  }
  bool sent = true;
  if (!connection.sent_defaults.Fit(/*call_read_only=*/true, remaining_ms)) {
    // Kept for the next calls on this connection (see the runner's
    // EnsureSessionDefaults).
    InFlight change;
    change.sets_defaults = true;
    change.timeout_ms = PgConnection::SessionDefaults::TimeoutFor(remaining_ms);
    sent = SendPrepared(connection.raw, sql::kSetSessionDefaults.name,
                        {"on", absl::StrCat(change.timeout_ms, "ms")}) &&
           PQpipelineSync(connection.raw) == 1;
    connection.sent_defaults.read_only = true;
    connection.sent_defaults.statement_timeout_ms = change.timeout_ms;
    connection.in_flight.push_back(std::move(change));
  }
  if (!job.call->trace_tag().empty()) {
    // Same round trip, one more statement (--trace_statements).
    InFlight tag;
    tag.sets_trace_tag = true;
    sent = sent &&
           SendPrepared(connection.raw, sql::kSetTraceTag.name,
                        {job.call->trace_tag()}) &&
           PQpipelineSync(connection.raw) == 1;
    connection.in_flight.push_back(std::move(tag));
  }
  job.sent_at = now;
  ++job.attempts;
  sent = sent &&
         SendPrepared(connection.raw, job.statement.statement.name,
                      job.statement.params) &&
         PQpipelineSync(connection.raw) == 1;
  if (!sent) {
    // Nothing of it ran; it goes back to the queue with the others.
    RetryOrAnswerLocked(std::move(job),
                        FromBrokenConnection(connection.raw, false), deferred);
    FailConnectionLocked(connection, deferred);
    return Started::kRetired;
  }
  InFlight entry;
  entry.job = std::move(job);
  connection.in_flight.push_back(std::move(entry));
  AttachHeadLocked(connection, deferred);
  // PQpipelineSync flushed what it could; the rest goes when epoll says
  // the socket is writable again.
  const int flushed = PQflush(connection.raw);
  if (flushed < 0) {
    FailConnectionLocked(connection, deferred);
    return Started::kRetired;
  }
  if ((flushed == 1) != connection.watching_write) {
    connection.watching_write = flushed == 1;
    epoll_event watch{};
    watch.events =
        EPOLLIN | (connection.watching_write ? uint32_t{EPOLLOUT} : 0u);
    watch.data.u64 = connection.id;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, PQsocket(connection.raw), &watch);
  }
  return Started::kSent;
}

bool StatementDriver::FeedLocked(Connection& connection, Deferred& deferred) {
  while (static_cast<int>(connection.in_flight.size()) <
             options_.pipeline_depth &&
         !queue_.empty()) {
    Job job = std::move(queue_.front());
    queue_.pop_front();
    if (SendLocked(connection, std::move(job), deferred) == Started::kRetired) {
      return false;
    }
  }
  if (connection.in_flight.empty()) connection.idle_since = absl::Now();
  return true;
}

void StatementDriver::FailConnectionLocked(Connection& connection,
                                           Deferred& deferred) {
  const absl::Status lost =
      FromBrokenConnection(connection.raw, /*cancelled=*/false);
  // Back to the queue in their order, ahead of the calls that queued
  // after them.
  for (auto it = connection.in_flight.rbegin();
       it != connection.in_flight.rend(); ++it) {
    if (!it->job.has_value()) continue;
    it->job->call->Detach();
    RetryOrAnswerLocked(std::move(*it->job), lost, deferred);
  }
  connection.in_flight.clear();
  RetireLocked(connection, /*broken=*/true, deferred);
}

void StatementDriver::RetryOrAnswerLocked(Job job, absl::Status status,
                                          Deferred& deferred) {
  if (!stopping_ && !job.call->cancelled() &&
      absl::Now() < job.call->deadline() && job.attempts < kMaxAttempts) {
    queue_.push_front(std::move(job));
    return;
  }
  if (job.call->cancelled()) status = CallCancelled();
  deferred.Answer(job, std::move(status));
}

void StatementDriver::FeedAllLocked(Deferred& deferred) {
  for (size_t i = connections_.size(); i-- > 0 && !queue_.empty();) {
    if (i < connections_.size()) (void)FeedLocked(*connections_[i], deferred);
  }
}

void StatementDriver::OnReadyLocked(Connection& connection, uint32_t events,
                                    Deferred& deferred) {
  if ((events & EPOLLOUT) != 0 && connection.watching_write) {
    const int flushed = PQflush(connection.raw);
    if (flushed < 0) {
      FailConnectionLocked(connection, deferred);
      return;
    }
    if (flushed == 0) {
      connection.watching_write = false;
      epoll_event watch{};
      watch.events = EPOLLIN;
      watch.data.u64 = connection.id;
      epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, PQsocket(connection.raw), &watch);
    }
  }
  if ((events & (EPOLLIN | EPOLLERR | EPOLLHUP)) == 0) return;
  if (PQconsumeInput(connection.raw) != 1 ||
      PQstatus(connection.raw) != CONNECTION_OK) {
    // A terminated backend or a restarted server; an idle session has
    // nothing else to say.
    FailConnectionLocked(connection, deferred);
    return;
  }
  // Everything libpq has parsed: once read into its buffer, a reply no
  // longer makes the socket readable.
  int empty_in_a_row = 0;
  while (!connection.in_flight.empty() && PQisBusy(connection.raw) == 0) {
    InFlight& head = connection.in_flight.front();
    PGresult* result = PQgetResult(connection.raw);
    if (result == nullptr) {
      // The end of one statement's results; twice in a row, nothing more
      // has arrived yet.
      if (++empty_in_a_row >= 2) break;
      continue;
    }
    empty_in_a_row = 0;
    if (PQresultStatus(result) == PGRES_PIPELINE_SYNC) {
      PQclear(result);
      PGresult* reply = head.result.release();
      if (!OnReplyLocked(connection, reply, deferred)) return;
      continue;
    }
    if (head.result == nullptr) {
      head.result.reset(result);
    } else {
      PQclear(result);
    }
  }
}

bool StatementDriver::OnReplyLocked(Connection& connection, PGresult* result,
                                    Deferred& deferred) {
  const absl::Time now = absl::Now();
  InFlight entry = std::move(connection.in_flight.front());
  connection.in_flight.pop_front();
  const ExecStatusType status_type =
      result == nullptr ? PGRES_FATAL_ERROR : PQresultStatus(result);
  const bool ok = status_type == PGRES_TUPLES_OK;
  if (entry.sets_defaults || entry.sets_trace_tag) {
    if (result != nullptr) PQclear(result);
    // Unknown: set again next time. (A failed tag only loses the tag.)
    if (!ok && entry.sets_defaults) connection.sent_defaults = {};
    AttachHeadLocked(connection, deferred);
    return true;
  }
  Job job = std::move(*entry.job);
  job.call->Detach();
  AttachHeadLocked(connection, deferred);
  if (ok) {
    // A statement's time from send to answer (behind its pipeline
    // neighbours included), always a real sample whatever the load, so the
    // estimate follows the load both ways. Capped at 4x the average, as in
    // WorkQueue, so one slow statement does not make the queue refuse calls
    // it could serve.
    absl::Duration sample = now - job.sent_at;
    if (time_per_statement_ > absl::ZeroDuration()) {
      sample = std::min(sample, 4 * time_per_statement_);
    }
    time_per_statement_ += (sample - time_per_statement_) / 16;
    deferred.Answer(job, ResultRows(result));
  } else {
    const bool cancelled = job.call->cancelled();
    const char* state = result == nullptr
                            ? nullptr
                            : PQresultErrorField(result, PG_DIAG_SQLSTATE);
    // Interrupted by a cancel meant for another call (the connection's
    // previous one, acted on late), or skipped after a neighbour's error:
    // the read had no effect.
    const bool interrupted =
        status_type == PGRES_PIPELINE_ABORTED ||
        (state != nullptr && std::strcmp(state, "57014") == 0 && !cancelled &&
         now < job.call->deadline());
    absl::Status status = FromFailedReply(connection.raw, result, cancelled);
    if (result != nullptr) PQclear(result);
    const bool broken = PQstatus(connection.raw) != CONNECTION_OK ||
                        status.code() == absl::StatusCode::kUnavailable;
    if (broken) {
      // A read whose backend went away had no effect: it runs again on
      // another connection, as do those queued behind it on this one
      // (which go back first, then it ahead of them).
      FailConnectionLocked(connection, deferred);
      RetryOrAnswerLocked(std::move(job), std::move(status), deferred);
      return false;
    }
    if (interrupted && !stopping_ && job.attempts < kMaxAttempts) {
      queue_.push_front(std::move(job));
    } else if (interrupted) {
      deferred.Answer(job, StatementInterrupted());
    } else {
      deferred.Answer(job, std::move(status));
    }
  }
  // Writers waiting for a connection get this one rather than wait behind
  // a steady stream of reads.
  if (connection.in_flight.empty() && connections_.size() > 1 &&
      pool_.GetStats().waiters > 0) {
    RetireLocked(connection, /*broken=*/false, deferred);
    return false;
  }
  return FeedLocked(connection, deferred);
}

void StatementDriver::RetireLocked(Connection& connection, bool broken,
                                   Deferred& deferred) {
  auto it = std::find_if(connections_.begin(), connections_.end(),
                         [&](const std::unique_ptr<Connection>& c) {
                           return c.get() == &connection;
                         });
  if (it == connections_.end()) return;
  std::unique_ptr<Connection> retired = std::move(*it);
  connections_.erase(it);
  const int fd = PQsocket(retired->raw);
  if (fd >= 0) epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
  if (broken) {
    // Results libpq already parsed (the error that broke the connection)
    // are not freed by closing it in pipeline mode; fetch them here, never
    // waiting for more.
    int empty_in_a_row = 0;
    for (int i = 0; i < 64 && PQisBusy(retired->raw) == 0; ++i) {
      PGresult* pending = PQgetResult(retired->raw);
      if (pending == nullptr) {
        if (++empty_in_a_row >= 2) break;
        continue;
      }
      empty_in_a_row = 0;
      PQclear(pending);
    }
  }
  // libpqxx expects a blocking connection out of pipeline mode, with the
  // session defaults recorded as they are.
  if (broken || !retired->in_flight.empty() ||
      PQexitPipelineMode(retired->raw) != 1 ||
      PQsetnonblocking(retired->raw, 0) != 0) {
    retired->lease.MarkBroken();
  } else {
    retired->lease.connection().session_defaults() = retired->sent_defaults;
  }
  deferred.releases.push_back(std::move(retired->lease));
}

void StatementDriver::ShedExpiredLocked(absl::Time now, Deferred& deferred) {
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (now < it->expire_at && !it->call->cancelled()) {
      ++it;
      continue;
    }
    absl::Status status;
    if (it->call->cancelled()) {
      status = CallCancelled();
    } else if (now >= it->call->deadline()) {
      status = ErrorWithInfo(absl::StatusCode::kDeadlineExceeded,
                             "the call's deadline passed while it waited for "
                             "a database connection",
                             "DEADLINE_PASSED", {});
    } else {
      status = ErrorWithInfo(absl::StatusCode::kResourceExhausted,
                             "no database connection became free in time; "
                             "retry with backoff",
                             "SERVER_SATURATED", {});
    }
    deferred.Answer(*it, std::move(status));
    it = queue_.erase(it);
  }
}

void StatementDriver::ReleaseLingeringLocked(absl::Time now,
                                             Deferred& deferred) {
  const bool others_waiting = pool_.GetStats().waiters > 0;
  for (size_t i = connections_.size(); i-- > 0;) {
    Connection& c = *connections_[i];
    if (!c.in_flight.empty()) continue;
    if (stopping_ || others_waiting || now - c.idle_since >= options_.linger) {
      RetireLocked(c, /*broken=*/false, deferred);
    }
  }
}

StatementDriver::Connection* StatementDriver::FindLocked(uint64_t id) {
  for (const std::unique_ptr<Connection>& c : connections_) {
    if (c->id == id) return c.get();
  }
  return nullptr;
}

absl::Duration StatementDriver::ExpectedWaitLocked() const {
  // Every connection answers pipeline_depth statements per round trip
  // when full, and the queue drains at that pace.
  const int slots = std::max<int>(
      1, static_cast<int>(connections_.size()) * options_.pipeline_depth);
  return time_per_statement_ * static_cast<double>(queue_.size() + 1) / slots;
}

}  // namespace suppliers
