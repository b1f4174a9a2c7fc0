// Fault: calls whose deadline or cancel lands in the middle of their
// transaction (even in COMMIT) must cost only themselves. Before the fix, a
// connection left "idle in transaction (aborted)" went back to the pool and
// every later call on it answered INTERNAL.
#include <atomic>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"

namespace suppliers::testing {
namespace {

class ConnectionStateTest : public FaultTest {};

// Counts of final status codes, safe to update from many threads.
class CodeCounts {
 public:
  void Add(grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    ++counts_[code];
  }
  int Get(grpc::StatusCode code) const {
    absl::MutexLock lock(&mu_);
    auto it = counts_.find(code);
    return it == counts_.end() ? 0 : it->second;
  }
  int Total() const {
    absl::MutexLock lock(&mu_);
    int total = 0;
    for (const auto& [code, n] : counts_) total += n;
    return total;
  }
  // "code=count ..." for a failure message.
  std::string ToString() const {
    absl::MutexLock lock(&mu_);
    std::string text;
    for (const auto& [code, n] : counts_) {
      absl::StrAppend(&text, text.empty() ? "" : " ", static_cast<int>(code),
                      "=", n);
    }
    return text;
  }

 private:
  mutable absl::Mutex mu_;
  std::map<grpc::StatusCode, int> counts_ ABSL_GUARDED_BY(mu_);
};

TEST_F(ConnectionStateTest, TinyDeadlinesAndCancelsNeverPoisonTheNextCall) {
  StartServer({"--pool_max_size", "8", "--access_log=false"});
  const int vendor_id = CreateVendor("Acme");
  std::atomic<bool> stop{false};
  CodeCounts normal;
  std::atomic<int> chaotic_calls{0};
  std::vector<std::thread> threads;
  // Chaos: reads and writes that end early, half by a deadline of 1 to
  // 20 ms, half by a cancel 0 to 10 ms after they start, so that some land
  // in every step of the transaction, COMMIT and ROLLBACK included.
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      std::minstd_rand random(t + 1);
      for (int i = 0; !stop; ++i) {
        grpc::ClientContext context;
        const bool cancel = random() % 2 == 0;
        context.set_deadline(absl::ToChronoTime(
            absl::Now() + (cancel
                               ? absl::Seconds(5)
                               : absl::Microseconds(1000 + random() % 19000))));
        absl::Notification done;
        v1::GetVendorRequest get;
        v1::GetVendorResponse got;
        v1::UpdateVendorRequest update;
        v1::UpdateVendorResponse updated;
        auto on_done = [&done](grpc::Status) { done.Notify(); };
        if (i % 2 == 0) {
          get.set_vendor_id(vendor_id);
          vendors_->async()->GetVendor(&context, &get, &got, on_done);
        } else {
          update.mutable_vendor()->set_vendor_id(vendor_id);
          update.mutable_vendor()->set_vendor_name(absl::StrCat("Acme ", i));
          vendors_->async()->UpdateVendor(&context, &update, &updated, on_done);
        }
        if (cancel) {
          absl::SleepFor(absl::Microseconds(random() % 10000));
          context.TryCancel();
        }
        done.WaitForNotification();
        ++chaotic_calls;
      }
    });
  }
  // Normal callers with a comfortable deadline: every call must succeed or,
  // at worst, be shed; none may meet a poisoned connection.
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        grpc::Status status;
        if ((i + t) % 2 == 0) {
          v1::GetVendorRequest request;
          request.set_vendor_id(vendor_id);
          v1::GetVendorResponse response;
          status = vendors_->GetVendor(Context(absl::Seconds(5)).get(), request,
                                       &response);
        } else {
          v1::UpdateVendorRequest request;
          request.mutable_vendor()->set_vendor_id(vendor_id);
          request.mutable_vendor()->set_vendor_name("Acme normal");
          v1::UpdateVendorResponse response;
          status = vendors_->UpdateVendor(Context(absl::Seconds(5)).get(),
                                          request, &response);
        }
        normal.Add(status.error_code());
        if (!status.ok()) {
          std::fprintf(stderr, "normal call failed: %d %s\n",
                       static_cast<int>(status.error_code()),
                       status.error_message().c_str());
        }
        if (status.error_code() == grpc::StatusCode::INTERNAL) {
          ADD_FAILURE() << "normal call INTERNAL: " << status.error_message();
          stop = true;
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(15));
  stop = true;
  for (std::thread& thread : threads) thread.join();

  std::printf("chaotic calls %d, normal calls %d (OK %d)\n",
              chaotic_calls.load(), normal.Total(),
              normal.Get(grpc::StatusCode::OK));
  EXPECT_GT(chaotic_calls, 1000);
  EXPECT_GT(normal.Total(), 500);
  EXPECT_EQ(normal.Get(grpc::StatusCode::INTERNAL), 0);
  EXPECT_EQ(normal.Get(grpc::StatusCode::OK), normal.Total())
      << "normal calls that did not succeed: "
      << normal.Total() - normal.Get(grpc::StatusCode::OK)
      << "; codes: " << normal.ToString();
  // Nothing the server holds is left in a transaction.
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pg_stat_activity WHERE "
                     "application_name = 'suppliers-server' AND state LIKE "
                     "'idle in transaction%'"),
            0);
}

}  // namespace
}  // namespace suppliers::testing
