// Tests the bulk import and export stores (server/store/bulk_import.h,
// bulk_export.h) against a real PostgreSQL: COPY staging, all or nothing,
// row numbers in errors, abandoned and cancelled imports, one snapshot per
// export, and connections left clean for the next call.
#include <memory>
#include <string>
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/db/statements.h"
#include "server/store/bulk_export.h"
#include "server/store/bulk_import.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers {
namespace {

using ::suppliers::testing::SharedCluster;
using ::testing::HasSubstr;

class BulkStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo =
        SharedCluster().CreateMigratedDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    conninfo_ = *conninfo;
    PoolOptions options;
    options.conninfo = conninfo_;
    options.max_size = 1;  // every call reuses the connection before it
    options.min_idle = 0;
    options.session_setup = sql::SessionSetup();
    options.statements = sql::AllStatements();
    pool_ = std::make_unique<ConnectionPool>(options);
    transactions_ = std::make_unique<TransactionRunner>(*pool_);
    imports_ = std::make_unique<ImportStore>(*transactions_);
    exports_ = std::make_unique<ExportStore>(*transactions_);
  }

  int64_t Count(const std::string& query) {
    pqxx::connection connection(conninfo_);
    pqxx::read_transaction txn(connection);
    return txn.exec1(query)[0].as<int64_t>();
  }

  void Exec(const std::string& statement) {
    pqxx::connection connection(conninfo_);
    pqxx::work txn(connection);
    txn.exec(statement);
    txn.commit();
  }

  static v1::ImportVendorsRequest Csv(const std::string& chunk) {
    v1::ImportVendorsRequest request;
    request.set_csv_chunk(chunk);
    return request;
  }

  absl::StatusOr<v1::ImportSummary> ImportVendorsCsv(
      const std::vector<std::string>& chunks) {
    CallContext call(absl::Now() + absl::Seconds(20));
    absl::StatusOr<std::unique_ptr<BulkImport>> import =
        imports_->Begin(call, ImportStore::Table::kVendors);
    if (!import.ok()) return import.status();
    for (const std::string& chunk : chunks) {
      if (absl::Status added = (*import)->Add(Csv(chunk)); !added.ok()) {
        return added;
      }
    }
    return (*import)->Finish();
  }

  std::string conninfo_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<TransactionRunner> transactions_;
  std::unique_ptr<ImportStore> imports_;
  std::unique_ptr<ExportStore> exports_;
};

TEST_F(BulkStoreTest, CsvRowsAreInsertedInRowOrderInOneTransaction) {
  absl::StatusOr<v1::ImportSummary> summary = ImportVendorsCsv(
      {"vendor_name\r\n\"Acme, ", "Inc.\"\r", "\nBeta\n  Gamma  \n", "\\back"});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->rows_imported(), 4);
  EXPECT_EQ(summary->last_id() - summary->first_id(), 3);
  pqxx::connection connection(conninfo_);
  pqxx::read_transaction txn(connection);
  std::vector<std::string> names;
  for (const auto& row :
       txn.exec("SELECT vendor_name FROM vendors ORDER BY vendor_id")) {
    names.push_back(row[0].as<std::string>());
  }
  EXPECT_THAT(names,
              ::testing::ElementsAre("Acme, Inc.", "Beta", "Gamma", "\\back"));
  // One transaction: every event of the import shares it.
  EXPECT_EQ(Count("SELECT count(*) FROM change_transactions"), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM change_events"), 4);
}

TEST_F(BulkStoreTest, ABadRowNamesItsNumberAndWritesNothing) {
  absl::StatusOr<v1::ImportSummary> summary =
      ImportVendorsCsv({"vendor_name\nfine\nalso fine\n", "   \nnever\n"});
  ASSERT_FALSE(summary.ok());
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(summary.status().message(),
              HasSubstr("row 3: vendor_name: must not be empty"));
  EXPECT_EQ(Count("SELECT count(*) FROM vendors"), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM change_events"), 0);

  summary = ImportVendorsCsv({"vendor_name\nok\n\"unclosed\n"});
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(summary.status().message(), HasSubstr("line 3"));
  summary = ImportVendorsCsv({"name\nx\n"});
  EXPECT_THAT(summary.status().message(), HasSubstr("\"name\" is unknown"));
  summary = ImportVendorsCsv({"vendor_name\na,b\n"});
  EXPECT_THAT(summary.status().message(), HasSubstr("row 1"));
  EXPECT_EQ(Count("SELECT count(*) FROM vendors"), 0);

  // The connection those failures used serves the next import.
  summary = ImportVendorsCsv({"vendor_name\nafter\n"});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(Count("SELECT count(*) FROM vendors"), 1);
}

TEST_F(BulkStoreTest, MixingRowsAndCsvIsRefused) {
  CallContext call(absl::Now() + absl::Seconds(10));
  absl::StatusOr<std::unique_ptr<BulkImport>> import =
      imports_->Begin(call, ImportStore::Table::kVendors);
  ASSERT_TRUE(import.ok()) << import.status();
  v1::ImportVendorsRequest rows;
  rows.add_vendors()->set_vendor_name("row form");
  ASSERT_TRUE((*import)->Add(rows).ok());
  const absl::Status mixed = (*import)->Add(Csv("vendor_name\nx\n"));
  EXPECT_EQ(mixed.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(mixed.message(), HasSubstr("not both"));
  EXPECT_FALSE((*import)->Finish().ok());
  EXPECT_EQ(Count("SELECT count(*) FROM vendors"), 0);
}

TEST_F(BulkStoreTest, PartsGetTheirLinksAndAnUnknownVendorNamesTheRow) {
  Exec("INSERT INTO vendors (vendor_name) VALUES ('a'), ('b')");
  CallContext call(absl::Now() + absl::Seconds(10));
  {
    absl::StatusOr<std::unique_ptr<BulkImport>> import =
        imports_->Begin(call, ImportStore::Table::kParts);
    ASSERT_TRUE(import.ok()) << import.status();
    v1::ImportPartsRequest csv;
    csv.set_csv_chunk("part_name,vendor_ids\nBolt,1;2;2\nNut,\n");
    ASSERT_TRUE((*import)->Add(csv).ok());
    absl::StatusOr<v1::ImportSummary> summary = (*import)->Finish();
    ASSERT_TRUE(summary.ok()) << summary.status();
    EXPECT_EQ(summary->rows_imported(), 2);
    EXPECT_EQ(summary->links_imported(), 2);
  }
  EXPECT_EQ(Count("SELECT count(*) FROM vendor_parts vp JOIN parts p "
                  "USING (part_id) WHERE p.part_name = 'Bolt'"),
            2);
  absl::StatusOr<std::unique_ptr<BulkImport>> import =
      imports_->Begin(call, ImportStore::Table::kParts);
  ASSERT_TRUE(import.ok()) << import.status();
  v1::ImportPartsRequest rows;
  rows.add_parts()->set_part_name("ok");
  v1::Part* bad = rows.add_parts();
  bad->set_part_name("links a ghost");
  bad->add_vendor_ids(1);
  bad->add_vendor_ids(77);
  ASSERT_TRUE((*import)->Add(rows).ok());
  absl::StatusOr<v1::ImportSummary> summary = (*import)->Finish();
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(summary.status().message(),
              HasSubstr("row 2: vendor_ids: vendor 77 does not exist"));
  EXPECT_EQ(Count("SELECT count(*) FROM parts"), 2);
}

TEST_F(BulkStoreTest, AnAbandonedOrCancelledImportWritesNothing) {
  {
    CallContext call(absl::Now() + absl::Seconds(10));
    absl::StatusOr<std::unique_ptr<BulkImport>> import =
        imports_->Begin(call, ImportStore::Table::kVendors);
    ASSERT_TRUE(import.ok()) << import.status();
    ASSERT_TRUE((*import)->Add(Csv("vendor_name\nleft\nbehind\n")).ok());
    // Destroyed mid-COPY: the client went away.
  }
  {
    CallContext call(absl::Now() + absl::Seconds(10));
    absl::StatusOr<std::unique_ptr<BulkImport>> import =
        imports_->Begin(call, ImportStore::Table::kVendors);
    ASSERT_TRUE(import.ok()) << import.status();
    ASSERT_TRUE((*import)->Add(Csv("vendor_name\ncancelled\n")).ok());
    call.Cancel();
    EXPECT_FALSE((*import)->Finish().ok());
  }
  EXPECT_EQ(Count("SELECT count(*) FROM vendors"), 0);
  // The one pooled connection is clean: a whole import still works.
  absl::StatusOr<v1::ImportSummary> summary =
      ImportVendorsCsv({"vendor_name\nx\n"});
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(Count("SELECT count(*) FROM vendors"), 1);
}

TEST_F(BulkStoreTest, AnExportReadsOneSnapshotInBatches) {
  Exec(
      "INSERT INTO vendors (vendor_name) "
      "SELECT 'v' || i FROM generate_series(1, 2500) i");
  const int64_t newest = Count("SELECT max(last_seq) FROM change_transactions");
  CallContext call(absl::Now() + absl::Seconds(20));
  absl::StatusOr<std::unique_ptr<BulkExport>> exported = exports_->Begin(
      call, ExportStore::Table::kVendors, v1::EXPORT_FORMAT_MESSAGES);
  ASSERT_TRUE(exported.ok()) << exported.status();
  EXPECT_EQ((*exported)->change_sequence(), newest);
  v1::ExportVendorsResponse message;
  absl::StatusOr<bool> more = (*exported)->Next(&message);
  ASSERT_TRUE(more.ok() && *more) << more.status();
  EXPECT_EQ(message.vendors_size(), 1000);
  EXPECT_EQ(message.change_sequence(), newest);
  // Changed behind the export's back: it keeps its snapshot.
  Exec("DELETE FROM vendors WHERE vendor_id > 10");
  int rows = message.vendors_size();
  int32_t last_id = message.vendors(message.vendors_size() - 1).vendor_id();
  while (true) {
    more = (*exported)->Next(&message);
    ASSERT_TRUE(more.ok()) << more.status();
    if (!*more) break;
    EXPECT_EQ(message.change_sequence(), 0);  // first message only
    for (const v1::Vendor& vendor : message.vendors()) {
      EXPECT_GT(vendor.vendor_id(), last_id);
      last_id = vendor.vendor_id();
      ++rows;
    }
  }
  EXPECT_EQ(rows, 2500);
  EXPECT_TRUE((*exported)->Finish().ok());
}

TEST_F(BulkStoreTest, CsvExportsQuoteWhatNeedsIt) {
  Exec(
      "INSERT INTO vendors (vendor_name) VALUES ('Acme, Inc.'), "
      "('Say \"hi\"'), ('plain')");
  Exec("INSERT INTO parts (part_name) VALUES ('Bolt')");
  Exec("INSERT INTO vendor_parts VALUES (1, 1), (3, 1)");
  CallContext call(absl::Now() + absl::Seconds(10));
  std::string csv;
  {
    absl::StatusOr<std::unique_ptr<BulkExport>> exported = exports_->Begin(
        call, ExportStore::Table::kVendors, v1::EXPORT_FORMAT_CSV);
    ASSERT_TRUE(exported.ok()) << exported.status();
    v1::ExportVendorsResponse message;
    while (*(*exported)->Next(&message)) csv += message.csv_chunk();
  }
  EXPECT_EQ(csv,
            "vendor_id,vendor_name\n1,\"Acme, Inc.\"\n2,\"Say \"\"hi\"\"\"\n"
            "3,plain\n");
  csv.clear();
  {
    absl::StatusOr<std::unique_ptr<BulkExport>> exported = exports_->Begin(
        call, ExportStore::Table::kParts, v1::EXPORT_FORMAT_CSV);
    ASSERT_TRUE(exported.ok()) << exported.status();
    v1::ExportPartsResponse message;
    while (*(*exported)->Next(&message)) csv += message.csv_chunk();
  }
  EXPECT_EQ(csv, "part_id,part_name,vendor_ids\n1,Bolt,1;3\n");
  csv.clear();
  {
    absl::StatusOr<std::unique_ptr<BulkExport>> exported = exports_->Begin(
        call, ExportStore::Table::kPartVendorPairs, v1::EXPORT_FORMAT_CSV);
    ASSERT_TRUE(exported.ok()) << exported.status();
    v1::ExportPartVendorPairsResponse message;
    while (*(*exported)->Next(&message)) csv += message.csv_chunk();
  }
  EXPECT_EQ(csv,
            "part_id,part_name,vendor_id,vendor_name\n1,Bolt,1,\"Acme, "
            "Inc.\"\n1,Bolt,3,plain\n");
  EXPECT_EQ(ExportStore::ValidateFormat(7).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(BulkStoreTest, AnAbandonedExportLeavesNoTransactionOpen) {
  Exec(
      "INSERT INTO vendors (vendor_name) "
      "SELECT 'v' || i FROM generate_series(1, 3000) i");
  {
    CallContext call(absl::Now() + absl::Seconds(10));
    absl::StatusOr<std::unique_ptr<BulkExport>> exported = exports_->Begin(
        call, ExportStore::Table::kVendors, v1::EXPORT_FORMAT_CSV);
    ASSERT_TRUE(exported.ok()) << exported.status();
    v1::ExportVendorsResponse message;
    ASSERT_TRUE(*(*exported)->Next(&message));
  }
  EXPECT_EQ(Count("SELECT count(*) FROM pg_stat_activity "
                  "WHERE datname = current_database() "
                  "AND state LIKE 'idle in transaction%'"),
            0);
  // And the connection serves a new export from the start.
  CallContext call(absl::Now() + absl::Seconds(10));
  absl::StatusOr<std::unique_ptr<BulkExport>> exported = exports_->Begin(
      call, ExportStore::Table::kVendors, v1::EXPORT_FORMAT_MESSAGES);
  ASSERT_TRUE(exported.ok()) << exported.status();
  v1::ExportVendorsResponse message;
  ASSERT_TRUE(*(*exported)->Next(&message));
  EXPECT_EQ(message.vendors(0).vendor_id(), 1);
}

}  // namespace
}  // namespace suppliers
