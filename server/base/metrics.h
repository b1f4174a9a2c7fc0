// Owns the process's Prometheus metrics: one registry, the families the
// server records into, and the switch that keeps recording free when no
// endpoint serves them (--metrics_listen unset).
#ifndef SUPPLIERS_SERVER_BASE_METRICS_H_
#define SUPPLIERS_SERVER_BASE_METRICS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace suppliers {

// Names (docs/operations in README, deploy/grafana): suppliers_rpc_calls_total
// {method,code}, suppliers_rpc_duration_seconds{method},
// suppliers_db_pool_acquire_seconds, suppliers_work_queue_wait_seconds,
// suppliers_db_errors_total{sqlstate_class}, suppliers_drawing_bytes_total
// {direction}, suppliers_streams_active{method}, suppliers_streams_total
// {method}. The pool and queue gauges are read at scrape time (the server's
// endpoint collects them).
//
// Thread-safe. Every Record* is a no-op until Enable(): the process records
// only when something will read it.
class Metrics {
 public:
  Metrics(const Metrics&) = delete;
  Metrics& operator=(const Metrics&) = delete;

  // The process's one instance.
  static Metrics& Get();

  void Enable() { enabled_.store(true, std::memory_order_relaxed); }
  bool enabled() const { return enabled_.load(std::memory_order_relaxed); }
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  // A finished call: `method` as gRPC names it ("/pkg.Service/Method"),
  // `code` as absl::StatusCodeToString spells it ("OK", "NOT_FOUND").
  void RecordCall(absl::string_view method, absl::string_view code,
                  absl::Duration duration);
  void RecordPoolAcquire(absl::Duration waited);
  void RecordQueueWait(absl::Duration waited);
  // A database error by the class of its SQLSTATE (first two characters:
  // "23" integrity, "57" operator intervention, "08" connection...).
  void RecordDatabaseError(absl::string_view sqlstate);
  void AddDrawingBytesIn(int64_t bytes);
  void AddDrawingBytesOut(int64_t bytes);
  void StreamStarted(absl::string_view method);
  void StreamEnded(absl::string_view method);

 private:
  Metrics();

  std::atomic<bool> enabled_{false};
  const std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& calls_;
  prometheus::Family<prometheus::Histogram>& call_seconds_;
  prometheus::Histogram& pool_acquire_seconds_;
  prometheus::Histogram& queue_wait_seconds_;
  prometheus::Family<prometheus::Counter>& database_errors_;
  prometheus::Family<prometheus::Counter>& drawing_bytes_;
  prometheus::Counter& drawing_bytes_in_;
  prometheus::Counter& drawing_bytes_out_;
  prometheus::Family<prometheus::Gauge>& streams_active_;
  prometheus::Family<prometheus::Counter>& streams_total_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_BASE_METRICS_H_
