// Owns the server's side of the change feed: one LISTEN connection shared by
// every watcher, which reads new events from the outbox tables (written by
// the triggers of sql/migrations/0006_change_feed.sql) into a bounded ring
// in memory, reconnects and catches up after the database restarts, prunes
// events past the retention, and wakes the watchers. Watchers read the ring
// by position, or the outbox itself (history) when they resume from further
// back than the ring reaches.
#ifndef SUPPLIERS_SERVER_STORE_CHANGE_FEED_H_
#define SUPPLIERS_SERVER_STORE_CHANGE_FEED_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/db/call_context.h"
#include "server/db/transaction_runner.h"
#include "suppliers/v1/change_feed.pb.h"

namespace suppliers {

struct ChangeFeedOptions {
  // The database, as the pool reaches it.
  std::string conninfo;
  // Events committed longer ago than this are deleted (the outbox would
  // otherwise grow forever); a watcher resuming from before them gets
  // OUT_OF_RANGE.
  absl::Duration retention = absl::Hours(24);
  // Events kept in memory, shared by every watcher: the furthest a live
  // watcher may fall behind the newest event before its stream ends with
  // RESOURCE_EXHAUSTED (reason WATCHER_TOO_SLOW).
  int buffer_events = 10000;
  // Streams watching at once; one more is refused (TOO_MANY_WATCHERS).
  int max_watchers = 4096;
  // An idle watcher is sent its checkpoint this often.
  absl::Duration heartbeat = absl::Seconds(10);
  // How often the outbox is read even without a NOTIFY (a safety net: a
  // NOTIFY is lost when the LISTEN connection is down; the catch-up after
  // reconnecting covers that too).
  absl::Duration poll_interval = absl::Seconds(1);
  // LISTEN for the commit triggers' NOTIFY on a session of the feed's own.
  // Off when `conninfo` leads through a transaction-pooling proxy
  // (PgBouncer), where a session is not the feed's: events then arrive by
  // polling, up to poll_interval late.
  bool listen = true;
};

// A stream following the feed; implemented by the WatchChanges reactor.
// The feed calls these from its own thread, never while holding its lock;
// they must not block.
class ChangeWatcher {
 public:
  virtual ~ChangeWatcher() = default;
  // Events after the watcher's position may be in the ring now (or, with
  // `heartbeat`, none came for a while: send the checkpoint). The watcher
  // was taken off the waiting list; it calls ChangeFeed::Read again.
  virtual void OnChanges(bool heartbeat) = 0;
  // The watcher fell out of the ring (WATCHER_TOO_SLOW), or the server is
  // shutting down: end the stream with `status`.
  virtual void OnEnd(absl::Status status) = 0;
};

// Bitmask of v1::ResourceKind values (1 << kind); 0 matches nothing.
using KindMask = uint32_t;

// Thread-safe. Starts its thread in the constructor; the destructor stops
// it (call Close() first to end the watchers).
class ChangeFeed {
 public:
  ChangeFeed(ChangeFeedOptions options, TransactionRunner& transactions);
  ChangeFeed(const ChangeFeed&) = delete;
  ChangeFeed& operator=(const ChangeFeed&) = delete;
  ~ChangeFeed();

  // Counts `watcher` in; RESOURCE_EXHAUSTED (TOO_MANY_WATCHERS) at
  // max_watchers, UNAVAILABLE once closed.
  absl::Status Join(ChangeWatcher* watcher);
  // Counts it out. After it returns the feed never calls `watcher` again
  // (it waits for a call in progress; never call it from OnChanges/OnEnd).
  void Leave(ChangeWatcher* watcher);

  // Where a new watch starts: the resume point checked against the outbox
  // (OUT_OF_RANGE past the retention or beyond the newest event), or
  // without one (nullopt) the newest event. Blocking: call on a worker.
  absl::StatusOr<int64_t> StartPosition(CallContext& call,
                                        std::optional<int64_t> resume_point);

  enum class ReadResult {
    kEvents,       // `events` has events of the watcher's kinds
    kAdvanced,     // no matching events, but the position moved past others
    kWaiting,      // nothing new: the watcher is woken by OnChanges
    kNeedHistory,  // the ring starts after `position`: ReadHistory
  };
  // Appends up to `max` events after `*position` from the ring to `events`,
  // keeping those in `kinds`, and moves `*position` past everything it looked
  // at. With nothing new it puts the watcher on the waiting list (atomically
  // with the check, so no event can slip between).
  ReadResult Read(ChangeWatcher* watcher, KindMask kinds, int max,
                  int64_t* position, std::vector<v1::ChangeEvent>* events);
  // The same from the outbox (for watchers further back than the ring).
  // Blocking: call on a worker.
  absl::Status ReadHistory(CallContext& call, KindMask kinds, int max,
                           int64_t* position,
                           std::vector<v1::ChangeEvent>* events);

  // Ends every watcher (UNAVAILABLE, SHUTTING_DOWN) and refuses new ones.
  void Close();

  // For tests and metrics: the newest sequence read into the ring.
  int64_t head() const;
  int watchers() const;

 private:
  void Loop();
  // One connected session: LISTEN, catch up, wait for NOTIFY, prune; returns
  // when the connection breaks or the feed stops.
  void Serve();
  // Appends events read from the outbox to the ring and wakes waiters.
  void Publish(std::vector<v1::ChangeEvent> events);
  // Wakes waiting watchers whose heartbeat is due; ends those that fell out
  // of the ring.
  void Tick();
  // Calls OnChanges on `woken` and OnEnd on `ended`, outside the lock; they
  // were put in in_round_ under it.
  void Notify(const std::vector<ChangeWatcher*>& woken, bool heartbeat,
              const std::vector<ChangeWatcher*>& ended,
              const absl::Status& end_status);
  bool stopping() const;

  const ChangeFeedOptions options_;
  TransactionRunner& transactions_;

  mutable absl::Mutex mu_;
  absl::CondVar round_done_;
  std::deque<v1::ChangeEvent> ring_ ABSL_GUARDED_BY(mu_);
  // The ring holds every event in (ring_base_, head_].
  int64_t ring_base_ ABSL_GUARDED_BY(mu_) = -1;  // -1: not connected yet
  int64_t head_ ABSL_GUARDED_BY(mu_) = -1;
  // Every watcher, with the position it last read up to (live watchers
  // only: -1 while reading history).
  std::map<ChangeWatcher*, int64_t> watchers_ ABSL_GUARDED_BY(mu_);
  // Watchers with nothing to send, and since when.
  std::map<ChangeWatcher*, absl::Time> waiting_ ABSL_GUARDED_BY(mu_);
  // Watchers being called right now (outside the lock), with how many
  // calls (the feed's thread and Close() may overlap).
  std::map<ChangeWatcher*, int> in_round_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::CondVar stop_;
  std::thread thread_;
};

// The ResourceKind bitmask of a request's kinds (empty: all);
// INVALID_ARGUMENT naming kinds[i] for UNSPECIFIED or unknown values.
absl::StatusOr<KindMask> KindMaskOf(const v1::WatchChangesRequest& request);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_CHANGE_FEED_H_
