// Owns the change feed's shared LISTEN connection, its ring of recent
// events, the retention clean-up, and reading the outbox for watchers.
#include "server/store/change_feed.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "pqxx/nontransaction"
#include "pqxx/notification"
#include "pqxx/result"
#include "server/base/errors.h"
#include "server/base/log.h"
#include "server/db/pg_connection.h"
#include "server/db/statements.h"

namespace suppliers {
namespace {

constexpr char kChannel[] = "suppliers_changes";
// Events read from the outbox per statement.
constexpr int kPageEvents = 1000;
// Transactions deleted per clean-up statement, so that one clean-up after
// a long outage does not run for minutes.
constexpr int kPruneTransactions = 100000;
constexpr KindMask kAllKinds =
    (1u << v1::RESOURCE_KIND_VENDOR) | (1u << v1::RESOURCE_KIND_PART) |
    (1u << v1::RESOURCE_KIND_VENDOR_PART) | (1u << v1::RESOURCE_KIND_DRAWING);

bool Matches(KindMask kinds, const v1::ChangeEvent& event) {
  return (kinds & (1u << static_cast<unsigned>(event.kind()))) != 0;
}

// Columns of sql::kChangeEventsAfter.
v1::ChangeEvent EventFromRow(const pqxx::row& row) {
  v1::ChangeEvent event;
  event.set_sequence(row[0].as<int64_t>());
  const int64_t micros = row[1].as<int64_t>(0);
  int64_t seconds = micros / 1000000;
  int64_t rest = micros % 1000000;
  if (rest < 0) {
    --seconds;
    rest += 1000000;
  }
  event.mutable_commit_time()->set_seconds(seconds);
  event.mutable_commit_time()->set_nanos(static_cast<int32_t>(rest * 1000));
  const int kind = row[2].as<int>();
  const int operation = row[3].as<int>();
  event.set_kind(v1::ResourceKind_IsValid(kind)
                     ? static_cast<v1::ResourceKind>(kind)
                     : v1::RESOURCE_KIND_UNSPECIFIED);
  event.set_operation(v1::ChangeOperation_IsValid(operation)
                          ? static_cast<v1::ChangeOperation>(operation)
                          : v1::CHANGE_OPERATION_UNSPECIFIED);
  const int32_t vendor_id = row[4].as<int32_t>(0);
  const int32_t part_id = row[5].as<int32_t>(0);
  event.set_vendor_id(vendor_id);
  event.set_part_id(part_id);
  if (event.operation() == v1::CHANGE_OPERATION_DELETE) return event;
  switch (event.kind()) {
    case v1::RESOURCE_KIND_VENDOR:
      event.mutable_vendor()->set_vendor_id(vendor_id);
      event.mutable_vendor()->set_vendor_name(row[6].as<std::string>(""));
      break;
    case v1::RESOURCE_KIND_PART:
      event.mutable_part()->set_part_id(part_id);
      event.mutable_part()->set_part_name(row[6].as<std::string>(""));
      break;
    case v1::RESOURCE_KIND_DRAWING:
      event.mutable_drawing()->set_part_id(part_id);
      event.mutable_drawing()->set_file_extension(row[7].as<std::string>(""));
      event.mutable_drawing()->set_size_bytes(row[8].as<int64_t>(0));
      break;
    default:
      break;
  }
  return event;
}

// Remembers that a NOTIFY arrived; the outbox says what changed.
class Wakeup final : public pqxx::notification_receiver {
 public:
  explicit Wakeup(pqxx::connection_base& connection)
      : notification_receiver(connection, kChannel) {}
  void operator()(const std::string&, int) override { woken = true; }
  bool woken = false;
};

absl::Status RetentionPassed(int64_t after, int64_t pruned) {
  return ErrorWithInfo(
      absl::StatusCode::kOutOfRange,
      absl::StrCat("after_sequence ", after,
                   " is older than the change feed's retention (events up to ",
                   pruned,
                   " were deleted); resync from an export and watch from its "
                   "change_sequence"),
      "CHANGE_FEED_RETENTION",
      {{"after_sequence", absl::StrCat(after)},
       {"pruned_through", absl::StrCat(pruned)}});
}

}  // namespace

absl::StatusOr<KindMask> KindMaskOf(const v1::WatchChangesRequest& request) {
  KindMask mask = 0;
  for (int i = 0; i < request.kinds_size(); ++i) {
    const int kind = request.kinds(i);
    if (kind == v1::RESOURCE_KIND_UNSPECIFIED ||
        !v1::ResourceKind_IsValid(kind)) {
      return InvalidField(absl::StrCat("kinds[", i, "]"),
                          absl::StrCat(kind, " is not a resource kind"));
    }
    mask |= 1u << static_cast<unsigned>(kind);
  }
  return mask == 0 ? kAllKinds : mask;
}

ChangeFeed::ChangeFeed(ChangeFeedOptions options,
                       TransactionRunner& transactions)
    : options_(std::move(options)), transactions_(transactions) {
  thread_ = std::thread([this] { Loop(); });
}

ChangeFeed::~ChangeFeed() {
  Close();
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    stop_.SignalAll();
  }
  thread_.join();
}

bool ChangeFeed::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

absl::Status ChangeFeed::Join(ChangeWatcher* watcher) {
  absl::MutexLock lock(&mu_);
  if (closed_) return ShuttingDown();
  if (static_cast<int>(watchers_.size()) >= options_.max_watchers) {
    return ErrorWithInfo(
        absl::StatusCode::kResourceExhausted,
        absl::StrCat("the server has ", options_.max_watchers,
                     " watchers already; retry later or on another server"),
        "TOO_MANY_WATCHERS",
        {{"max_watchers", absl::StrCat(options_.max_watchers)}});
  }
  watchers_[watcher] = -1;
  return absl::OkStatus();
}

void ChangeFeed::Leave(ChangeWatcher* watcher) {
  absl::MutexLock lock(&mu_);
  watchers_.erase(watcher);
  waiting_.erase(watcher);
  while (in_round_.count(watcher) > 0) round_done_.Wait(&mu_);
}

int64_t ChangeFeed::head() const {
  absl::MutexLock lock(&mu_);
  return head_;
}

int ChangeFeed::watchers() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(watchers_.size());
}

absl::StatusOr<int64_t> ChangeFeed::StartPosition(
    CallContext& call, std::optional<int64_t> resume_point) {
  if (resume_point.has_value() && *resume_point < 0) {
    return InvalidField("after_sequence", "must not be negative");
  }
  struct Bounds {
    int64_t pruned = 0;
    int64_t newest = 0;
  };
  absl::StatusOr<Bounds> bounds = transactions_.RunFor<Bounds>(
      call, TransactionRunner::Access::kReadOnly,
      [](pqxx::transaction_base& txn, Bounds& out) -> absl::Status {
        const pqxx::row row = sql::Exec1(txn, sql::kChangeFeedBounds);
        out.pruned = row[0].as<int64_t>();
        out.newest = row[1].as<int64_t>();
        return absl::OkStatus();
      },
      TransactionRunner::Scope::kSingleStatement);
  if (!bounds.ok()) return bounds.status();
  if (!resume_point.has_value()) return bounds->newest;
  const int64_t after_sequence = *resume_point;
  if (after_sequence < bounds->pruned) {
    return RetentionPassed(after_sequence, bounds->pruned);
  }
  if (after_sequence > bounds->newest) {
    return ErrorWithInfo(
        absl::StatusCode::kOutOfRange,
        absl::StrCat("after_sequence ", after_sequence,
                     " is beyond the newest change event (", bounds->newest,
                     "); was the database replaced? resync and watch again"),
        "CHANGE_FEED_AHEAD",
        {{"after_sequence", absl::StrCat(after_sequence)},
         {"newest_sequence", absl::StrCat(bounds->newest)}});
  }
  return after_sequence;
}

ChangeFeed::ReadResult ChangeFeed::Read(ChangeWatcher* watcher, KindMask kinds,
                                        int max, int64_t* position,
                                        std::vector<v1::ChangeEvent>* events) {
  absl::MutexLock lock(&mu_);
  auto entry = watchers_.find(watcher);
  if (closed_ || entry == watchers_.end()) return ReadResult::kWaiting;
  if (ring_base_ < 0) {  // not connected yet: the connection wakes it
    waiting_[watcher] = absl::Now();
    return ReadResult::kWaiting;
  }
  if (*position < ring_base_) {
    entry->second = -1;
    return ReadResult::kNeedHistory;
  }
  auto it = std::upper_bound(ring_.begin(), ring_.end(), *position,
                             [](int64_t value, const v1::ChangeEvent& event) {
                               return value < event.sequence();
                             });
  bool moved = false;
  int added = 0;
  for (; it != ring_.end() && added < max; ++it) {
    *position = it->sequence();
    moved = true;
    if (Matches(kinds, *it)) {
      events->push_back(*it);
      ++added;
    }
  }
  // Sequences of rolled-back transactions are never used: past the last
  // event the ring holds, the watcher has seen everything up to head_.
  if (it == ring_.end() && *position < head_) {
    *position = head_;
    moved = true;
  }
  entry->second = *position;
  if (added > 0) return ReadResult::kEvents;
  if (moved) return ReadResult::kAdvanced;
  waiting_[watcher] = absl::Now();
  return ReadResult::kWaiting;
}

absl::Status ChangeFeed::ReadHistory(CallContext& call, KindMask kinds, int max,
                                     int64_t* position,
                                     std::vector<v1::ChangeEvent>* events) {
  struct Page {
    std::vector<v1::ChangeEvent> events;
    int64_t position = 0;
  };
  const int64_t after = *position;
  absl::StatusOr<Page> page = transactions_.RunFor<Page>(
      call, TransactionRunner::Access::kReadOnly,
      [&](pqxx::transaction_base& txn, Page& out) -> absl::Status {
        const pqxx::row bounds = sql::Exec1(txn, sql::kChangeFeedBounds);
        const int64_t pruned = bounds[0].as<int64_t>();
        if (after < pruned) return RetentionPassed(after, pruned);
        out.position = after;
        const pqxx::result rows =
            sql::Exec(txn, sql::kChangeEventsAfter, after, max);
        for (const pqxx::row& row : rows) {
          v1::ChangeEvent event = EventFromRow(row);
          out.position = event.sequence();
          if (Matches(kinds, event)) out.events.push_back(std::move(event));
        }
        // Nothing after `after` committed: the watcher has seen everything
        // up to the newest sequence, gaps included.
        if (rows.empty()) {
          out.position = std::max(after, bounds[1].as<int64_t>());
        }
        return absl::OkStatus();
      });
  if (!page.ok()) return page.status();
  *position = page->position;
  for (v1::ChangeEvent& event : page->events) {
    events->push_back(std::move(event));
  }
  return absl::OkStatus();
}

void ChangeFeed::Close() {
  std::vector<ChangeWatcher*> ended;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    closed_ = true;
    waiting_.clear();
    for (const auto& [watcher, position] : watchers_) {
      ended.push_back(watcher);
      ++in_round_[watcher];
    }
  }
  Notify({}, false, ended, ShuttingDown());
}

void ChangeFeed::Notify(const std::vector<ChangeWatcher*>& woken,
                        bool heartbeat,
                        const std::vector<ChangeWatcher*>& ended,
                        const absl::Status& end_status) {
  for (ChangeWatcher* watcher : ended) watcher->OnEnd(end_status);
  for (ChangeWatcher* watcher : woken) watcher->OnChanges(heartbeat);
  absl::MutexLock lock(&mu_);
  for (const std::vector<ChangeWatcher*>* list : {&woken, &ended}) {
    for (ChangeWatcher* watcher : *list) {
      auto it = in_round_.find(watcher);
      if (it != in_round_.end() && --it->second == 0) in_round_.erase(it);
    }
  }
  round_done_.SignalAll();
}

void ChangeFeed::Publish(std::vector<v1::ChangeEvent> events) {
  std::vector<ChangeWatcher*> woken;
  std::vector<ChangeWatcher*> ended;
  {
    absl::MutexLock lock(&mu_);
    for (v1::ChangeEvent& event : events) {
      head_ = event.sequence();
      ring_.push_back(std::move(event));
    }
    while (static_cast<int>(ring_.size()) > options_.buffer_events) {
      ring_base_ = ring_.front().sequence();
      ring_.pop_front();
    }
    for (auto& [watcher, position] : watchers_) {
      // Live watchers the ring has left behind end, even one that was
      // waiting: the feed cannot tell a caught-up watcher from one whose
      // last write only sat in its HTTP/2 window, and an unread stream must
      // end. After a transaction bigger than the ring (a bulk import) every
      // watcher resumes from its checkpoint and reads it from the outbox.
      // (-1: reading history; -2: told to end already.)
      if (position >= 0 && position < ring_base_) {
        position = -2;
        waiting_.erase(watcher);
        ended.push_back(watcher);
      }
    }
    for (const auto& [watcher, since] : waiting_) woken.push_back(watcher);
    waiting_.clear();
    if (closed_) return;
    for (ChangeWatcher* watcher : woken) ++in_round_[watcher];
    for (ChangeWatcher* watcher : ended) ++in_round_[watcher];
  }
  Notify(woken, false, ended,
         ErrorWithInfo(
             absl::StatusCode::kResourceExhausted,
             absl::StrCat("the watcher fell more than ", options_.buffer_events,
                          " events behind the newest change; resume with "
                          "after_sequence = the last checkpoint_sequence "
                          "received"),
             "WATCHER_TOO_SLOW",
             {{"buffer_events", absl::StrCat(options_.buffer_events)}}));
}

void ChangeFeed::Tick() {
  std::vector<ChangeWatcher*> due;
  {
    absl::MutexLock lock(&mu_);
    if (closed_) return;
    const absl::Time now = absl::Now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      if (it->second + options_.heartbeat <= now) {
        due.push_back(it->first);
        ++in_round_[it->first];
        it = waiting_.erase(it);
      } else {
        ++it;
      }
    }
  }
  if (!due.empty()) Notify(due, true, {}, absl::OkStatus());
}

void ChangeFeed::Loop() {
  absl::Duration backoff = absl::Milliseconds(100);
  while (!stopping()) {
    const absl::Time started = absl::Now();
    Serve();
    // A session that lasted resets the backoff; one that failed at once
    // doubles it.
    backoff = absl::Now() - started > absl::Seconds(10)
                  ? absl::Milliseconds(100)
                  : std::min(backoff * 2, absl::Seconds(2));
    absl::MutexLock lock(&mu_);
    const absl::Time until = absl::Now() + backoff;
    while (!stopping_ && absl::Now() < until) {
      stop_.WaitWithDeadline(&mu_, until);
    }
  }
}

void ChangeFeed::Serve() {
  try {
    ConnectLimits limits;
    limits.deadline = absl::Now() + absl::Seconds(5);
    limits.abandon = [this] { return stopping(); };
    PgConnection connection(options_.conninfo, limits);
    std::optional<Wakeup> wakeup;
    if (options_.listen) {
      {
        pqxx::nontransaction setup(connection);
        setup.exec("SET statement_timeout = '30s'");
        setup.exec("SET application_name = 'suppliers change feed'");
      }
      for (const PreparedStatement& statement :
           {sql::kChangeEventsAfter, sql::kChangeFeedBounds,
            sql::kChangeFeedPrune}) {
        connection.prepare(statement.name, statement.sql);
      }
      connection.set_session_prepared(true);
      wakeup.emplace(connection);  // LISTEN, before reading: none is lost
    }
    // Without LISTEN (behind a transaction-pooling proxy, whose sessions
    // are shared) the feed sets nothing on the session and reads the
    // outbox every poll_interval: later, never fewer, events.
    int64_t head = 0;
    {
      pqxx::nontransaction read(connection);
      const pqxx::row bounds = sql::Exec1(read, sql::kChangeFeedBounds);
      const int64_t pruned = bounds[0].as<int64_t>();
      const int64_t newest = bounds[1].as<int64_t>();
      absl::MutexLock lock(&mu_);
      // First connection, or an outage longer than the retention: start at
      // the newest event (watchers behind it read the outbox, or learn that
      // their resume point is gone).
      if (ring_base_ < 0 || pruned > head_) {
        ring_.clear();
        ring_base_ = newest;
        head_ = newest;
      }
      head = head_;
    }
    Log(LogLevel::kInfo, "change feed listening", {{"sequence", head}});
    Publish({});  // wakes watchers that waited for the connection
    const absl::Duration prune_every =
        std::clamp(options_.retention / 4, absl::Seconds(1), absl::Minutes(1));
    absl::Time next_prune = absl::Now();
    absl::Time next_poll = absl::Now();
    while (!stopping()) {
      if ((wakeup.has_value() && wakeup->woken) || absl::Now() >= next_poll) {
        if (wakeup.has_value()) wakeup->woken = false;
        next_poll = absl::Now() + options_.poll_interval;
        while (!stopping()) {
          std::vector<v1::ChangeEvent> events;
          {
            pqxx::nontransaction read(connection);
            const pqxx::result rows =
                sql::Exec(read, sql::kChangeEventsAfter, head, kPageEvents);
            events.reserve(rows.size());
            for (const pqxx::row& row : rows) {
              events.push_back(EventFromRow(row));
            }
          }
          const bool full = static_cast<int>(events.size()) == kPageEvents;
          if (!events.empty()) {
            head = events.back().sequence();
            Publish(std::move(events));
          }
          if (!full) break;
        }
      }
      if (absl::Now() >= next_prune) {
        pqxx::nontransaction prune(connection);
        sql::Exec(prune, sql::kChangeFeedPrune,
                  absl::StrCat(absl::ToInt64Milliseconds(options_.retention),
                               " milliseconds"),
                  kPruneTransactions);
        next_prune = absl::Now() + prune_every;
      }
      Tick();
      if (wakeup.has_value()) {
        connection.await_notification(0, 250000);
      } else {
        absl::MutexLock lock(&mu_);
        const absl::Time until = absl::Now() + absl::Milliseconds(250);
        while (!stopping_ && absl::Now() < until) {
          stop_.WaitWithDeadline(&mu_, until);
        }
      }
    }
  } catch (const std::exception& error) {
    if (stopping()) return;
    Log(LogLevel::kWarning,
        "change feed: lost its database connection; reconnecting",
        {{"error", error.what()}});
  }
}

}  // namespace suppliers
