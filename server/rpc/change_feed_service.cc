// Owns the WatchChanges reactor: where a watch starts, reading the feed a
// message at a time, heartbeats, and ending on overflow, cancel or shutdown.
#include "server/rpc/change_feed_service.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/base/errors.h"
#include "server/base/metrics.h"
#include "server/rpc/grpc_status.h"
#include "server/rpc/message_codec.h"

namespace suppliers {
namespace {

constexpr char kMethod[] = "/suppliers.v1.ChangeFeedService/WatchChanges";
constexpr int kEventsPerMessage = 500;
// Each database read of a watch (its start, a page of history) is bounded
// on its own; the watch itself lasts until the client's deadline.
constexpr absl::Duration kReadDeadline = absl::Seconds(10);

// One watch. Exactly one of these drives it at a time: a write in flight,
// a database step on a worker, or the feed (the watcher waits on its list).
// That is what makes position_ safe to use without a lock. Deletes itself
// once gRPC called OnDone and no step is queued or running.
class WatchReactor final : public grpc::ServerWriteReactor<grpc::ByteBuffer>,
                           public ChangeWatcher {
 public:
  WatchReactor(grpc::CallbackServerContext* context,
               const grpc::ByteBuffer* request, ChangeFeed& feed,
               const CallRuntime& runtime)
      : feed_(feed), runtime_(runtime) {
    if (absl::Status authorized = AuthorizeCall(
            runtime, *context, v1::WatchChangesRequest::descriptor());
        !authorized.ok()) {
      End(authorized);
      return;
    }
    v1::WatchChangesRequest parsed;
    if (absl::Status ok = ParseMessage(*request, &parsed); !ok.ok()) {
      End(ok);
      return;
    }
    absl::StatusOr<KindMask> kinds = KindMaskOf(parsed);
    if (!kinds.ok()) {
      End(kinds.status());
      return;
    }
    if (parsed.has_after_sequence() && parsed.after_sequence() < 0) {
      End(InvalidField("after_sequence", "must not be negative"));
      return;
    }
    kinds_ = *kinds;
    if (absl::Status joined = feed_.Join(this); !joined.ok()) {
      End(joined);
      return;
    }
    joined_ = true;
    Metrics::Get().StreamStarted(kMethod);
    const std::optional<int64_t> after =
        parsed.has_after_sequence()
            ? std::optional<int64_t>(parsed.after_sequence())
            : std::nullopt;
    OnWorker([this, after] { Start(after); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) return End(absl::CancelledError("the watch was cancelled"));
    if (finished()) return;
    Pump();
  }

  void OnCancel() override {
    End(absl::CancelledError("the watch was cancelled"));
  }

  void OnDone() override {
    if (joined_) {
      feed_.Leave(this);  // after it, the feed never calls us again
      Metrics::Get().StreamEnded(kMethod);
    }
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      if (steps_ > 0) return;  // the last step deletes
    }
    delete this;
  }

  // ChangeWatcher, from the feed's thread.
  void OnChanges(bool heartbeat) override {
    if (finished()) return;
    if (heartbeat) return Write({});
    Pump();
  }
  void OnEnd(absl::Status status) override { End(status); }

 private:
  bool finished() {
    absl::MutexLock lock(&mu_);
    return finished_;
  }

  void End(const absl::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
    }
    Finish(ToGrpcStatus(status));
  }

  // The resume point checked, then a first message with the checkpoint, so
  // that a client starting from now learns where it stands.
  void Start(std::optional<int64_t> after) {
    CallContext call(absl::Now() + kReadDeadline,
                     absl::Now() + runtime_.acquire_timeout);
    absl::StatusOr<int64_t> position = feed_.StartPosition(call, after);
    if (!position.ok()) return End(position.status());
    position_ = *position;
    Write({});
  }

  void Pump() {
    std::vector<v1::ChangeEvent> events;
    while (true) {
      events.clear();
      switch (
          feed_.Read(this, kinds_, kEventsPerMessage, &position_, &events)) {
        case ChangeFeed::ReadResult::kEvents:
          return Write(std::move(events));
        case ChangeFeed::ReadResult::kAdvanced:
          continue;
        case ChangeFeed::ReadResult::kWaiting:
          return;  // OnChanges comes next
        case ChangeFeed::ReadResult::kNeedHistory:
          return OnWorker([this] { ReadHistory(); });
      }
    }
  }

  void ReadHistory() {
    if (finished()) return;
    CallContext call(absl::Now() + kReadDeadline,
                     absl::Now() + runtime_.acquire_timeout);
    std::vector<v1::ChangeEvent> events;
    if (absl::Status read = feed_.ReadHistory(call, kinds_, kEventsPerMessage,
                                              &position_, &events);
        !read.ok()) {
      return End(read);
    }
    Write(std::move(events));
  }

  void Write(std::vector<v1::ChangeEvent> events) {
    v1::WatchChangesResponse message;
    for (v1::ChangeEvent& event : events) {
      *message.add_events() = std::move(event);
    }
    message.set_checkpoint_sequence(position_);
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    if (absl::Status serialized = SerializeMessage(message, &outgoing_);
        !serialized.ok()) {
      finished_ = true;
      Finish(ToGrpcStatus(serialized));
      return;
    }
    StartWrite(&outgoing_);
  }

  void OnWorker(absl::AnyInvocable<void() &&> task) {
    {
      absl::MutexLock lock(&mu_);
      ++steps_;
    }
    RunOnWorker(
        runtime_,
        [this, task = std::move(task)]() mutable {
          std::move(task)();
          StepDone();
        },
        [this](const absl::Status& refused) {
          End(refused);
          StepDone();
        });
  }

  void StepDone() {
    {
      absl::MutexLock lock(&mu_);
      if (--steps_ > 0 || !done_) return;
    }
    delete this;
  }

  ChangeFeed& feed_;
  const CallRuntime& runtime_;
  KindMask kinds_ = 0;
  bool joined_ = false;
  // Used by whichever drives the watch (see the class comment).
  int64_t position_ = 0;
  grpc::ByteBuffer outgoing_;
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  int steps_ ABSL_GUARDED_BY(mu_) = 0;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace

grpc::ServerWriteReactor<grpc::ByteBuffer>* ChangeFeedServiceImpl::WatchChanges(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return new WatchReactor(context, request, feed_, runtime_);
}

}  // namespace suppliers
