// Owns building error values: statuses that carry google.rpc details
// (ErrorInfo, BadRequest) as payloads, and the internal "retryable" mark.
#include "server/base/errors.h"

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"

namespace suppliers {
namespace {

// Not a type.googleapis.com URL, so the wire mapping leaves it out.
constexpr char kRetryablePayloadUrl[] = "suppliers.internal/retryable";

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

absl::Status ShuttingDown() {
  return ErrorWithInfo(absl::StatusCode::kUnavailable,
                       "the server is shutting down", "SHUTTING_DOWN", {});
}

absl::Status CallCancelled() {
  return absl::CancelledError("the call was cancelled by the client");
}

absl::Status DeadlinePassed() {
  return ErrorWithInfo(absl::StatusCode::kDeadlineExceeded,
                       "the call's deadline passed before the database work "
                       "could finish",
                       "DEADLINE_PASSED", {});
}

absl::Status StatementInterrupted() {
  return ErrorWithInfo(absl::StatusCode::kAborted,
                       "the database statement was interrupted; retry the call",
                       "STATEMENT_INTERRUPTED", {});
}

absl::Status MarkRetryable(absl::Status status) {
  status.SetPayload(kRetryablePayloadUrl, absl::Cord("1"));
  return status;
}

bool IsRetryable(const absl::Status& status) {
  return status.GetPayload(kRetryablePayloadUrl).has_value();
}

}  // namespace suppliers
