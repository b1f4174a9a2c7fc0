// Owns the bounded work queue that runs blocking database work off the gRPC
// callback threads, and sheds work that waited in it past its bound.
#include "server/base/work_queue.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/base/errors.h"
#include "server/base/metrics.h"

namespace suppliers {

WorkQueue::WorkQueue(int threads, int capacity)
    : capacity_(static_cast<size_t>(capacity)), thread_count_(threads) {
  threads_.reserve(threads + 1);
  for (int i = 0; i < threads; ++i) {
    threads_.emplace_back([this] { Work(); });
  }
  threads_.emplace_back([this] { ShedExpired(); });
}

WorkQueue::~WorkQueue() { Stop(); }

absl::Status AdmitToQueue(size_t queued, size_t capacity,
                          absl::Duration expected_wait, absl::Duration left) {
  if (queued >= capacity) {
    return ErrorWithInfo(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat("the server is overloaded (", queued,
                     " calls queued for the database); retry with backoff"),
        "SERVER_SATURATED", {});
  }
  // Admitting up to the whole of `left` fills the queue with calls that
  // then miss their deadlines by a little.
  if (left != absl::InfiniteDuration() && expected_wait > left / 2) {
    return ErrorWithInfo(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat(
            "the server is saturated: ", queued,
            " calls are queued for the database, an expected wait of ",
            absl::FormatDuration(
                absl::Trunc(expected_wait, absl::Milliseconds(1))),
            ", more than half of the ",
            absl::FormatDuration(absl::Trunc(left, absl::Milliseconds(1))),
            " this call may wait; retry with backoff"),
        "SERVER_SATURATED", {});
  }
  return absl::OkStatus();
}

absl::Status WorkQueue::Submit(Task&& task, Shed&& shed, absl::Time expire_at,
                               Ticket* ticket) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return ShuttingDown();
  const absl::Duration left =
      shed == nullptr || expire_at == absl::InfiniteFuture()
          ? absl::InfiniteDuration()
          : std::max(expire_at - absl::Now(), absl::ZeroDuration());
  if (absl::Status admitted =
          AdmitToQueue(entries_.size(), capacity_,
                       left == absl::InfiniteDuration() ? absl::ZeroDuration()
                                                        : ExpectedWaitLocked(),
                       left);
      !admitted.ok()) {
    return admitted;
  }
  if (shed == nullptr) expire_at = absl::InfiniteFuture();
  const Ticket next_ticket = ++last_ticket_;
  entries_.push_back(Entry{next_ticket, std::move(task), std::move(shed),
                           absl::Now(), expire_at});
  if (ticket != nullptr) *ticket = next_ticket;
  // Idle workers take the queued tasks at once, so no expiry can pass:
  // waking the timer thread for them would cost a context switch per call
  // when the server is not saturated. Past that, the timer must know.
  if (entries_.size() > static_cast<size_t>(IdleWorkersLocked()) &&
      expire_at < timer_until_) {
    timer_wakeup_.Signal();
  }
  return absl::OkStatus();
}

bool WorkQueue::Withdraw(Ticket ticket) {
  Entry withdrawn{};
  {
    absl::MutexLock lock(&mu_);
    auto it = std::lower_bound(
        entries_.begin(), entries_.end(), ticket,
        [](const Entry& entry, Ticket t) { return entry.ticket < t; });
    if (it == entries_.end() || it->ticket != ticket) return false;
    withdrawn = std::move(*it);
    entries_.erase(it);
  }
  return true;  // `withdrawn` is destroyed here, unlocked
}

void WorkQueue::Stop() {
  {
    absl::MutexLock lock(&mu_);
    if (stopping_ && threads_.empty()) return;
    stopping_ = true;
    timer_wakeup_.Signal();
  }
  for (std::thread& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

int WorkQueue::queued() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(entries_.size());
}

absl::Duration WorkQueue::ExpectedWait() const {
  absl::MutexLock lock(&mu_);
  return ExpectedWaitLocked();
}

int WorkQueue::IdleWorkersLocked() const {
  return std::max(0, thread_count_ - busy_);
}

absl::Duration WorkQueue::ExpectedWaitLocked() const {
  // Tasks that must start before this one, beyond the idle workers, each
  // holding a worker for the recent time per task.
  const int ahead = static_cast<int>(entries_.size()) + 1 - IdleWorkersLocked();
  if (ahead <= 0 || thread_count_ == 0) return absl::ZeroDuration();
  return time_per_task_ * ahead / thread_count_;
}

void WorkQueue::Work() {
  absl::Duration ran = absl::ZeroDuration();
  bool has_run = false;
  while (true) {
    Task task;
    {
      absl::MutexLock lock(&mu_);
      if (has_run) {
        --busy_;
        // One slow task (a lock wait, say) must not swing the estimate: at
        // 1/8 weight a single 100 ms task among 1 ms ones made 500 queued
        // calls look 750 ms long and refused a burst of calls at 512 in
        // flight. A sample counts for at most 4x the current average, at
        // 1/16 weight; a real slowdown still takes over within dozens of
        // tasks.
        const absl::Duration sample = time_per_task_ > absl::ZeroDuration()
                                          ? std::min(ran, 4 * time_per_task_)
                                          : ran;
        time_per_task_ += (sample - time_per_task_) / 16;
      }
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !entries_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (entries_.empty()) return;  // stopping and drained
      Metrics::Get().RecordQueueWait(absl::Now() - entries_.front().queued_at);
      task = std::move(entries_.front().task);
      entries_.pop_front();
      ++busy_;
    }
    const absl::Time started = absl::Now();
    std::move(task)();
    ran = absl::Now() - started;
    has_run = true;
  }
}

void WorkQueue::ShedExpired() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    // Expiries are not in FIFO order (callers' deadlines differ), but the
    // queue is bounded and short: a scan is cheap.
    const absl::Time now = absl::Now();
    std::vector<Entry> expired;
    absl::Time next = absl::InfiniteFuture();
    for (auto it = entries_.begin(); it != entries_.end();) {
      if (it->expire_at <= now) {
        expired.push_back(std::move(*it));
        it = entries_.erase(it);
      } else {
        next = std::min(next, it->expire_at);
        ++it;
      }
    }
    if (!expired.empty()) {
      mu_.Unlock();
      for (Entry& entry : expired) {
        std::move(entry.shed)(ErrorWithInfo(
            absl::StatusCode::kResourceExhausted,
            absl::StrCat("the server is saturated: the call waited ",
                         absl::FormatDuration(now - entry.queued_at),
                         " for a database worker; retry with backoff"),
            "SERVER_SATURATED", {}));
      }
      mu_.Lock();
      continue;
    }
    timer_until_ = next;
    timer_wakeup_.WaitWithDeadline(&mu_, next);
    timer_until_ = absl::InfiniteFuture();
  }
}

}  // namespace suppliers
