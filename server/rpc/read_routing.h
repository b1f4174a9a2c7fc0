// Owns the request and response headers of read routing: where a caller
// asks its reads to run (the primary, or a replica that has replayed its
// last write) and the commit position a write answers with.
#ifndef SUPPLIERS_SERVER_RPC_READ_ROUTING_H_
#define SUPPLIERS_SERVER_RPC_READ_ROUTING_H_

#include <grpcpp/server_context.h>

#include <map>

#include "absl/status/statusor.h"
#include "common/wal_position.h"
#include "server/db/call_context.h"

namespace suppliers {

// The header names are in common/wal_position.h.

// The routing the call's headers ask for. INVALID_ARGUMENT naming the
// header for a value that is not one of the above (nothing runs).
absl::StatusOr<CallContext::ReadRouting> ParseReadRouting(
    const std::multimap<grpc::string_ref, grpc::string_ref>& metadata);

// Adds kCommitLsnHeader to the call's trailing metadata when `call`
// committed a write and knows its position. Call before Finish.
void AddCommitPosition(grpc::ServerContextBase& context,
                       const CallContext& call);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_RPC_READ_ROUTING_H_
