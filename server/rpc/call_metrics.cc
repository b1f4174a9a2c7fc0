// Owns the per-call metrics interceptor (see call_metrics.h).
#include "server/rpc/call_metrics.h"

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/base/metrics.h"

namespace suppliers {
namespace {

using grpc::experimental::InterceptionHookPoints;

class CallMetricsInterceptor final : public grpc::experimental::Interceptor {
 public:
  explicit CallMetricsInterceptor(grpc::experimental::ServerRpcInfo* info)
      : info_(info), start_(absl::Now()) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::PRE_SEND_STATUS)) {
      const auto code =
          static_cast<absl::StatusCode>(methods->GetSendStatus().error_code());
      Metrics::Get().RecordCall(info_->method(), absl::StatusCodeToString(code),
                                absl::Now() - start_);
    }
    methods->Proceed();
  }

 private:
  grpc::experimental::ServerRpcInfo* const info_;
  const absl::Time start_;
};

class CallMetricsFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    if (method == nullptr || absl::StartsWith(method, "/grpc.")) {
      return nullptr;
    }
    return new CallMetricsInterceptor(info);
  }
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeCallMetricsInterceptorFactory() {
  return std::make_unique<CallMetricsFactory>();
}

}  // namespace suppliers
