// Owns classifying what PostgreSQL (through libpqxx or libpq) reports into
// status values: one SQLSTATE/exception table, no SQL text or connection
// details in any message.
#ifndef SUPPLIERS_SERVER_DB_DATABASE_ERRORS_H_
#define SUPPLIERS_SERVER_DB_DATABASE_ERRORS_H_

#include <exception>

#include "absl/status/status.h"

namespace suppliers {

// Classifies an exception thrown by libpqxx (or the pool) into a status:
//   unique violation -> ALREADY_EXISTS; foreign key -> FAILED_PRECONDITION;
//   bad value, not-null, check -> INVALID_ARGUMENT; insufficient privilege ->
//   PERMISSION_DENIED; undefined table/column/function -> SchemaNotMigrated()
//   (the SQLSTATE and the fix go to the log); serialization failure or
//   deadlock -> ABORTED (marked retryable, base/errors.h); query canceled ->
//   CANCELLED when `client_cancelled`, else DEADLINE_EXCEEDED (statement
//   timeout); lost connection, server shutdown -> UNAVAILABLE (reason
//   DATABASE_UNAVAILABLE); a commit whose outcome is unknown -> UNAVAILABLE
//   with reason COMMIT_OUTCOME_UNKNOWN, except for a `read_only` transaction,
//   which cannot have written anything (plain DATABASE_UNAVAILABLE, safe to
//   retry); anything else -> INTERNAL, with the details in the server log
//   only. Messages never carry SQL text or connection strings.
absl::Status FromDatabaseException(const std::exception& error,
                                   bool client_cancelled, bool read_only);

// UNAVAILABLE with ErrorInfo reason COMMIT_OUTCOME_UNKNOWN: a write's
// connection broke while it committed; it may or may not have happened.
absl::Status CommitOutcomeUnknown();

// FAILED_PRECONDITION with ErrorInfo reason SCHEMA_NOT_MIGRATED: the
// database lacks what this binary's statements need. Names nothing.
absl::Status SchemaNotMigrated();

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_DATABASE_ERRORS_H_
