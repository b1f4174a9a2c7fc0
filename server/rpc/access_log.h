// Owns the per-call access log: one JSON line per finished RPC with its
// method, status code, duration, peer and caller, written by a server
// interceptor (the hook later metrics will share).
#ifndef SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_
#define SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "server/rpc/authenticator.h"

namespace suppliers {

// Creates one interceptor per call. Health checks and reflection are not
// logged: probes would drown the calls that matter. Each line names the
// caller when it is known (the verified token's `sub` through `auth`, or the
// verified client certificate's common name), never the token itself.
// Thread-safe; `auth` (may be null) must outlive the factory.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeAccessLogInterceptorFactory(const Authenticator* auth);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_
