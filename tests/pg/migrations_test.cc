// Tests the migration runner (server/migrations.h) against a real database:
// the schema it creates, idempotence, refusal of changed files, concurrency.
#include "server/db/migrations.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/pg/pg_cluster.h"

namespace suppliers {
namespace {

using ::suppliers::testing::SharedCluster;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Files this build embeds (sql/migrations).
int EmbeddedCount() {
  return static_cast<int>(EmbeddedMigrationFiles().size());
}

std::string NewDatabase() {
  absl::StatusOr<std::string> conninfo = SharedCluster().CreateDatabase();
  EXPECT_TRUE(conninfo.ok()) << conninfo.status();
  return conninfo.value_or("");
}

int CountRows(const std::string& conninfo, const std::string& query) {
  pqxx::connection connection(conninfo);
  pqxx::read_transaction txn(connection);
  return txn.exec(query)[0][0].as<int>();
}

TEST(MigrationsTest, EmptyDatabaseGetsTheTutorialSchema) {
  const std::string conninfo = NewDatabase();
  pqxx::connection connection(conninfo);
  auto report = ApplyMigrations(connection, EmbeddedMigrationFiles());
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(
      report->applied,
      ElementsAre("0001_create_tables.sql", "0002_get_parts_by_vendor.sql",
                  "0003_add_new_part.sql", "0004_api_support.sql",
                  "0005_drawing_digests.sql", "0006_change_feed.sql"));
  EXPECT_EQ(report->already_applied, 0);

  pqxx::read_transaction txn(connection);
  std::vector<std::string> tables;
  for (const auto& row :
       txn.exec("SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = 'public' AND table_name NOT IN "
                "('schema_migrations', 'request_ids', 'drawing_digests', "
                "'change_transactions', 'change_events', 'change_feed_state') "
                "ORDER BY table_name")) {
    tables.push_back(row[0].as<std::string>());
  }
  EXPECT_THAT(tables,
              ElementsAre("part_drawings", "parts", "vendor_parts", "vendors"));
  // Column types exactly as the tutorial's DDL.
  auto type_of = [&](const char* table, const char* column) {
    return txn
        .exec_params(
            "SELECT format_type(atttypid, atttypmod) FROM "
            "pg_attribute WHERE attrelid = $1::regclass AND "
            "attname = $2",
            table, column)[0][0]
        .as<std::string>();
  };
  EXPECT_EQ(type_of("vendors", "vendor_name"), "character varying(255)");
  EXPECT_EQ(type_of("parts", "part_name"), "character varying(255)");
  EXPECT_EQ(type_of("part_drawings", "file_extension"), "character varying(5)");
  EXPECT_EQ(type_of("part_drawings", "drawing_data"), "bytea");
  // Cascading foreign keys: 'c' = CASCADE for update and delete.
  auto fks = txn.exec(
      "SELECT conname, confupdtype, confdeltype FROM pg_constraint "
      "WHERE contype = 'f' AND conrelid <> 'drawing_digests'::regclass "
      "ORDER BY conname");
  ASSERT_EQ(fks.size(), 3u);
  EXPECT_EQ(fks[0][0].as<std::string>(), "part_drawings_part_id_fkey");
  EXPECT_EQ(fks[1][0].as<std::string>(), "vendor_parts_part_id_fkey");
  EXPECT_EQ(fks[2][0].as<std::string>(), "vendor_parts_vendor_id_fkey");
  for (const auto& fk : fks) {
    EXPECT_EQ(fk[1].as<std::string>(), "c");
    EXPECT_EQ(fk[2].as<std::string>(), "c");
  }
  // Drawings stored out of line, uncompressed: 'e' = EXTERNAL.
  EXPECT_EQ(txn.exec("SELECT attstorage FROM pg_attribute WHERE attrelid = "
                     "'part_drawings'::regclass AND attname = "
                     "'drawing_data'")[0][0]
                .as<std::string>(),
            "e");
  EXPECT_EQ(txn.exec("SELECT prokind FROM pg_proc WHERE proname = "
                     "'get_parts_by_vendor'")[0][0]
                .as<std::string>(),
            "f");
  EXPECT_EQ(txn.exec("SELECT prokind FROM pg_proc WHERE proname = "
                     "'add_new_part'")[0][0]
                .as<std::string>(),
            "p");
}

TEST(MigrationsTest, FunctionAndProcedureBehaveAsInTheTutorial) {
  const std::string conninfo = NewDatabase();
  pqxx::connection connection(conninfo);
  ASSERT_TRUE(ApplyMigrations(connection, EmbeddedMigrationFiles()).ok());
  pqxx::work txn(connection);
  txn.exec("CALL add_new_part('OLED', 'LG')");
  auto parts = txn.exec("SELECT * FROM get_parts_by_vendor(1)");
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts[0][0].as<int>(), 1);
  EXPECT_EQ(parts[0][1].as<std::string>(), "OLED");
  EXPECT_EQ(txn.exec("SELECT vendor_name FROM vendors")[0][0].as<std::string>(),
            "LG");
}

TEST(MigrationsTest, SecondRunIsANoOp) {
  const std::string conninfo = NewDatabase();
  pqxx::connection connection(conninfo);
  ASSERT_TRUE(ApplyMigrations(connection, EmbeddedMigrationFiles()).ok());
  auto again = ApplyMigrations(connection, EmbeddedMigrationFiles());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->applied.empty());
  EXPECT_EQ(again->already_applied, EmbeddedCount());
  EXPECT_EQ(CountRows(conninfo, "SELECT count(*) FROM schema_migrations"),
            EmbeddedCount());
}

TEST(MigrationsTest, ChangedAppliedFileIsRefusedAndNothingIsApplied) {
  const std::string conninfo = NewDatabase();
  pqxx::connection connection(conninfo);
  ASSERT_TRUE(ApplyMigrations(connection, EmbeddedMigrationFiles()).ok());

  std::vector<MigrationFile> files = EmbeddedMigrationFiles();
  files[1].sql += "\n-- edited after it was applied\n";
  files.push_back({"0099_new_table.sql", "CREATE TABLE later (id int);"});
  auto refused = ApplyMigrations(connection, files);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(refused.status().message(),
              HasSubstr("0002_get_parts_by_vendor.sql was changed"));
  EXPECT_EQ(CountRows(conninfo, "SELECT count(*) FROM schema_migrations"),
            EmbeddedCount());
  EXPECT_EQ(CountRows(conninfo,
                      "SELECT count(*) FROM pg_class WHERE relname "
                      "= 'later'"),
            0);
}

TEST(MigrationsTest, NewFileIsAppliedAfterTheOthers) {
  const std::string conninfo = NewDatabase();
  pqxx::connection connection(conninfo);
  ASSERT_TRUE(ApplyMigrations(connection, EmbeddedMigrationFiles()).ok());
  std::vector<MigrationFile> files = EmbeddedMigrationFiles();
  files.push_back({"0099_new_table.sql", "CREATE TABLE later (id int);"});
  auto report = ApplyMigrations(connection, files);
  ASSERT_TRUE(report.ok()) << report.status();
  EXPECT_THAT(report->applied, ElementsAre("0099_new_table.sql"));
  EXPECT_EQ(report->already_applied, EmbeddedCount());
}

TEST(MigrationsTest, FailingFileIsRolledBackAndEarlierOnesStay) {
  const std::string conninfo = NewDatabase();
  pqxx::connection connection(conninfo);
  std::vector<MigrationFile> files = EmbeddedMigrationFiles();
  files.push_back({"0098_broken.sql",
                   "CREATE TABLE half_done (id int); SELECT no_such_column;"});
  auto report = ApplyMigrations(connection, files);
  ASSERT_FALSE(report.ok());
  EXPECT_THAT(report.status().message(), HasSubstr("0098_broken.sql"));
  EXPECT_EQ(CountRows(conninfo, "SELECT count(*) FROM schema_migrations"),
            EmbeddedCount());
  EXPECT_EQ(CountRows(conninfo,
                      "SELECT count(*) FROM pg_class WHERE relname "
                      "= 'half_done'"),
            0);
}

TEST(MigrationsTest, BadFileNamesAndDuplicateVersionsAreRejected) {
  const std::string conninfo = NewDatabase();
  pqxx::connection connection(conninfo);
  auto bad_name = ApplyMigrations(connection, {{"create.sql", "SELECT 1"}});
  EXPECT_EQ(bad_name.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(bad_name.status().message(), HasSubstr("create.sql"));
  auto duplicate = ApplyMigrations(
      connection, {{"0001_a.sql", "SELECT 1"}, {"0001_b.sql", "SELECT 1"}});
  EXPECT_EQ(duplicate.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(duplicate.status().message(), HasSubstr("share version 1"));
  EXPECT_EQ(CountRows(conninfo,
                      "SELECT count(*) FROM pg_class WHERE relname "
                      "= 'schema_migrations'"),
            0);
}

TEST(MigrationsTest, AppliedMigrationUnknownToThisBuildIsRefused) {
  const std::string conninfo = NewDatabase();
  pqxx::connection connection(conninfo);
  std::vector<MigrationFile> newer = EmbeddedMigrationFiles();
  newer.push_back({"0099_from_the_future.sql", "SELECT 1;"});
  ASSERT_TRUE(ApplyMigrations(connection, newer).ok());
  auto older = ApplyMigrations(connection, EmbeddedMigrationFiles());
  EXPECT_EQ(older.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(older.status().message(), HasSubstr("0099_from_the_future.sql"));
}

TEST(MigrationsTest, ConcurrentRunnersApplyEachFileOnce) {
  const std::string conninfo = NewDatabase();
  constexpr int kRunners = 6;
  std::vector<absl::StatusOr<MigrationReport>> reports(
      kRunners, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int i = 0; i < kRunners; ++i) {
    threads.emplace_back([&, i] {
      pqxx::connection connection(conninfo);
      reports[i] = ApplyMigrations(connection, EmbeddedMigrationFiles());
    });
  }
  for (auto& thread : threads) thread.join();
  int applied_total = 0;
  int runners_that_applied = 0;
  for (const auto& report : reports) {
    ASSERT_TRUE(report.ok()) << report.status();
    applied_total += static_cast<int>(report->applied.size());
    if (!report->applied.empty()) ++runners_that_applied;
  }
  EXPECT_EQ(applied_total, EmbeddedCount());
  EXPECT_EQ(runners_that_applied, 1);
  EXPECT_EQ(CountRows(conninfo, "SELECT count(*) FROM schema_migrations"),
            EmbeddedCount());
}

}  // namespace
}  // namespace suppliers
