// Owns the bounded work queue that runs blocking database work off the gRPC
// callback threads.
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

namespace suppliers {

// A fixed set of threads fed by a bounded FIFO. gRPC callback threads must
// never block on the database, so handlers Submit() their work here; when the
// queue is full the caller gets RESOURCE_EXHAUSTED at once (load shedding)
// instead of an ever-growing backlog. Size the thread count close to the
// connection pool: more threads would only wait for connections.
//
// Thread-safe.
class WorkQueue {
 public:
  WorkQueue(int threads, int capacity);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;
  // Runs every accepted task, then joins the threads.
  ~WorkQueue();

  // Queues `task`. RESOURCE_EXHAUSTED when `capacity` tasks are already
  // waiting; UNAVAILABLE after Stop(). `task` is moved from only when it is
  // accepted, so a refused task can still be run or cleaned up otherwise.
  absl::Status Submit(absl::AnyInvocable<void() &&>&& task);

  // Refuses new tasks, finishes the accepted ones and joins the threads.
  // Idempotent; called by the owner (not concurrently with itself).
  void Stop();

  int queued() const;

 private:
  void Run();

  const size_t capacity_;
  mutable absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_BASE_WORK_QUEUE_H_
