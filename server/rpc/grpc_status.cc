// Owns the one mapping from our status values to the wire: grpc::Status with
// the google.rpc details in grpc-status-details-bin.
#include "server/rpc/grpc_status.h"

#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "server/base/errors.h"

namespace suppliers {

grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  google::rpc::Status details;
  details.set_code(static_cast<int>(status.code()));
  details.set_message(std::string(status.message()));
  bool has_error_info = false;
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& payload) {
    if (!absl::StartsWith(url, "type.googleapis.com/")) return;
    has_error_info |= url == kErrorInfoUrl;
    auto* any = details.add_details();
    any->set_type_url(std::string(url));
    any->set_value(std::string(payload));
  });
  if (!has_error_info) {
    google::rpc::ErrorInfo info;
    info.set_reason(
        absl::AsciiStrToUpper(absl::StatusCodeToString(status.code())));
    info.set_domain(kErrorDomain);
    details.add_details()->PackFrom(info);
  }
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()),
                      std::string(status.message()),
                      details.SerializeAsString());
}

}  // namespace suppliers
