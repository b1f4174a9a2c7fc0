// Owns building error values: statuses that carry google.rpc details
// (ErrorInfo, BadRequest) as payloads, and the internal "retryable" mark.
// How database exceptions become statuses is server/db/database_errors.h;
// how statuses reach the wire is server/rpc/grpc_status.h.
#ifndef SUPPLIERS_SERVER_BASE_ERRORS_H_
#define SUPPLIERS_SERVER_BASE_ERRORS_H_

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace suppliers {

// google.rpc.ErrorInfo.domain of every error this service returns.
inline constexpr char kErrorDomain[] = "suppliers.v1";

// Payload type URLs of the google.rpc details a status may carry. Payloads
// under any other URL are internal and never reach the wire.
inline constexpr char kErrorInfoUrl[] =
    "type.googleapis.com/google.rpc.ErrorInfo";
inline constexpr char kBadRequestUrl[] =
    "type.googleapis.com/google.rpc.BadRequest";

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

// The statuses of a call's database work that every layer gives alike:
// UNAVAILABLE with reason SHUTTING_DOWN; CANCELLED (the client cancelled);
// DEADLINE_EXCEEDED with reason DEADLINE_PASSED (the work could not finish
// before the call's deadline).
absl::Status ShuttingDown();
absl::Status CallCancelled();
absl::Status DeadlinePassed();
// ABORTED with reason STATEMENT_INTERRUPTED: a statement was cancelled by
// a cancel meant for another call and had no effect; the call may be run
// again.
absl::Status StatementInterrupted();

// Marks `status` as one whose whole unit of work may simply be run again
// (a serialization failure, a deadlock). Internal: not sent to callers.
absl::Status MarkRetryable(absl::Status status);
bool IsRetryable(const absl::Status& status);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_BASE_ERRORS_H_
