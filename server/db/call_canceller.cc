// Owns delivering cancellations to PostgreSQL until they take effect.
#include "server/db/call_canceller.h"

#include <utility>

#include "absl/time/clock.h"

namespace suppliers {

CallCanceller::CallCanceller(absl::Duration repeat_every)
    : repeat_every_(repeat_every) {
  thread_ = std::thread([this] { Loop(); });
}

CallCanceller::~CallCanceller() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wakeup_.Signal();
  }
  thread_.join();
}

void CallCanceller::Cancel(std::shared_ptr<CallContext> call) {
  absl::MutexLock lock(&mu_);
  fresh_.push_back(std::move(call));
  wakeup_.Signal();
}

void CallCanceller::Loop() {
  // Calls cancelled at least once and still attached: repeated until they
  // detach (their transaction ended, whatever way).
  std::vector<std::shared_ptr<CallContext>> repeating;
  while (true) {
    std::vector<std::shared_ptr<CallContext>> fresh;
    {
      absl::MutexLock lock(&mu_);
      if (repeating.empty()) {
        while (!stopping_ && fresh_.empty()) wakeup_.Wait(&mu_);
      } else if (fresh_.empty() && !stopping_) {
        wakeup_.WaitWithTimeout(&mu_, repeat_every_);
      }
      if (stopping_) return;
      fresh.swap(fresh_);
    }
    for (std::shared_ptr<CallContext>& call : fresh) {
      call->Cancel();
      repeating.push_back(std::move(call));
    }
    std::vector<std::shared_ptr<CallContext>> still;
    for (std::shared_ptr<CallContext>& call : repeating) {
      if (!call->attached()) continue;
      call->Cancel();
      still.push_back(std::move(call));
    }
    repeating.swap(still);
  }
}

}  // namespace suppliers
