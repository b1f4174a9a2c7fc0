// Owns error values: building statuses with google.rpc details (ErrorInfo,
// BadRequest), classifying database exceptions, and the one mapping from
// absl::Status to grpc::Status.
#ifndef SUPPLIERS_SERVER_ERRORS_H_
#define SUPPLIERS_SERVER_ERRORS_H_

#include <exception>
#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace grpc {
class Status;
}

namespace suppliers {

// google.rpc.ErrorInfo.domain of every error this service returns.
inline constexpr char kErrorDomain[] = "suppliers.v1";

// INVALID_ARGUMENT naming `field` (a request field path such as
// "vendor.vendor_name" or "vendors[2].vendor_name"), with a
// google.rpc.BadRequest field violation and ErrorInfo reason INVALID_FIELD.
absl::Status InvalidField(absl::string_view field,
                          absl::string_view description);

// `code` with `message` and an ErrorInfo {reason, domain, metadata}.
absl::Status ErrorWithInfo(absl::StatusCode code, absl::string_view message,
                           absl::string_view reason,
                           const std::map<std::string, std::string>& metadata);

// NOT_FOUND "<resource> <id> does not exist", ErrorInfo reason
// "<RESOURCE>_NOT_FOUND" with metadata {"<resource>_id": id}.
absl::Status NotFound(absl::string_view resource, int id);

// Classifies an exception thrown by libpqxx (or the pool) into a status:
//   unique violation -> ALREADY_EXISTS; foreign key -> FAILED_PRECONDITION;
//   bad value, not-null, check -> INVALID_ARGUMENT; serialization failure or
//   deadlock -> ABORTED; query canceled -> CANCELLED when `client_cancelled`,
//   else DEADLINE_EXCEEDED (statement timeout); lost connection, server
//   shutdown, commit outcome unknown -> UNAVAILABLE; anything else ->
//   INTERNAL. Messages never carry SQL text or connection strings.
absl::Status FromDatabaseException(const std::exception& error,
                                   bool client_cancelled);

// Whether a failed transaction may simply be run again.
bool IsRetryableTransactionError(const absl::Status& status);

// The one mapping to the wire: same code and message, and every detail
// payload (plus an ErrorInfo if none was attached) in grpc-status-details-bin
// as a google.rpc.Status.
grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_ERRORS_H_
