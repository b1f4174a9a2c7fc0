// Owns the bulk import of vendors and parts: validating rows as they
// stream in, COPYing them into the session's staging table, and inserting
// them in one transaction.
#include "server/store/bulk_import.h"

#include <libpq-fe.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "google/rpc/error_details.pb.h"
#include "server/base/errors.h"
#include "server/db/pg_connection.h"
#include "server/db/statements.h"
#include "server/store/validation.h"

namespace suppliers {
namespace {

// Send COPY data in pieces of about this size: big enough that the round
// trips do not matter, small enough to bound what a stream holds.
constexpr size_t kCopyFlushBytes = size_t{256} * 1024;
constexpr size_t kMaxCsvChunkBytes = size_t{1024} * 1024;
constexpr int kMaxVendorsPerPart = 100;

// INVALID_ARGUMENT for row `row`, with the field's own error (from
// validation.h, "field: description") kept whole in the message and the
// BadRequest naming the field.
absl::Status InvalidRow(int64_t row, const absl::Status& field_error) {
  std::string field = "row";
  std::string description(field_error.message());
  if (auto bad = field_error.GetPayload(kBadRequestUrl); bad.has_value()) {
    google::rpc::BadRequest parsed;
    if (parsed.ParseFromString(std::string(*bad)) &&
        parsed.field_violations_size() > 0) {
      field = parsed.field_violations(0).field();
      description = parsed.field_violations(0).description();
    }
  }
  absl::Status status = ErrorWithInfo(
      absl::StatusCode::kInvalidArgument,
      absl::StrCat("row ", row, ": ", field, ": ", description), "INVALID_ROW",
      {{"row", absl::StrCat(row)}, {"field", field}});
  google::rpc::BadRequest bad_request;
  auto* violation = bad_request.add_field_violations();
  violation->set_field(field);
  violation->set_description(absl::StrCat("row ", row, ": ", description));
  status.SetPayload(kBadRequestUrl,
                    absl::Cord(bad_request.SerializeAsString()));
  return status;
}

// COPY text format: the validated names hold no control characters, so
// only the escape character itself needs escaping.
void AppendCopyText(absl::string_view text, std::string* out) {
  for (const char c : text) {
    if (c == '\\') out->push_back('\\');
    out->push_back(c);
  }
}

// ThrowLibpqError, freeing `result` first.
[[noreturn]] void ThrowAndClear(PGconn* connection, PGresult* result) {
  try {
    ThrowLibpqError(connection, result);
  } catch (...) {
    PQclear(result);
    throw;
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<BulkImport>> ImportStore::Begin(
    CallContext& call, Table table) {
  absl::StatusOr<std::unique_ptr<TransactionSession>> session =
      transactions_.Begin(call, TransactionRunner::Access::kReadWrite,
                          TransactionRunner::Isolation::kReadCommitted);
  if (!session.ok()) return session.status();
  std::unique_ptr<BulkImport> import(
      new BulkImport(*std::move(session), table));
  if (absl::Status began = import->Begin(); !began.ok()) return began;
  return import;
}

BulkImport::BulkImport(std::unique_ptr<TransactionSession> session,
                       ImportStore::Table table)
    : session_(std::move(session)), table_(table) {}

BulkImport::~BulkImport() {
  if (copy_open_ && session_ != nullptr) {
    (void)EndCopy("the import was abandoned");
  }
  session_.reset();  // rolls back
}

absl::Status BulkImport::Begin() {
  const char* copy = table_ == ImportStore::Table::kVendors
                         ? sql::kImportVendorsCopy
                         : sql::kImportPartsCopy;
  const sql::StagingTable staging = table_ == ImportStore::Table::kVendors
                                        ? sql::StagingTable::kImportVendors
                                        : sql::StagingTable::kImportParts;
  absl::Status began =
      session_->Run([&](pqxx::transaction_base& txn,
                        PgConnection& connection) -> absl::Status {
        sql::EnsureStagingTable(txn, staging);
        PGconn* raw = connection.raw_handle();
        PGresult* result = PQexec(raw, copy);
        if (PQresultStatus(result) != PGRES_COPY_IN) ThrowAndClear(raw, result);
        PQclear(result);
        copy_open_ = true;
        return absl::OkStatus();
      });
  return began.ok() ? began : Failed(began);
}

absl::Status BulkImport::Failed(absl::Status status) {
  if (failed_.ok()) failed_ = std::move(status);
  if (copy_open_) (void)EndCopy("the import failed");
  session_.reset();
  return failed_;
}

absl::Status BulkImport::UseForm(Form form, bool has_rows, bool has_csv) {
  if (has_rows && has_csv) {
    return InvalidField("csv_chunk",
                        "a message carries rows or a CSV chunk, not both");
  }
  if (!has_rows && !has_csv) return absl::OkStatus();
  if (form_ != Form::kUnknown && form_ != form) {
    return InvalidField(
        "csv_chunk",
        "a stream sends its rows either as messages or as CSV, not both");
  }
  form_ = form;
  return absl::OkStatus();
}

absl::Status BulkImport::Add(const v1::ImportVendorsRequest& message) {
  if (!failed_.ok()) return failed_;
  const bool has_csv = !message.csv_chunk().empty();
  const Form form = has_csv ? Form::kCsv : Form::kMessages;
  if (absl::Status ok = UseForm(form, message.vendors_size() > 0, has_csv);
      !ok.ok()) {
    return Failed(ok);
  }
  if (has_csv) return AddCsv(message.csv_chunk());
  for (const v1::Vendor& vendor : message.vendors()) {
    if (absl::Status added = AddVendor(vendor.vendor_name()); !added.ok()) {
      return added;
    }
  }
  return Flush();
}

absl::Status BulkImport::Add(const v1::ImportPartsRequest& message) {
  if (!failed_.ok()) return failed_;
  const bool has_csv = !message.csv_chunk().empty();
  const Form form = has_csv ? Form::kCsv : Form::kMessages;
  if (absl::Status ok = UseForm(form, message.parts_size() > 0, has_csv);
      !ok.ok()) {
    return Failed(ok);
  }
  if (has_csv) return AddCsv(message.csv_chunk());
  for (const v1::Part& part : message.parts()) {
    const std::vector<int32_t> ids(part.vendor_ids().begin(),
                                   part.vendor_ids().end());
    if (absl::Status added = AddPart(part.part_name(), ids); !added.ok()) {
      return added;
    }
  }
  return Flush();
}

absl::Status BulkImport::AddCsv(const std::string& chunk) {
  if (chunk.size() > kMaxCsvChunkBytes) {
    return Failed(InvalidField(
        "csv_chunk",
        absl::StrCat("a chunk is at most ", kMaxCsvChunkBytes, " bytes")));
  }
  absl::Status fed = csv_.Feed(
      chunk, [this](const std::vector<std::string>& fields, int64_t line) {
        return AddCsvRecord(fields, line);
      });
  if (!fed.ok()) return Failed(fed);
  return Flush();
}

absl::Status BulkImport::AddCsvRecord(const std::vector<std::string>& fields,
                                      int64_t line) {
  const bool vendors = table_ == ImportStore::Table::kVendors;
  if (!header_read_) {
    header_read_ = true;
    columns_ = fields.size();
    for (size_t i = 0; i < fields.size(); ++i) {
      absl::string_view name = absl::StripAsciiWhitespace(fields[i]);
      if (i == 0) absl::ConsumePrefix(&name, "\xEF\xBB\xBF");  // a BOM
      int* column = nullptr;
      if (name == (vendors ? "vendor_name" : "part_name")) {
        column = &name_column_;
      } else if (!vendors && name == "vendor_ids") {
        column = &vendor_ids_column_;
      }
      if (column == nullptr || *column >= 0) {
        return InvalidField(
            "csv_chunk",
            absl::StrCat("line ", line, ": the header's column \"", name,
                         "\" is ", column == nullptr ? "unknown" : "repeated",
                         vendors ? " (expected: vendor_name)"
                                 : " (expected: part_name[,vendor_ids])"));
      }
      *column = static_cast<int>(i);
    }
    if (name_column_ < 0) {
      return InvalidField(
          "csv_chunk", absl::StrCat("line ", line, ": the header names no ",
                                    vendors ? "vendor_name" : "part_name",
                                    " column (the first line is the header)"));
    }
    return absl::OkStatus();
  }
  if (fields.size() != columns_) {
    return InvalidRow(
        rows_ + 1,
        InvalidField("csv_chunk",
                     absl::StrCat("line ", line, " has ", fields.size(),
                                  " fields, the "
                                  "header ",
                                  columns_)));
  }
  if (vendors) return AddVendor(fields[name_column_]);
  return AddPartCsv(fields[name_column_], vendor_ids_column_ >= 0
                                              ? fields[vendor_ids_column_]
                                              : std::string());
}

absl::Status BulkImport::AddVendor(const std::string& name) {
  const int64_t row = rows_ + 1;
  absl::StatusOr<std::string> valid = ValidateName("vendor_name", name);
  if (!valid.ok()) return Failed(InvalidRow(row, valid.status()));
  absl::StrAppend(&copy_data_, row, "\t");
  AppendCopyText(*valid, &copy_data_);
  copy_data_.push_back('\n');
  rows_ = row;
  if (copy_data_.size() >= kCopyFlushBytes) return Flush();
  return absl::OkStatus();
}

absl::Status BulkImport::AddPartCsv(const std::string& name,
                                    const std::string& vendor_ids) {
  std::vector<int32_t> ids;
  for (absl::string_view text :
       absl::StrSplit(vendor_ids, ';', absl::SkipWhitespace())) {
    int32_t id = 0;
    if (!absl::SimpleAtoi(text, &id)) {
      return Failed(InvalidRow(
          rows_ + 1, InvalidField("vendor_ids",
                                  absl::StrCat("\"", text,
                                               "\" is not a vendor id (ids are "
                                               "separated by ';')"))));
    }
    ids.push_back(id);
  }
  return AddPart(name, ids);
}

absl::Status BulkImport::AddPart(const std::string& name,
                                 const std::vector<int32_t>& vendor_ids) {
  const int64_t row = rows_ + 1;
  absl::StatusOr<std::string> valid = ValidateName("part_name", name);
  if (!valid.ok()) return Failed(InvalidRow(row, valid.status()));
  absl::StatusOr<std::vector<int32_t>> ids =
      ValidateIdSet("vendor_ids", vendor_ids, 0, kMaxVendorsPerPart);
  if (!ids.ok()) return Failed(InvalidRow(row, ids.status()));
  absl::StrAppend(&copy_data_, row, "\t");
  AppendCopyText(*valid, &copy_data_);
  absl::StrAppend(&copy_data_, "\t", IntArrayLiteral(*ids), "\n");
  rows_ = row;
  if (copy_data_.size() >= kCopyFlushBytes) return Flush();
  return absl::OkStatus();
}

absl::Status BulkImport::Flush() {
  if (!failed_.ok()) return failed_;
  if (copy_data_.empty()) return absl::OkStatus();
  absl::Status sent = session_->Run(
      [&](pqxx::transaction_base&, PgConnection& connection) -> absl::Status {
        PGconn* raw = connection.raw_handle();
        if (PQputCopyData(raw, copy_data_.data(),
                          static_cast<int>(copy_data_.size())) != 1) {
          ThrowLibpqError(raw, nullptr);
        }
        return absl::OkStatus();
      });
  copy_data_.clear();
  return sent.ok() ? sent : Failed(sent);
}

absl::Status BulkImport::EndCopy(const char* error) {
  copy_open_ = false;
  return session_->Run([&](pqxx::transaction_base&,
                           PgConnection& connection) -> absl::Status {
    PGconn* raw = connection.raw_handle();
    if (PQputCopyEnd(raw, error) != 1) ThrowLibpqError(raw, nullptr);
    // The COPY's result, then the end of the command.
    PGresult* failure = nullptr;
    while (PGresult* result = PQgetResult(raw)) {
      if (PQresultStatus(result) != PGRES_COMMAND_OK && failure == nullptr) {
        failure = result;
        continue;
      }
      PQclear(result);
    }
    if (failure != nullptr && error == nullptr) {
      ThrowAndClear(raw, failure);
    }
    if (failure != nullptr) PQclear(failure);
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::ImportSummary> BulkImport::Finish() {
  if (!failed_.ok()) return failed_;
  if (form_ == Form::kCsv) {
    absl::Status fed = csv_.Finish(
        [this](const std::vector<std::string>& fields, int64_t line) {
          return AddCsvRecord(fields, line);
        });
    if (!fed.ok()) return Failed(fed);
  }
  if (absl::Status flushed = Flush(); !flushed.ok()) return flushed;
  if (absl::Status ended = EndCopy(nullptr); !ended.ok()) return Failed(ended);
  v1::ImportSummary summary;
  absl::Status inserted = session_->Run([&](pqxx::transaction_base& txn,
                                            PgConnection&) -> absl::Status {
    if (table_ == ImportStore::Table::kVendors) {
      const pqxx::row counts = sql::Exec1(txn, sql::kImportVendorsInsert);
      summary.set_rows_imported(counts[0].as<int64_t>());
      summary.set_first_id(counts[1].as<int32_t>());
      summary.set_last_id(counts[2].as<int32_t>());
      return absl::OkStatus();
    }
    const pqxx::result missing = sql::Exec(txn, sql::kImportPartsMissingVendor);
    if (!missing.empty()) {
      const int64_t row = missing[0][0].as<int64_t>();
      const int32_t vendor = missing[0][1].as<int32_t>();
      return ErrorWithInfo(
          absl::StatusCode::kFailedPrecondition,
          absl::StrCat("row ", row, ": vendor_ids: vendor ", vendor,
                       " does not exist; nothing was imported"),
          "VENDOR_NOT_FOUND",
          {{"row", absl::StrCat(row)}, {"vendor_id", absl::StrCat(vendor)}});
    }
    const pqxx::row counts = sql::Exec1(txn, sql::kImportPartsInsert);
    summary.set_rows_imported(counts[0].as<int64_t>());
    summary.set_links_imported(counts[1].as<int64_t>());
    summary.set_first_id(counts[2].as<int32_t>());
    summary.set_last_id(counts[3].as<int32_t>());
    return absl::OkStatus();
  });
  if (!inserted.ok()) return Failed(inserted);
  if (absl::Status committed = session_->Commit(); !committed.ok()) {
    return Failed(committed);
  }
  session_.reset();
  return summary;
}

}  // namespace suppliers
