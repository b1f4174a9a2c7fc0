// Tests the change feed (server/store/change_feed.h and the triggers of
// sql/migrations/0006_change_feed.sql) against a real PostgreSQL: commit
// order whoever writes, rolled-back changes absent, history for resumes,
// the ring's bound ending a watcher that falls behind, heartbeats,
// retention, and catching up after the database restarts.
#include "server/store/change_feed.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/db/statements.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers {
namespace {

using ::suppliers::testing::SharedCluster;
using ::testing::HasSubstr;

class RecordingWatcher final : public ChangeWatcher {
 public:
  void OnChanges(bool heartbeat) override {
    absl::MutexLock lock(&mu_);
    ++(heartbeat ? heartbeats_ : wakes_);
  }
  void OnEnd(absl::Status status) override {
    absl::MutexLock lock(&mu_);
    ended_ = std::move(status);
  }
  int wakes() {
    absl::MutexLock lock(&mu_);
    return wakes_;
  }
  int heartbeats() {
    absl::MutexLock lock(&mu_);
    return heartbeats_;
  }
  absl::Status ended() {
    absl::MutexLock lock(&mu_);
    return ended_;
  }

 private:
  absl::Mutex mu_;
  int wakes_ ABSL_GUARDED_BY(mu_) = 0;
  int heartbeats_ ABSL_GUARDED_BY(mu_) = 0;
  absl::Status ended_ ABSL_GUARDED_BY(mu_);
};

// Waits up to 15 s for `done`.
template <typename Predicate>
bool Eventually(Predicate done) {
  const absl::Time until = absl::Now() + absl::Seconds(15);
  while (!done()) {
    if (absl::Now() > until) return false;
    absl::SleepFor(absl::Milliseconds(10));
  }
  return true;
}

class ChangeFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    absl::StatusOr<std::string> conninfo =
        SharedCluster().CreateMigratedDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    conninfo_ = *conninfo;
    PoolOptions options;
    options.conninfo = conninfo_;
    options.max_size = 2;
    options.min_idle = 0;
    options.session_setup = sql::SessionSetup();
    options.statements = sql::AllStatements();
    pool_ = std::make_unique<ConnectionPool>(options);
    transactions_ = std::make_unique<TransactionRunner>(*pool_);
  }

  void StartFeed(ChangeFeedOptions options = {}) {
    options.conninfo = conninfo_;
    feed_ = std::make_unique<ChangeFeed>(options, *transactions_);
    ASSERT_TRUE(Eventually([&] { return feed_->head() >= 0; }));
  }

  void Exec(const std::string& statement) {
    pqxx::connection connection(conninfo_);
    pqxx::work txn(connection);
    txn.exec(statement);
    txn.commit();
  }

  int64_t Newest() {
    pqxx::connection connection(conninfo_);
    pqxx::read_transaction txn(connection);
    return txn
        .exec1(
            "SELECT COALESCE(max(last_seq), 0) FROM "
            "change_transactions")[0]
        .as<int64_t>();
  }

  // Everything after `*position` the feed can give now, ring or history.
  std::vector<v1::ChangeEvent> ReadAll(ChangeWatcher* watcher,
                                       int64_t* position,
                                       KindMask kinds = ~0u) {
    std::vector<v1::ChangeEvent> events;
    while (true) {
      switch (feed_->Read(watcher, kinds, 7, position, &events)) {
        case ChangeFeed::ReadResult::kEvents:
        case ChangeFeed::ReadResult::kAdvanced:
          continue;
        case ChangeFeed::ReadResult::kWaiting:
          return events;
        case ChangeFeed::ReadResult::kNeedHistory: {
          CallContext call(absl::Now() + absl::Seconds(10));
          const absl::Status read =
              feed_->ReadHistory(call, kinds, 7, position, &events);
          EXPECT_TRUE(read.ok()) << read;
          if (!read.ok()) return events;
        }
      }
    }
  }

  std::string conninfo_;
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<TransactionRunner> transactions_;
  std::unique_ptr<ChangeFeed> feed_;
};

TEST_F(ChangeFeedTest, EventsFollowCommitOrderNotWriteOrder) {
  StartFeed();
  RecordingWatcher watcher;
  ASSERT_TRUE(feed_->Join(&watcher).ok());
  int64_t position = feed_->head();
  EXPECT_TRUE(ReadAll(&watcher, &position).empty());

  pqxx::connection first(conninfo_);
  pqxx::connection second(conninfo_);
  pqxx::work early(first);
  early.exec("INSERT INTO vendors (vendor_name) VALUES ('written first')");
  {
    pqxx::work late(second);
    late.exec("INSERT INTO vendors (vendor_name) VALUES ('committed first')");
    late.exec("INSERT INTO parts (part_name) VALUES ('p')");
    late.commit();
  }
  early.commit();
  {
    pqxx::work rolled_back(first);
    rolled_back.exec("INSERT INTO vendors (vendor_name) VALUES ('gone')");
    rolled_back.abort();
  }
  Exec("UPDATE vendors SET vendor_name = 'renamed' WHERE vendor_id = 1");
  Exec("DELETE FROM vendors WHERE vendor_id = 2");

  ASSERT_TRUE(Eventually([&] { return feed_->head() >= Newest(); }));
  EXPECT_GE(watcher.wakes(), 1);
  std::vector<v1::ChangeEvent> events = ReadAll(&watcher, &position);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].vendor().vendor_name(), "committed first");
  EXPECT_EQ(events[1].kind(), v1::RESOURCE_KIND_PART);
  EXPECT_EQ(events[2].vendor().vendor_name(), "written first");
  EXPECT_EQ(events[3].operation(), v1::CHANGE_OPERATION_UPDATE);
  EXPECT_EQ(events[3].vendor().vendor_name(), "renamed");
  EXPECT_EQ(events[4].operation(), v1::CHANGE_OPERATION_DELETE);
  EXPECT_EQ(events[4].vendor_id(), 2);
  EXPECT_FALSE(events[4].has_vendor());
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence(), events[i - 1].sequence() + 1);
    EXPECT_GE(absl::FromUnixSeconds(events[i].commit_time().seconds()),
              absl::FromUnixSeconds(events[i - 1].commit_time().seconds()));
  }
  EXPECT_EQ(position, events.back().sequence());
  feed_->Leave(&watcher);
}

// SET CONSTRAINTS ALL IMMEDIATE fires the deferred sequencing trigger after
// each statement instead of at commit: no event may be lost to it, savepoints
// included, and the transaction's events stay contiguous and in commit order
// with a transaction that committed while it was open.
TEST_F(ChangeFeedTest, SetConstraintsImmediateLosesNoEvent) {
  StartFeed();
  RecordingWatcher watcher;
  ASSERT_TRUE(feed_->Join(&watcher).ok());
  int64_t position = feed_->head();
  EXPECT_TRUE(ReadAll(&watcher, &position).empty());

  pqxx::connection connection(conninfo_);
  {
    pqxx::work txn(connection);
    txn.exec("SET CONSTRAINTS ALL IMMEDIATE");
    txn.exec("INSERT INTO vendors (vendor_name) VALUES ('i1')");
    txn.exec("INSERT INTO vendors (vendor_name) VALUES ('i2'), ('i3')");
    txn.exec("SAVEPOINT s");
    txn.exec("INSERT INTO vendors (vendor_name) VALUES ('undone')");
    txn.exec("ROLLBACK TO SAVEPOINT s");
    txn.exec(
        "UPDATE vendors SET vendor_name = 'i1 renamed' "
        "WHERE vendor_name = 'i1'");
    txn.commit();
  }
  {
    pqxx::work txn(connection);
    txn.exec("INSERT INTO vendors (vendor_name) VALUES ('d1')");
    txn.exec("SET CONSTRAINTS ALL IMMEDIATE");  // fires for d1 here
    txn.exec("INSERT INTO vendors (vendor_name) VALUES ('d2')");
    txn.exec("SET CONSTRAINTS ALL DEFERRED");
    txn.exec("INSERT INTO vendors (vendor_name) VALUES ('d3')");
    txn.commit();
  }
  Exec("INSERT INTO vendors (vendor_name) VALUES ('after')");

  ASSERT_TRUE(Eventually([&] { return feed_->head() >= Newest(); }));
  const std::vector<v1::ChangeEvent> events = ReadAll(&watcher, &position);
  std::vector<std::string> names;
  for (const v1::ChangeEvent& event : events) {
    names.push_back(event.vendor().vendor_name());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"i1", "i2", "i3", "i1 renamed",
                                             "d1", "d2", "d3", "after"}));
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_EQ(events[i].sequence(), events[i - 1].sequence() + 1) << i;
  }
  pqxx::read_transaction txn(connection);
  EXPECT_EQ(txn.exec1("SELECT count(*) FROM change_transactions "
                      "WHERE first_seq IS NULL")[0]
                .as<int>(),
            0);
  feed_->Leave(&watcher);
}

TEST_F(ChangeFeedTest, AResumeReadsTheOutboxThenTheRing) {
  Exec(
      "INSERT INTO vendors (vendor_name) "
      "SELECT 'old ' || i FROM generate_series(1, 20) i");
  StartFeed();  // its ring starts after the 20 events
  RecordingWatcher watcher;
  ASSERT_TRUE(feed_->Join(&watcher).ok());
  CallContext call(absl::Now() + absl::Seconds(10));
  absl::StatusOr<int64_t> start = feed_->StartPosition(call, 5);
  ASSERT_TRUE(start.ok()) << start.status();
  int64_t position = *start;
  Exec("INSERT INTO parts (part_name) VALUES ('new')");
  ASSERT_TRUE(Eventually([&] { return feed_->head() >= Newest(); }));
  const std::vector<v1::ChangeEvent> events = ReadAll(&watcher, &position);
  ASSERT_EQ(events.size(), 16u);
  EXPECT_EQ(events.front().sequence(), 6);
  EXPECT_EQ(events.back().kind(), v1::RESOURCE_KIND_PART);
  // Kinds filter: the position still moves past what was skipped.
  int64_t parts_only = 5;
  const std::vector<v1::ChangeEvent> parts =
      ReadAll(&watcher, &parts_only, 1u << v1::RESOURCE_KIND_PART);
  ASSERT_EQ(parts.size(), 1u);
  EXPECT_EQ(parts_only, position);

  // No resume point: from the newest event. 0 is before every event.
  EXPECT_EQ(feed_->StartPosition(call, std::nullopt).value(), Newest());
  EXPECT_EQ(feed_->StartPosition(call, 0).value(), 0);
  const absl::StatusOr<int64_t> ahead = feed_->StartPosition(call, 1000);
  EXPECT_EQ(ahead.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_EQ(feed_->StartPosition(call, -1).status().code(),
            absl::StatusCode::kInvalidArgument);
  feed_->Leave(&watcher);
}

TEST_F(ChangeFeedTest, AWatcherTheRingLeavesBehindIsEndedNotBuffered) {
  ChangeFeedOptions options;
  options.buffer_events = 50;
  StartFeed(options);
  RecordingWatcher slow;
  RecordingWatcher fast;
  ASSERT_TRUE(feed_->Join(&slow).ok());
  ASSERT_TRUE(feed_->Join(&fast).ok());
  int64_t slow_position = feed_->head();
  int64_t fast_position = slow_position;
  EXPECT_TRUE(ReadAll(&slow, &slow_position).empty());  // live, waiting
  EXPECT_TRUE(ReadAll(&fast, &fast_position).empty());
  Exec("INSERT INTO vendors (vendor_name) VALUES ('one')");
  ASSERT_TRUE(Eventually([&] { return feed_->head() >= Newest(); }));
  EXPECT_EQ(ReadAll(&fast, &fast_position).size(), 1u);
  // The slow one never reads again while 200 events arrive.
  Exec(
      "INSERT INTO vendors (vendor_name) "
      "SELECT 'burst ' || i FROM generate_series(1, 200) i");
  ASSERT_TRUE(Eventually([&] { return !slow.ended().ok(); }));
  EXPECT_EQ(slow.ended().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(slow.ended().message(), HasSubstr("50 events behind"));
  // The fast one was waiting, but the burst is bigger than the ring: the
  // same verdict (the feed cannot tell it from a stream whose last write
  // sits unread in its window); a resume from its position reads the
  // outbox and misses nothing.
  ASSERT_TRUE(Eventually([&] { return !fast.ended().ok(); }));
  EXPECT_EQ(fast.ended().code(), absl::StatusCode::kResourceExhausted);
  feed_->Leave(&fast);
  RecordingWatcher resumed;
  ASSERT_TRUE(feed_->Join(&resumed).ok());
  const std::vector<v1::ChangeEvent> rest = ReadAll(&resumed, &fast_position);
  ASSERT_EQ(rest.size(), 200u);
  EXPECT_EQ(rest.front().vendor().vendor_name(), "burst 1");
  EXPECT_EQ(rest.back().vendor().vendor_name(), "burst 200");
  EXPECT_EQ(fast_position, Newest());
  feed_->Leave(&slow);
  feed_->Leave(&resumed);
}

TEST_F(ChangeFeedTest, IdleWatchersGetHeartbeatsAndCloseEndsThem) {
  ChangeFeedOptions options;
  options.heartbeat = absl::Milliseconds(100);
  options.max_watchers = 1;
  StartFeed(options);
  RecordingWatcher watcher;
  ASSERT_TRUE(feed_->Join(&watcher).ok());
  RecordingWatcher refused;
  EXPECT_EQ(feed_->Join(&refused).code(), absl::StatusCode::kResourceExhausted);
  int64_t position = feed_->head();
  EXPECT_TRUE(ReadAll(&watcher, &position).empty());
  // Like a stream, read again after every wake: the feed's first wake-up
  // after it connects can reach a watcher that started waiting just before
  // it, and only a watcher waiting again is due a heartbeat.
  int wakes_seen = 0;
  ASSERT_TRUE(Eventually([&] {
    if (watcher.wakes() > wakes_seen) {
      wakes_seen = watcher.wakes();
      EXPECT_TRUE(ReadAll(&watcher, &position).empty());
    }
    return watcher.heartbeats() >= 1;
  }));
  feed_->Close();
  EXPECT_EQ(watcher.ended().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(feed_->Join(&refused).code(), absl::StatusCode::kUnavailable);
  feed_->Leave(&watcher);
}

TEST_F(ChangeFeedTest,
       RetentionDeletesOldEventsAndResumesBeforeThemAreRefused) {
  Exec("INSERT INTO vendors (vendor_name) VALUES ('a'), ('b')");
  ChangeFeedOptions options;
  options.retention = absl::Milliseconds(200);
  StartFeed(options);
  ASSERT_TRUE(Eventually([&] {
    pqxx::connection connection(conninfo_);
    pqxx::read_transaction txn(connection);
    return txn.exec1("SELECT count(*) FROM change_events")[0].as<int>() == 0;
  }));
  CallContext call(absl::Now() + absl::Seconds(10));
  const absl::StatusOr<int64_t> old = feed_->StartPosition(call, 1);
  EXPECT_EQ(old.status().code(), absl::StatusCode::kOutOfRange);
  EXPECT_THAT(old.status().message(), HasSubstr("retention"));
  // The newest position stays valid after everything was pruned.
  EXPECT_EQ(feed_->StartPosition(call, 2).value(), 2);
  // 0 (a watch that saw nothing) is older than the retention now.
  EXPECT_EQ(feed_->StartPosition(call, 0).status().code(),
            absl::StatusCode::kOutOfRange);
}

TEST_F(ChangeFeedTest, ARestartedDatabaseCostsNoEvent) {
  StartFeed();
  RecordingWatcher watcher;
  ASSERT_TRUE(feed_->Join(&watcher).ok());
  int64_t position = feed_->head();
  Exec("INSERT INTO vendors (vendor_name) VALUES ('before')");
  ASSERT_TRUE(SharedCluster().Stop().ok());
  ASSERT_TRUE(SharedCluster().Start().ok());
  // Written while the feed may still be reconnecting: it catches up from
  // the outbox, not from a NOTIFY it could not hear.
  Exec("INSERT INTO vendors (vendor_name) VALUES ('after')");
  ASSERT_TRUE(Eventually([&] { return feed_->head() >= Newest(); }));
  std::vector<v1::ChangeEvent> events = ReadAll(&watcher, &position);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].vendor().vendor_name(), "before");
  EXPECT_EQ(events[1].vendor().vendor_name(), "after");
  feed_->Leave(&watcher);
}

}  // namespace
}  // namespace suppliers
