// Tests the server's mode for PgBouncer in transaction mode
// (ServerOptions::transaction_pooling) against PostgreSQL itself: whatever a
// call does, the session it ran on keeps nothing for the next client a
// transaction-pooling proxy would hand it to (no prepared statement, no
// setting, no temporary table), and the calls still work. The e2e test
// (tests/e2e/pgbouncer_test.sh) runs the whole API through a real PgBouncer.
#include <optional>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "tests/pg/api_fixture.h"

namespace suppliers {
namespace {

// What a session carries after the calls: prepared statements, the two
// settings the server manages, and temporary tables (of any session: their
// catalog rows are visible to all).
struct SessionState {
  int prepared = 0;
  std::string statement_timeout;
  std::string read_only;
  int temporary_tables = 0;
};

class SessionStateTest : public testing::ApiTest {
 protected:
  // Calls that leave state behind in session mode: reads (read-only
  // default), writes, an upload (its staging table) and an import (its).
  void RunCalls() {
    const int vendor = CreateVendor("Pooling Vendor");
    const int part = CreatePart("Pooling Part", {vendor});
    v1::GetVendorRequest get;
    get.set_vendor_id(vendor);
    v1::GetVendorResponse got;
    ASSERT_TRUE(vendors_->GetVendor(Context().get(), get, &got).ok());
    EXPECT_EQ(got.vendor().vendor_name(), "Pooling Vendor");
    v1::ListVendorsResponse listed;
    ASSERT_TRUE(
        vendors_
            ->ListVendors(Context().get(), v1::ListVendorsRequest(), &listed)
            .ok());
    EXPECT_EQ(listed.vendors_size(), 1);

    v1::UploadDrawingResponse uploaded;
    auto upload_context = Context();
    auto writer = drawings_->UploadDrawing(upload_context.get(), &uploaded);
    v1::UploadDrawingRequest header;
    header.mutable_header()->set_part_id(part);
    header.mutable_header()->set_file_extension("png");
    ASSERT_TRUE(writer->Write(header));
    v1::UploadDrawingRequest chunk;
    chunk.set_chunk(std::string(100000, 'x'));
    chunk.set_finish_write(true);
    ASSERT_TRUE(writer->Write(chunk));
    writer->WritesDone();
    const grpc::Status upload_status = writer->Finish();
    ASSERT_TRUE(upload_status.ok()) << upload_status.error_message();
    EXPECT_EQ(uploaded.metadata().size_bytes(), 100000);

    v1::ImportVendorsResponse imported;
    auto import_context = Context();
    auto importer = vendors_->ImportVendors(import_context.get(), &imported);
    v1::ImportVendorsRequest rows;
    rows.add_vendors()->set_vendor_name("Imported One");
    rows.add_vendors()->set_vendor_name("Imported Two");
    ASSERT_TRUE(importer->Write(rows));
    importer->WritesDone();
    const grpc::Status import_status = importer->Finish();
    ASSERT_TRUE(import_status.ok()) << import_status.error_message();
    EXPECT_EQ(imported.summary().rows_imported(), 2);
  }

  // The state of every connection the server's pool holds, read on each
  // in a transaction of its own.
  std::vector<SessionState> PooledSessions() {
    std::vector<ConnectionPool::Lease> leases;
    std::vector<SessionState> states;
    while (true) {
      std::optional<ConnectionPool::Lease> lease =
          server_->pool().TryAcquireIdle();
      if (!lease.has_value()) break;
      pqxx::work txn(lease->connection());
      SessionState state;
      state.prepared =
          txn.exec1("SELECT count(*) FROM pg_prepared_statements")[0].as<int>();
      state.statement_timeout =
          txn.exec1("SHOW statement_timeout")[0].as<std::string>();
      state.read_only =
          txn.exec1("SHOW default_transaction_read_only")[0].as<std::string>();
      state.temporary_tables =
          txn.exec1(
                 "SELECT count(*) FROM pg_class WHERE relpersistence = 't'")[0]
              .as<int>();
      txn.commit();
      states.push_back(state);
      leases.push_back(*std::move(lease));
    }
    return states;
  }
};

class TransactionPoolingTest : public SessionStateTest {
 protected:
  void Configure(ServerOptions& options) override {
    options.transaction_pooling = true;
    options.pool.max_size = 3;
  }
};

TEST_F(TransactionPoolingTest, CallsWorkAndLeaveNothingInTheirSessions) {
  RunCalls();
  const std::vector<SessionState> sessions = PooledSessions();
  ASSERT_FALSE(sessions.empty());
  for (const SessionState& session : sessions) {
    EXPECT_EQ(session.prepared, 0);
    EXPECT_EQ(session.statement_timeout, "0");
    EXPECT_EQ(session.read_only, "off");
    EXPECT_EQ(session.temporary_tables, 0);
  }
}

// The control: in the default mode the same calls do leave state in their
// sessions, so the test above would notice the mode doing nothing.
class SessionModeTest : public SessionStateTest {
 protected:
  void Configure(ServerOptions& options) override { options.pool.max_size = 3; }
};

TEST_F(SessionModeTest, TheSameCallsLeaveSessionStateWithoutTheMode) {
  RunCalls();
  const std::vector<SessionState> sessions = PooledSessions();
  ASSERT_FALSE(sessions.empty());
  int prepared = 0;
  int temporary = 0;
  for (const SessionState& session : sessions) {
    prepared += session.prepared;
    temporary += session.temporary_tables;
  }
  EXPECT_GT(prepared, 0);
  EXPECT_GT(temporary, 0);
}

}  // namespace
}  // namespace suppliers
