// Owns the logic of the VendorService calls over the database, independent
// of gRPC: validation, SQL (named prepared statements) and result mapping.
#include "server/vendor_store.h"

#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "server/errors.h"
#include "server/idempotency.h"
#include "server/named_list.h"
#include "server/page_token.h"
#include "server/statements.h"
#include "server/validation.h"

namespace suppliers {
namespace {

using Access = Database::Access;

// Columns (vendor_id, vendor_name, etag) of the vendor statements.
v1::Vendor VendorFromRow(const pqxx::row& row) {
  v1::Vendor vendor;
  vendor.set_vendor_id(row[0].as<int32_t>());
  vendor.set_vendor_name(row[1].as<std::string>());
  vendor.set_etag(row[2].as<std::string>());
  return vendor;
}

// After an update or delete guarded by an etag matched no row: absent or
// stale?
absl::Status MissingOrStale(pqxx::transaction_base& txn, int32_t vendor_id) {
  if (txn.exec_prepared(sql::kVendorEtag.name, vendor_id).empty()) {
    return NotFound("vendor", vendor_id);
  }
  return ErrorWithInfo(absl::StatusCode::kAborted,
                       absl::StrCat("vendor ", vendor_id,
                                    " was changed since the etag was read; "
                                    "read it again and retry"),
                       "ETAG_MISMATCH",
                       {{"vendor_id", absl::StrCat(vendor_id)}});
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
  v1::CreateVendorResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        response.Clear();
        return RunIdempotent(txn, "CreateVendor", request, "request_id",
                             request.request_id(), &response, [&] {
                               *response.mutable_vendor() =
                                   VendorFromRow(txn.exec_prepared1(
                                       sql::kVendorInsert.name, *name));
                               return absl::OkStatus();
                             });
      });
  if (!status.ok()) return status;
  return response;
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
  v1::BatchCreateVendorsResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        response.Clear();
        for (const pqxx::row& row :
             txn.exec_prepared(sql::kVendorInsertMany.name, names_array)) {
          *response.add_vendors() = VendorFromRow(row);
        }
        // Ids were drawn in request order; RETURNING order is not promised.
        std::sort(response.mutable_vendors()->begin(),
                  response.mutable_vendors()->end(),
                  [](const v1::Vendor& a, const v1::Vendor& b) {
                    return a.vendor_id() < b.vendor_id();
                  });
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetVendorResponse> VendorStore::Get(
    CallContext& call, const v1::GetVendorRequest& request) {
  if (absl::Status s = ValidateId("vendor_id", request.vendor_id()); !s.ok()) {
    return s;
  }
  v1::GetVendorResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadOnly, [&](pqxx::transaction_base& txn) {
        const pqxx::result rows =
            txn.exec_prepared(sql::kVendorGet.name, request.vendor_id());
        if (rows.empty()) return NotFound("vendor", request.vendor_id());
        *response.mutable_vendor() = VendorFromRow(rows[0]);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListVendorsResponse> VendorStore::List(
    CallContext& call, const v1::ListVendorsRequest& request) {
  absl::StatusOr<NamedListQuery> query = NamedListQuery::Prepare(
      {"vendors", request.page_size(), kDefaultVendorPageSize,
       kMaxVendorPageSize, request.order_by(), request.name_contains(),
       request.page_token()},
      {sql::kVendorListNameAsc.name, sql::kVendorListNameDesc.name,
       sql::kVendorListIdAsc.name, sql::kVendorListIdDesc.name});
  if (!query.ok()) return query.status();
  v1::ListVendorsResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadOnly, [&](pqxx::transaction_base& txn) {
        response.Clear();
        response.set_next_page_token(query->Run(txn, [&](const pqxx::row& row) {
          v1::Vendor* added = response.add_vendors();
          *added = VendorFromRow(row);
          return PageCursor{added->vendor_id(), added->vendor_name(), 0, ""};
        }));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::BatchGetVendorsResponse> VendorStore::BatchGet(
    CallContext& call, const v1::BatchGetVendorsRequest& request) {
  const std::vector<int32_t> ids(request.vendor_ids().begin(),
                                 request.vendor_ids().end());
  absl::StatusOr<std::vector<int32_t>> unique =
      ValidateIdSet("vendor_ids", ids, 1, kMaxVendorBatch);
  if (!unique.ok()) return unique.status();
  v1::BatchGetVendorsResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadOnly, [&](pqxx::transaction_base& txn) {
        response.Clear();
        const pqxx::result rows =
            txn.exec_prepared(sql::kVendorGetMany.name, IntArrayLiteral(ids));
        // Rows come in request order with the missing ids left out.
        size_t next = 0;
        for (const int32_t id : ids) {
          if (next >= rows.size() || rows[next][0].as<int32_t>() != id) {
            return NotFound("vendor", id);
          }
          *response.add_vendors() = VendorFromRow(rows[next++]);
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
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
  for (int i = 0; i < request.update_mask().paths_size(); ++i) {
    if (request.update_mask().paths(i) != "vendor_name") {
      return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                          absl::StrCat("\"", request.update_mask().paths(i),
                                       "\" is not an updatable field; the "
                                       "only one is \"vendor_name\""));
    }
  }
  absl::StatusOr<std::string> name =
      ValidateName("vendor.vendor_name", vendor.vendor_name());
  if (!name.ok()) return name.status();
  v1::UpdateVendorResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        const pqxx::result rows =
            txn.exec_prepared(sql::kVendorUpdateName.name, vendor.vendor_id(),
                              *name, vendor.etag());
        if (rows.empty()) return MissingOrStale(txn, vendor.vendor_id());
        *response.mutable_vendor() = VendorFromRow(rows[0]);
        response.set_updated_rows(static_cast<int32_t>(rows.affected_rows()));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::DeleteVendorResponse> VendorStore::Delete(
    CallContext& call, const v1::DeleteVendorRequest& request) {
  if (absl::Status s = ValidateId("vendor_id", request.vendor_id()); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateEtag("etag", request.etag()); !s.ok()) {
    return s;
  }
  v1::DeleteVendorResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        const pqxx::result rows = txn.exec_prepared(
            sql::kVendorDelete.name, request.vendor_id(), request.etag());
        if (rows.empty()) return MissingOrStale(txn, request.vendor_id());
        response.set_deleted_rows(static_cast<int32_t>(rows.affected_rows()));
        response.set_deleted_links(rows[0][0].as<int32_t>());
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

}  // namespace suppliers
