// Owns the per-call access log: one JSON line per finished RPC with its
// method, status code, duration and peer, written by a server interceptor
// (the hook later metrics will share).
#include "server/rpc/access_log.h"

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "server/base/log.h"

namespace suppliers {
namespace {

using grpc::experimental::InterceptionHookPoints;

class AccessLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit AccessLogInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      const auto code = static_cast<absl::StatusCode>(status.error_code());
      Log(status.ok() || code == absl::StatusCode::kNotFound ||
                  code == absl::StatusCode::kInvalidArgument
              ? LogLevel::kInfo
              : LogLevel::kWarning,
          "rpc",
          {{"method", info_->method()},
           {"code", absl::StatusCodeToString(code)},
           {"duration_ms", absl::ToDoubleMilliseconds(absl::Now() - start_)},
           {"peer", info_->server_context()->peer()}});
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* const info_;
  const absl::Time start_;
};

// Logs everything but the health and reflection services.
class AccessLogFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    if (method == nullptr || absl::StartsWith(method, "/grpc.")) {
      return nullptr;
    }
    return new AccessLogInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeAccessLogInterceptorFactory() {
  return std::make_unique<AccessLogFactory>();
}

}  // namespace suppliers
