// Owns the read replicas: one bounded pool per streaming replica, the probe
// that measures how far each one's replay lags behind the primary, and the
// choice of the replica a read runs on (or none: the primary).
#ifndef SUPPLIERS_SERVER_DB_REPLICA_SET_H_
#define SUPPLIERS_SERVER_DB_REPLICA_SET_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/wal_position.h"
#include "server/db/pg_connection.h"
#include "server/db/pool.h"

namespace suppliers {

struct ReplicaSetOptions {
  // libpq conninfo of each replica (hold passwords: never logged).
  std::vector<std::string> conninfos;
  // What logs and metrics call each replica (host and port, redacted).
  std::vector<std::string> descriptions;
  // The primary, whose WAL position the probe compares replays with.
  std::string primary_conninfo;
  // Template of each replica's pool (size, waiters, timeouts, statements);
  // conninfo and session_setup are replaced (a hot standby cannot create
  // the temporary staging tables, and no write runs there).
  PoolOptions pool;
  // A replica whose replay is behind the primary by more than this (the
  // time since it replayed its last commit, while it has not replayed
  // what the primary had written at the probe) is skipped.
  absl::Duration max_lag = absl::Seconds(5);
  // How often the probe asks every replica (and the primary).
  absl::Duration probe_interval = absl::Seconds(1);
};

// Thread-safe. Pick() and ReportUnavailable() never block (atomics only),
// so workers may call them on every read; the probe runs on its own thread.
// Until the first probe has found a replica well, reads go to the primary.
class ReplicaSet {
 public:
  explicit ReplicaSet(ReplicaSetOptions options);
  ReplicaSet(const ReplicaSet&) = delete;
  ReplicaSet& operator=(const ReplicaSet&) = delete;
  // Stops the probe (within about 100 ms) and shuts the pools down.
  ~ReplicaSet();

  // The pool of a usable replica that had replayed through `min_lsn` (0:
  // any) at its last probe, in turn among those that qualify; nullptr when
  // none does, and the read belongs on the primary.
  ConnectionPool* Pick(uint64_t min_lsn);
  // A read on `pool` could not get or keep a connection: the replica is
  // skipped until a probe finds it well again.
  void ReportUnavailable(ConnectionPool* pool);
  // Refuses further acquisitions and cancels what runs (server shutdown).
  void Shutdown();

  struct ReplicaStatus {
    std::string description;
    bool usable = false;
    // The replay lag the last probe measured (zero when caught up).
    absl::Duration lag;  // -1 s: unknown
    uint64_t replay_lsn = 0;
    int64_t reads = 0;  // reads sent to it so far
  };
  std::vector<ReplicaStatus> Status() const;

 private:
  struct Replica {
    std::string conninfo;
    std::string description;
    std::unique_ptr<ConnectionPool> pool;
    std::atomic<bool> usable{false};
    std::atomic<uint64_t> replay_lsn{0};
    std::atomic<int64_t> lag_ms{0};
    std::atomic<int64_t> reads{0};
    // The probe thread's own; closed after a failure.
    std::unique_ptr<PgConnection> probe;
    // What was last logged, so that only changes are.
    std::string last_state;
  };

  void Loop();
  void ProbeAll();
  // The primary's WAL write position, or nullopt when it cannot be read.
  std::optional<uint64_t> PrimaryPosition();
  void Probe(Replica& replica, std::optional<uint64_t> primary_lsn);
  // A connection with a short statement timeout, or nullptr.
  std::unique_ptr<PgConnection> Connect(const std::string& conninfo);

  const ReplicaSetOptions options_;
  std::vector<std::unique_ptr<Replica>> replicas_;
  std::atomic<uint64_t> next_{0};
  std::unique_ptr<PgConnection> primary_probe_;  // probe thread only
  mutable absl::Mutex mu_;
  absl::CondVar wakeup_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::atomic<bool> abandon_{false};  // abandons a probe's connect
  std::thread thread_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_REPLICA_SET_H_
