// Owns the logic of the VendorService calls over the database, independent
// of gRPC: validation, SQL (named prepared statements) and result mapping.
// Tests build it with a pool alone.
#ifndef SUPPLIERS_SERVER_STORE_VENDOR_STORE_H_
#define SUPPLIERS_SERVER_STORE_VENDOR_STORE_H_

#include "absl/status/statusor.h"
#include "server/db/call_context.h"
#include "server/db/transaction_runner.h"
#include "server/store/single_read.h"
#include "suppliers/v1/vendor.pb.h"

namespace suppliers {

// Page size limits of ListVendors.
inline constexpr int kDefaultVendorPageSize = 50;
inline constexpr int kMaxVendorPageSize = 1000;
// Most vendors per BatchCreateVendors / BatchGetVendors.
inline constexpr int kMaxVendorBatch = 1000;

// Thread-safe: holds no per-call state. Each method validates its request
// completely before any SQL runs (bad input -> INVALID_ARGUMENT naming the
// field, nothing written), then runs in one transaction; see vendor.proto
// for each method's statuses.
class VendorStore {
 public:
  explicit VendorStore(TransactionRunner& transactions)
      : transactions_(transactions) {}
  VendorStore(const VendorStore&) = delete;
  VendorStore& operator=(const VendorStore&) = delete;

  absl::StatusOr<v1::CreateVendorResponse> Create(
      CallContext& call, const v1::CreateVendorRequest& request);
  absl::StatusOr<v1::BatchCreateVendorsResponse> BatchCreate(
      CallContext& call, const v1::BatchCreateVendorsRequest& request);
  absl::StatusOr<v1::GetVendorResponse> Get(
      CallContext& call, const v1::GetVendorRequest& request);
  // Get as one statement and its mapping, for the StatementDriver; the
  // same validation errors as Get.
  absl::StatusOr<SingleRead<v1::GetVendorResponse>> PlanGet(
      const v1::GetVendorRequest& request) const;
  absl::StatusOr<v1::ListVendorsResponse> List(
      CallContext& call, const v1::ListVendorsRequest& request);
  // List as one statement and its mapping, for the StatementDriver; the
  // same validation errors as List.
  absl::StatusOr<SingleRead<v1::ListVendorsResponse>> PlanList(
      const v1::ListVendorsRequest& request) const;
  absl::StatusOr<v1::BatchGetVendorsResponse> BatchGet(
      CallContext& call, const v1::BatchGetVendorsRequest& request);
  absl::StatusOr<v1::UpdateVendorResponse> Update(
      CallContext& call, const v1::UpdateVendorRequest& request);
  absl::StatusOr<v1::DeleteVendorResponse> Delete(
      CallContext& call, const v1::DeleteVendorRequest& request);

 private:
  TransactionRunner& transactions_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_VENDOR_STORE_H_
