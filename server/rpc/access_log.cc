// Owns what is recorded of each finished call, by one server interceptor:
// the access log line (method, status code, duration, peer, caller, trace)
// and the call metrics (count by method and code, latency).
#include "server/rpc/access_log.h"

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/clock.h"
#include "server/base/log.h"
#include "server/base/metrics.h"
#include "server/rpc/trace_context.h"

namespace suppliers {
namespace {

using grpc::experimental::InterceptionHookPoints;

class AccessLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  AccessLogInterceptor(grpc::experimental::ServerRpcInfo* info,
                       const Authenticator* auth, CallRecords records)
      : info_(info), auth_(auth), records_(records), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (records_.access_log &&
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_INITIAL_METADATA)) {
      // The handler answered the call's trace (call_runtime.h).
      const auto* sent = methods->GetSendInitialMetadata();
      if (auto it = sent->find("traceresponse"); it != sent->end()) {
        trace_id_ = TraceIdOf(it->second);
      }
    }
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const auto code = static_cast<absl::StatusCode>(status.error_code());
      const absl::Duration duration = absl::Now() - start_;
      if (records_.metrics) {
        Metrics::Get().RecordCall(info_->method(),
                                  absl::StatusCodeToString(code), duration);
      }
      if (records_.access_log)
        Log(status.ok() || code == absl::StatusCode::kNotFound ||
                    code == absl::StatusCode::kInvalidArgument
                ? LogLevel::kInfo
                : LogLevel::kWarning,
            "rpc",
            {{"method", info_->method()},
             {"code", absl::StatusCodeToString(code)},
             {"duration_ms", absl::ToDoubleMilliseconds(duration)},
             {"peer", info_->server_context()->peer()},
             {"caller", Caller()},
             {"trace_id", TraceId()}});
    }
    methods->Proceed();
  }

 private:
  // The trace the call ran under; for a call refused before its handler
  // answered one, the caller's traceparent if valid, else "".
  std::string TraceId() const {
    if (!trace_id_.empty()) return trace_id_;
    const auto& metadata = info_->server_context()->client_metadata();
    auto it = metadata.find("traceparent");
    if (it == metadata.end()) return "";
    return TraceIdOf(absl::string_view(it->second.data(), it->second.size()));
  }

  // The verified caller, or "" when none: a token's `sub` (checked again
  // through the authenticator's cache) or a client certificate's name.
  std::string Caller() const {
    const grpc::ServerContextBase& context = *info_->server_context();
    if (auth_ != nullptr) {
      absl::StatusOr<Identity> identity = auth_->Authenticate(context);
      if (identity.ok()) return identity->subject;
    }
    const std::shared_ptr<const grpc::AuthContext> peer =
        context.auth_context();
    if (peer != nullptr && peer->IsPeerAuthenticated()) {
      for (const grpc::string_ref& name :
           peer->FindPropertyValues("x509_common_name")) {
        return absl::StrCat("cert:",
                            absl::string_view(name.data(), name.size()));
      }
    }
    return "";
  }

  grpc::experimental::ServerRpcInfo* const info_;
  const Authenticator* const auth_;
  const CallRecords records_;
  const absl::Time start_;
  std::string trace_id_;
};

// Records everything but the health and reflection services.
class AccessLogFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  AccessLogFactory(const Authenticator* auth, CallRecords records)
      : auth_(auth), records_(records) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    if (method == nullptr || absl::StartsWith(method, "/grpc.")) {
      return nullptr;
    }
    return new AccessLogInterceptor(info, auth_, records_);
  }

 private:
  const Authenticator* const auth_;
  const CallRecords records_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeCallRecordsInterceptorFactory(const Authenticator* auth,
                                  CallRecords records) {
  return std::make_unique<AccessLogFactory>(auth, records);
}

}  // namespace suppliers
