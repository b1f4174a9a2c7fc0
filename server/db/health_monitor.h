// Owns the database health probe that drives the gRPC health service: SERVING
// only while PostgreSQL answers.
#ifndef SUPPLIERS_SERVER_DB_HEALTH_MONITOR_H_
#define SUPPLIERS_SERVER_DB_HEALTH_MONITOR_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/connection"

namespace suppliers {

// Probes the database with `SELECT 1` every `interval` on a dedicated
// connection (not a pooled one: a busy pool must not look like a dead
// database) and calls `on_change(reachable)` on the probe thread whenever the
// answer flips, and once after the first probe.
//
// Thread-safe; the callback runs on the monitor's own thread.
class HealthMonitor {
 public:
  HealthMonitor(std::string conninfo, absl::Duration interval,
                std::function<void(bool reachable)> on_change);
  HealthMonitor(const HealthMonitor&) = delete;
  HealthMonitor& operator=(const HealthMonitor&) = delete;
  ~HealthMonitor();  // stops the probe thread

 private:
  void Loop();
  bool Probe();
  bool ProbeOnce();

  const std::string conninfo_;
  const absl::Duration interval_;
  const std::function<void(bool)> on_change_;
  std::unique_ptr<pqxx::connection> connection_;  // probe thread only
  absl::Mutex mu_;
  absl::CondVar wakeup_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool reachable_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_DB_HEALTH_MONITOR_H_
