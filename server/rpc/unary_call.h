// Owns the reactor of every unary call: it parses the request (a malformed
// one is INVALID_ARGUMENT at once), queues the call's database work (shed
// with RESOURCE_EXHAUSTED when the queue is full or no worker takes it in
// time), forwards cancellation to the running SQL statement, and finishes
// the call through the one status mapping.
#ifndef SUPPLIERS_SERVER_RPC_UNARY_CALL_H_
#define SUPPLIERS_SERVER_RPC_UNARY_CALL_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
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
#include "server/rpc/message_codec.h"

namespace suppliers {

// One unary call of a raw-callback method (request and response as wire
// bytes, so that parsing is ours). Created by ServeFromStore; deletes
// itself in OnDone, which gRPC calls only after Finish() and after any
// OnCancel() has returned. gRPC serializes its callbacks; the worker only
// touches the request and response.
template <typename Request, typename Response>
class UnaryCall final : public grpc::ServerUnaryReactor {
 public:
  using Handler = absl::AnyInvocable<absl::StatusOr<Response>(
                                         CallContext&, const Request&) &&>;

  UnaryCall(grpc::CallbackServerContext* context,
            grpc::ByteBuffer* response_bytes, const CallRuntime& runtime)
      : context_(context),
        response_bytes_(response_bytes),
        runtime_(runtime),
        call_(NewCallContext(context, runtime, runtime.default_deadline)) {}

  // Checks the caller's credentials (when the server does), parses the
  // request and queues the handler. A call no worker takes
  // before its acquire deadline (or its own deadline) is shed from the queue
  // with RESOURCE_EXHAUSTED (DEADLINE_EXCEEDED), on the queue's timer
  // thread: Finish never blocks.
  void Start(const grpc::ByteBuffer& request_bytes, Handler handler) {
    if (absl::Status authorized =
            AuthorizeCall(runtime_, *context_, Request::descriptor());
        !authorized.ok()) {
      Finish(ToGrpcStatus(authorized));
      return;
    }
    if (absl::Status parsed = ParseMessage(request_bytes, &request_);
        !parsed.ok()) {
      Finish(ToGrpcStatus(parsed));
      return;
    }
    absl::Status queued = runtime_.work->Submit(
        [this, call = call_, handler = std::move(handler)]() mutable {
          absl::StatusOr<Response> result = std::move(handler)(*call, request_);
          absl::Status status = result.status();
          if (status.ok()) status = SerializeMessage(*result, response_bytes_);
          Finish(ToGrpcStatus(status));
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
        std::min({call_->deadline(), call_->acquire_deadline(),
                  absl::Now() + runtime_.max_queue_wait}),
        &ticket_);
    if (!queued.ok()) Finish(ToGrpcStatus(queued));
  }

  // A call cancelled (or past its deadline) while still queued leaves the
  // queue at once, so that it neither holds a worker later nor lengthens
  // the wait the queue expects for live calls; one already running has its
  // SQL cancelled.
  void OnCancel() override {
    if (ticket_ != 0 && runtime_.work->Withdraw(ticket_)) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the call was cancelled before a database worker "
                          "took it"));
      return;
    }
    CancelInBackground(runtime_, call_);
  }

  void OnDone() override { delete this; }

 private:
  grpc::CallbackServerContext* const context_;
  Request request_;
  grpc::ByteBuffer* const response_bytes_;
  const CallRuntime& runtime_;
  const std::shared_ptr<CallContext> call_;
  // The queued work, once accepted (set before gRPC can call OnCancel).
  WorkQueue::Ticket ticket_ = 0;
};

// The whole body of a service method whose logic is one store method:
// parses the request, then `(store.*method)(call, request)` on a worker.
template <typename Store, typename Request, typename Response>
grpc::ServerUnaryReactor* ServeFromStore(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response, const CallRuntime& runtime, Store& store,
    absl::StatusOr<Response> (Store::*method)(CallContext&, const Request&)) {
  auto* call = new UnaryCall<Request, Response>(context, response, runtime);
  call->Start(*request,
              [&store, method](CallContext& call, const Request& parsed) {
                return (store.*method)(call, parsed);
              });
  return call;
}

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_UNARY_CALL_H_
