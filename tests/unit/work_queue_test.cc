// Tests the bounded work queue (server/base/work_queue.h).
#include "server/base/work_queue.h"

#include <atomic>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace suppliers {
namespace {

TEST(WorkQueueTest, RunsEveryAcceptedTask) {
  std::atomic<int> ran{0};
  {
    WorkQueue queue(4, 1000);
    for (int i = 0; i < 500; ++i) {
      ASSERT_TRUE(queue.Submit([&ran] { ++ran; }).ok());
    }
  }  // the destructor drains the queue
  EXPECT_EQ(ran.load(), 500);
}

TEST(WorkQueueTest, FullQueueAnswersResourceExhausted) {
  WorkQueue queue(1, 2);
  absl::Notification release;
  absl::Notification started;
  ASSERT_TRUE(queue
                  .Submit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();  // the only worker is now busy
  EXPECT_TRUE(queue.Submit([] {}).ok());
  EXPECT_TRUE(queue.Submit([] {}).ok());
  const absl::Status third = queue.Submit([] {});
  EXPECT_EQ(third.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(queue.queued(), 2);
  release.Notify();
}

TEST(WorkQueueTest, StoppedQueueRefusesWithUnavailable) {
  WorkQueue queue(2, 10);
  queue.Stop();
  queue.Stop();  // idempotent
  EXPECT_EQ(queue.Submit([] {}).code(), absl::StatusCode::kUnavailable);
}

TEST(WorkQueueTest, ATaskNoWorkerTookByItsExpiryIsShedInstead) {
  WorkQueue queue(1, 10);
  absl::Notification release;
  absl::Notification started;
  ASSERT_TRUE(queue
                  .Submit([&] {
                    started.Notify();
                    release.WaitForNotification();
                  })
                  .ok());
  started.WaitForNotification();  // the only worker is stuck
  std::atomic<bool> ran{false};
  absl::Notification shed;
  absl::Status shed_status;
  const absl::Time submitted = absl::Now();
  ASSERT_TRUE(queue
                  .Submit([&] { ran = true; },
                          [&](absl::Status status) {
                            shed_status = status;
                            shed.Notify();
                          },
                          submitted + absl::Milliseconds(100))
                  .ok());
  ASSERT_TRUE(shed.WaitForNotificationWithTimeout(absl::Seconds(5)));
  EXPECT_GE(absl::Now() - submitted, absl::Milliseconds(100));
  EXPECT_LT(absl::Now() - submitted, absl::Seconds(1));
  EXPECT_EQ(shed_status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(queue.queued(), 0);
  release.Notify();
  queue.Stop();
  EXPECT_FALSE(ran);
}

TEST(WorkQueueTest, ATaskTakenBeforeItsExpiryRunsAndIsNeverShed) {
  std::atomic<int> ran{0};
  std::atomic<int> shed{0};
  {
    WorkQueue queue(2, 100);
    for (int i = 0; i < 50; ++i) {
      ASSERT_TRUE(queue
                      .Submit([&] { ++ran; }, [&](absl::Status) { ++shed; },
                              absl::Now() + absl::Seconds(30))
                      .ok());
    }
  }
  EXPECT_EQ(ran, 50);
  EXPECT_EQ(shed, 0);
}

}  // namespace
}  // namespace suppliers
