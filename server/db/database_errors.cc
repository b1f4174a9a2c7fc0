// Owns classifying what PostgreSQL (through libpqxx or libpq) reports into
// status values: one SQLSTATE/exception table, no SQL text or connection
// details in any message.
#include "server/db/database_errors.h"

#include <string>
#include <typeinfo>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "pqxx/except"
#include "server/base/errors.h"
#include "server/base/log.h"
#include "server/base/metrics.h"

namespace suppliers {
namespace {

absl::Status Conflict() {
  return MarkRetryable(ErrorWithInfo(
      absl::StatusCode::kAborted,
      "the transaction conflicted with a concurrent one; retry the call",
      "CONCURRENT_CONFLICT", {}));
}

absl::Status ConnectionLost(const std::string& state) {
  std::map<std::string, std::string> metadata;
  if (!state.empty()) metadata["sqlstate"] = state;
  return ErrorWithInfo(absl::StatusCode::kUnavailable,
                       "lost the connection to the database; retry",
                       "DATABASE_UNAVAILABLE", metadata);
}

// Where the SQLSTATE alone decides; OK when it does not.
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
  if (state == "55P03") {  // lock_not_available (lock_timeout)
    return ErrorWithInfo(absl::StatusCode::kUnavailable,
                         "a database lock was not available in time; retry",
                         "LOCK_TIMEOUT", {{"sqlstate", state}});
  }
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
    return ConnectionLost(state);
  }
  if (state == "53300") {
    return ErrorWithInfo(absl::StatusCode::kUnavailable,
                         "the database refuses more connections; retry",
                         "DATABASE_UNAVAILABLE", {{"sqlstate", state}});
  }
  if (state == "42501") {
    Log(LogLevel::kError,
        "the database role lacks a privilege a call needs (see sql/roles.sql)",
        {{"sqlstate", state}});
    return ErrorWithInfo(absl::StatusCode::kPermissionDenied,
                         "the service's database role may not do this",
                         "DATABASE_PERMISSION_DENIED", {{"sqlstate", state}});
  }
  // Undefined table, column, function or object: a schema that is behind
  // the binary. Callers get no names; the operator gets the fix.
  if (state == "42P01" || state == "42703" || state == "42883" ||
      state == "42704" || state == "3F000") {
    Log(LogLevel::kError,
        "the database schema is behind this binary; run "
        "`suppliers-server migrate`",
        {{"sqlstate", state}});
    return SchemaNotMigrated();
  }
  return absl::OkStatus();
}

// libpqxx 6.4 throws some typed errors without their SQLSTATE (seen:
// insufficient_privilege); their type says it.
std::string SqlStateOf(const pqxx::sql_error& error) {
  if (!error.sqlstate().empty()) return error.sqlstate();
  if (dynamic_cast<const pqxx::insufficient_privilege*>(&error)) return "42501";
  if (dynamic_cast<const pqxx::undefined_table*>(&error)) return "42P01";
  if (dynamic_cast<const pqxx::undefined_function*>(&error)) return "42883";
  if (dynamic_cast<const pqxx::undefined_column*>(&error)) return "42703";
  return "";
}

}  // namespace

absl::Status CommitOutcomeUnknown() {
  return ErrorWithInfo(
      absl::StatusCode::kUnavailable,
      "the connection broke while committing; the outcome is unknown",
      "COMMIT_OUTCOME_UNKNOWN", {});
}

absl::Status SchemaNotMigrated() {
  return ErrorWithInfo(absl::StatusCode::kFailedPrecondition,
                       "the service's database schema is not migrated to the "
                       "version this server needs",
                       "SCHEMA_NOT_MIGRATED", {});
}

absl::Status FromDatabaseException(const std::exception& error,
                                   bool client_cancelled, bool read_only) {
  const auto* sql = dynamic_cast<const pqxx::sql_error*>(&error);
  const std::string state = sql != nullptr ? SqlStateOf(*sql) : "";
  // libpqxx 6.4 throws the rollback family without a SQLSTATE and outside
  // sql_error, so these are told apart by type.
  const bool outcome_unknown =
      dynamic_cast<const pqxx::statement_completion_unknown*>(&error) !=
          nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&error) != nullptr;
  const bool broken =
      dynamic_cast<const pqxx::broken_connection*>(&error) != nullptr;
  // Counted by SQLSTATE class; a lost connection or an unknown outcome
  // carries none and counts as class 08, connection exception.
  Metrics::Get().RecordDatabaseError(
      state.empty() && (broken || outcome_unknown) ? "08" : state);
  if (outcome_unknown) {
    // A read-only transaction wrote nothing: retrying it is always safe.
    if (read_only) return ConnectionLost("");
    return CommitOutcomeUnknown();
  }
  if (dynamic_cast<const pqxx::serialization_failure*>(&error) != nullptr ||
      dynamic_cast<const pqxx::deadlock_detected*>(&error) != nullptr) {
    return Conflict();
  }
  if (sql != nullptr) {
    absl::Status status = FromSqlState(state, client_cancelled);
    if (!status.ok()) return status;
  }
  if (broken) return ConnectionLost(state);
  // Unexpected: keep the details in the server log, not on the wire.
  Log(LogLevel::kError, "unexpected database error",
      {{"error", error.what()},
       {"sqlstate", state},
       {"exception", typeid(error).name()}});
  return ErrorWithInfo(absl::StatusCode::kInternal, "internal database error",
                       "INTERNAL", {});
}

}  // namespace suppliers
