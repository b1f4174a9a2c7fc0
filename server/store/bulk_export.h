// Owns the bulk export of vendors, parts and (part, vendor) pairs
// (Export*), independent of gRPC: one repeatable-read snapshot, read through
// a server-side cursor a batch at a time, as messages or CSV.
#ifndef SUPPLIERS_SERVER_STORE_BULK_EXPORT_H_
#define SUPPLIERS_SERVER_STORE_BULK_EXPORT_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "pqxx/result"
#include "server/db/call_context.h"
#include "server/db/statements.h"
#include "server/db/transaction_runner.h"
#include "suppliers/v1/bulk.pb.h"
#include "suppliers/v1/part.pb.h"
#include "suppliers/v1/vendor.pb.h"

namespace suppliers {

class BulkExport;

// Thread-safe: holds no per-call state.
class ExportStore {
 public:
  enum class Table { kVendors, kParts, kPartVendorPairs };

  explicit ExportStore(TransactionRunner& transactions)
      : transactions_(transactions) {}
  ExportStore(const ExportStore&) = delete;
  ExportStore& operator=(const ExportStore&) = delete;

  // INVALID_ARGUMENT naming `format` unless it is a known ExportFormat.
  static absl::Status ValidateFormat(int format);
  // Opens the export's read-only repeatable-read transaction, reads the
  // change feed position its snapshot includes and declares the cursor.
  absl::StatusOr<std::unique_ptr<BulkExport>> Begin(CallContext& call,
                                                    Table table,
                                                    v1::ExportFormat format);

 private:
  TransactionRunner& transactions_;
};

// One export in progress. Not thread-safe: one call at a time, from a
// worker (it talks to the database). Holds one batch (1000 rows) at a time.
// Destroying it rolls the transaction back, which closes the cursor.
class BulkExport {
 public:
  BulkExport(const BulkExport&) = delete;
  BulkExport& operator=(const BulkExport&) = delete;

  // The newest change feed sequence the snapshot includes.
  int64_t change_sequence() const { return change_sequence_; }

  // Fills `out` (cleared first) with the next batch, and returns whether
  // there was one. The first call always returns true, with the CSV header
  // when exporting CSV, even from an empty table; the first message also
  // carries change_sequence. Call the overload of the export's table.
  absl::StatusOr<bool> Next(v1::ExportVendorsResponse* out);
  absl::StatusOr<bool> Next(v1::ExportPartsResponse* out);
  absl::StatusOr<bool> Next(v1::ExportPartVendorPairsResponse* out);
  // Ends the read-only transaction.
  absl::Status Finish();

  int64_t rows() const { return rows_; }

 private:
  friend class ExportStore;
  BulkExport(std::unique_ptr<TransactionSession> session,
             const sql::CursorStatement& cursor, bool csv);
  // The next rows from the cursor; empty at the end.
  absl::StatusOr<pqxx::result> Fetch();
  // Shared by the overloads: whether to send a message for `batch`.
  bool ShouldSend(const pqxx::result& batch);

  std::unique_ptr<TransactionSession> session_;
  const sql::CursorStatement& cursor_;
  const bool csv_;
  int64_t change_sequence_ = 0;
  bool first_ = true;
  bool exhausted_ = false;
  int64_t rows_ = 0;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_BULK_EXPORT_H_
