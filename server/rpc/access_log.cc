// Owns the per-call access log: one JSON line per finished RPC with its
// method, status code, duration, peer and caller, written by a server
// interceptor (the hook later metrics will share).
#include "server/rpc/access_log.h"

#include <grpcpp/grpcpp.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/base/log.h"

namespace suppliers {
namespace {

using grpc::experimental::InterceptionHookPoints;

class AccessLogInterceptor final : public grpc::experimental::Interceptor {
 public:
  AccessLogInterceptor(grpc::experimental::ServerRpcInfo* info,
                       const Authenticator* auth)
      : info_(info), auth_(auth), start_(absl::Now()) {}

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
           {"peer", info_->server_context()->peer()},
           {"caller", Caller()}});
    }
    methods->Proceed();
  }

 private:
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
  const absl::Time start_;
};

// Logs everything but the health and reflection services.
class AccessLogFactory final
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit AccessLogFactory(const Authenticator* auth) : auth_(auth) {}

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    const char* method = info->method();
    if (method == nullptr || absl::StartsWith(method, "/grpc.")) {
      return nullptr;
    }
    return new AccessLogInterceptor(info, auth_);
  }

 private:
  const Authenticator* const auth_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeAccessLogInterceptorFactory(const Authenticator* auth) {
  return std::make_unique<AccessLogFactory>(auth);
}

}  // namespace suppliers
