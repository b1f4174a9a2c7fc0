// Owns the per-call access log: one JSON line per finished RPC with its
// method, status code, duration and peer, written by a server interceptor
// (the hook later metrics will share).
#ifndef SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_
#define SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

namespace suppliers {

// Creates one interceptor per call. Health checks and reflection are not
// logged: probes would drown the calls that matter. Thread-safe.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeAccessLogInterceptorFactory();

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_
