// Faults of the database itself under load: restarts (fast and immediate),
// killed backends, a database stopped for a while. The server must lose no
// acknowledged write, fail only the calls a fault touches, fail fast while
// the database is away, and recover without a restart of its own.
#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "client/cpp/suppliers_client.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"

namespace suppliers::testing {
namespace {

class DatabaseFaultsTest : public FaultTest {
 protected:
  std::unique_ptr<client::SuppliersClient> Client(absl::Duration deadline) {
    client::ClientOptions options;
    options.target = server_->target();
    options.deadline = deadline;
    return *client::SuppliersClient::Create(options);
  }
};

// Health as seen every 50 ms, collapsed into its sequence of changes.
class HealthWatcher {
 public:
  explicit HealthWatcher(const ServerProcess& server) {
    thread_ = std::thread([this, &server] {
      while (!stop_) {
        const bool serving = server.WaitForHealth(true, absl::ZeroDuration());
        {
          absl::MutexLock lock(&mu_);
          if (changes_.empty() || changes_.back() != serving) {
            changes_.push_back(serving);
          }
        }
        absl::SleepFor(absl::Milliseconds(50));
      }
    });
  }
  ~HealthWatcher() {
    stop_ = true;
    thread_.join();
  }
  std::vector<bool> changes() {
    absl::MutexLock lock(&mu_);
    return changes_;
  }

 private:
  std::atomic<bool> stop_{false};
  absl::Mutex mu_;
  std::vector<bool> changes_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

TEST_F(DatabaseFaultsTest, RestartsUnderCreateLoadLoseNoAcknowledgedWrite) {
  StartServer({"--pool_max_size", "8", "--health_interval", "100ms",
               "--access_log=false"});
  HealthWatcher health(*server_);
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  std::map<std::string, int> acknowledged;  // name -> vendor id
  std::vector<absl::Time> successes;
  std::vector<std::thread> clients;
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&, t] {
      std::unique_ptr<client::SuppliersClient> client =
          Client(absl::Seconds(2));
      for (int i = 0; !stop; ++i) {
        v1::CreateVendorRequest request;
        const std::string name = absl::StrCat("vendor ", t, "-", i);
        request.mutable_vendor()->set_vendor_name(name);
        // The client library gives it a request id and retries UNAVAILABLE.
        absl::StatusOr<v1::CreateVendorResponse> created =
            client->CreateVendor(request);
        if (!created.ok()) {
          absl::SleepFor(absl::Milliseconds(20));
          continue;
        }
        absl::MutexLock lock(&mu);
        acknowledged[name] = created->vendor().vendor_id();
        successes.push_back(absl::Now());
      }
    });
  }
  auto first_success_after = [&](absl::Time since) {
    for (int i = 0; i < 100; ++i) {
      {
        absl::MutexLock lock(&mu);
        for (absl::Time at : successes) {
          if (at >= since) return at - since;
        }
      }
      absl::SleepFor(absl::Milliseconds(20));
    }
    return absl::InfiniteDuration();
  };
  for (const char* mode : {"fast", "immediate"}) {
    absl::SleepFor(absl::Seconds(1));
    ASSERT_TRUE(cluster_->Stop(mode).ok()) << mode;
    absl::SleepFor(absl::Milliseconds(1500));
    ASSERT_TRUE(cluster_->Start().ok()) << mode;
    EXPECT_LT(first_success_after(absl::Now()), absl::Seconds(1)) << mode;
  }
  absl::SleepFor(absl::Seconds(1));
  stop = true;
  for (std::thread& client : clients) client.join();

  absl::MutexLock lock(&mu);
  EXPECT_GT(acknowledged.size(), 100u);
  pqxx::connection connection(conninfo_);
  pqxx::nontransaction txn(connection);
  std::map<std::string, int> stored;
  for (const pqxx::row& row :
       txn.exec("SELECT vendor_name, vendor_id FROM vendors")) {
    const std::string name = row[0].as<std::string>();
    EXPECT_EQ(stored.count(name), 0u) << "duplicate " << name;
    stored[name] = row[1].as<int>();
  }
  for (const auto& [name, id] : acknowledged) {
    auto it = stored.find(name);
    ASSERT_NE(it, stored.end()) << "acknowledged but lost: " << name;
    EXPECT_EQ(it->second, id) << name;
  }
  // SERVING, then NOT_SERVING while the database was away, then SERVING.
  const std::vector<bool> changes = health.changes();
  ASSERT_GE(changes.size(), 3u);
  EXPECT_TRUE(changes.front());
  EXPECT_FALSE(changes[1]);
  EXPECT_TRUE(changes.back());
}

TEST_F(DatabaseFaultsTest, KilledBackendsFailOnlyTheCallsInFlight) {
  StartServer(
      {"--pool_max_size", "4", "--pool_min_idle", "4", "--access_log=false"});
  const int vendor_id = CreateVendor("Acme");
  std::atomic<bool> stop{false};
  std::atomic<int> ok{0};
  absl::Mutex mu;
  std::map<grpc::StatusCode, int> failures;
  std::vector<std::thread> readers;
  for (int t = 0; t < 6; ++t) {
    readers.emplace_back([&] {
      while (!stop) {
        v1::GetVendorRequest request;
        request.set_vendor_id(vendor_id);
        v1::GetVendorResponse response;
        const grpc::Status status = vendors_->GetVendor(
            Context(absl::Seconds(5)).get(), request, &response);
        if (status.ok()) {
          ++ok;
        } else {
          absl::MutexLock lock(&mu);
          ++failures[status.error_code()];
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(1));
  const int before = ok;
  const int64_t killed = QueryInt(
      "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE "
      "application_name = 'suppliers-server'");
  absl::SleepFor(absl::Seconds(1));
  stop = true;
  for (std::thread& reader : readers) reader.join();

  EXPECT_GE(killed, 4);
  EXPECT_GT(ok - before, 100) << "reads went on after the kill";
  absl::MutexLock lock(&mu);
  int failed = 0;
  for (const auto& [code, n] : failures) {
    EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE) << n << " calls";
    failed += n;
  }
  // At most the calls that were using a killed backend.
  EXPECT_LE(failed, 4);
}

TEST_F(DatabaseFaultsTest, AStoppedDatabaseFailsCallsFastAndComesBack) {
  StartServer({"--health_interval", "100ms", "--access_log=false"});
  const int vendor_id = CreateVendor("Acme");
  ASSERT_TRUE(cluster_->Stop("fast").ok());
  EXPECT_TRUE(server_->WaitForHealth(false, absl::Seconds(3)));
  const absl::Time stopped = absl::Now();
  int calls = 0;
  while (absl::Now() - stopped < absl::Seconds(10)) {
    v1::GetVendorRequest request;
    request.set_vendor_id(vendor_id);
    v1::GetVendorResponse response;
    const absl::Time start = absl::Now();
    const grpc::Status status = vendors_->GetVendor(
        Context(absl::Seconds(5)).get(), request, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
        << status.error_message();
    EXPECT_EQ(ReasonOf(status), "DATABASE_UNAVAILABLE");
    EXPECT_LT(absl::Now() - start, absl::Seconds(1)) << "deadline was 5s";
    ++calls;
    absl::SleepFor(absl::Milliseconds(200));
  }
  EXPECT_GT(calls, 10);
  ASSERT_TRUE(cluster_->Start().ok());
  EXPECT_TRUE(server_->WaitForHealth(true, absl::Seconds(5)));
  v1::GetVendorRequest request;
  request.set_vendor_id(vendor_id);
  v1::GetVendorResponse response;
  const grpc::Status back =
      vendors_->GetVendor(Context(absl::Seconds(5)).get(), request, &response);
  EXPECT_TRUE(back.ok()) << back.error_message();
}

}  // namespace
}  // namespace suppliers::testing
