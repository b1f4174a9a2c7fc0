// Owns what every gRPC call of ours needs to reach the database without
// blocking a gRPC thread: the work queue and the cancel queue, the server's
// default deadlines, and the hand-offs between gRPC threads and workers.
#include "server/rpc/call_runtime.h"

#include <algorithm>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "server/rpc/method_scopes.h"
#include "server/rpc/read_routing.h"
#include "server/rpc/trace_context.h"

namespace suppliers {
namespace {

// Runs `refused(status)` on the cancel queue; if that refuses too (the
// server is stopping), here rather than never.
void RunRefusal(const CallRuntime& runtime,
                absl::AnyInvocable<void(absl::Status) &&> refused,
                absl::Status status) {
  absl::AnyInvocable<void()&&> fallback =
      [refused = std::move(refused), status = std::move(status)]() mutable {
        std::move(refused)(std::move(status));
      };
  // Submit moves from `fallback` only when it accepts it (work_queue.h).
  if (!runtime.cancels->Submit(std::move(fallback)).ok()) {
    std::move(fallback)();  // NOLINT(bugprone-use-after-move): refused
  }
}

}  // namespace

absl::Status AuthorizeCall(const CallRuntime& runtime,
                           const grpc::ServerContextBase& context,
                           const google::protobuf::Descriptor* request_type) {
  if (runtime.auth == nullptr) return absl::OkStatus();
  const MethodScope* method = MethodForRequest(request_type);
  if (method == nullptr || method->scope.empty()) {
    return absl::PermissionDeniedError(
        "the method declares no scope, so no caller may call it");
  }
  return runtime.auth->Authorize(context, method->scope).status();
}

absl::Time CallDeadline(grpc::CallbackServerContext* context,
                        absl::Duration server_default) {
  return std::min(absl::FromChrono(context->deadline()),
                  absl::Now() + server_default);
}

std::shared_ptr<CallContext> NewCallContext(
    grpc::CallbackServerContext* context, const CallRuntime& runtime,
    absl::Duration server_default) {
  auto call =
      std::make_shared<CallContext>(CallDeadline(context, server_default),
                                    absl::Now() + runtime.acquire_timeout);
  absl::string_view traceparent;
  const auto& metadata = context->client_metadata();
  if (auto it = metadata.find("traceparent"); it != metadata.end()) {
    traceparent = absl::string_view(it->second.data(), it->second.size());
  }
  const TraceContext trace = TraceForCall(traceparent);
  context->AddInitialMetadata("traceresponse", TraceResponseHeader(trace));
  if (runtime.trace_statements) call->set_trace_tag(DatabaseTraceTag(trace));
  absl::StatusOr<CallContext::ReadRouting> routing = ParseReadRouting(metadata);
  if (routing.ok()) {
    call->set_read_routing(*routing);
  } else {
    call->set_refusal(routing.status());
  }
  return call;
}

void RunOnWorker(const CallRuntime& runtime, absl::AnyInvocable<void() &&> task,
                 absl::AnyInvocable<void(absl::Status) &&> refused) {
  // Shared by the two refusal paths; only one of them ever runs it.
  auto shared_refused =
      std::make_shared<absl::AnyInvocable<void(absl::Status) &&>>(
          std::move(refused));
  absl::Status queued = runtime.work->Submit(
      std::move(task),
      [&runtime, shared_refused](absl::Status status) {
        RunRefusal(runtime, std::move(*shared_refused), std::move(status));
      },
      absl::Now() + runtime.acquire_timeout);
  if (!queued.ok()) {
    RunRefusal(runtime, std::move(*shared_refused), std::move(queued));
  }
}

void CancelInBackground(const CallRuntime& runtime,
                        std::shared_ptr<CallContext> call) {
  runtime.canceller->Cancel(std::move(call));
}

}  // namespace suppliers
