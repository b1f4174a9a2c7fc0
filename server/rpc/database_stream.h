// Owns what every streaming reactor over the database shares: the call's
// context (deadline capped by the server's stream default), admission and
// expiry by the StreamGuard, cancellation forwarded to PostgreSQL, running
// steps on the work queue, finishing exactly once whichever of those ends
// the stream first, and staying alive until the last step has run.
#ifndef SUPPLIERS_SERVER_RPC_DATABASE_STREAM_H_
#define SUPPLIERS_SERVER_RPC_DATABASE_STREAM_H_

#include <grpcpp/server_context.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_callback.h>

#include <memory>
#include <string>
#include <type_traits>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "server/base/metrics.h"
#include "server/db/call_context.h"
#include "server/rpc/call_runtime.h"
#include "server/rpc/grpc_status.h"
#include "server/rpc/method_scopes.h"
#include "server/rpc/read_routing.h"
#include "server/rpc/stream_guard.h"

namespace suppliers {

// Base of a streaming reactor (`Reactor` is grpc::ServerReadReactor or
// grpc::ServerWriteReactor of grpc::ByteBuffer). Deletes itself once gRPC
// called OnDone and no step of its is queued or running. Thread-safe as
// gRPC uses it: reactions are serialized by gRPC, each step starts the next
// only after it is done with the reactor's state, and the guard's Expire()
// touches only the state under mu_ (and schedules the session's release as
// a step of its own when no other step can run).
template <typename Reactor>
class DatabaseStream : public Reactor, public GuardedStream {
 protected:
  // `request_type` names the method (for its scope).
  DatabaseStream(grpc::CallbackServerContext* context,
                 const CallRuntime& runtime,
                 const google::protobuf::Descriptor* request_type)
      : runtime_(runtime),
        call_(
            NewCallContext(context, runtime, runtime.default_stream_deadline)),
        context_(context),
        method_(MethodName(request_type)),
        admitted_(Admit(request_type)) {
    if (admitted()) Metrics::Get().StreamStarted(method_);
  }

  // Whether the caller may call and the guard let the stream in; if not,
  // the derived constructor calls Refuse() and does nothing else.
  bool admitted() const { return admitted_.ok(); }
  void Refuse() { FinishOnce(admitted_); }

  // Rolls back the stream's database session. Runs as a step (on a worker
  // or the cancel queue), never on a gRPC thread.
  virtual void ReleaseSession() = 0;

  // Ends the call with `status` (or with the guard's verdict, when that came
  // first), releasing the database session first. Runs as a step.
  void Fail(const absl::Status& status) {
    ReleaseSession();
    absl::Status final_status = status;
    {
      absl::MutexLock lock(&mu_);
      if (!expired_.ok()) final_status = expired_;
    }
    FinishOnce(final_status);
  }

  // Finishes the call unless something else finished it already. The
  // stream's place is given back before the status leaves: a client that
  // saw it and opens its next stream at once must find the place free.
  void FinishOnce(const absl::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;  // from here the guard's Expire() does nothing
    }
    if (admitted()) runtime_.streams->Leave(this);
    if (status.ok()) AddCommitPosition(*context_, *call_);
    this->Finish(ToGrpcStatus(status));
  }

  // Starts a read or write (`start`) that waits for the client, unless the
  // stream was finished or expired meanwhile; then returns false and the
  // caller fails the stream. Under the lock, so the guard cannot finish the
  // call between the check and the start.
  bool AwaitClient(absl::FunctionRef<void()> start) {
    absl::MutexLock lock(&mu_);
    if (finished_ || !expired_.ok()) return false;
    awaiting_client_ = true;
    SetAwaitingClient(true);
    start();
    return true;
  }

  // From OnReadDone / OnWriteDone: the client moved. Returns true when the
  // guard already ended the stream (it finished the call and released the
  // session): the reaction must then do nothing more.
  bool ClientMoved() {
    absl::MutexLock lock(&mu_);
    awaiting_client_ = false;
    SetAwaitingClient(false);
    return finished_;
  }

  // Whether the stream was finished or expired already: an upload must then
  // roll back even if its bytes look complete.
  bool ended() {
    absl::MutexLock lock(&mu_);
    return finished_ || !expired_.ok();
  }

  // Runs `task` as a step on a worker; if the queue refuses, fails the call
  // instead (on the cancel queue).
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
        [this](absl::Status refused) {
          Fail(refused);
          StepDone();
        });
  }

  void OnCancel() override { CancelInBackground(runtime_, call_); }
  void OnDone() override {
    if (admitted()) {
      runtime_.streams->Leave(this);
      Metrics::Get().StreamEnded(method_);
    }
    {
      absl::MutexLock lock(&mu_);
      done_ = true;
      if (steps_ > 0) return;  // the last step deletes
    }
    delete this;
  }

  const CallRuntime& runtime_;
  const std::shared_ptr<CallContext> call_;

 private:
  // Credentials first: an unauthenticated caller takes no stream slot.
  static std::string MethodName(
      const google::protobuf::Descriptor* request_type) {
    const MethodScope* method = MethodForRequest(request_type);
    return method != nullptr ? method->method : request_type->full_name();
  }

  absl::Status Admit(const google::protobuf::Descriptor* request_type) {
    if (absl::Status authorized =
            AuthorizeCall(runtime_, *context_, request_type);
        !authorized.ok()) {
      return authorized;
    }
    return runtime_.streams->Admit(this, call_->deadline());
  }

  // The guard's verdict. A step running on a worker: stop its SQL, and it
  // fails with the verdict. Waiting for the client to send: at first only
  // remember it (a message on its way still arrives, and the stream fails
  // with the verdict intact); finally, end now. Waiting for the client to
  // read: end now. Ending now: finish, cancel the stream (a write held by
  // flow control would hold the status, and the reactor, until the client
  // reads), and release the session as a step of its own, so that no
  // transaction outlives the verdict whatever the client does.
  void Expire(absl::Status status, bool final) override {
    absl::MutexLock lock(&mu_);
    if (finished_) return;
    expired_ = status;
    if (!awaiting_client_) {
      CancelInBackground(runtime_, call_);
      return;
    }
    constexpr bool kWriter =
        std::is_base_of_v<grpc::ServerWriteReactor<grpc::ByteBuffer>, Reactor>;
    if (!final && !kWriter) return;
    finished_ = true;
    if (kWriter) context_->TryCancel();
    this->Finish(ToGrpcStatus(status));
    ++steps_;
    RunOnWorker(
        runtime_,
        [this] {
          ReleaseSession();
          StepDone();
        },
        [this](const absl::Status&) {
          ReleaseSession();
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

  grpc::CallbackServerContext* const context_;
  const std::string method_;  // "/suppliers.v1.DrawingService/..."
  const absl::Status admitted_;
  absl::Mutex mu_;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool awaiting_client_ ABSL_GUARDED_BY(mu_) = false;
  absl::Status expired_ ABSL_GUARDED_BY(mu_);
  int steps_ ABSL_GUARDED_BY(mu_) = 0;      // queued or running
  bool done_ ABSL_GUARDED_BY(mu_) = false;  // gRPC called OnDone
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_DATABASE_STREAM_H_
