// Owns the bounds on streaming calls: how many may be open at once, how long
// one may go without message progress, and the server's cap on its length.
#include "server/rpc/stream_guard.h"

#include <algorithm>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/base/errors.h"

namespace suppliers {
namespace {

// Idle streams are noticed within this much of their timeout.
constexpr absl::Duration kMaxTick = absl::Milliseconds(100);
// Between the first and the final word to an expired stream.
constexpr absl::Duration kFinalGrace = absl::Milliseconds(500);

}  // namespace

StreamGuard::StreamGuard(StreamLimits limits) : limits_(limits) {
  thread_ = std::thread([this] { Loop(); });
}

StreamGuard::~StreamGuard() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wakeup_.Signal();
  }
  thread_.join();
}

absl::Status StreamGuard::Admit(GuardedStream* stream, absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(streams_.size()) >= limits_.max_concurrent) {
    return ErrorWithInfo(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat("the server already serves ", streams_.size(),
                     " streams, its maximum; retry with backoff"),
        "TOO_MANY_STREAMS",
        {{"max_concurrent_streams", absl::StrCat(limits_.max_concurrent)}});
  }
  stream->deadline_ = deadline;
  stream->Touch();
  streams_.insert(stream);
  if (streams_.size() == 1) wakeup_.Signal();  // the loop slept for good
  return absl::OkStatus();
}

void StreamGuard::Leave(GuardedStream* stream) {
  absl::MutexLock lock(&mu_);
  streams_.erase(stream);
  expired_.erase(stream);
}

int StreamGuard::open_streams() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(streams_.size());
}

void StreamGuard::Loop() {
  absl::MutexLock lock(&mu_);
  while (!stopping_) {
    const absl::Time now = absl::Now();
    absl::Time next = absl::InfiniteFuture();
    // Calls below happen under the lock: Leave() waits, so a stream cannot
    // be deleted meanwhile; Expire() does not block (a Finish or a cancel,
    // whose reactions gRPC runs on its own threads).
    std::vector<GuardedStream*> ended;
    for (GuardedStream* stream : streams_) {
      auto expired = expired_.find(stream);
      if (expired != expired_.end()) {
        Expiry& expiry = expired->second;
        if (expiry.final) continue;
        if (now >= expiry.at + kFinalGrace) {
          expiry.final = true;
          stream->Expire(expiry.status, true);
          // Ended for good: its place is free now, even if gRPC keeps the
          // call (and the stream object) until the client goes away.
          ended.push_back(stream);
        } else {
          next = std::min(next, expiry.at + kFinalGrace);
        }
        continue;
      }
      const absl::Time idle_at =
          stream->awaiting_client_.load()
              ? absl::FromUnixNanos(stream->last_progress_ns_.load()) +
                    limits_.idle_timeout
              : now + limits_.idle_timeout;
      absl::Status status;
      if (now >= stream->deadline_) {
        status = ErrorWithInfo(
            absl::StatusCode::kDeadlineExceeded,
            "the stream reached its deadline (the client's, or the server's "
            "cap on streams); nothing was written",
            "STREAM_DEADLINE", {});
      } else if (now >= idle_at) {
        status = ErrorWithInfo(
            absl::StatusCode::kDeadlineExceeded,
            absl::StrCat("no message moved for ",
                         absl::FormatDuration(limits_.idle_timeout),
                         "; the stream was ended and nothing was written"),
            "STREAM_IDLE_TIMEOUT",
            {{"idle_timeout", absl::FormatDuration(limits_.idle_timeout)}});
      } else {
        next = std::min({next, idle_at, stream->deadline_});
        continue;
      }
      expired_[stream] = Expiry{now, status, false};
      stream->Expire(status, false);
      next = std::min(next, now + kFinalGrace);
    }
    for (GuardedStream* stream : ended) {
      streams_.erase(stream);
      expired_.erase(stream);
    }
    if (streams_.empty()) {
      wakeup_.Wait(&mu_);
    } else {
      wakeup_.WaitWithDeadline(&mu_, std::min(next, now + kMaxTick));
    }
  }
}

}  // namespace suppliers
