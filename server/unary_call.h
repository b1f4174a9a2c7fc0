// Owns the bridge from a gRPC callback unary call to our worker pool: the
// reactor that queues the database work (RESOURCE_EXHAUSTED when the queue
// is full), forwards cancellation to the running SQL statement, and finishes
// the call with the one status mapping.
#ifndef SUPPLIERS_SERVER_UNARY_CALL_H_
#define SUPPLIERS_SERVER_UNARY_CALL_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "server/database.h"
#include "server/errors.h"
#include "server/work_queue.h"

namespace suppliers {

// What every service needs to run calls. The queues outlive the services.
struct CallRuntime {
  WorkQueue* work;     // database work
  WorkQueue* cancels;  // cancel requests (each a short network round trip)
  // Upper bound on one call when the client sets no deadline.
  absl::Duration default_deadline = absl::Seconds(30);
  // The same for streaming calls, which move whole drawings.
  absl::Duration default_stream_deadline = absl::Minutes(10);
};

// The call's deadline: the client's, capped by the server's default.
inline absl::Time CallDeadline(grpc::CallbackServerContext* context,
                               absl::Duration server_default) {
  return std::min(absl::FromChrono(context->deadline()),
                  absl::Now() + server_default);
}

// Runs `task` on the worker queue. When the queue refuses (full, stopping),
// runs `refused(status)` on the cancel queue instead, so that the caller, a
// gRPC thread, never does the database clean-up itself.
inline void RunOnWorker(const CallRuntime& runtime,
                        absl::AnyInvocable<void() &&> task,
                        absl::AnyInvocable<void(absl::Status) &&> refused) {
  absl::Status queued = runtime.work->Submit(std::move(task));
  if (queued.ok()) return;
  absl::AnyInvocable<void()&&> fallback = [refused = std::move(refused),
                                           queued]() mutable {
    std::move(refused)(queued);
  };
  // The cancel queue refusing too means the server is stopping; then the
  // clean-up runs here rather than never.
  if (!runtime.cancels->Submit(std::move(fallback)).ok()) {
    std::move(fallback)();
  }
}

// Client cancelled or deadline passed: stop the call's SQL now rather than
// at its statement timeout. The cancel request is a network round trip, so it
// runs on the cancel queue, never on the calling gRPC thread.
inline void CancelInBackground(const CallRuntime& runtime,
                               std::shared_ptr<CallContext> call) {
  (void)runtime.cancels->Submit([call = std::move(call)] { call->Cancel(); });
}

// One unary call. Created by StartUnaryCall; deletes itself in OnDone, which
// gRPC calls only after Finish() and after any OnCancel() has returned.
template <typename Response>
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  using Handler = absl::AnyInvocable<absl::StatusOr<Response>(CallContext&) &&>;

  UnaryCall(grpc::CallbackServerContext* context, Response* response,
            const CallRuntime& runtime)
      : response_(response),
        runtime_(runtime),
        call_(std::make_shared<CallContext>(
            CallDeadline(context, runtime.default_deadline))) {}

  void Start(Handler handler) {
    absl::Status queued = runtime_.work->Submit(
        [this, call = call_, handler = std::move(handler)]() mutable {
          absl::StatusOr<Response> result = std::move(handler)(*call);
          if (result.ok()) {
            *response_ = *std::move(result);
            Finish(grpc::Status::OK);
          } else {
            Finish(ToGrpcStatus(result.status()));
          }
          // `this` may be deleted from here on.
        });
    if (!queued.ok()) Finish(ToGrpcStatus(queued));
  }

  void OnCancel() override { CancelInBackground(runtime_, call_); }

  void OnDone() override { delete this; }

 private:
  Response* const response_;
  const CallRuntime& runtime_;
  const std::shared_ptr<CallContext> call_;
};

// Starts `handler` (absl::StatusOr<Response>(CallContext&)) for the call and
// returns its reactor, as a callback service method must.
template <typename Response, typename Handler>
grpc::ServerUnaryReactor* StartUnaryCall(grpc::CallbackServerContext* context,
                                         Response* response,
                                         const CallRuntime& runtime,
                                         Handler handler) {
  auto* call = new UnaryCall<Response>(context, response, runtime);
  call->Start(std::move(handler));
  return call;
}

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_UNARY_CALL_H_
