// Tests the bounded work queue (server/base/work_queue.h).
#include "server/base/work_queue.h"

#include <atomic>

#include "absl/synchronization/notification.h"
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

}  // namespace
}  // namespace suppliers
