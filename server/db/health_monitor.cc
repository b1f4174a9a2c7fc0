// Owns the database health probe that drives the gRPC health service:
// SERVING only while PostgreSQL answers and its schema is at the version
// this binary embeds.
#include "server/db/health_monitor.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "pqxx/pqxx"
#include "server/base/log.h"

namespace suppliers {

HealthMonitor::HealthMonitor(HealthOptions options,
                             std::function<void(DatabaseHealth)> on_change)
    : options_(std::move(options)), on_change_(std::move(on_change)) {
  thread_ = std::thread([this] { Loop(); });
}

HealthMonitor::~HealthMonitor() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    wakeup_.Signal();
    // The probe's statement timeout bounds a query already running; a
    // cancel makes it end now.
    if (connection_ != nullptr) connection_->Cancel();
  }
  thread_.join();
}

DatabaseHealth HealthMonitor::Probe() {
  // A connection left from before a database restart fails once; retry on a
  // fresh one so a returning database is seen on the same probe.
  const bool had_connection = CurrentConnection() != nullptr;
  const DatabaseHealth health = ProbeOnce();
  if (health != DatabaseHealth::kUnreachable || !had_connection) return health;
  return ProbeOnce();
}

DatabaseHealth HealthMonitor::ProbeOnce() {
  try {
    PgConnection* current = CurrentConnection();
    if (current == nullptr || !current->is_open()) {
      auto connection = std::make_unique<PgConnection>(
          options_.conninfo,
          ConnectLimits{absl::Now() + options_.probe_timeout,
                        [this] { return stopping_.load(); }});
      current = connection.get();
      absl::MutexLock lock(&mu_);
      connection_ = std::move(connection);
    }
    pqxx::read_transaction txn(*current);
    // Bounded so a hung server reads as unreachable, not as a hung probe.
    // Local to the transaction: behind PgBouncer in transaction mode a
    // session setting would stay on a server session other clients share.
    txn.exec(absl::StrCat("SET LOCAL statement_timeout = ",
                          absl::ToInt64Milliseconds(options_.probe_timeout)));
    if (options_.migrations.empty()) {
      txn.exec("SELECT 1");
      return DatabaseHealth::kServing;
    }
    absl::StatusOr<SchemaCheck> check = CheckSchema(txn, options_.migrations);
    if (!check.ok() || check->state != SchemaState::kCurrent) {
      return DatabaseHealth::kNotMigrated;
    }
    return DatabaseHealth::kServing;
  } catch (const std::exception&) {
    // The next probe reconnects from scratch.
    DropConnection();
    return DatabaseHealth::kUnreachable;
  }
}

void HealthMonitor::Loop() {
  bool first = true;
  DatabaseHealth last = DatabaseHealth::kUnreachable;
  while (!stopping_) {
    const DatabaseHealth health = Probe();
    if (stopping_) break;
    if (first || health != last) {
      switch (health) {
        case DatabaseHealth::kServing:
          Log(LogLevel::kInfo, "database reachable, schema current");
          break;
        case DatabaseHealth::kUnreachable:
          Log(LogLevel::kWarning, "database unreachable");
          break;
        case DatabaseHealth::kNotMigrated:
          Log(LogLevel::kError,
              "database schema is behind this binary (or was changed); "
              "health stays NOT_SERVING until `suppliers-server migrate` "
              "brings it up to date");
          break;
      }
      on_change_(health);
    }
    first = false;
    last = health;
    absl::MutexLock lock(&mu_);
    if (stopping_) break;
    wakeup_.WaitWithTimeout(&mu_, options_.interval);
  }
  DropConnection();
}

PgConnection* HealthMonitor::CurrentConnection() {
  // Only the probe thread changes connection_, so the pointer stays valid on
  // it after the lock is released.
  absl::MutexLock lock(&mu_);
  return connection_.get();
}

void HealthMonitor::DropConnection() {
  std::unique_ptr<PgConnection> dropped;
  {
    absl::MutexLock lock(&mu_);
    dropped = std::move(connection_);
  }
  // Closed here, outside the lock.
}

}  // namespace suppliers
