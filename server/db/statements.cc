// Owns every SQL statement the API runs, as named constants prepared once
// per pooled connection. Inputs are always parameters ($n); no SQL is ever
// built from request data.
#include "server/db/statements.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace suppliers::sql {

// ---- the transaction runner ----
// Session level (`false`), outside any transaction: the values stay for the
// connection's later calls, which then need no round trip to set them
// (docs/design.md, "Round trips").
const PreparedStatement kSetTraceTag{
    "set_trace_tag", "SELECT set_config('application_name', $1, false)"};

const PreparedStatement kSetSessionDefaults{
    "set_session_defaults",
    "SELECT set_config('default_transaction_read_only', $1, false), "
    "set_config('statement_timeout', $2, false)"};

// Transaction level (`true`), for connections that keep no session state
// (behind PgBouncer in transaction mode): $1 the statement_timeout, $2 the
// trace tag ('' leaves application_name alone).
const PreparedStatement kSetTransactionDefaults{
    "set_transaction_defaults",
    "SELECT set_config('statement_timeout', $1, true), "
    "CASE WHEN $2 <> '' THEN set_config('application_name', $2, true) END"};

// Read after a write's COMMIT: at or past the end of its commit record.
const PreparedStatement kCommitPosition{
    "commit_position", "SELECT pg_current_wal_insert_lsn()::text"};

// ---- vendors ----
const PreparedStatement kVendorInsert{
    "vendor_insert",
    "INSERT INTO vendors (vendor_name) VALUES ($1) "
    "RETURNING vendor_id, vendor_name, xmin::text"};
// One statement for the whole batch (the tutorial's executemany); ids follow
// the request order.
const PreparedStatement kVendorInsertMany{
    "vendor_insert_many",
    "INSERT INTO vendors (vendor_name) "
    "SELECT name FROM unnest($1::varchar[]) WITH ORDINALITY AS t(name, ord) "
    "ORDER BY ord "
    "RETURNING vendor_id, vendor_name, xmin::text"};
const PreparedStatement kVendorGet{
    "vendor_get",
    "SELECT vendor_id, vendor_name, xmin::text FROM vendors "
    "WHERE vendor_id = $1"};
const PreparedStatement kVendorGetMany{
    "vendor_get_many",
    "SELECT v.vendor_id, v.vendor_name, v.xmin::text "
    "FROM unnest($1::int[]) WITH ORDINALITY AS r(id, ord) "
    "JOIN vendors v ON v.vendor_id = r.id ORDER BY r.ord"};
// Keyset pages. By name: $1 name ILIKE pattern, $2 whether a cursor is
// given, $3/$4 the last row's (name, id), $5 limit. By id: $1 pattern, $2
// cursor given, $3 last id, $4 limit.
const PreparedStatement kVendorListNameAsc{
    "vendor_list_name_asc",
    "SELECT vendor_id, vendor_name, xmin::text FROM vendors "
    "WHERE vendor_name ILIKE $1 "
    "AND (NOT $2 OR (vendor_name, vendor_id) > ($3::varchar, $4::int)) "
    "ORDER BY vendor_name, vendor_id LIMIT $5"};
const PreparedStatement kVendorListNameDesc{
    "vendor_list_name_desc",
    "SELECT vendor_id, vendor_name, xmin::text FROM vendors "
    "WHERE vendor_name ILIKE $1 "
    "AND (NOT $2 OR (vendor_name, vendor_id) < ($3::varchar, $4::int)) "
    "ORDER BY vendor_name DESC, vendor_id DESC LIMIT $5"};
const PreparedStatement kVendorListIdAsc{
    "vendor_list_id_asc",
    "SELECT vendor_id, vendor_name, xmin::text FROM vendors "
    "WHERE vendor_name ILIKE $1 AND (NOT $2 OR vendor_id > $3::int) "
    "ORDER BY vendor_id LIMIT $4"};
const PreparedStatement kVendorListIdDesc{
    "vendor_list_id_desc",
    "SELECT vendor_id, vendor_name, xmin::text FROM vendors "
    "WHERE vendor_name ILIKE $1 AND (NOT $2 OR vendor_id < $3::int) "
    "ORDER BY vendor_id DESC LIMIT $4"};
// $3: expected etag, or '' for an unconditional update.
const PreparedStatement kVendorUpdateName{
    "vendor_update_name",
    "UPDATE vendors SET vendor_name = $2 "
    "WHERE vendor_id = $1 AND ($3 = '' OR xmin::text = $3) "
    "RETURNING vendor_id, vendor_name, xmin::text"};
const PreparedStatement kVendorExists{
    "vendor_exists", "SELECT 1 FROM vendors WHERE vendor_id = $1"};
// Returns the links the cascade removes, counted before the delete.
const PreparedStatement kVendorDelete{
    "vendor_delete",
    "WITH links AS (SELECT count(*) AS n FROM vendor_parts "
    "WHERE vendor_id = $1) "
    "DELETE FROM vendors WHERE vendor_id = $1 "
    "AND ($2 = '' OR xmin::text = $2) "
    "RETURNING (SELECT n FROM links)"};
// Locks the vendors that exist among $1 so that they cannot vanish before
// the links to them are inserted.
const PreparedStatement kVendorsLockExisting{
    "vendors_lock_existing",
    "SELECT vendor_id FROM vendors WHERE vendor_id = ANY($1::int[]) "
    "ORDER BY vendor_id FOR KEY SHARE"};

// ---- parts ----
// A part's links live in vendor_parts, whose changes (including cascades
// from deleted vendors) do not touch the parts row, so the part's etag
// combines the row's xmin with a digest of its link set.
#define SUPPLIERS_PART_LINKS                        \
  "ARRAY(SELECT vp.vendor_id FROM vendor_parts vp " \
  "WHERE vp.part_id = p.part_id ORDER BY vp.vendor_id)::text"
#define SUPPLIERS_PART_ETAG \
  "(p.xmin::text || '-' || left(md5(" SUPPLIERS_PART_LINKS "), 12))"
#define SUPPLIERS_PART_COLUMNS \
  "p.part_id, p.part_name, " SUPPLIERS_PART_ETAG ", " SUPPLIERS_PART_LINKS

const PreparedStatement kPartInsert{
    "part_insert",
    "INSERT INTO parts (part_name) VALUES ($1) RETURNING part_id"};
const PreparedStatement kPartGet{"part_get",
                                 "SELECT " SUPPLIERS_PART_COLUMNS
                                 " FROM parts p WHERE p.part_id = $1"};
const PreparedStatement kPartGetMany{
    "part_get_many", "SELECT " SUPPLIERS_PART_COLUMNS
                     " FROM unnest($1::int[]) WITH ORDINALITY AS r(id, ord) "
                     "JOIN parts p ON p.part_id = r.id ORDER BY r.ord"};
const PreparedStatement kPartListNameAsc{
    "part_list_name_asc",
    "SELECT " SUPPLIERS_PART_COLUMNS
    " FROM parts p WHERE p.part_name ILIKE $1 "
    "AND (NOT $2 OR (p.part_name, p.part_id) > ($3::varchar, $4::int)) "
    "ORDER BY p.part_name, p.part_id LIMIT $5"};
const PreparedStatement kPartListNameDesc{
    "part_list_name_desc",
    "SELECT " SUPPLIERS_PART_COLUMNS
    " FROM parts p WHERE p.part_name ILIKE $1 "
    "AND (NOT $2 OR (p.part_name, p.part_id) < ($3::varchar, $4::int)) "
    "ORDER BY p.part_name DESC, p.part_id DESC LIMIT $5"};
const PreparedStatement kPartListIdAsc{
    "part_list_id_asc", "SELECT " SUPPLIERS_PART_COLUMNS
                        " FROM parts p WHERE p.part_name ILIKE $1 "
                        "AND (NOT $2 OR p.part_id > $3::int) "
                        "ORDER BY p.part_id LIMIT $4"};
const PreparedStatement kPartListIdDesc{
    "part_list_id_desc", "SELECT " SUPPLIERS_PART_COLUMNS
                         " FROM parts p WHERE p.part_name ILIKE $1 "
                         "AND (NOT $2 OR p.part_id < $3::int) "
                         "ORDER BY p.part_id DESC LIMIT $4"};
const PreparedStatement kPartUpdateName{
    "part_update_name",
    "UPDATE parts p SET part_name = $2 "
    "WHERE p.part_id = $1 AND ($3 = '' OR " SUPPLIERS_PART_ETAG
    " = $3) "
    "RETURNING p.part_id"};
// Link changes lock the part row first, so concurrent changes to one part's
// links queue up instead of deadlocking.
const PreparedStatement kPartLock{
    "part_lock", "SELECT 1 FROM parts WHERE part_id = $1 FOR NO KEY UPDATE"};
// Returns the links and drawing the cascade removes, counted before.
const PreparedStatement kPartDelete{
    "part_delete",
    "WITH links AS (SELECT count(*) AS n FROM vendor_parts WHERE part_id = $1),"
    " drawing AS (SELECT count(*) AS n FROM part_drawings WHERE part_id = $1) "
    "DELETE FROM parts p WHERE p.part_id = $1 "
    "AND ($2 = '' OR " SUPPLIERS_PART_ETAG
    " = $2) "
    "RETURNING (SELECT n FROM links), (SELECT n FROM drawing)"};
const PreparedStatement kPartLinkVendors{
    "part_link_vendors",
    "INSERT INTO vendor_parts (vendor_id, part_id) "
    "SELECT unnest($2::int[]), $1 ON CONFLICT DO NOTHING"};
const PreparedStatement kPartUnlinkVendors{
    "part_unlink_vendors",
    "DELETE FROM vendor_parts WHERE part_id = $1 "
    "AND vendor_id = ANY($2::int[])"};

// ---- the tutorial's function, procedure and join ----
const PreparedStatement kPartsByVendorFunction{
    "parts_by_vendor_function",
    "SELECT part_id, part_name FROM get_parts_by_vendor($1) ORDER BY part_id"};
const PreparedStatement kAddNewPartProcedure{"add_new_part_procedure",
                                             "CALL add_new_part($1, $2)"};
// currval is per session, so this reads the ids the procedure just drew on
// this connection, whatever other sessions do.
const PreparedStatement kLastInsertedPartAndVendor{
    "last_inserted_part_and_vendor",
    "SELECT currval(pg_get_serial_sequence('parts', 'part_id')), "
    "currval(pg_get_serial_sequence('vendors', 'vendor_id'))"};
// $1 whether a cursor is given; $2..$5 the last row's sort key; $6 limit.
const PreparedStatement kPartVendorPairs{
    "part_vendor_pairs",
    "SELECT p.part_id, p.part_name, v.vendor_id, v.vendor_name "
    "FROM parts p "
    "JOIN vendor_parts vp ON vp.part_id = p.part_id "
    "JOIN vendors v ON v.vendor_id = vp.vendor_id "
    "WHERE NOT $1 OR (p.part_name, p.part_id, v.vendor_name, v.vendor_id) > "
    "($2::varchar, $3::int, $4::varchar, $5::int) "
    "ORDER BY p.part_name, p.part_id, v.vendor_name, v.vendor_id LIMIT $6"};

// ---- drawings ----
// ON COMMIT DELETE ROWS: staged chunks never outlive their transaction, and a
// rolled-back upload leaves nothing. EXTERNAL: chunks are not compressed
// twice (drawings are mostly compressed already).
namespace {

// The staging tables' definitions; `on_commit` is "DELETE ROWS" for a
// session's lifetime or "DROP" for one transaction's.
std::vector<std::string> StagingDdl(StagingTable table, const char* on_commit) {
  switch (table) {
    case StagingTable::kDrawingChunks:
      return {absl::StrCat("CREATE TEMPORARY TABLE drawing_upload_chunks ("
                           "seq integer PRIMARY KEY, data bytea NOT NULL) "
                           "ON COMMIT ",
                           on_commit),
              // The chunks are already compressed or incompressible:
              // skip TOAST compression.
              "ALTER TABLE drawing_upload_chunks ALTER COLUMN data SET "
              "STORAGE EXTERNAL"};
    case StagingTable::kImportVendors:
      // Imports stage their rows here, unchecked beyond what the server
      // validated, numbered as the client sent them.
      return {
          absl::StrCat("CREATE TEMPORARY TABLE import_vendor_rows ("
                       "line bigint NOT NULL, vendor_name text NOT NULL) "
                       "ON COMMIT ",
                       on_commit)};
    case StagingTable::kImportParts:
      return {
          absl::StrCat("CREATE TEMPORARY TABLE import_part_rows ("
                       "line bigint NOT NULL, part_name text NOT NULL, "
                       "vendor_ids integer[] NOT NULL) ON COMMIT ",
                       on_commit)};
  }
  return {};
}

}  // namespace

const std::vector<std::string>& SessionSetup() {
  static const auto* const kSetup = [] {
    auto* setup = new std::vector<std::string>;
    for (StagingTable table :
         {StagingTable::kDrawingChunks, StagingTable::kImportVendors,
          StagingTable::kImportParts}) {
      for (std::string& ddl : StagingDdl(table, "DELETE ROWS")) {
        setup->push_back(std::move(ddl));
      }
    }
    return setup;
  }();
  return *kSetup;
}

void EnsureStagingTable(pqxx::transaction_base& txn, StagingTable table) {
  if (SessionPrepared(txn)) return;
  // No input: fixed DDL, one round trip.
  txn.exec(absl::StrJoin(StagingDdl(table, "DROP"), "; "));
}

// Returns the part's name and keeps the part from being deleted while its
// drawing uploads.
const PreparedStatement kDrawingLockPart{
    "drawing_lock_part",
    "SELECT part_name FROM parts WHERE part_id = $1 FOR KEY SHARE"};
const PreparedStatement kDrawingStageChunk{
    "drawing_stage_chunk",
    "INSERT INTO drawing_upload_chunks (seq, data) VALUES ($1, $2)"};
// Assembles the staged chunks server-side into the tutorial's table; returns
// whether an existing drawing was replaced.
const PreparedStatement kDrawingAssemble{
    "drawing_assemble",
    "INSERT INTO part_drawings (part_id, file_extension, drawing_data) "
    "SELECT $1, $2, COALESCE(string_agg(data, ''::bytea ORDER BY seq), "
    "''::bytea) FROM drawing_upload_chunks "
    "ON CONFLICT (part_id) DO UPDATE SET "
    "file_extension = EXCLUDED.file_extension, "
    "drawing_data = EXCLUDED.drawing_data "
    "RETURNING xmax <> 0"};
// The digest normally comes from drawing_digests (kept by a trigger); the
// fallback computes it for rows the trigger has not seen.
const PreparedStatement kDrawingMetadata{
    "drawing_metadata",
    "SELECT p.part_name, d.file_extension, "
    "COALESCE(g.size_bytes, octet_length(d.drawing_data)), "
    "encode(COALESCE(g.sha256, sha256(d.drawing_data)), 'hex') "
    "FROM part_drawings d JOIN parts p ON p.part_id = d.part_id "
    "LEFT JOIN drawing_digests g ON g.part_id = d.part_id "
    "WHERE d.part_id = $1"};
// $2 is 1-based. drawing_data is stored EXTERNAL (uncompressed), so this
// reads only the TOAST chunks covering the range.
const PreparedStatement kDrawingReadRange{
    "drawing_read_range",
    "SELECT substring(drawing_data FROM $2::int FOR $3::int) "
    "FROM part_drawings WHERE part_id = $1"};
const PreparedStatement kDrawingDelete{
    "drawing_delete", "DELETE FROM part_drawings WHERE part_id = $1"};
const PreparedStatement kPartExists{"part_exists",
                                    "SELECT 1 FROM parts WHERE part_id = $1"};

// ---- idempotency keys ----
// Claims $1; a concurrent claim of the same key waits for the first
// transaction and then finds the key taken.
const PreparedStatement kRequestIdClaim{
    "request_id_claim",
    "INSERT INTO request_ids (request_id, method, request_fingerprint) "
    "VALUES ($1::uuid, $2, $3) ON CONFLICT (request_id) DO NOTHING"};
const PreparedStatement kRequestIdLookup{
    "request_id_lookup",
    "SELECT method, request_fingerprint, response FROM request_ids "
    "WHERE request_id = $1::uuid"};
const PreparedStatement kRequestIdStoreResponse{
    "request_id_store_response",
    "UPDATE request_ids SET response = $2 WHERE request_id = $1::uuid"};
const PreparedStatement kRequestIdExpire{
    "request_id_expire",
    "DELETE FROM request_ids WHERE created_at < now() - interval '24 hours'"};

// ---- bulk import ----
const char* const kImportVendorsCopy =
    "COPY import_vendor_rows (line, vendor_name) FROM STDIN";
const char* const kImportPartsCopy =
    "COPY import_part_rows (line, part_name, vendor_ids) FROM STDIN";
// Ids follow the row order: nextval runs as the sorted rows are inserted.
const PreparedStatement kImportVendorsInsert{
    "import_vendors_insert",
    "WITH inserted AS ("
    " INSERT INTO vendors (vendor_name)"
    " SELECT vendor_name FROM import_vendor_rows ORDER BY line"
    " RETURNING vendor_id) "
    "SELECT count(*), COALESCE(min(vendor_id), 0), COALESCE(max(vendor_id), 0)"
    " FROM inserted"};
const PreparedStatement kImportPartsMissingVendor{
    "import_parts_missing_vendor",
    "SELECT r.line, l.vendor_id FROM import_part_rows r"
    " CROSS JOIN LATERAL unnest(r.vendor_ids) AS l(vendor_id)"
    " WHERE NOT EXISTS (SELECT 1 FROM vendors v"
    " WHERE v.vendor_id = l.vendor_id)"
    " ORDER BY r.line, l.vendor_id LIMIT 1"};
// The ids are drawn in row order first, so that the links can name them.
const PreparedStatement kImportPartsInsert{
    "import_parts_insert",
    "WITH numbered AS MATERIALIZED ("
    " SELECT r.line, r.part_name, r.vendor_ids,"
    " nextval(pg_get_serial_sequence('parts', 'part_id'))::integer AS part_id"
    " FROM (SELECT * FROM import_part_rows ORDER BY line) r), "
    "parts_inserted AS ("
    " INSERT INTO parts (part_id, part_name)"
    " SELECT part_id, part_name FROM numbered ORDER BY line"
    " RETURNING part_id), "
    "links_inserted AS ("
    " INSERT INTO vendor_parts (vendor_id, part_id)"
    " SELECT DISTINCT l.vendor_id, n.part_id FROM numbered n"
    " CROSS JOIN LATERAL unnest(n.vendor_ids) AS l(vendor_id)"
    " RETURNING part_id) "
    "SELECT (SELECT count(*) FROM parts_inserted),"
    " (SELECT count(*) FROM links_inserted),"
    " (SELECT COALESCE(min(part_id), 0) FROM numbered),"
    " (SELECT COALESCE(max(part_id), 0) FROM numbered)"};

// ---- bulk export ----
const CursorStatement kExportVendors{
    "DECLARE export_rows NO SCROLL CURSOR FOR"
    " SELECT vendor_id, vendor_name, xmin::text FROM vendors"
    " ORDER BY vendor_id",
    "FETCH FORWARD 1000 FROM export_rows"};
const CursorStatement kExportParts{
    "DECLARE export_rows NO SCROLL CURSOR FOR"
    " SELECT " SUPPLIERS_PART_COLUMNS " FROM parts p ORDER BY p.part_id",
    "FETCH FORWARD 1000 FROM export_rows"};
#undef SUPPLIERS_PART_COLUMNS
#undef SUPPLIERS_PART_ETAG
#undef SUPPLIERS_PART_LINKS
const CursorStatement kExportPartVendorPairs{
    "DECLARE export_rows NO SCROLL CURSOR FOR"
    " SELECT p.part_id, p.part_name, v.vendor_id, v.vendor_name"
    " FROM vendor_parts vp"
    " JOIN parts p ON p.part_id = vp.part_id"
    " JOIN vendors v ON v.vendor_id = vp.vendor_id"
    " ORDER BY vp.part_id, vp.vendor_id",
    "FETCH FORWARD 1000 FROM export_rows"};

// ---- change feed ----
// Transactions in commit order (last_seq is unique and follows it), then
// each one's events from the first one after $1; the inner LIMIT keeps one
// huge transaction from being read whole for a page.
const PreparedStatement kChangeEventsAfter{
    "change_events_after",
    "SELECT t.first_seq + e.ordinal - 1 AS seq,"
    " (extract(epoch FROM t.committed_at) * 1000000)::bigint,"
    " e.kind, e.operation, e.vendor_id, e.part_id, e.name,"
    " e.file_extension, e.size_bytes "
    "FROM (SELECT txid, first_seq, last_seq, committed_at"
    " FROM change_transactions WHERE last_seq > $1"
    " ORDER BY last_seq LIMIT $2) t "
    "CROSS JOIN LATERAL (SELECT * FROM change_events e"
    " WHERE e.txid = t.txid AND e.ordinal > $1 - t.first_seq + 1"
    " AND e.ordinal <= t.last_seq - t.first_seq + 1"
    " ORDER BY e.ordinal LIMIT $2) e "
    "ORDER BY seq LIMIT $2"};
const PreparedStatement kChangeFeedBounds{
    "change_feed_bounds",
    "SELECT s.pruned_through,"
    " GREATEST(s.pruned_through,"
    " COALESCE((SELECT max(last_seq) FROM change_transactions), 0)) "
    "FROM change_feed_state s"};
// Prunes whole transactions in commit order, oldest first, so what is left
// is always a suffix of the feed.
const PreparedStatement kChangeFeedPrune{
    "change_feed_prune",
    "WITH cutoff AS ("
    " SELECT last_seq FROM change_transactions"
    " WHERE committed_at < now() - $1::interval"
    " ORDER BY last_seq LIMIT $2), "
    "gone AS ("
    " DELETE FROM change_transactions"
    " WHERE last_seq <= (SELECT max(last_seq) FROM cutoff)"
    " RETURNING txid, last_seq), "
    "events AS ("
    " DELETE FROM change_events e USING gone WHERE e.txid = gone.txid"
    " RETURNING 1), "
    "state AS ("
    " UPDATE change_feed_state SET pruned_through ="
    " GREATEST(pruned_through, (SELECT max(last_seq) FROM gone))"
    " WHERE EXISTS (SELECT 1 FROM gone)) "
    "SELECT count(*) FROM events"};

const std::vector<PreparedStatement>& AllStatements() {
  static const auto* const kAll = new std::vector<PreparedStatement>{
      kSetSessionDefaults,
      kSetTraceTag,
      kSetTransactionDefaults,
      kCommitPosition,
      kVendorInsert,
      kVendorInsertMany,
      kVendorGet,
      kVendorGetMany,
      kVendorListNameAsc,
      kVendorListNameDesc,
      kVendorListIdAsc,
      kVendorListIdDesc,
      kVendorUpdateName,
      kVendorExists,
      kVendorDelete,
      kVendorsLockExisting,
      kPartInsert,
      kPartGet,
      kPartGetMany,
      kPartListNameAsc,
      kPartListNameDesc,
      kPartListIdAsc,
      kPartListIdDesc,
      kPartUpdateName,
      kPartLock,
      kPartDelete,
      kPartLinkVendors,
      kPartUnlinkVendors,
      kPartsByVendorFunction,
      kAddNewPartProcedure,
      kLastInsertedPartAndVendor,
      kPartVendorPairs,
      kDrawingLockPart,
      kDrawingStageChunk,
      kDrawingAssemble,
      kDrawingMetadata,
      kDrawingReadRange,
      kDrawingDelete,
      kPartExists,
      kRequestIdClaim,
      kRequestIdLookup,
      kRequestIdStoreResponse,
      kRequestIdExpire,
      kImportVendorsInsert,
      kImportPartsMissingVendor,
      kImportPartsInsert,
      kChangeEventsAfter,
      kChangeFeedBounds,
      kChangeFeedPrune,
  };
  return *kAll;
}

const std::vector<PreparedStatement>& ReadStatements() {
  static const auto* const kReads = new std::vector<PreparedStatement>{
      kSetSessionDefaults,
      kSetTraceTag,
      kSetTransactionDefaults,
      kVendorGet,
      kVendorGetMany,
      kVendorListNameAsc,
      kVendorListNameDesc,
      kVendorListIdAsc,
      kVendorListIdDesc,
      kVendorExists,
      kPartGet,
      kPartGetMany,
      kPartListNameAsc,
      kPartListNameDesc,
      kPartListIdAsc,
      kPartListIdDesc,
      kPartsByVendorFunction,
      kPartVendorPairs,
      kDrawingMetadata,
      kDrawingReadRange,
      kPartExists,
      kChangeFeedBounds,
  };
  return *kReads;
}

}  // namespace suppliers::sql
