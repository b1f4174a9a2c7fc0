// Counts the network round trips each kind of call costs, from libpq's own
// trace of the protocol messages the pooled connection sends: every round
// trip ends in a Sync (extended protocol) or is one Query (simple protocol).
// A single-statement call must cost one; the per-call guarantees (read-only
// reads, the deadline as statement timeout) must still hold.
#include <libpq-fe.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/db/statements.h"
#include "server/db/transaction_runner.h"
#include "server/store/part_store.h"
#include "server/store/vendor_store.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers {
namespace {

using ::suppliers::testing::SharedCluster;

class RoundTripTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo =
        SharedCluster().CreateMigratedDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    PoolOptions options;
    options.conninfo = *conninfo;
    options.max_size = 1;  // every call on the one traced connection
    options.min_idle = 0;
    options.session_setup = sql::SessionSetup();
    options.statements = sql::AllStatements();
    pool_ = std::make_unique<ConnectionPool>(options);
    transactions_ = std::make_unique<TransactionRunner>(*pool_);
    vendors_ = std::make_unique<VendorStore>(*transactions_);
    parts_ = std::make_unique<PartStore>(*transactions_);
    // One file per test process: ctest runs the tests of this file at once.
    trace_path_ =
        absl::StrCat(::testing::TempDir(), "/round_trips.", getpid(), ".trace");
  }

  void TearDown() override {
    StopTracing();
    std::remove(trace_path_.c_str());
  }

  // From now on, the pool's connection logs what it sends.
  void StartTracing() {
    absl::StatusOr<ConnectionPool::Lease> lease =
        pool_->Acquire(absl::Now() + absl::Seconds(5));
    ASSERT_TRUE(lease.ok()) << lease.status();
    trace_ = std::fopen(trace_path_.c_str(), "w");
    ASSERT_NE(trace_, nullptr);
    traced_ = lease->connection().raw_handle();
    PQtrace(traced_, trace_);
    PQsetTraceFlags(traced_, PQTRACE_SUPPRESS_TIMESTAMPS);
  }
  // Round trips sent since StartTracing (and stops tracing).
  int StopTracing() {
    if (trace_ == nullptr) return -1;
    PQuntrace(traced_);
    std::fclose(trace_);
    trace_ = nullptr;
    std::ifstream in(trace_path_);
    int round_trips = 0;
    for (std::string line; std::getline(in, line);) {
      // "F\t<length>\t<message> ...": a message the frontend sent.
      std::istringstream fields(line);
      std::string direction, length, message;
      fields >> direction >> length >> message;
      if (direction == "F" && (message == "Sync" || message == "Query")) {
        ++round_trips;
      }
    }
    return round_trips;
  }

  // The call context every call uses: the same deadline length, as a client
  // with a fixed per-call deadline would send.
  static std::unique_ptr<CallContext> Call() {
    return std::make_unique<CallContext>(absl::Now() + absl::Seconds(5));
  }

  int32_t CreateVendor(const std::string& name) {
    v1::CreateVendorRequest request;
    request.mutable_vendor()->set_vendor_name(name);
    absl::StatusOr<v1::CreateVendorResponse> created =
        vendors_->Create(*Call(), request);
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->vendor().vendor_id() : 0;
  }

  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<TransactionRunner> transactions_;
  std::unique_ptr<VendorStore> vendors_;
  std::unique_ptr<PartStore> parts_;
  std::string trace_path_;
  FILE* trace_ = nullptr;
  PGconn* traced_ = nullptr;
};

TEST_F(RoundTripTest, SingleStatementCallsCostOneRoundTripEach) {
  const int32_t id = CreateVendor("3M Co.");  // warms the connection up
  v1::GetVendorRequest get;
  get.set_vendor_id(id);
  ASSERT_TRUE(vendors_->Get(*Call(), get).ok());
  StartTracing();
  constexpr int kCalls = 20;
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(vendors_->Get(*Call(), get).ok());
  }
  EXPECT_EQ(StopTracing(), kCalls) << "GetVendor";

  v1::ListVendorsRequest list;
  list.set_page_size(50);
  ASSERT_TRUE(vendors_->List(*Call(), list).ok());
  StartTracing();
  for (int i = 0; i < kCalls; ++i) {
    ASSERT_TRUE(vendors_->List(*Call(), list).ok());
  }
  EXPECT_EQ(StopTracing(), kCalls) << "ListVendors";

  // Writes: after the first (which turns the session read-write), one each.
  CreateVendor("warm-up");
  StartTracing();
  for (int i = 0; i < kCalls; ++i) CreateVendor(absl::StrCat("v", i));
  EXPECT_EQ(StopTracing(), kCalls) << "CreateVendor";
}

TEST_F(RoundTripTest, MultiStatementCallsPayOnlyBeginAndCommitOnTop) {
  const int32_t vendor = CreateVendor("LG");
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("OLED");
  request.mutable_part()->add_vendor_ids(vendor);
  ASSERT_TRUE(parts_->Create(*Call(), request).ok());
  StartTracing();
  ASSERT_TRUE(parts_->Create(*Call(), request).ok());
  // BEGIN, lock the vendors, insert the part, link it, read it back, COMMIT:
  // no round trip for the session's settings.
  EXPECT_LE(StopTracing(), 6);
}

TEST_F(RoundTripTest, AutocommitReadsAreStillReadOnlyAndBounded) {
  CreateVendor("3M Co.");
  // A read after a write flips the session back to read-only.
  CallContext call(absl::Now() + absl::Seconds(2));
  std::string read_only;
  std::string timeout_ms;
  const absl::Status status = transactions_->Run(
      call, TransactionRunner::Access::kReadOnly,
      [&](pqxx::transaction_base& txn) {
        const pqxx::row row = txn.exec1(
            "SELECT current_setting('transaction_read_only'), "
            "current_setting('statement_timeout')::interval");
        read_only = row[0].as<std::string>();
        timeout_ms = row[1].as<std::string>();
        return absl::OkStatus();
      },
      TransactionRunner::Scope::kSingleStatement);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(read_only, "on");
  EXPECT_NE(timeout_ms, "00:00:00");  // bounded: 2 s, up to a quarter more
  EXPECT_LE(timeout_ms, "00:00:02.5");

  // A write in an autocommit read-only call is refused, not run.
  const absl::Status write = transactions_->Run(
      call, TransactionRunner::Access::kReadOnly,
      [&](pqxx::transaction_base& txn) {
        txn.exec("DELETE FROM vendors");
        return absl::OkStatus();
      },
      TransactionRunner::Scope::kSingleStatement);
  EXPECT_FALSE(write.ok());
  v1::ListVendorsRequest list;
  absl::StatusOr<v1::ListVendorsResponse> listed =
      vendors_->List(*Call(), list);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->vendors_size(), 1);
}

}  // namespace
}  // namespace suppliers
