// Owns the logic of the PartService calls over the database, independent of
// gRPC: validation, SQL (named prepared statements) and result mapping,
// including the tutorial's transaction, function, procedure and join.
#ifndef SUPPLIERS_SERVER_STORE_PART_STORE_H_
#define SUPPLIERS_SERVER_STORE_PART_STORE_H_

#include "absl/status/statusor.h"
#include "server/db/call_context.h"
#include "server/db/transaction_runner.h"
#include "server/store/single_read.h"
#include "suppliers/v1/part.pb.h"

namespace suppliers {

inline constexpr int kDefaultPartPageSize = 50;
inline constexpr int kMaxPartPageSize = 1000;
inline constexpr int kDefaultPairPageSize = 10;
inline constexpr int kMaxPairPageSize = 1000;
inline constexpr int kMaxPartBatch = 1000;
// Most vendor ids in one create or link change.
inline constexpr int kMaxVendorsPerCall = 100;

// Thread-safe: holds no per-call state. Each method validates its request
// completely before any SQL runs, then runs in one transaction; see
// part.proto for each method's statuses.
class PartStore {
 public:
  explicit PartStore(TransactionRunner& transactions)
      : transactions_(transactions) {}
  PartStore(const PartStore&) = delete;
  PartStore& operator=(const PartStore&) = delete;

  absl::StatusOr<v1::CreatePartResponse> Create(
      CallContext& call, const v1::CreatePartRequest& request);
  absl::StatusOr<v1::GetPartResponse> Get(CallContext& call,
                                          const v1::GetPartRequest& request);
  // Get as one statement and its mapping, for the StatementDriver; the
  // same validation errors as Get.
  absl::StatusOr<SingleRead<v1::GetPartResponse>> PlanGet(
      const v1::GetPartRequest& request) const;
  absl::StatusOr<v1::ListPartsResponse> List(
      CallContext& call, const v1::ListPartsRequest& request);
  // List as one statement and its mapping, for the StatementDriver; the
  // same validation errors as List.
  absl::StatusOr<SingleRead<v1::ListPartsResponse>> PlanList(
      const v1::ListPartsRequest& request) const;
  absl::StatusOr<v1::BatchGetPartsResponse> BatchGet(
      CallContext& call, const v1::BatchGetPartsRequest& request);
  absl::StatusOr<v1::UpdatePartResponse> Update(
      CallContext& call, const v1::UpdatePartRequest& request);
  absl::StatusOr<v1::DeletePartResponse> Delete(
      CallContext& call, const v1::DeletePartRequest& request);
  absl::StatusOr<v1::AddPartVendorsResponse> AddVendors(
      CallContext& call, const v1::AddPartVendorsRequest& request);
  absl::StatusOr<v1::RemovePartVendorsResponse> RemoveVendors(
      CallContext& call, const v1::RemovePartVendorsRequest& request);
  absl::StatusOr<v1::ListPartsByVendorResponse> ListByVendor(
      CallContext& call, const v1::ListPartsByVendorRequest& request);
  absl::StatusOr<v1::AddPartWithNewVendorResponse> AddWithNewVendor(
      CallContext& call, const v1::AddPartWithNewVendorRequest& request);
  absl::StatusOr<v1::ListPartVendorPairsResponse> ListPairs(
      CallContext& call, const v1::ListPartVendorPairsRequest& request);

 private:
  TransactionRunner& transactions_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_PART_STORE_H_
