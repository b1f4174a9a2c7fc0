// Owns what every gRPC call of ours needs to reach the database without
// blocking a gRPC thread: the work queue and the cancel queue, the server's
// default deadlines, and the hand-offs between gRPC threads and workers.
#include "server/rpc/call_runtime.h"

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"

namespace suppliers {

absl::Time CallDeadline(grpc::CallbackServerContext* context,
                        absl::Duration server_default) {
  return std::min(absl::FromChrono(context->deadline()),
                  absl::Now() + server_default);
}

void RunOnWorker(const CallRuntime& runtime, absl::AnyInvocable<void() &&> task,
                 absl::AnyInvocable<void(absl::Status) &&> refused) {
  absl::Status queued = runtime.work->Submit(std::move(task));
  if (queued.ok()) return;
  absl::AnyInvocable<void()&&> fallback = [refused = std::move(refused),
                                           queued]() mutable {
    std::move(refused)(queued);
  };
  // The cancel queue refusing too means the server is stopping; then the
  // clean-up runs here rather than never.
  // Submit moves from `fallback` only when it accepts it (work_queue.h).
  if (!runtime.cancels->Submit(std::move(fallback)).ok()) {
    std::move(fallback)();  // NOLINT(bugprone-use-after-move): refused
  }
}

void CancelInBackground(const CallRuntime& runtime,
                        std::shared_ptr<CallContext> call) {
  (void)runtime.cancels->Submit([call = std::move(call)] { call->Cancel(); });
}

}  // namespace suppliers
