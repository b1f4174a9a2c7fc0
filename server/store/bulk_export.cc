// Owns the bulk export: the snapshot, the cursor, and turning each batch of
// rows into a message of typed rows or of CSV.
#include "server/store/bulk_export.h"

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "server/base/errors.h"
#include "server/db/statements.h"
#include "server/store/csv.h"
#include "server/store/validation.h"

namespace suppliers {
namespace {

void AppendCsvInt(int64_t value, std::string* out) {
  absl::StrAppend(out, value);
}

}  // namespace

absl::Status ExportStore::ValidateFormat(int format) {
  if (!v1::ExportFormat_IsValid(format)) {
    return InvalidField("format",
                        absl::StrCat(format, " is not an ExportFormat"));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<BulkExport>> ExportStore::Begin(
    CallContext& call, Table table, v1::ExportFormat format) {
  if (absl::Status valid = ValidateFormat(format); !valid.ok()) return valid;
  const sql::CursorStatement& cursor =
      table == Table::kVendors ? sql::kExportVendors
      : table == Table::kParts ? sql::kExportParts
                               : sql::kExportPartVendorPairs;
  absl::StatusOr<std::unique_ptr<TransactionSession>> session =
      transactions_.Begin(call, TransactionRunner::Access::kReadOnly,
                          TransactionRunner::Isolation::kRepeatableRead);
  if (!session.ok()) return session.status();
  std::unique_ptr<BulkExport> exported(new BulkExport(
      *std::move(session), cursor, format == v1::EXPORT_FORMAT_CSV));
  // The first statement takes the snapshot: the feed's position is read in
  // the same one as every row.
  absl::Status declared = exported->session_->Run(
      [&](pqxx::transaction_base& txn, PgConnection&) -> absl::Status {
        exported->change_sequence_ =
            sql::Exec1(txn, sql::kChangeFeedBounds)[1].as<int64_t>();
        txn.exec(cursor.declare);
        return absl::OkStatus();
      });
  if (!declared.ok()) return declared;
  return exported;
}

BulkExport::BulkExport(std::unique_ptr<TransactionSession> session,
                       const sql::CursorStatement& cursor, bool csv)
    : session_(std::move(session)), cursor_(cursor), csv_(csv) {}

absl::StatusOr<pqxx::result> BulkExport::Fetch() {
  pqxx::result batch;
  if (exhausted_) return batch;
  absl::Status fetched = session_->Run(
      [&](pqxx::transaction_base& txn, PgConnection&) -> absl::Status {
        batch = txn.exec(cursor_.fetch);
        return absl::OkStatus();
      });
  if (!fetched.ok()) return fetched;
  if (batch.empty()) exhausted_ = true;
  rows_ += static_cast<int64_t>(batch.size());
  return batch;
}

bool BulkExport::ShouldSend(const pqxx::result& batch) {
  const bool send = first_ || !batch.empty();
  first_ = false;
  return send;
}

absl::StatusOr<bool> BulkExport::Next(v1::ExportVendorsResponse* out) {
  out->Clear();
  const bool first = first_;
  absl::StatusOr<pqxx::result> batch = Fetch();
  if (!batch.ok()) return batch.status();
  if (!ShouldSend(*batch)) return false;
  if (first) out->set_change_sequence(change_sequence_);
  std::string* csv = csv_ ? out->mutable_csv_chunk() : nullptr;
  if (csv != nullptr && first) csv->append("vendor_id,vendor_name\n");
  for (const pqxx::row& row : *batch) {
    if (csv != nullptr) {
      AppendCsvInt(row[0].as<int64_t>(), csv);
      csv->push_back(',');
      AppendCsvField(row[1].c_str(), csv);
      csv->push_back('\n');
      continue;
    }
    v1::Vendor* vendor = out->add_vendors();
    vendor->set_vendor_id(row[0].as<int32_t>());
    vendor->set_vendor_name(row[1].c_str());
    vendor->set_etag(row[2].c_str());
  }
  return true;
}

absl::StatusOr<bool> BulkExport::Next(v1::ExportPartsResponse* out) {
  out->Clear();
  const bool first = first_;
  absl::StatusOr<pqxx::result> batch = Fetch();
  if (!batch.ok()) return batch.status();
  if (!ShouldSend(*batch)) return false;
  if (first) out->set_change_sequence(change_sequence_);
  std::string* csv = csv_ ? out->mutable_csv_chunk() : nullptr;
  if (csv != nullptr && first) csv->append("part_id,part_name,vendor_ids\n");
  for (const pqxx::row& row : *batch) {
    const std::vector<int32_t> vendor_ids = ParseIntArray(row[3].c_str());
    if (csv != nullptr) {
      AppendCsvInt(row[0].as<int64_t>(), csv);
      csv->push_back(',');
      AppendCsvField(row[1].c_str(), csv);
      absl::StrAppend(csv, ",", absl::StrJoin(vendor_ids, ";"), "\n");
      continue;
    }
    v1::Part* part = out->add_parts();
    part->set_part_id(row[0].as<int32_t>());
    part->set_part_name(row[1].c_str());
    part->set_etag(row[2].c_str());
    for (int32_t id : vendor_ids) part->add_vendor_ids(id);
  }
  return true;
}

absl::StatusOr<bool> BulkExport::Next(v1::ExportPartVendorPairsResponse* out) {
  out->Clear();
  const bool first = first_;
  absl::StatusOr<pqxx::result> batch = Fetch();
  if (!batch.ok()) return batch.status();
  if (!ShouldSend(*batch)) return false;
  if (first) out->set_change_sequence(change_sequence_);
  std::string* csv = csv_ ? out->mutable_csv_chunk() : nullptr;
  if (csv != nullptr && first) {
    csv->append("part_id,part_name,vendor_id,vendor_name\n");
  }
  for (const pqxx::row& row : *batch) {
    if (csv != nullptr) {
      AppendCsvInt(row[0].as<int64_t>(), csv);
      csv->push_back(',');
      AppendCsvField(row[1].c_str(), csv);
      csv->push_back(',');
      AppendCsvInt(row[2].as<int64_t>(), csv);
      csv->push_back(',');
      AppendCsvField(row[3].c_str(), csv);
      csv->push_back('\n');
      continue;
    }
    v1::PartVendorPair* pair = out->add_pairs();
    pair->set_part_id(row[0].as<int32_t>());
    pair->set_part_name(row[1].c_str());
    pair->set_vendor_id(row[2].as<int32_t>());
    pair->set_vendor_name(row[3].c_str());
  }
  return true;
}

absl::Status BulkExport::Finish() {
  absl::Status committed = session_->Commit();
  session_.reset();
  return committed;
}

}  // namespace suppliers
