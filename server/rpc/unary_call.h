// Owns the reactor of every unary call: it queues the call's database work
// (RESOURCE_EXHAUSTED at once when the queue is full), forwards cancellation
// to the running SQL statement, and finishes the call through the one status
// mapping.
#ifndef SUPPLIERS_SERVER_RPC_UNARY_CALL_H_
#define SUPPLIERS_SERVER_RPC_UNARY_CALL_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/server_callback.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "server/db/call_context.h"
#include "server/rpc/call_runtime.h"
#include "server/rpc/grpc_status.h"

namespace suppliers {

// One unary call. Created by StartUnaryCall; deletes itself in OnDone, which
// gRPC calls only after Finish() and after any OnCancel() has returned.
// gRPC serializes its callbacks; the worker only touches the response.
template <typename Response>
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  using Handler = absl::AnyInvocable<absl::StatusOr<Response>(CallContext&) &&>;

  UnaryCall(grpc::CallbackServerContext* context, Response* response,
            const CallRuntime& runtime)
      : response_(response),
        runtime_(runtime),
        call_(NewCallContext(context, runtime, runtime.default_deadline)) {}

  // Queues the handler. A call no worker takes before its acquire deadline
  // (or its own deadline) is shed from the queue with RESOURCE_EXHAUSTED
  // (DEADLINE_EXCEEDED), on the queue's timer thread: Finish never blocks.
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
        },
        [this](absl::Status shed) {
          if (absl::Now() >= call_->deadline()) {
            shed = absl::DeadlineExceededError(
                "the call's deadline passed while it waited for a database "
                "worker");
          }
          Finish(ToGrpcStatus(shed));
        },
        std::min(call_->deadline(), call_->acquire_deadline()));
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

// The whole body of a service method whose logic is one store method:
// `(store.*method)(call, *request)` on a worker.
template <typename Store, typename Request, typename Response>
grpc::ServerUnaryReactor* ServeFromStore(
    grpc::CallbackServerContext* context, const Request* request,
    Response* response, const CallRuntime& runtime, Store& store,
    absl::StatusOr<Response> (Store::*method)(CallContext&, const Request&)) {
  return StartUnaryCall(context, response, runtime,
                        [&store, method, request](CallContext& call) {
                          return (store.*method)(call, *request);
                        });
}

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_UNARY_CALL_H_
