// Owns the bounded work queue that runs blocking database work off the gRPC
// callback threads, and sheds work that waited in it past its bound.
#ifndef SUPPLIERS_SERVER_BASE_WORK_QUEUE_H_
#define SUPPLIERS_SERVER_BASE_WORK_QUEUE_H_

#include <cstddef>
#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace suppliers {

// A fixed set of worker threads fed by a bounded FIFO. gRPC callback threads
// must never block on the database, so handlers Submit() their work here;
// when the queue is full the caller gets RESOURCE_EXHAUSTED at once (load
// shedding) instead of an ever-growing backlog. A task may also carry an
// expiry: if no worker has taken it by then (every worker stuck behind a
// lock, say), it is removed and its `shed` callback runs instead, so a
// saturated server answers within a bound rather than at each caller's
// deadline. Size the thread count close to the connection pool: more
// threads would only wait for connections.
//
// Thread-safe.
class WorkQueue {
 public:
  using Task = absl::AnyInvocable<void() &&>;
  using Shed = absl::AnyInvocable<void(absl::Status) &&>;

  WorkQueue(int threads, int capacity);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  // Runs every accepted task, then joins the threads.
  ~WorkQueue();

  // Queues `task`. RESOURCE_EXHAUSTED when `capacity` tasks are already
  // waiting; UNAVAILABLE after Stop(). `task` and `shed` are moved from
  // only when accepted, so a refused task can still be run or cleaned up
  // otherwise. If the task is still queued at `expire_at`, it is dropped
  // and `shed` runs with RESOURCE_EXHAUSTED on the queue's own timer thread
  // (it must not block); without `shed` the task never expires.
  absl::Status Submit(Task&& task, Shed&& shed = nullptr,
                      absl::Time expire_at = absl::InfiniteFuture());

  // Refuses new tasks, finishes the accepted ones and joins the threads.
  // Idempotent; called by the owner (not concurrently with itself).
  void Stop();

  int queued() const;

 private:
  struct Entry {
    Task task;
    Shed shed;
    absl::Time queued_at;
    absl::Time expire_at;
  };

  void Work();
  void ShedExpired();

  const size_t capacity_;
  mutable absl::Mutex mu_;
  absl::CondVar timer_wakeup_;
  std::deque<Entry> entries_ ABSL_GUARDED_BY(mu_);
  // The expiry the timer thread sleeps until; a new earlier one wakes it.
  absl::Time timer_until_ ABSL_GUARDED_BY(mu_) = absl::InfiniteFuture();
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_BASE_WORK_QUEUE_H_
