// Owns request-id idempotency (AIP-155) for create calls: the first call
// with a request id stores its response in `request_ids` in the same
// transaction as its writes; a retry gets that response back.
#ifndef SUPPLIERS_SERVER_STORE_IDEMPOTENCY_H_
#define SUPPLIERS_SERVER_STORE_IDEMPOTENCY_H_

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "pqxx/transaction_base"

namespace suppliers {

// Inside `txn`: when `request_id` is empty, just runs `create`. Otherwise
// claims the id; if this is its first use, runs `create` (which fills
// `response`) and stores the response; if the id was used before by the same
// method with the same request (ignoring the request id), fills `response`
// with the stored one and does not run `create`. The same id with another
// method or request is INVALID_ARGUMENT naming `request_id_field`.
// `request` must already have been validated.
absl::Status RunIdempotent(pqxx::transaction_base& txn,
                           absl::string_view method,
                           const google::protobuf::Message& request,
                           absl::string_view request_id_field,
                           absl::string_view request_id,
                           google::protobuf::Message* response,
                           absl::FunctionRef<absl::Status()> create);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_IDEMPOTENCY_H_
