// Owns the per-call metrics: calls by method and status code, and their
// latency, recorded by a server interceptor at the moment the status is sent
// (the same hook as the access log).
#ifndef SUPPLIERS_SERVER_RPC_CALL_METRICS_H_
#define SUPPLIERS_SERVER_RPC_CALL_METRICS_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace suppliers {

// One interceptor per call of our services (health and reflection are left
// out, as in the access log), recording into Metrics::Get(). Thread-safe.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeCallMetricsInterceptorFactory();

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_CALL_METRICS_H_
