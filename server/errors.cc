// Owns error values: building statuses with google.rpc details (ErrorInfo,
// BadRequest), classifying database exceptions, and the one mapping from
// absl::Status to grpc::Status.
#include "server/errors.h"

#include <grpcpp/grpcpp.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "pqxx/except"
#include "server/log.h"

namespace suppliers {
namespace {

constexpr char kErrorInfoUrl[] = "type.googleapis.com/google.rpc.ErrorInfo";
constexpr char kBadRequestUrl[] = "type.googleapis.com/google.rpc.BadRequest";
constexpr char kRetryableReason[] = "suppliers.retryable";

std::string CodeName(absl::StatusCode code) {
  return absl::AsciiStrToUpper(absl::StatusCodeToString(code));
}

absl::Status Conflict() {
  absl::Status status = ErrorWithInfo(
      absl::StatusCode::kAborted,
      "the transaction conflicted with a concurrent one; retry the call",
      "CONCURRENT_CONFLICT", {});
  status.SetPayload(kRetryableReason, absl::Cord("1"));
  return status;
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

absl::Status InvalidField(absl::string_view field,
                          absl::string_view description) {
  absl::Status status =
      ErrorWithInfo(absl::StatusCode::kInvalidArgument,
                    absl::StrCat(field, ": ", description), "INVALID_FIELD",
                    {{"field", std::string(field)}});
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(std::string(field));
  violation->set_description(std::string(description));
  status.SetPayload(kBadRequestUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

absl::Status ErrorWithInfo(absl::StatusCode code, absl::string_view message,
                           absl::string_view reason,
                           const std::map<std::string, std::string>& metadata) {
  absl::Status status(code, message);
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  for (const auto& [key, value] : metadata) {
    (*info.mutable_metadata())[key] = value;
  }
  status.SetPayload(kErrorInfoUrl, absl::Cord(info.SerializeAsString()));
  return status;
}

absl::Status NotFound(absl::string_view resource, int id) {
  return ErrorWithInfo(
      absl::StatusCode::kNotFound,
      absl::StrCat(resource, " ", id, " does not exist"),
      absl::StrCat(absl::AsciiStrToUpper(resource), "_NOT_FOUND"),
      {{absl::StrCat(resource, "_id"), absl::StrCat(id)}});
}

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

bool IsRetryableTransactionError(const absl::Status& status) {
  return status.GetPayload(kRetryableReason).has_value();
}

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  bool has_error_info = false;
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    if (url == kRetryableReason) return;
    has_error_info |= url == kErrorInfoUrl;
    auto* any = details.add_details();
    any->set_type_url(std::string(url));
    any->set_value(std::string(payload));
  });
  if (!has_error_info) {
    google::rpc::ErrorInfo info;
    info.set_reason(CodeName(status.code()));
    info.set_domain(kErrorDomain);
    details.add_details()->PackFrom(info);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      details.SerializeAsString());
}

}  // namespace suppliers
