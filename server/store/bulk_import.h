// Owns the bulk import of vendors and parts (ImportVendors, ImportParts),
// independent of gRPC: the rows of a client stream, as messages or as CSV
// chunks, validated one by one as they arrive and COPYed into a staging
// table, then checked against the database and inserted in one transaction.
#ifndef SUPPLIERS_SERVER_STORE_BULK_IMPORT_H_
#define SUPPLIERS_SERVER_STORE_BULK_IMPORT_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/db/call_context.h"
#include "server/db/transaction_runner.h"
#include "server/store/csv.h"
#include "suppliers/v1/bulk.pb.h"
#include "suppliers/v1/part.pb.h"
#include "suppliers/v1/vendor.pb.h"

namespace suppliers {

class BulkImport;

// Thread-safe: holds no per-call state.
class ImportStore {
 public:
  enum class Table { kVendors, kParts };

  explicit ImportStore(TransactionRunner& transactions)
      : transactions_(transactions) {}
  ImportStore(const ImportStore&) = delete;
  ImportStore& operator=(const ImportStore&) = delete;

  // Opens the import's transaction and starts its COPY into the staging
  // table of `table`. Errors as TransactionRunner::Begin.
  absl::StatusOr<std::unique_ptr<BulkImport>> Begin(CallContext& call,
                                                    Table table);

 private:
  TransactionRunner& transactions_;
};

// One import in progress. Not thread-safe: one call at a time, from any
// thread (it talks to the database: a worker's). Holds at most one message's
// rows beyond what PostgreSQL already has. Destroying it before Finish()
// succeeded ends the COPY and rolls everything back: nothing is written.
class BulkImport {
 public:
  BulkImport(const BulkImport&) = delete;
  BulkImport& operator=(const BulkImport&) = delete;
  ~BulkImport();

  // Validates the message's rows (numbered from 1 across the stream) and
  // stages them. INVALID_ARGUMENT naming the row and field ("row 17:
  // vendor_name: must not be empty"), the CSV line, or a message that mixes
  // or switches forms. After an error the import is dead.
  absl::Status Add(const v1::ImportVendorsRequest& message);
  absl::Status Add(const v1::ImportPartsRequest& message);
  // The stream ended: ends the COPY, checks the staged rows against the
  // database (parts: FAILED_PRECONDITION naming the first row linking a
  // vendor that does not exist), inserts them in row order and commits.
  absl::StatusOr<v1::ImportSummary> Finish();

  int64_t rows() const { return rows_; }

 private:
  friend class ImportStore;
  enum class Form { kUnknown, kMessages, kCsv };
  BulkImport(std::unique_ptr<TransactionSession> session,
             ImportStore::Table table);

  absl::Status Begin();
  absl::Status UseForm(Form form, bool has_rows, bool has_csv);
  absl::Status AddCsv(const std::string& chunk);
  absl::Status AddCsvRecord(const std::vector<std::string>& fields,
                            int64_t line);
  absl::Status AddVendor(const std::string& name);
  absl::Status AddPart(const std::string& name,
                       const std::vector<int32_t>& vendor_ids);
  absl::Status AddPartCsv(const std::string& name,
                          const std::string& vendor_ids);
  // Sends the COPY data gathered so far to PostgreSQL.
  absl::Status Flush();
  // Ends the COPY: `error` empty completes it, otherwise aborts it.
  absl::Status EndCopy(const char* error);
  absl::Status Failed(absl::Status status);

  std::unique_ptr<TransactionSession> session_;
  const ImportStore::Table table_;
  Form form_ = Form::kUnknown;
  CsvReader csv_;
  bool header_read_ = false;
  int name_column_ = -1;
  int vendor_ids_column_ = -1;
  size_t columns_ = 0;
  bool copy_open_ = false;
  std::string copy_data_;  // COPY text not yet sent
  int64_t rows_ = 0;
  absl::Status failed_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_BULK_IMPORT_H_
