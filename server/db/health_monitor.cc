// Owns the database health probe that drives the gRPC health service: SERVING
// only while PostgreSQL answers.
#include "server/db/health_monitor.h"

#include <utility>

#include "pqxx/pqxx"
#include "server/base/log.h"

namespace suppliers {

HealthMonitor::HealthMonitor(std::string conninfo, absl::Duration interval,
                             std::function<void(bool)> on_change)
    : conninfo_(std::move(conninfo)),
      interval_(interval),
      on_change_(std::move(on_change)) {
  thread_ = std::thread([this] { Loop(); });
}

HealthMonitor::~HealthMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wakeup_.Signal();
  }
  thread_.join();
}

bool HealthMonitor::Probe() {
  // A connection left from before a database restart fails once; retry on a
  // fresh one so a returning database is seen on the same probe.
  const bool had_connection = connection_ != nullptr;
  if (ProbeOnce()) return true;
  return had_connection && ProbeOnce();
}

bool HealthMonitor::ProbeOnce() {
  try {
    if (connection_ == nullptr || !connection_->is_open()) {
      connection_ = std::make_unique<pqxx::connection>(conninfo_);
    }
    pqxx::nontransaction txn(*connection_);
    // Bounded so a hung server reads as unreachable, not as a hung probe.
    txn.exec("SET statement_timeout = 2000");
    txn.exec("SELECT 1");
    return true;
  } catch (const std::exception&) {
    // The next probe reconnects from scratch.
    connection_.reset();
    return false;
  }
}

void HealthMonitor::Loop() {
  bool first = true;
  while (true) {
    const bool now_reachable = Probe();
    bool changed;
    {
      absl::MutexLock lock(&mu_);
      if (stopping_) break;
      changed = first || now_reachable != reachable_;
      reachable_ = now_reachable;
    }
    if (changed) {
      Log(now_reachable ? LogLevel::kInfo : LogLevel::kWarning,
          now_reachable ? "database reachable" : "database unreachable");
      on_change_(now_reachable);
    }
    first = false;
    absl::MutexLock lock(&mu_);
    if (stopping_) break;
    wakeup_.WaitWithTimeout(&mu_, interval_);
    if (stopping_) break;
  }
  connection_.reset();
}

}  // namespace suppliers
