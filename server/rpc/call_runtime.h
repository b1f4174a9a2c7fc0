// Owns what every gRPC call of ours needs to reach the database without
// blocking a gRPC thread: the work queue and the cancel queue, the server's
// default deadlines, and the hand-offs between gRPC threads and workers.
#ifndef SUPPLIERS_SERVER_RPC_CALL_RUNTIME_H_
#define SUPPLIERS_SERVER_RPC_CALL_RUNTIME_H_

#include <grpcpp/server_context.h>

#include <memory>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "server/base/work_queue.h"
#include "server/db/call_canceller.h"
#include "server/db/call_context.h"
#include "server/db/statement_driver.h"
#include "server/rpc/authenticator.h"
#include "server/rpc/stream_guard.h"

namespace suppliers {

// Shared by every service and call. A plain value over queues that outlive
// the services; thread-safe to read.
struct CallRuntime {
  WorkQueue* work;           // database work
  WorkQueue* cancels;        // clean-up of refused work, off gRPC threads
  CallCanceller* canceller;  // cancel requests to PostgreSQL
  StreamGuard* streams;      // bounds on streaming calls
  // Who may call what; nullptr when the server checks no credentials.
  const Authenticator* auth;
  // Upper bound on one call when the client sets no deadline.
  absl::Duration default_deadline = absl::Seconds(30);
  // The same for streaming calls, which move whole drawings.
  absl::Duration default_stream_deadline = absl::Minutes(10);
  // Longest a call waits for a worker and a database connection together;
  // past it the call is shed with RESOURCE_EXHAUSTED (the pool's acquire
  // timeout).
  absl::Duration acquire_timeout = absl::Seconds(2);
  // Longest a unary call may wait for a worker. A call whose expected wait
  // (work_queue.h) passes this or its own deadline is refused at once.
  absl::Duration max_queue_wait = absl::Seconds(1);
  // Single-statement reads, sent without a worker; nullptr: they run on
  // `work` like everything else.
  StatementDriver* reads = nullptr;
  // Tag each call's database session with its trace id (trace_context.h);
  // one more statement per call.
  bool trace_statements = false;
};

// When the server checks credentials: OK if the caller (token or client
// certificate) holds the scope of the method whose request type is
// `request_type` (method_scopes.h); otherwise UNAUTHENTICATED or
// PERMISSION_DENIED, before anything is parsed, queued or written. A method
// without a scope is refused (fail closed).
absl::Status AuthorizeCall(const CallRuntime& runtime,
                           const grpc::ServerContextBase& context,
                           const google::protobuf::Descriptor* request_type);

// A fresh call context: the caller's deadline capped by `server_default`,
// and an acquire deadline `runtime.acquire_timeout` from now. Joins the
// caller's trace (its `traceparent` header) or starts one, answers it in the
// `traceresponse` header, and with runtime.trace_statements tags the call's
// database session with it.
std::shared_ptr<CallContext> NewCallContext(
    grpc::CallbackServerContext* context, const CallRuntime& runtime,
    absl::Duration server_default);

// The call's deadline: the client's, capped by the server's default.
absl::Time CallDeadline(grpc::CallbackServerContext* context,
                        absl::Duration server_default);

// Runs `task` on the work queue. When the queue refuses (full, stopping),
// runs `refused(status)` on the cancel queue instead, so that the caller, a
// gRPC thread, never does the database clean-up itself.
void RunOnWorker(const CallRuntime& runtime, absl::AnyInvocable<void() &&> task,
                 absl::AnyInvocable<void(absl::Status) &&> refused);

// Client cancelled or deadline passed: stop the call's SQL now rather than
// at its statement timeout. Cancel requests are network round trips, so the
// CallCanceller sends them (and repeats them while the call still holds a
// connection), never the calling gRPC thread.
void CancelInBackground(const CallRuntime& runtime,
                        std::shared_ptr<CallContext> call);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_CALL_RUNTIME_H_
