// Owns the bounded work queue that runs blocking database work off the gRPC
// callback threads, and sheds work that waited in it past its bound.
#ifndef SUPPLIERS_SERVER_BASE_WORK_QUEUE_H_
#define SUPPLIERS_SERVER_BASE_WORK_QUEUE_H_

#include <cstddef>
#include <cstdint>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace suppliers {

// The admission rule of every queue of calls (WorkQueue, the
// StatementDriver): RESOURCE_EXHAUSTED (reason SERVER_SATURATED) when
// `queued` entries already reach `capacity`, or when `expected_wait` is more
// than half of `left`, what the call may still wait (InfiniteDuration: no
// bound); OK otherwise. Half: the rest is for the call's own work, the hops
// around the queue and the estimate's error.
absl::Status AdmitToQueue(size_t queued, size_t capacity,
                          absl::Duration expected_wait, absl::Duration left);

// A fixed set of worker threads fed by a FIFO. gRPC callback threads must
// never block on the database, so handlers Submit() their work here.
// Admission is by expected wait, not by queue length: a task that carries
// an expiry (the latest time a worker may still take it: the call's
// deadline, or the server's bound on queueing) is refused at once with
// RESOURCE_EXHAUSTED when the wait the queue expects for it (the tasks
// ahead of it, times the recent time per task, over the threads) is more
// than half the time left until that expiry (the other half is for the
// task itself and the estimate's error). So a burst the workers can serve in
// time is queued, however long, and a true overload is shed at once rather than
// at each caller's deadline. If an accepted task is still queued at its expiry
// after all (every worker stuck behind a lock, say), it is removed and its
// `shed` callback runs instead. A caller that no longer wants its task (its
// call was cancelled) withdraws it, so the queue and its estimate count live
// work only: a storm of cancelled calls cannot make the queue look long.
// `capacity` only bounds memory. Size the thread count close to the
// connection pool: more threads would only wait for connections.
//
// Thread-safe.
class WorkQueue {
 public:
  using Task = absl::AnyInvocable<void() &&>;
  using Shed = absl::AnyInvocable<void(absl::Status) &&>;
  // Names an accepted task, for Withdraw(). Never 0.
  using Ticket = uint64_t;

  WorkQueue(int threads, int capacity);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  // Runs every accepted task, then joins the threads.
  ~WorkQueue();

  // Queues `task`. RESOURCE_EXHAUSTED when `capacity` tasks are already
  // waiting, or (with `shed`) when the expected wait is more than half the
  // time left until `expire_at`; UNAVAILABLE after Stop(). `task` and `shed`
  // are moved from only when accepted, so a refused task can still be run or
  // cleaned up otherwise. If the task is still queued at `expire_at`, it is
  // dropped and `shed` runs with RESOURCE_EXHAUSTED on the queue's own timer
  // thread (it must not block); without `shed` the task never expires. On
  // acceptance `*ticket` (when given) names the task for Withdraw().
  absl::Status Submit(Task&& task, Shed&& shed = nullptr,
                      absl::Time expire_at = absl::InfiniteFuture(),
                      Ticket* ticket = nullptr);

  // Removes the task named `ticket` if no worker has taken it and it has not
  // expired; neither it nor its `shed` will run, and the caller answers for
  // it instead. False when it is running, has run or was shed. Destroys the
  // task and shed on the calling thread, outside the queue's lock.
  bool Withdraw(Ticket ticket);

  // Refuses new tasks, finishes the accepted ones and joins the threads.
  // Idempotent; called by the owner (not concurrently with itself).
  void Stop();

  int queued() const;
  // The wait a task submitted now is expected to have before a worker
  // takes it.
  absl::Duration ExpectedWait() const;

 private:
  struct Entry {
    Ticket ticket;
    Task task;
    Shed shed;
    absl::Time queued_at;
    absl::Time expire_at;
  };

  void Work();
  void ShedExpired();
  // Workers waiting for a task: they take new tasks at once.
  int IdleWorkersLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Duration ExpectedWaitLocked() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const size_t capacity_;
  const int thread_count_;
  mutable absl::Mutex mu_;
  // Workers running a task now.
  int busy_ ABSL_GUARDED_BY(mu_) = 0;
  Ticket last_ticket_ ABSL_GUARDED_BY(mu_) = 0;
  // Recent time a task takes to run (moving average, 1/16 weight per task,
  // each sample capped at 4x the average).
  absl::Duration time_per_task_ ABSL_GUARDED_BY(mu_) = absl::ZeroDuration();
  absl::CondVar timer_wakeup_;
  // In ticket order (FIFO; removals keep the order).
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);
  // The expiry the timer thread sleeps until; a new earlier one wakes it.
  absl::Time timer_until_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_BASE_WORK_QUEUE_H_
