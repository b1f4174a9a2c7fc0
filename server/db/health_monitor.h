// Owns the database health probe that drives the gRPC health service:
// SERVING only while PostgreSQL answers and its schema is at the version
// this binary embeds.
#ifndef SUPPLIERS_SERVER_DB_HEALTH_MONITOR_H_
#define SUPPLIERS_SERVER_DB_HEALTH_MONITOR_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/db/migrations.h"
#include "server/db/pg_connection.h"

namespace suppliers {

struct HealthOptions {
  // libpq conninfo (holds the password: never logged).
  std::string conninfo;
  // How often the probe runs.
  absl::Duration interval = absl::Seconds(1);
  // Longest one probe may take (connect, then one query) before the
  // database counts as unreachable.
  absl::Duration probe_timeout = absl::Seconds(2);
  // The migrations the schema must have; empty: any schema will do.
  std::vector<MigrationFile> migrations;
};

// What the last probe found.
enum class DatabaseHealth {
  kServing,      // reachable, schema current
  kUnreachable,  // no connection, or no answer within the probe timeout
  kNotMigrated,  // reachable, but the schema is behind or changed
};

// Probes the database every `interval` on a dedicated connection (not a
// pooled one: a busy pool must not look like a dead database): reads
// schema_migrations and compares it with the embedded migrations. Calls
// `on_change(health)` on the probe thread whenever the answer changes, and
// once after the first probe, and logs one line each time (naming the fix,
// `suppliers-server migrate`, for a schema that is behind).
//
// Thread-safe; the callback runs on the monitor's own thread.
class HealthMonitor {
 public:
  HealthMonitor(HealthOptions options,
                std::function<void(DatabaseHealth)> on_change);
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;
  // Stops the probe thread within about 50 ms, even mid-probe.
  ~HealthMonitor();

 private:
  void Loop();
  DatabaseHealth Probe();
  DatabaseHealth ProbeOnce();
  PgConnection* CurrentConnection();
  void DropConnection();

  const HealthOptions options_;
  const std::function<void(DatabaseHealth)> on_change_;
  std::atomic<bool> stopping_{false};  // also abandons a connect
  absl::Mutex mu_;
  // Used by the probe thread; set and cleared under mu_ so that the
  // destructor can cancel a probe in flight.
  std::unique_ptr<PgConnection> connection_ ABSL_GUARDED_BY(mu_);
  absl::CondVar wakeup_;
  std::thread thread_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_HEALTH_MONITOR_H_
