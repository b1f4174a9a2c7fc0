// Owns every SQL statement the API runs, as named constants prepared once
// per pooled connection. Inputs are always parameters ($n); no SQL is ever
// built from request data.
#ifndef SUPPLIERS_SERVER_DB_STATEMENTS_H_
#define SUPPLIERS_SERVER_DB_STATEMENTS_H_

#include <string>
#include <vector>

#include "server/db/pool.h"

namespace suppliers::sql {

// Sets the transaction-local statement_timeout ($1, e.g. "1500ms").
extern const PreparedStatement kSetSessionDefaults;
// Tags the session with a call's trace ($1 = "suppliers trace=<id>").
extern const PreparedStatement kSetTraceTag;

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

// What every pooled connection runs before preparing AllStatements().
const std::vector<std::string>& SessionSetup();

// Every statement above, to prepare on each pooled connection.
const std::vector<PreparedStatement>& AllStatements();

}  // namespace suppliers::sql

#endif  // SUPPLIERS_SERVER_DB_STATEMENTS_H_
