// Owns what is recorded of each finished call, by one server interceptor:
// the access log line (method, status code, duration, peer, caller, trace)
// and the call metrics (count by method and code, latency).
#ifndef SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_
#define SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_

#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "server/rpc/authenticator.h"

namespace suppliers {

// What the interceptor records of each call.
struct CallRecords {
  bool access_log = false;  // one JSON line (--access_log)
  bool metrics = false;     // into Metrics::Get() (--metrics_listen)
};

// Creates one interceptor per call. Health checks and reflection are not
// recorded: probes would drown the calls that matter. Each line names the
// caller when it is known (the verified token's `sub` through `auth`, or the
// verified client certificate's common name), never the token itself.
// Thread-safe; `auth` (may be null) must outlive the factory.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeCallRecordsInterceptorFactory(const Authenticator* auth,
                                  CallRecords records);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_ACCESS_LOG_H_
