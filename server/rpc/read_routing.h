// Owns the request and response headers of read routing: where a caller
// asks its reads to run (the primary, or a replica that has replayed its
// last write) and the commit position a write answers with.
#ifndef SUPPLIERS_SERVER_RPC_READ_ROUTING_H_
#define SUPPLIERS_SERVER_RPC_READ_ROUTING_H_

#include <grpcpp/server_context.h>

#include <map>

#include "absl/status/statusor.h"
#include "server/db/call_context.h"

namespace suppliers {

// Request: "primary" sends the call's reads to the primary; "any" (the
// default) lets them go to a usable replica.
inline constexpr char kReadFromHeader[] = "x-suppliers-read-from";
// Request: a WAL position ("16/B374D848", from kCommitLsnHeader): reads run
// only where it has been replayed, so the caller sees its own writes.
inline constexpr char kMinLsnHeader[] = "x-suppliers-min-lsn";
// Response (trailing metadata) of a call that committed a write, when the
// server has read replicas: the WAL position at or past its commit.
inline constexpr char kCommitLsnHeader[] = "x-suppliers-commit-lsn";

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
