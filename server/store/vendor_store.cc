// Owns the logic of the VendorService calls over the database, independent
// of gRPC: validation, SQL (named prepared statements) and result mapping.
#include "server/store/vendor_store.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "server/base/errors.h"
#include "server/db/statements.h"
#include "server/store/idempotency.h"
#include "server/store/keyset_list.h"
#include "server/store/lookups.h"
#include "server/store/validation.h"

namespace suppliers {
namespace {

using Access = TransactionRunner::Access;
using Scope = TransactionRunner::Scope;

// Columns (vendor_id, vendor_name, etag) of the vendor statements.
v1::Vendor VendorFromRow(const pqxx::row& row) {
  v1::Vendor vendor;
  vendor.set_vendor_id(row[0].as<int32_t>());
  vendor.set_vendor_name(row[1].as<std::string>());
  vendor.set_etag(row[2].as<std::string>());
  return vendor;
}

// The same columns, from libpq's text result. vendor_id is an int4 column,
// so its text always parses.
v1::Vendor VendorFromRow(const ResultRows& rows, int row) {
  v1::Vendor vendor;
  int32_t id = 0;
  (void)absl::SimpleAtoi(rows.Text(row, 0), &id);
  vendor.set_vendor_id(id);
  vendor.set_vendor_name(std::string(rows.Text(row, 1)));
  vendor.set_etag(std::string(rows.Text(row, 2)));
  return vendor;
}

}  // namespace

absl::StatusOr<v1::CreateVendorResponse> VendorStore::Create(
    CallContext& call, const v1::CreateVendorRequest& request) {
  absl::StatusOr<std::string> name =
      ValidateName("vendor.vendor_name", request.vendor().vendor_name());
  if (!name.ok()) return name.status();
  if (absl::Status s = ValidateRequestId("request_id", request.request_id());
      !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::CreateVendorResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn, v1::CreateVendorResponse& response) {
        return RunIdempotent(txn, "CreateVendor", request, "request_id",
                             request.request_id(), &response, [&] {
                               *response.mutable_vendor() = VendorFromRow(
                                   sql::Exec1(txn, sql::kVendorInsert, *name));
                               return absl::OkStatus();
                             });
      },
      // With a request id the insert is one of three statements.
      request.request_id().empty() ? Scope::kSingleStatement
                                   : Scope::kTransaction);
}

absl::StatusOr<v1::BatchCreateVendorsResponse> VendorStore::BatchCreate(
    CallContext& call, const v1::BatchCreateVendorsRequest& request) {
  if (request.vendors_size() < 1 || request.vendors_size() > kMaxVendorBatch) {
    return InvalidField("vendors", absl::StrCat("must hold 1 to ",
                                                kMaxVendorBatch, " vendors"));
  }
  std::vector<std::string> names;
  for (int i = 0; i < request.vendors_size(); ++i) {
    absl::StatusOr<std::string> name =
        ValidateName(absl::StrCat("vendors[", i, "].vendor_name"),
                     request.vendors(i).vendor_name());
    if (!name.ok()) return name.status();
    names.push_back(*std::move(name));
  }
  const std::string names_array = TextArrayLiteral(names);
  return transactions_.RunFor<v1::BatchCreateVendorsResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn,
          v1::BatchCreateVendorsResponse& response) {
        for (const pqxx::row& row :
             sql::Exec(txn, sql::kVendorInsertMany, names_array)) {
          *response.add_vendors() = VendorFromRow(row);
        }
        // Ids were drawn in request order; RETURNING order is not promised.
        std::sort(response.mutable_vendors()->begin(),
                  response.mutable_vendors()->end(),
                  [](const v1::Vendor& a, const v1::Vendor& b) {
                    return a.vendor_id() < b.vendor_id();
                  });
        return absl::OkStatus();
      },
      Scope::kSingleStatement);
}

absl::StatusOr<SingleRead<v1::GetVendorResponse>> VendorStore::PlanGet(
    const v1::GetVendorRequest& request) const {
  if (absl::Status s = ValidateId("vendor_id", request.vendor_id()); !s.ok()) {
    return s;
  }
  return SingleRead<v1::GetVendorResponse>{
      {sql::kVendorGet, {absl::StrCat(request.vendor_id())}},
      [vendor_id = request.vendor_id()](
          const ResultRows& rows) -> absl::StatusOr<v1::GetVendorResponse> {
        if (rows.empty()) return NotFound("vendor", vendor_id);
        v1::GetVendorResponse response;
        *response.mutable_vendor() = VendorFromRow(rows, 0);
        return response;
      }};
}

absl::StatusOr<v1::GetVendorResponse> VendorStore::Get(
    CallContext& call, const v1::GetVendorRequest& request) {
  return RunSingleRead(transactions_, call, PlanGet(request));
}

absl::StatusOr<SingleRead<v1::ListVendorsResponse>> VendorStore::PlanList(
    const v1::ListVendorsRequest& request) const {
  absl::StatusOr<NamedListQuery> query = NamedListQuery::Prepare(
      {"vendors", request.page_size(), kDefaultVendorPageSize,
       kMaxVendorPageSize, request.order_by(), request.name_contains(),
       request.page_token()},
      {&sql::kVendorListNameAsc, &sql::kVendorListNameDesc,
       &sql::kVendorListIdAsc, &sql::kVendorListIdDesc});
  if (!query.ok()) return query.status();
  return SingleRead<v1::ListVendorsResponse>{
      query->Statement(),
      [query = *std::move(query)](
          const ResultRows& rows) -> absl::StatusOr<v1::ListVendorsResponse> {
        v1::ListVendorsResponse response;
        response.set_next_page_token(query.Collect(rows, [&](int row) {
          v1::Vendor* added = response.add_vendors();
          *added = VendorFromRow(rows, row);
          return PageCursor{added->vendor_id(), added->vendor_name(), 0, ""};
        }));
        return response;
      }};
}

absl::StatusOr<v1::ListVendorsResponse> VendorStore::List(
    CallContext& call, const v1::ListVendorsRequest& request) {
  return RunSingleRead(transactions_, call, PlanList(request));
}

absl::StatusOr<v1::BatchGetVendorsResponse> VendorStore::BatchGet(
    CallContext& call, const v1::BatchGetVendorsRequest& request) {
  const std::vector<int32_t> ids(request.vendor_ids().begin(),
                                 request.vendor_ids().end());
  if (absl::Status s = ValidateIdList("vendor_ids", ids, 1, kMaxVendorBatch);
      !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::BatchGetVendorsResponse>(
      call, Access::kReadOnly,
      [&](pqxx::transaction_base& txn, v1::BatchGetVendorsResponse& response) {
        return AddInRequestOrder(
            sql::Exec(txn, sql::kVendorGetMany, IntArrayLiteral(ids)), ids,
            "vendor", [&](const pqxx::row& row) {
              *response.add_vendors() = VendorFromRow(row);
            });
      },
      Scope::kSingleStatement);
}

absl::StatusOr<v1::UpdateVendorResponse> VendorStore::Update(
    CallContext& call, const v1::UpdateVendorRequest& request) {
  if (!request.has_vendor()) return InvalidField("vendor", "is required");
  const v1::Vendor& vendor = request.vendor();
  if (absl::Status s = ValidateId("vendor.vendor_id", vendor.vendor_id());
      !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateEtag("vendor.etag", vendor.etag()); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateUpdateMask("update_mask", request.update_mask(),
                                          "vendor_name");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> name =
      ValidateName("vendor.vendor_name", vendor.vendor_name());
  if (!name.ok()) return name.status();
  return transactions_.RunFor<v1::UpdateVendorResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn, v1::UpdateVendorResponse& response) {
        const pqxx::result rows =
            sql::Exec(txn, sql::kVendorUpdateName, vendor.vendor_id(), *name,
                      vendor.etag());
        if (rows.empty()) {
          return MissingOrStale(txn, "vendor", sql::kVendorExists,
                                vendor.vendor_id());
        }
        *response.mutable_vendor() = VendorFromRow(rows[0]);
        response.set_updated_rows(static_cast<int32_t>(rows.affected_rows()));
        return absl::OkStatus();
      },
      Scope::kSingleStatement);
}

absl::StatusOr<v1::DeleteVendorResponse> VendorStore::Delete(
    CallContext& call, const v1::DeleteVendorRequest& request) {
  if (absl::Status s = ValidateId("vendor_id", request.vendor_id()); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateEtag("etag", request.etag()); !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::DeleteVendorResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn, v1::DeleteVendorResponse& response) {
        const pqxx::result rows = sql::Exec(
            txn, sql::kVendorDelete, request.vendor_id(), request.etag());
        if (rows.empty()) {
          return MissingOrStale(txn, "vendor", sql::kVendorExists,
                                request.vendor_id());
        }
        response.set_deleted_rows(static_cast<int32_t>(rows.affected_rows()));
        response.set_deleted_links(rows[0][0].as<int32_t>());
        return absl::OkStatus();
      },
      Scope::kSingleStatement);
}

}  // namespace suppliers
