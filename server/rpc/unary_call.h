// Owns the reactor of every unary call: it parses the request (a malformed
// one is INVALID_ARGUMENT at once), queues the call's database work (shed
// with RESOURCE_EXHAUSTED when the queue is full or no worker takes it in
// time) or, for a single-statement read, hands its statement to the
// StatementDriver, forwards cancellation to the running SQL statement, and
// finishes the call through the one status mapping.
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
#include "server/rpc/read_routing.h"
#include "server/store/single_read.h"

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
  using Planner = absl::AnyInvocable<absl::StatusOr<SingleRead<Response>>(
                                         const Request&) &&>;

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
    if (!Admit(request_bytes)) return;
    absl::Status queued = runtime_.work->Submit(
        [this, call = call_, handler = std::move(handler)]() mutable {
          absl::StatusOr<Response> result = std::move(handler)(*call, request_);
          absl::Status status = result.status();
          if (status.ok()) status = SerializeMessage(*result, response_bytes_);
          if (status.ok()) AddCommitPosition(*context_, *call);
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

  // For a read that is one statement: plans it (validation errors at once,
  // on this thread) and sends it through the runtime's StatementDriver,
  // which answers on its own thread; `handler` runs it on a worker instead
  // when the server has no driver.
  void StartRead(const grpc::ByteBuffer& request_bytes, Planner plan,
                 Handler handler) {
    if (runtime_.reads == nullptr) {
      // No driver (off, or replaced by read replicas, which the
      // TransactionRunner routes to): a worker runs the read.
      Start(request_bytes, std::move(handler));
      return;
    }
    if (!Admit(request_bytes)) return;
    absl::StatusOr<SingleRead<Response>> read = std::move(plan)(request_);
    if (!read.ok()) {
      Finish(ToGrpcStatus(read.status()));
      return;
    }
    answer_ = std::move(read->answer);
    absl::Status sent = runtime_.reads->Submit(
        call_, std::move(read->statement),
        [this](absl::StatusOr<ResultRows> rows) {
          absl::Status status = rows.status();
          if (status.ok()) {
            absl::StatusOr<Response> response = answer_(*rows);
            status = response.status();
            if (status.ok())
              status = SerializeMessage(*response, response_bytes_);
          }
          Finish(ToGrpcStatus(status));
          // `this` may be deleted from here on.
        },
        &read_ticket_);
    if (!sent.ok()) Finish(ToGrpcStatus(sent));
  }

  // A call cancelled (or past its deadline) while still queued leaves the
  // queue at once, so that it neither holds a worker later nor lengthens
  // the wait the queue expects for live calls; one already running has its
  // SQL cancelled.
  void OnCancel() override {
    if (read_ticket_ != 0 && runtime_.reads->Withdraw(read_ticket_)) {
      Finish(grpc::Status(grpc::StatusCode::CANCELLED,
                          "the call was cancelled before a database "
                          "connection took it"));
      return;
    }
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
  // Checks the caller's credentials (when the server does) and parses the
  // request into request_; on failure finishes the call and returns false.
  bool Admit(const grpc::ByteBuffer& request_bytes) {
    if (absl::Status authorized =
            AuthorizeCall(runtime_, *context_, Request::descriptor());
        !authorized.ok()) {
      Finish(ToGrpcStatus(authorized));
      return false;
    }
    if (absl::Status parsed = ParseMessage(request_bytes, &request_);
        !parsed.ok()) {
      Finish(ToGrpcStatus(parsed));
      return false;
    }
    if (!call_->refusal().ok()) {
      Finish(ToGrpcStatus(call_->refusal()));
      return false;
    }
    return true;
  }

  grpc::CallbackServerContext* const context_;
  Request request_;
  grpc::ByteBuffer* const response_bytes_;
  const CallRuntime& runtime_;
  const std::shared_ptr<CallContext> call_;
  // The queued work, once accepted (set before gRPC can call OnCancel).
  WorkQueue::Ticket ticket_ = 0;
  // The same for a read sent through the StatementDriver, and its mapping.
  StatementDriver::Ticket read_ticket_ = 0;
  absl::AnyInvocable<absl::StatusOr<Response>(const ResultRows&) const> answer_;
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

// The whole body of a service method whose logic is a single-statement
// read: `(store.*plan)(request)` through the StatementDriver, or
// `(store.*run)(call, request)` on a worker when the server has none.
template <typename Store, typename Request, typename Response>
grpc::ServerUnaryReactor* ServeSingleRead(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response, const CallRuntime& runtime, Store& store,
    absl::StatusOr<SingleRead<Response>> (Store::*plan)(const Request&) const,
    absl::StatusOr<Response> (Store::*run)(CallContext&, const Request&)) {
  auto* call = new UnaryCall<Request, Response>(context, response, runtime);
  call->StartRead(
      *request,
      [&store, plan](const Request& parsed) { return (store.*plan)(parsed); },
      [&store, run](CallContext& call, const Request& parsed) {
        return (store.*run)(call, parsed);
      });
  return call;
}

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_UNARY_CALL_H_
