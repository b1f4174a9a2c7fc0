// Owns every SQL statement the API runs, as named constants prepared once
// per pooled connection. Inputs are always parameters ($n); no SQL is ever
// built from request data.
#ifndef SUPPLIERS_SERVER_DB_STATEMENTS_H_
#define SUPPLIERS_SERVER_DB_STATEMENTS_H_

#include <string>
#include <utility>
#include <vector>

#include "pqxx/transaction_base"
#include "server/db/pg_connection.h"
#include "server/db/pool.h"

namespace suppliers::sql {

// Sets the transaction-local statement_timeout ($1, e.g. "1500ms").
extern const PreparedStatement kSetSessionDefaults;
// Tags the session with a call's trace ($1 = "suppliers trace=<id>").
extern const PreparedStatement kSetTraceTag;
// Inside a transaction, for sessions that keep no state between them:
// statement_timeout ($1) and the trace tag ($2, may be empty).
extern const PreparedStatement kSetTransactionDefaults;
// The WAL insert position as a pg_lsn's text, after a write's commit.
extern const PreparedStatement kCommitPosition;

// Vendors. Rows are (vendor_id, vendor_name, etag) where etag is xmin, which
// changes with every update of the row.
extern const PreparedStatement kVendorInsert;
extern const PreparedStatement kVendorInsertMany;
extern const PreparedStatement kVendorGet;
extern const PreparedStatement kVendorGetMany;
extern const PreparedStatement kVendorListNameAsc;
extern const PreparedStatement kVendorListNameDesc;
extern const PreparedStatement kVendorListIdAsc;
extern const PreparedStatement kVendorListIdDesc;
extern const PreparedStatement kVendorUpdateName;
extern const PreparedStatement kVendorExists;
extern const PreparedStatement kVendorDelete;
extern const PreparedStatement kVendorsLockExisting;

// Parts. Rows are (part_id, part_name, etag, vendor_ids int[]); the etag
// changes with the row and with the part's set of links.
extern const PreparedStatement kPartInsert;
extern const PreparedStatement kPartGet;
extern const PreparedStatement kPartGetMany;
extern const PreparedStatement kPartListNameAsc;
extern const PreparedStatement kPartListNameDesc;
extern const PreparedStatement kPartListIdAsc;
extern const PreparedStatement kPartListIdDesc;
extern const PreparedStatement kPartUpdateName;
extern const PreparedStatement kPartLock;
extern const PreparedStatement kPartDelete;
extern const PreparedStatement kPartLinkVendors;
extern const PreparedStatement kPartUnlinkVendors;

// The tutorial's function, procedure and join.
extern const PreparedStatement kPartsByVendorFunction;
extern const PreparedStatement kAddNewPartProcedure;
extern const PreparedStatement kLastInsertedPartAndVendor;
extern const PreparedStatement kPartVendorPairs;

// Drawings. Uploads stage their chunks in a per-session temporary table
// (created by SessionSetup()) and assemble them in one statement.
extern const PreparedStatement kDrawingLockPart;
extern const PreparedStatement kDrawingStageChunk;
extern const PreparedStatement kDrawingAssemble;
extern const PreparedStatement kDrawingMetadata;
extern const PreparedStatement kDrawingReadRange;
extern const PreparedStatement kDrawingDelete;
extern const PreparedStatement kPartExists;

// Idempotency keys (AIP-155).
extern const PreparedStatement kRequestIdClaim;
extern const PreparedStatement kRequestIdLookup;
extern const PreparedStatement kRequestIdStoreResponse;
extern const PreparedStatement kRequestIdExpire;

// Bulk import (ImportVendors, ImportParts). Rows are COPYed into the
// per-session staging tables (SessionSetup(), ON COMMIT DELETE ROWS) with
// their row numbers, then checked and inserted in one statement.
extern const char* const kImportVendorsCopy;
extern const char* const kImportPartsCopy;
// (rows, first vendor_id, last vendor_id) after inserting the staged vendors
// in row order.
extern const PreparedStatement kImportVendorsInsert;
// (row, vendor_id) of the first staged part linking a vendor that does not
// exist; no rows when every vendor exists.
extern const PreparedStatement kImportPartsMissingVendor;
// (parts, links, first part_id, last part_id) after inserting the staged
// parts in row order, and their links.
extern const PreparedStatement kImportPartsInsert;

// Bulk export (Export*): a cursor over one table, fetched a batch at a time
// in a repeatable-read, read-only transaction. DECLARE cannot be prepared,
// so these run as plain text; none takes input.
struct CursorStatement {
  const char* declare;  // DECLARE export_rows ... FOR SELECT ...
  const char* fetch;    // FETCH FORWARD <batch> FROM export_rows
};
// (vendor_id, vendor_name, etag) by vendor_id.
extern const CursorStatement kExportVendors;
// (part_id, part_name, etag, vendor_ids) by part_id.
extern const CursorStatement kExportParts;
// (part_id, part_name, vendor_id, vendor_name) by part_id, vendor_id.
extern const CursorStatement kExportPartVendorPairs;

// The change feed (sql/migrations/0006_change_feed.sql). Events after
// sequence $1, in order, at most $2: (sequence, commit time in microseconds
// since the epoch, kind, operation, vendor_id, part_id, name,
// file_extension, size_bytes).
extern const PreparedStatement kChangeEventsAfter;
// (pruned_through, newest): events up to pruned_through were deleted by the
// retention; newest is the largest sequence committed (0: none yet).
extern const PreparedStatement kChangeFeedBounds;
// Deletes the events committed before now() - $1 (an interval, "3600 s"),
// at most about $2 of them, and records how far; returns the events deleted.
extern const PreparedStatement kChangeFeedPrune;

// What every pooled connection runs before preparing AllStatements().
const std::vector<std::string>& SessionSetup();

// The temporary tables uploads and imports stage their data in. A session
// that kept its state (PgConnection::session_prepared) made them at
// connect time (SessionSetup); behind a transaction-pooling proxy the
// transaction that needs one makes it, dropped at its COMMIT or ROLLBACK.
enum class StagingTable { kDrawingChunks, kImportVendors, kImportParts };
// Makes `table` for the rest of `txn` unless its session already has it.
void EnsureStagingTable(pqxx::transaction_base& txn, StagingTable table);

// Whether `txn` runs on a session that prepared AllStatements().
inline bool SessionPrepared(pqxx::transaction_base& txn) {
  // Every connection the service runs statements on is a PgConnection
  // (libpqxx 6.4's connection_base has no virtual functions to check it).
  return static_cast<PgConnection&>(txn.conn()).session_prepared();
}

// Runs `statement` with `args` on `txn`: by name where the session
// prepared it, otherwise unnamed (its text and parameters in one
// extended-protocol round trip), which is what a transaction-pooling proxy
// such as PgBouncer 1.18 can carry. Either way the input is parameters,
// never SQL text.
template <typename... Args>
pqxx::result Exec(pqxx::transaction_base& txn,
                  const PreparedStatement& statement, Args&&... args) {
  if (SessionPrepared(txn)) {
    return txn.exec_prepared(statement.name, std::forward<Args>(args)...);
  }
  return txn.exec_params(statement.sql, std::forward<Args>(args)...);
}
// Exec for a statement that returns exactly one row (else throws
// pqxx::unexpected_rows).
template <typename... Args>
pqxx::row Exec1(pqxx::transaction_base& txn, const PreparedStatement& statement,
                Args&&... args) {
  if (SessionPrepared(txn)) {
    return txn.exec_prepared1(statement.name, std::forward<Args>(args)...);
  }
  return txn.exec_params1(statement.sql, std::forward<Args>(args)...);
}

// Every statement above, to prepare on each pooled connection.
const std::vector<PreparedStatement>& AllStatements();

// The statements of read-only calls, to prepare on a read replica's
// connections (a hot standby has no staging tables for the others).
const std::vector<PreparedStatement>& ReadStatements();

}  // namespace suppliers::sql

#endif  // SUPPLIERS_SERVER_DB_STATEMENTS_H_
