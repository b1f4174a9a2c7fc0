// Owns what every streaming reactor over the database shares: the call's
// context (deadline capped by the server's stream default), cancellation
// forwarded to PostgreSQL, and running steps on the work queue, failing the
// call if the queue refuses.
#ifndef SUPPLIERS_SERVER_RPC_DATABASE_STREAM_H_
#define SUPPLIERS_SERVER_RPC_DATABASE_STREAM_H_

#include <grpcpp/server_context.h>

#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "server/db/call_context.h"
#include "server/rpc/call_runtime.h"

namespace suppliers {

// Base of a streaming reactor (`Reactor` is grpc::ServerReadReactor<...> or
// grpc::ServerWriteReactor<...>). Deletes itself in OnDone, which gRPC calls
// after Finish(). Not thread-safe beyond what gRPC guarantees: each step
// starts the next only after it is done with the reactor's state.
template <typename Reactor>
class DatabaseStream : public Reactor {
 protected:
  DatabaseStream(grpc::CallbackServerContext* context,
                 const CallRuntime& runtime)
      : runtime_(runtime),
        call_(NewCallContext(context, runtime,
                             runtime.default_stream_deadline)) {}

  // Ends the call with `status`, releasing its database session first.
  virtual void Fail(const absl::Status& status) = 0;

  // Runs `task` on a worker; if the queue refuses, fails the call.
  void OnWorker(absl::AnyInvocable<void() &&> task) {
    RunOnWorker(runtime_, std::move(task),
                [this](absl::Status refused) { Fail(refused); });
  }

  void OnCancel() override { CancelInBackground(runtime_, call_); }
  void OnDone() override { delete this; }

  const CallRuntime& runtime_;
  const std::shared_ptr<CallContext> call_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_DATABASE_STREAM_H_
