// Owns the logic of the PartService calls over the database, independent of
// gRPC: validation, SQL (named prepared statements) and result mapping,
// including the tutorial's transaction, function, procedure and join.
#include "server/store/part_store.h"

#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "pqxx/pqxx"
#include "server/base/errors.h"
#include "server/db/statements.h"
#include "server/store/idempotency.h"
#include "server/store/keyset_list.h"
#include "server/store/lookups.h"
#include "server/store/page_token.h"
#include "server/store/validation.h"

namespace suppliers {
namespace {

using Access = TransactionRunner::Access;
using Scope = TransactionRunner::Scope;

// Columns (part_id, part_name, etag, vendor_ids) of the part statements.
v1::Part PartFromRow(const pqxx::row& row) {
  v1::Part part;
  part.set_part_id(row[0].as<int32_t>());
  part.set_part_name(row[1].as<std::string>());
  part.set_etag(row[2].as<std::string>());
  for (int32_t id : ParseIntArray(row[3].as<std::string>())) {
    part.add_vendor_ids(id);
  }
  return part;
}

// The same columns, from libpq's text result.
v1::Part PartFromRow(const ResultRows& rows, int row) {
  v1::Part part;
  int32_t id = 0;
  (void)absl::SimpleAtoi(rows.Text(row, 0), &id);
  part.set_part_id(id);
  part.set_part_name(std::string(rows.Text(row, 1)));
  part.set_etag(std::string(rows.Text(row, 2)));
  for (int32_t vendor_id : ParseIntArray(rows.Text(row, 3))) {
    part.add_vendor_ids(vendor_id);
  }
  return part;
}

absl::StatusOr<v1::Part> ReadPart(pqxx::transaction_base& txn,
                                  int32_t part_id) {
  const pqxx::result rows = sql::Exec(txn, sql::kPartGet, part_id);
  if (rows.empty()) return NotFound("part", part_id);
  return PartFromRow(rows[0]);
}

// Locks the vendors among `vendor_ids` that exist (so they stay until
// commit) and returns FAILED_PRECONDITION naming those that do not.
absl::Status RequireVendors(pqxx::transaction_base& txn,
                            absl::string_view field,
                            const std::vector<int32_t>& vendor_ids) {
  if (vendor_ids.empty()) return absl::OkStatus();
  std::set<int32_t> missing(vendor_ids.begin(), vendor_ids.end());
  for (const pqxx::row& row :
       sql::Exec(txn, sql::kVendorsLockExisting, IntArrayLiteral(vendor_ids))) {
    missing.erase(row[0].as<int32_t>());
  }
  if (missing.empty()) return absl::OkStatus();
  const std::string ids = absl::StrJoin(missing, ",");
  absl::Status status = ErrorWithInfo(
      absl::StatusCode::kFailedPrecondition,
      absl::StrCat(missing.size() == 1 ? "vendor " : "vendors ", ids,
                   missing.size() == 1 ? " does not exist" : " do not exist",
                   " (", field, ")"),
      "VENDOR_NOT_FOUND", {{"vendor_ids", ids}, {"field", std::string(field)}});
  return status;
}

// A link change on a part that must exist: locks the part row.
absl::Status LockPart(pqxx::transaction_base& txn, int32_t part_id) {
  if (sql::Exec(txn, sql::kPartLock, part_id).empty()) {
    return NotFound("part", part_id);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<int32_t>> ValidateLinkRequest(
    int32_t part_id, const google::protobuf::RepeatedField<int32_t>& ids) {
  if (absl::Status s = ValidateId("part_id", part_id); !s.ok()) return s;
  return ValidateIdSet("vendor_ids",
                       std::vector<int32_t>(ids.begin(), ids.end()), 1,
                       kMaxVendorsPerCall);
}

}  // namespace

absl::StatusOr<v1::CreatePartResponse> PartStore::Create(
    CallContext& call, const v1::CreatePartRequest& request) {
  absl::StatusOr<std::string> name =
      ValidateName("part.part_name", request.part().part_name());
  if (!name.ok()) return name.status();
  const auto& requested = request.part().vendor_ids();
  absl::StatusOr<std::vector<int32_t>> vendor_ids =
      ValidateIdSet("part.vendor_ids",
                    std::vector<int32_t>(requested.begin(), requested.end()), 0,
                    kMaxVendorsPerCall);
  if (!vendor_ids.ok()) return vendor_ids.status();
  if (absl::Status s = ValidateRequestId("request_id", request.request_id());
      !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::CreatePartResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn, v1::CreatePartResponse& response) {
        return RunIdempotent(
            txn, "CreatePart", request, "request_id", request.request_id(),
            &response, [&]() -> absl::Status {
              // The tutorial's transaction: the part first (its id is drawn
              // even if the links fail), then every link, or nothing.
              const int32_t part_id =
                  sql::Exec1(txn, sql::kPartInsert, *name)[0].as<int32_t>();
              absl::Status vendors =
                  RequireVendors(txn, "part.vendor_ids", *vendor_ids);
              if (!vendors.ok()) return vendors;
              if (!vendor_ids->empty()) {
                sql::Exec(txn, sql::kPartLinkVendors, part_id,
                          IntArrayLiteral(*vendor_ids));
              }
              absl::StatusOr<v1::Part> part = ReadPart(txn, part_id);
              if (!part.ok()) return part.status();
              *response.mutable_part() = *std::move(part);
              return absl::OkStatus();
            });
      });
}

absl::StatusOr<SingleRead<v1::GetPartResponse>> PartStore::PlanGet(
    const v1::GetPartRequest& request) const {
  if (absl::Status s = ValidateId("part_id", request.part_id()); !s.ok()) {
    return s;
  }
  return SingleRead<v1::GetPartResponse>{
      {sql::kPartGet, {absl::StrCat(request.part_id())}},
      [part_id = request.part_id()](
          const ResultRows& rows) -> absl::StatusOr<v1::GetPartResponse> {
        if (rows.empty()) return NotFound("part", part_id);
        v1::GetPartResponse response;
        *response.mutable_part() = PartFromRow(rows, 0);
        return response;
      }};
}

absl::StatusOr<v1::GetPartResponse> PartStore::Get(
    CallContext& call, const v1::GetPartRequest& request) {
  return RunSingleRead(transactions_, call, PlanGet(request));
}

absl::StatusOr<SingleRead<v1::ListPartsResponse>> PartStore::PlanList(
    const v1::ListPartsRequest& request) const {
  absl::StatusOr<NamedListQuery> query = NamedListQuery::Prepare(
      {"parts", request.page_size(), kDefaultPartPageSize, kMaxPartPageSize,
       request.order_by(), request.name_contains(), request.page_token()},
      {&sql::kPartListNameAsc, &sql::kPartListNameDesc, &sql::kPartListIdAsc,
       &sql::kPartListIdDesc});
  if (!query.ok()) return query.status();
  return SingleRead<v1::ListPartsResponse>{
      query->Statement(),
      [query = *std::move(query)](
          const ResultRows& rows) -> absl::StatusOr<v1::ListPartsResponse> {
        v1::ListPartsResponse response;
        response.set_next_page_token(query.Collect(rows, [&](int row) {
          v1::Part* added = response.add_parts();
          *added = PartFromRow(rows, row);
          return PageCursor{added->part_id(), added->part_name(), 0, ""};
        }));
        return response;
      }};
}

absl::StatusOr<v1::ListPartsResponse> PartStore::List(
    CallContext& call, const v1::ListPartsRequest& request) {
  return RunSingleRead(transactions_, call, PlanList(request));
}

absl::StatusOr<v1::BatchGetPartsResponse> PartStore::BatchGet(
    CallContext& call, const v1::BatchGetPartsRequest& request) {
  const std::vector<int32_t> ids(request.part_ids().begin(),
                                 request.part_ids().end());
  if (absl::Status s = ValidateIdList("part_ids", ids, 1, kMaxPartBatch);
      !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::BatchGetPartsResponse>(
      call, Access::kReadOnly,
      [&](pqxx::transaction_base& txn, v1::BatchGetPartsResponse& response) {
        return AddInRequestOrder(
            sql::Exec(txn, sql::kPartGetMany, IntArrayLiteral(ids)), ids,
            "part", [&](const pqxx::row& row) {
              *response.add_parts() = PartFromRow(row);
            });
      },
      Scope::kSingleStatement);
}

absl::StatusOr<v1::UpdatePartResponse> PartStore::Update(
    CallContext& call, const v1::UpdatePartRequest& request) {
  if (!request.has_part()) return InvalidField("part", "is required");
  const v1::Part& part = request.part();
  if (absl::Status s = ValidateId("part.part_id", part.part_id()); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateEtag("part.etag", part.etag()); !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ValidateUpdateMask("update_mask", request.update_mask(), "part_name");
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::string> name =
      ValidateName("part.part_name", part.part_name());
  if (!name.ok()) return name.status();
  return transactions_.RunFor<v1::UpdatePartResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn, v1::UpdatePartResponse& response) {
        if (sql::Exec(txn, sql::kPartUpdateName, part.part_id(), *name,
                      part.etag())
                .empty()) {
          return MissingOrStale(txn, "part", sql::kPartExists, part.part_id());
        }
        absl::StatusOr<v1::Part> updated = ReadPart(txn, part.part_id());
        if (!updated.ok()) return updated.status();
        *response.mutable_part() = *std::move(updated);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::DeletePartResponse> PartStore::Delete(
    CallContext& call, const v1::DeletePartRequest& request) {
  if (absl::Status s = ValidateId("part_id", request.part_id()); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateEtag("etag", request.etag()); !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::DeletePartResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn, v1::DeletePartResponse& response) {
        const pqxx::result rows =
            sql::Exec(txn, sql::kPartDelete, request.part_id(), request.etag());
        if (rows.empty())
          return MissingOrStale(txn, "part", sql::kPartExists,
                                request.part_id());
        response.set_deleted_rows(static_cast<int32_t>(rows.affected_rows()));
        response.set_deleted_links(rows[0][0].as<int32_t>());
        response.set_deleted_drawing(rows[0][1].as<int32_t>() > 0);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::AddPartVendorsResponse> PartStore::AddVendors(
    CallContext& call, const v1::AddPartVendorsRequest& request) {
  absl::StatusOr<std::vector<int32_t>> vendor_ids =
      ValidateLinkRequest(request.part_id(), request.vendor_ids());
  if (!vendor_ids.ok()) return vendor_ids.status();
  return transactions_.RunFor<v1::AddPartVendorsResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn, v1::AddPartVendorsResponse& response) {
        if (absl::Status s = LockPart(txn, request.part_id()); !s.ok()) {
          return s;
        }
        if (absl::Status s = RequireVendors(txn, "vendor_ids", *vendor_ids);
            !s.ok()) {
          return s;
        }
        const pqxx::result added =
            sql::Exec(txn, sql::kPartLinkVendors, request.part_id(),
                      IntArrayLiteral(*vendor_ids));
        response.set_added_links(static_cast<int32_t>(added.affected_rows()));
        absl::StatusOr<v1::Part> part = ReadPart(txn, request.part_id());
        if (!part.ok()) return part.status();
        *response.mutable_part() = *std::move(part);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::RemovePartVendorsResponse> PartStore::RemoveVendors(
    CallContext& call, const v1::RemovePartVendorsRequest& request) {
  absl::StatusOr<std::vector<int32_t>> vendor_ids =
      ValidateLinkRequest(request.part_id(), request.vendor_ids());
  if (!vendor_ids.ok()) return vendor_ids.status();
  return transactions_.RunFor<v1::RemovePartVendorsResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn,
          v1::RemovePartVendorsResponse& response) {
        if (absl::Status s = LockPart(txn, request.part_id()); !s.ok()) {
          return s;
        }
        const pqxx::result removed =
            sql::Exec(txn, sql::kPartUnlinkVendors, request.part_id(),
                      IntArrayLiteral(*vendor_ids));
        response.set_removed_links(
            static_cast<int32_t>(removed.affected_rows()));
        absl::StatusOr<v1::Part> part = ReadPart(txn, request.part_id());
        if (!part.ok()) return part.status();
        *response.mutable_part() = *std::move(part);
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::ListPartsByVendorResponse> PartStore::ListByVendor(
    CallContext& call, const v1::ListPartsByVendorRequest& request) {
  if (absl::Status s = ValidateId("vendor_id", request.vendor_id()); !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::ListPartsByVendorResponse>(
      call, Access::kReadOnly,
      [&](pqxx::transaction_base& txn,
          v1::ListPartsByVendorResponse& response) {
        if (sql::Exec(txn, sql::kVendorExists, request.vendor_id()).empty()) {
          return NotFound("vendor", request.vendor_id());
        }
        for (const pqxx::row& row :
             sql::Exec(txn, sql::kPartsByVendorFunction, request.vendor_id())) {
          v1::Part* part = response.add_parts();
          part->set_part_id(row[0].as<int32_t>());
          part->set_part_name(row[1].as<std::string>());
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::AddPartWithNewVendorResponse> PartStore::AddWithNewVendor(
    CallContext& call, const v1::AddPartWithNewVendorRequest& request) {
  absl::StatusOr<std::string> part_name =
      ValidateName("part_name", request.part_name());
  if (!part_name.ok()) return part_name.status();
  absl::StatusOr<std::string> vendor_name =
      ValidateName("vendor_name", request.vendor_name());
  if (!vendor_name.ok()) return vendor_name.status();
  return transactions_.RunFor<v1::AddPartWithNewVendorResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn,
          v1::AddPartWithNewVendorResponse& response) {
        sql::Exec(txn, sql::kAddNewPartProcedure, *part_name, *vendor_name);
        const pqxx::row ids = sql::Exec1(txn, sql::kLastInsertedPartAndVendor);
        response.set_part_id(ids[0].as<int32_t>());
        response.set_vendor_id(ids[1].as<int32_t>());
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::ListPartVendorPairsResponse> PartStore::ListPairs(
    CallContext& call, const v1::ListPartVendorPairsRequest& request) {
  // One fixed order, no filter: the query part of the token is empty.
  absl::StatusOr<KeysetPage> page =
      KeysetPage::Open("pairs", "", request.page_size(), kDefaultPairPageSize,
                       kMaxPairPageSize, request.page_token());
  if (!page.ok()) return page.status();
  return transactions_.RunFor<v1::ListPartVendorPairsResponse>(
      call, Access::kReadOnly,
      [&](pqxx::transaction_base& txn,
          v1::ListPartVendorPairsResponse& response) {
        const PageCursor& after = page->after();
        const pqxx::result rows = sql::Exec(
            txn, sql::kPartVendorPairs, page->has_cursor(), after.name,
            after.id, after.second_name, after.second_id, page->fetch_limit());
        response.set_next_page_token(
            page->Collect(rows, [&](const pqxx::row& row) {
              v1::PartVendorPair* pair = response.add_pairs();
              pair->set_part_id(row[0].as<int32_t>());
              pair->set_part_name(row[1].as<std::string>());
              pair->set_vendor_id(row[2].as<int32_t>());
              pair->set_vendor_name(row[3].as<std::string>());
              return PageCursor{pair->part_id(), pair->part_name(),
                                pair->vendor_id(), pair->vendor_name()};
            }));
        return absl::OkStatus();
      },
      Scope::kSingleStatement);
}

}  // namespace suppliers
