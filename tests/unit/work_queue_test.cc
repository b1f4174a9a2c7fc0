// Tests the bounded work queue (server/base/work_queue.h).
#include "server/base/work_queue.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace suppliers {
namespace {

// Occupies one worker of `queue` until `release` is notified, and returns
// once that worker is running it; `*ticket` (when given) names the task.
void BlockAWorker(WorkQueue& queue, absl::Notification& release,
                  WorkQueue::Ticket* ticket = nullptr) {
  auto started = std::make_shared<absl::Notification>();
  ASSERT_TRUE(queue
                  .Submit(
                      [started, &release] {
                        started->Notify();
                        release.WaitForNotification();
                      },
                      nullptr, absl::InfiniteFuture(), ticket)
                  .ok());
  started->WaitForNotification();
}

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
  BlockAWorker(queue, release);  // the only worker is now busy
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
  BlockAWorker(queue, release);  // the only worker is stuck
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

// Teaches the queue that a task takes about `each`.
void Warm(WorkQueue& queue, absl::Duration each, int tasks) {
  for (int i = 0; i < tasks; ++i) {
    absl::Notification done;
    ASSERT_TRUE(queue
                    .Submit([&] {
                      absl::SleepFor(each);
                      done.Notify();
                    })
                    .ok());
    done.WaitForNotification();
  }
}

TEST(WorkQueueTest, ALongQueueThatFitsTheDeadlinesIsAccepted) {
  std::atomic<int> ran{0};
  std::atomic<int> shed{0};
  {
    WorkQueue queue(2, 4096);
    Warm(queue, absl::Microseconds(200), 20);
    // 1,000 calls of ~0.2 ms on 2 workers: ~100 ms of queue, well inside
    // their 5 s deadlines, however long the queue is.
    for (int i = 0; i < 1000; ++i) {
      ASSERT_TRUE(queue
                      .Submit(
                          [&] {
                            absl::SleepFor(absl::Microseconds(200));
                            ++ran;
                          },
                          [&](absl::Status) { ++shed; },
                          absl::Now() + absl::Seconds(5))
                      .ok())
          << i;
    }
  }
  EXPECT_EQ(ran, 1000);
  EXPECT_EQ(shed, 0);
}

TEST(WorkQueueTest, ACallThatCannotStartInTimeIsRefusedAtOnce) {
  WorkQueue queue(1, 4096);
  Warm(queue, absl::Milliseconds(20), 24);
  std::atomic<int> ran{0};
  int accepted = 0;
  int refused = 0;
  absl::Duration slowest_refusal;
  const absl::Time deadline = absl::Now() + absl::Milliseconds(100);
  for (int i = 0; i < 20; ++i) {
    const absl::Time before = absl::Now();
    const absl::Status status = queue.Submit(
        [&] {
          absl::SleepFor(absl::Milliseconds(20));
          ++ran;
        },
        [](absl::Status) {}, deadline);
    if (status.ok()) {
      ++accepted;
      continue;
    }
    ++refused;
    slowest_refusal = std::max(slowest_refusal, absl::Now() - before);
    EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
    EXPECT_NE(status.message().find("expected wait"), absl::string_view::npos)
        << status;
  }
  // About 100 ms / 20 ms of work fits; the rest is refused at submission,
  // not after waiting for its deadline.
  EXPECT_GE(accepted, 2);
  EXPECT_LE(accepted, 8);
  EXPECT_EQ(accepted + refused, 20);
  EXPECT_LT(slowest_refusal, absl::Milliseconds(50));
  EXPECT_GT(queue.ExpectedWait(), absl::ZeroDuration());
  queue.Stop();
}

TEST(WorkQueueTest, AWithdrawnTaskNeverRunsAndLeavesTheQueue) {
  WorkQueue queue(1, 16);
  absl::Notification release;
  WorkQueue::Ticket blocker = 0;
  BlockAWorker(queue, release, &blocker);
  std::atomic<int> ran{0};
  std::atomic<int> shed{0};
  std::vector<WorkQueue::Ticket> tickets(5);
  for (WorkQueue::Ticket& ticket : tickets) {
    ASSERT_TRUE(queue
                    .Submit([&] { ++ran; }, [&](absl::Status) { ++shed; },
                            absl::Now() + absl::Seconds(30), &ticket)
                    .ok());
    EXPECT_NE(ticket, 0u);
  }
  EXPECT_EQ(queue.queued(), 5);
  // The running task and an unknown ticket cannot be withdrawn.
  EXPECT_FALSE(queue.Withdraw(blocker));
  EXPECT_FALSE(queue.Withdraw(tickets.back() + 1));
  // Out of order, and twice.
  EXPECT_TRUE(queue.Withdraw(tickets[3]));
  EXPECT_TRUE(queue.Withdraw(tickets[0]));
  EXPECT_FALSE(queue.Withdraw(tickets[0]));
  EXPECT_EQ(queue.queued(), 3);
  release.Notify();
  queue.Stop();
  EXPECT_EQ(ran, 3);
  EXPECT_EQ(shed, 0);
  // Once run, a ticket is gone.
  EXPECT_FALSE(queue.Withdraw(tickets[1]));
}

TEST(WorkQueueTest, WithdrawnTasksDoNotLengthenTheExpectedWait) {
  WorkQueue queue(1, 4096);
  Warm(queue, absl::Milliseconds(10), 16);
  absl::Notification release;
  BlockAWorker(queue, release);
  // 300 cancelled calls would be ~3 s of expected wait if they stayed.
  for (int i = 0; i < 300; ++i) {
    WorkQueue::Ticket ticket = 0;
    ASSERT_TRUE(queue
                    .Submit([] {}, [](absl::Status) {},
                            absl::Now() + absl::Seconds(30), &ticket)
                    .ok());
    ASSERT_TRUE(queue.Withdraw(ticket));
  }
  EXPECT_LT(queue.ExpectedWait(), absl::Milliseconds(100));
  const absl::Status live =
      queue.Submit([] {}, [](absl::Status) {}, absl::Now() + absl::Seconds(1));
  EXPECT_TRUE(live.ok()) << live;
  release.Notify();
  queue.Stop();
}

}  // namespace
}  // namespace suppliers
