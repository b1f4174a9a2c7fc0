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
//   bad value, not-null, check -> INVALID_ARGUMENT; serialization failure or
//   deadlock -> ABORTED (marked retryable, base/errors.h); query canceled ->
//   CANCELLED when `client_cancelled`, else DEADLINE_EXCEEDED (statement
//   timeout); lost connection, server shutdown, commit outcome unknown ->
//   UNAVAILABLE; anything else -> INTERNAL, with the details in the server
//   log only. Messages never carry SQL text or connection strings.
absl::Status FromDatabaseException(const std::exception& error,
                                   bool client_cancelled);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_DATABASE_ERRORS_H_
