// Owns the bounds on streaming calls: how many may be open at once, how long
// one may go without message progress, and the server's cap on its length.
// Streams hold a pooled connection and an open transaction, so without these
// bounds a handful of idle clients would starve every other call.
#ifndef SUPPLIERS_SERVER_RPC_STREAM_GUARD_H_
#define SUPPLIERS_SERVER_RPC_STREAM_GUARD_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <set>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace suppliers {

// One stream as the guard sees it. Implemented by the streaming reactors.
// Thread-safe: Touch() from any thread; Expire() is called by the guard.
class GuardedStream {
 public:
  virtual ~GuardedStream() = default;

  // Records message progress (a message read or written): resets the idle
  // clock.
  void Touch() { last_progress_ns_ = absl::ToUnixNanos(absl::Now()); }
  // Whether the stream waits for its client (a read or write in flight).
  // Only then does the idle clock run: a step the server is running (the
  // final INSERT of a million imported rows) is bounded by the deadline,
  // not by the client's silence.
  void SetAwaitingClient(bool awaiting) {
    awaiting_client_.store(awaiting);
    Touch();
  }

  // Ends the stream with `status` (DEADLINE_EXCEEDED, reason
  // STREAM_IDLE_TIMEOUT or STREAM_DEADLINE) and rolls back its work. Called
  // on the guard's thread, first with `final` false, when the stream may
  // still end gracefully (a read in flight completes: the status then
  // reaches the client intact), then, if the stream is still open a moment
  // later, with `final` true: end it now. Must not block.
  virtual void Expire(absl::Status status, bool final) = 0;

 private:
  friend class StreamGuard;
  std::atomic<int64_t> last_progress_ns_{absl::ToUnixNanos(absl::Now())};
  std::atomic<bool> awaiting_client_{true};
  absl::Time deadline_ = absl::InfiniteFuture();  // set by Admit
};

struct StreamLimits {
  // Streams open at once; one more is refused at once with
  // RESOURCE_EXHAUSTED. Keep it well under the pool size, so streams never
  // take every connection from unary calls.
  int max_concurrent = 4;
  // A stream with no message progress for this long is ended.
  absl::Duration idle_timeout = absl::Seconds(30);
};

// Thread-safe. Runs one thread that sleeps while no stream is open.
class StreamGuard {
 public:
  explicit StreamGuard(StreamLimits limits);
  StreamGuard(const StreamGuard&) = delete;
  StreamGuard& operator=(const StreamGuard&) = delete;
  ~StreamGuard();

  // Counts `stream` as open until Leave(): OK, or RESOURCE_EXHAUSTED (reason
  // TOO_MANY_STREAMS) when max_concurrent streams are open already. From
  // then on the stream is expired when idle too long or at `deadline`.
  absl::Status Admit(GuardedStream* stream, absl::Time deadline);
  // Forgets `stream` (admitted before; a no-op when it left already, or the
  // guard let it go after its final expiry); after it returns, Expire() is
  // never called on it again.
  void Leave(GuardedStream* stream);

  int open_streams() const;

 private:
  void Loop();

  const StreamLimits limits_;
  mutable absl::Mutex mu_;
  absl::CondVar wakeup_;
  std::set<GuardedStream*> streams_ ABSL_GUARDED_BY(mu_);
  // Streams told to expire, with when and why: told again, finally, once
  // the grace has passed.
  struct Expiry {
    absl::Time at;
    absl::Status status;
    bool final = false;
  };
  std::map<GuardedStream*, Expiry> expired_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_STREAM_GUARD_H_
