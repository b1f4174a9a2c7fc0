// Owns the logic of the PartService calls over the database, independent of
// gRPC: validation, SQL (named prepared statements) and result mapping,
// including the tutorial's transaction, function, procedure and join.
#include "server/part_store.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
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

absl::StatusOr<v1::Part> ReadPart(pqxx::transaction_base& txn,
                                  int32_t part_id) {
  const pqxx::result rows = txn.exec_prepared(sql::kPartGet.name, part_id);
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
  for (const pqxx::row& row : txn.exec_prepared(sql::kVendorsLockExisting.name,
                                                IntArrayLiteral(vendor_ids))) {
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
  if (txn.exec_prepared(sql::kPartLock.name, part_id).empty()) {
    return NotFound("part", part_id);
  }
  return absl::OkStatus();
}

absl::Status MissingOrStale(pqxx::transaction_base& txn, int32_t part_id) {
  if (txn.exec_prepared(sql::kPartLock.name, part_id).empty()) {
    return NotFound("part", part_id);
  }
  return ErrorWithInfo(absl::StatusCode::kAborted,
                       absl::StrCat("part ", part_id,
                                    " was changed since the etag was read; "
                                    "read it again and retry"),
                       "ETAG_MISMATCH", {{"part_id", absl::StrCat(part_id)}});
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
  v1::CreatePartResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        response.Clear();
        return RunIdempotent(
            txn, "CreatePart", request, "request_id", request.request_id(),
            &response, [&]() -> absl::Status {
              // The tutorial's transaction: the part first (its id is drawn
              // even if the links fail), then every link, or nothing.
              const int32_t part_id =
                  txn.exec_prepared1(sql::kPartInsert.name, *name)[0]
                      .as<int32_t>();
              absl::Status vendors =
                  RequireVendors(txn, "part.vendor_ids", *vendor_ids);
              if (!vendors.ok()) return vendors;
              if (!vendor_ids->empty()) {
                txn.exec_prepared(sql::kPartLinkVendors.name, part_id,
                                  IntArrayLiteral(*vendor_ids));
              }
              absl::StatusOr<v1::Part> part = ReadPart(txn, part_id);
              if (!part.ok()) return part.status();
              *response.mutable_part() = *std::move(part);
              return absl::OkStatus();
            });
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::GetPartResponse> PartStore::Get(
    CallContext& call, const v1::GetPartRequest& request) {
  if (absl::Status s = ValidateId("part_id", request.part_id()); !s.ok()) {
    return s;
  }
  v1::GetPartResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadOnly, [&](pqxx::transaction_base& txn) {
        absl::StatusOr<v1::Part> part = ReadPart(txn, request.part_id());
        if (!part.ok()) return part.status();
        *response.mutable_part() = *std::move(part);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListPartsResponse> PartStore::List(
    CallContext& call, const v1::ListPartsRequest& request) {
  absl::StatusOr<NamedListQuery> query = NamedListQuery::Prepare(
      {"parts", request.page_size(), kDefaultPartPageSize, kMaxPartPageSize,
       request.order_by(), request.name_contains(), request.page_token()},
      {sql::kPartListNameAsc.name, sql::kPartListNameDesc.name,
       sql::kPartListIdAsc.name, sql::kPartListIdDesc.name});
  if (!query.ok()) return query.status();
  v1::ListPartsResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadOnly, [&](pqxx::transaction_base& txn) {
        response.Clear();
        response.set_next_page_token(query->Run(txn, [&](const pqxx::row& row) {
          v1::Part* added = response.add_parts();
          *added = PartFromRow(row);
          return PageCursor{added->part_id(), added->part_name(), 0, ""};
        }));
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::BatchGetPartsResponse> PartStore::BatchGet(
    CallContext& call, const v1::BatchGetPartsRequest& request) {
  const std::vector<int32_t> ids(request.part_ids().begin(),
                                 request.part_ids().end());
  absl::StatusOr<std::vector<int32_t>> unique =
      ValidateIdSet("part_ids", ids, 1, kMaxPartBatch);
  if (!unique.ok()) return unique.status();
  v1::BatchGetPartsResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadOnly, [&](pqxx::transaction_base& txn) {
        response.Clear();
        const pqxx::result rows =
            txn.exec_prepared(sql::kPartGetMany.name, IntArrayLiteral(ids));
        size_t next = 0;
        for (const int32_t id : ids) {
          if (next >= rows.size() || rows[next][0].as<int32_t>() != id) {
            return NotFound("part", id);
          }
          *response.add_parts() = PartFromRow(rows[next++]);
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
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
  for (int i = 0; i < request.update_mask().paths_size(); ++i) {
    if (request.update_mask().paths(i) != "part_name") {
      return InvalidField(absl::StrCat("update_mask.paths[", i, "]"),
                          absl::StrCat("\"", request.update_mask().paths(i),
                                       "\" is not an updatable field; the "
                                       "only one is \"part_name\""));
    }
  }
  absl::StatusOr<std::string> name =
      ValidateName("part.part_name", part.part_name());
  if (!name.ok()) return name.status();
  v1::UpdatePartResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        if (txn.exec_prepared(sql::kPartUpdateName.name, part.part_id(), *name,
                              part.etag())
                .empty()) {
          return MissingOrStale(txn, part.part_id());
        }
        absl::StatusOr<v1::Part> updated = ReadPart(txn, part.part_id());
        if (!updated.ok()) return updated.status();
        *response.mutable_part() = *std::move(updated);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::DeletePartResponse> PartStore::Delete(
    CallContext& call, const v1::DeletePartRequest& request) {
  if (absl::Status s = ValidateId("part_id", request.part_id()); !s.ok()) {
    return s;
  }
  if (absl::Status s = ValidateEtag("etag", request.etag()); !s.ok()) {
    return s;
  }
  v1::DeletePartResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        const pqxx::result rows = txn.exec_prepared(
            sql::kPartDelete.name, request.part_id(), request.etag());
        if (rows.empty()) return MissingOrStale(txn, request.part_id());
        response.set_deleted_rows(static_cast<int32_t>(rows.affected_rows()));
        response.set_deleted_links(rows[0][0].as<int32_t>());
        response.set_deleted_drawing(rows[0][1].as<int32_t>() > 0);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::AddPartVendorsResponse> PartStore::AddVendors(
    CallContext& call, const v1::AddPartVendorsRequest& request) {
  absl::StatusOr<std::vector<int32_t>> vendor_ids =
      ValidateLinkRequest(request.part_id(), request.vendor_ids());
  if (!vendor_ids.ok()) return vendor_ids.status();
  v1::AddPartVendorsResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        response.Clear();
        if (absl::Status s = LockPart(txn, request.part_id()); !s.ok()) {
          return s;
        }
        if (absl::Status s = RequireVendors(txn, "vendor_ids", *vendor_ids);
            !s.ok()) {
          return s;
        }
        const pqxx::result added =
            txn.exec_prepared(sql::kPartLinkVendors.name, request.part_id(),
                              IntArrayLiteral(*vendor_ids));
        response.set_added_links(static_cast<int32_t>(added.affected_rows()));
        absl::StatusOr<v1::Part> part = ReadPart(txn, request.part_id());
        if (!part.ok()) return part.status();
        *response.mutable_part() = *std::move(part);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::RemovePartVendorsResponse> PartStore::RemoveVendors(
    CallContext& call, const v1::RemovePartVendorsRequest& request) {
  absl::StatusOr<std::vector<int32_t>> vendor_ids =
      ValidateLinkRequest(request.part_id(), request.vendor_ids());
  if (!vendor_ids.ok()) return vendor_ids.status();
  v1::RemovePartVendorsResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        response.Clear();
        if (absl::Status s = LockPart(txn, request.part_id()); !s.ok()) {
          return s;
        }
        const pqxx::result removed =
            txn.exec_prepared(sql::kPartUnlinkVendors.name, request.part_id(),
                              IntArrayLiteral(*vendor_ids));
        response.set_removed_links(
            static_cast<int32_t>(removed.affected_rows()));
        absl::StatusOr<v1::Part> part = ReadPart(txn, request.part_id());
        if (!part.ok()) return part.status();
        *response.mutable_part() = *std::move(part);
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListPartsByVendorResponse> PartStore::ListByVendor(
    CallContext& call, const v1::ListPartsByVendorRequest& request) {
  if (absl::Status s = ValidateId("vendor_id", request.vendor_id()); !s.ok()) {
    return s;
  }
  v1::ListPartsByVendorResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadOnly, [&](pqxx::transaction_base& txn) {
        response.Clear();
        if (txn.exec_prepared(sql::kVendorEtag.name, request.vendor_id())
                .empty()) {
          return NotFound("vendor", request.vendor_id());
        }
        for (const pqxx::row& row : txn.exec_prepared(
                 sql::kPartsByVendorFunction.name, request.vendor_id())) {
          v1::Part* part = response.add_parts();
          part->set_part_id(row[0].as<int32_t>());
          part->set_part_name(row[1].as<std::string>());
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::AddPartWithNewVendorResponse> PartStore::AddWithNewVendor(
    CallContext& call, const v1::AddPartWithNewVendorRequest& request) {
  absl::StatusOr<std::string> part_name =
      ValidateName("part_name", request.part_name());
  if (!part_name.ok()) return part_name.status();
  absl::StatusOr<std::string> vendor_name =
      ValidateName("vendor_name", request.vendor_name());
  if (!vendor_name.ok()) return vendor_name.status();
  v1::AddPartWithNewVendorResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadWrite, [&](pqxx::transaction_base& txn) {
        txn.exec_prepared(sql::kAddNewPartProcedure.name, *part_name,
                          *vendor_name);
        const pqxx::row ids =
            txn.exec_prepared1(sql::kLastInsertedPartAndVendor.name);
        response.set_part_id(ids[0].as<int32_t>());
        response.set_vendor_id(ids[1].as<int32_t>());
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::ListPartVendorPairsResponse> PartStore::ListPairs(
    CallContext& call, const v1::ListPartVendorPairsRequest& request) {
  absl::StatusOr<int> page_size = ValidatePageSize(
      "page_size", request.page_size(), kDefaultPairPageSize, kMaxPairPageSize);
  if (!page_size.ok()) return page_size.status();
  absl::StatusOr<std::optional<PageCursor>> cursor =
      DecodePageToken("page_token", request.page_token(), "pairs", "");
  if (!cursor.ok()) return cursor.status();
  const bool has_cursor = cursor->has_value();
  const PageCursor after = cursor->value_or(PageCursor{});
  v1::ListPartVendorPairsResponse response;
  absl::Status status =
      database_.Run(call, Access::kReadOnly, [&](pqxx::transaction_base& txn) {
        response.Clear();
        for (const pqxx::row& row : txn.exec_prepared(
                 sql::kPartVendorPairs.name, has_cursor, after.name, after.id,
                 after.second_name, after.second_id, *page_size + 1)) {
          if (response.pairs_size() == *page_size) {
            const v1::PartVendorPair& last = *response.pairs().rbegin();
            response.set_next_page_token(EncodePageToken(
                "pairs", "",
                PageCursor{last.part_id(), last.part_name(), last.vendor_id(),
                           last.vendor_name()}));
            break;
          }
          v1::PartVendorPair* pair = response.add_pairs();
          pair->set_part_id(row[0].as<int32_t>());
          pair->set_part_name(row[1].as<std::string>());
          pair->set_vendor_id(row[2].as<int32_t>());
          pair->set_vendor_name(row[3].as<std::string>());
        }
        return absl::OkStatus();
      });
  if (!status.ok()) return status;
  return response;
}

}  // namespace suppliers
