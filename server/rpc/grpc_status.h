// Owns the one mapping from our status values to the wire: grpc::Status with
// the google.rpc details in grpc-status-details-bin.
#ifndef SUPPLIERS_SERVER_RPC_GRPC_STATUS_H_
#define SUPPLIERS_SERVER_RPC_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace suppliers {

// Same code and message; every google.rpc detail payload (plus an ErrorInfo
// whose reason is the code's name, if none was attached) packed into a
// google.rpc.Status. Internal payloads (base/errors.h) are left out.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_GRPC_STATUS_H_
