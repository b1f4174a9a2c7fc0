// Owns request-id idempotency (AIP-155) for create calls: the first call
// with a request id stores its response in `request_ids` in the same
// transaction as its writes; a retry gets that response back.
#include "server/store/idempotency.h"

#include <memory>

#include "common/sha256.h"
#include "pqxx/pqxx"
#include "server/base/errors.h"
#include "server/db/statements.h"

namespace suppliers {
namespace {

// The request without its request id: what must match on a retry.
std::string RequestFingerprint(const google::protobuf::Message& request,
                               absl::string_view request_id_field_name) {
  std::unique_ptr<google::protobuf::Message> copy(request.New());
  copy->CopyFrom(request);
  const auto* field = copy->GetDescriptor()->FindFieldByName(
      std::string(request_id_field_name));
  if (field != nullptr) copy->GetReflection()->ClearField(copy.get(), field);
  std::string bytes;
  copy->SerializeToString(&bytes);
  return Sha256Hex(bytes);
}

}  // namespace

absl::Status RunIdempotent(pqxx::transaction_base& txn,
                           absl::string_view method,
                           const google::protobuf::Message& request,
                           absl::string_view request_id_field,
                           absl::string_view request_id,
                           google::protobuf::Message* response,
                           absl::FunctionRef<absl::Status()> create) {
  if (request_id.empty()) return create();
  const std::string id(request_id);
  const std::string fingerprint = RequestFingerprint(request, request_id_field);
  const pqxx::result claim = sql::Exec(txn, sql::kRequestIdClaim, id,
                                       std::string(method), fingerprint);
  if (claim.affected_rows() == 1) {
    sql::Exec(txn, sql::kRequestIdExpire);
    absl::Status created = create();
    if (!created.ok()) return created;
    sql::Exec(txn, sql::kRequestIdStoreResponse, id,
              pqxx::binarystring(response->SerializeAsString()));
    return absl::OkStatus();
  }
  const pqxx::result stored = sql::Exec(txn, sql::kRequestIdLookup, id);
  if (stored.empty() || stored[0][2].is_null()) {
    // Expired between claim and lookup: vanishingly rare; ask for a retry.
    return ErrorWithInfo(absl::StatusCode::kAborted,
                         "the request id changed state concurrently; retry",
                         "REQUEST_ID_RACE", {});
  }
  if (stored[0][0].as<std::string>() != method ||
      stored[0][1].as<std::string>() != fingerprint) {
    return InvalidField(request_id_field,
                        "was already used for a different request; use a new "
                        "UUID for every distinct request");
  }
  const pqxx::binarystring bytes(stored[0][2]);
  if (!response->ParseFromString(bytes.str())) {
    return absl::InternalError("stored response of the request id is corrupt");
  }
  return absl::OkStatus();
}

}  // namespace suppliers
