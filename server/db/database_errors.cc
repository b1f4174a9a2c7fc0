// Owns classifying what PostgreSQL (through libpqxx or libpq) reports into
// status values: one SQLSTATE/exception table, no SQL text or connection
// details in any message.
#include "server/db/database_errors.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pqxx/except"
#include "server/base/errors.h"
#include "server/base/log.h"

namespace suppliers {
namespace {

absl::Status Conflict() {
  return MarkRetryable(ErrorWithInfo(
      absl::StatusCode::kAborted,
      "the transaction conflicted with a concurrent one; retry the call",
      "CONCURRENT_CONFLICT", {}));
}

// Where the SQLSTATE class alone decides.
absl::Status FromSqlState(const std::string& state, bool client_cancelled) {
  if (state == "23505") {
    return ErrorWithInfo(absl::StatusCode::kAlreadyExists,
                         "the record already exists", "ALREADY_EXISTS", {});
  }
  if (state == "23503") {
    return ErrorWithInfo(
        absl::StatusCode::kFailedPrecondition,
        "a referenced record does not exist (it may have been deleted "
        "concurrently)",
        "REFERENCE_MISSING", {});
  }
  if (state == "23502" || state == "23514" || absl::StartsWith(state, "22")) {
    return ErrorWithInfo(absl::StatusCode::kInvalidArgument,
                         "a value was rejected by the database",
                         "VALUE_REJECTED", {{"sqlstate", state}});
  }
  if (state == "40001" || state == "40P01") return Conflict();
  if (state == "57014") {
    if (client_cancelled) {
      return absl::CancelledError("the call was cancelled by the client");
    }
    return ErrorWithInfo(absl::StatusCode::kDeadlineExceeded,
                         "the database statement ran past the call's deadline",
                         "STATEMENT_TIMEOUT", {});
  }
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
    return ErrorWithInfo(absl::StatusCode::kUnavailable,
                         "lost the connection to the database; retry",
                         "DATABASE_UNAVAILABLE", {{"sqlstate", state}});
  }
  if (state == "53300") {
    return ErrorWithInfo(absl::StatusCode::kUnavailable,
                         "the database refuses more connections; retry",
                         "DATABASE_UNAVAILABLE", {{"sqlstate", state}});
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status FromDatabaseException(const std::exception& error,
                                   bool client_cancelled) {
  // libpqxx 6.4 throws the rollback family without a SQLSTATE and outside
  // sql_error, so these are told apart by type.
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&error) !=
      nullptr) {
    return ErrorWithInfo(absl::StatusCode::kUnavailable,
                         "the database could not tell whether the statement "
                         "completed",
                         "COMMIT_OUTCOME_UNKNOWN", {});
  }
  if (dynamic_cast<const pqxx::serialization_failure*>(&error) != nullptr ||
      dynamic_cast<const pqxx::deadlock_detected*>(&error) != nullptr) {
    return Conflict();
  }
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    absl::Status status = FromSqlState(sql->sqlstate(), client_cancelled);
    if (!status.ok()) return status;
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr) {
    return ErrorWithInfo(absl::StatusCode::kUnavailable,
                         "lost the connection to the database; retry",
                         "DATABASE_UNAVAILABLE", {});
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr) {
    return ErrorWithInfo(
        absl::StatusCode::kUnavailable,
        "the connection broke while committing; the outcome is unknown",
        "COMMIT_OUTCOME_UNKNOWN", {});
  }
  // Unexpected: keep the details in the server log, not on the wire.
  std::string detail = error.what();
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error)) {
    detail = absl::StrCat("sqlstate ", sql->sqlstate(), ": ", detail);
  }
  Log(LogLevel::kError, "unexpected database error", {{"error", detail}});
  return ErrorWithInfo(absl::StatusCode::kInternal, "internal database error",
                       "INTERNAL", {});
}

}  // namespace suppliers
