// Owns the bounded work queue that runs blocking database work off the gRPC
// callback threads.
#include "server/base/work_queue.h"

#include "absl/strings/str_cat.h"

namespace suppliers {

WorkQueue::WorkQueue(int threads, int capacity)
    : capacity_(static_cast<size_t>(capacity)) {
  threads_.reserve(threads);
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { Run(); });
  }
}

WorkQueue::~WorkQueue() { Stop(); }

absl::Status WorkQueue::Submit(absl::AnyInvocable<void() &&>&& task) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return absl::UnavailableError("the server is shutting down");
  if (tasks_.size() >= capacity_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the server is overloaded (", tasks_.size(),
                     " calls queued for the database); retry with backoff"));
  }
  tasks_.push_back(std::move(task));
  return absl::OkStatus();
}

void WorkQueue::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

int WorkQueue::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(tasks_.size());
}

void WorkQueue::Run() {
  while (true) {
    absl::AnyInvocable<void() &&> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !tasks_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (tasks_.empty()) return;  // stopping and drained
      task = std::move(tasks_.front());
      tasks_.pop_front();
    }
    std::move(task)();
  }
}

}  // namespace suppliers
