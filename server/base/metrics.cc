// Owns the process's Prometheus metrics (see metrics.h).
#include "server/base/metrics.h"

#include <string>

namespace suppliers {
namespace {

// Latency buckets from 0.5 ms to 10 s: a GetVendor takes about a
// millisecond, an upload seconds.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,  0.5,    1,     2.5,  5,     10};
}

}  // namespace

Metrics& Metrics::Get() {
  static Metrics* const metrics = new Metrics();  // never destroyed
  return *metrics;
}

Metrics::Metrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      calls_(prometheus::BuildCounter()
                 .Name("suppliers_rpc_calls_total")
                 .Help("Finished calls by method and gRPC status code")
                 .Register(*registry_)),
      call_seconds_(prometheus::BuildHistogram()
                        .Name("suppliers_rpc_duration_seconds")
                        .Help("Call duration by method, in seconds")
                        .Register(*registry_)),
      pool_acquire_seconds_(
          prometheus::BuildHistogram()
              .Name("suppliers_db_pool_acquire_seconds")
              .Help("Time to acquire a pooled database connection")
              .Register(*registry_)
              .Add({}, LatencyBuckets())),
      queue_wait_seconds_(
          prometheus::BuildHistogram()
              .Name("suppliers_work_queue_wait_seconds")
              .Help("Time a task waited in the work queue for a worker")
              .Register(*registry_)
              .Add({}, LatencyBuckets())),
      database_errors_(prometheus::BuildCounter()
                           .Name("suppliers_db_errors_total")
                           .Help("Database errors by SQLSTATE class")
                           .Register(*registry_)),
      drawing_bytes_(prometheus::BuildCounter()
                         .Name("suppliers_drawing_bytes_total")
                         .Help("Drawing bytes uploaded (in) and downloaded "
                               "(out)")
                         .Register(*registry_)),
      drawing_bytes_in_(drawing_bytes_.Add({{"direction", "in"}})),
      drawing_bytes_out_(drawing_bytes_.Add({{"direction", "out"}})),
      streams_active_(prometheus::BuildGauge()
                          .Name("suppliers_streams_active")
                          .Help("Streaming calls running now, by method")
                          .Register(*registry_)),
      streams_total_(prometheus::BuildCounter()
                         .Name("suppliers_streams_total")
                         .Help("Streaming calls started, by method")
                         .Register(*registry_)) {}

void Metrics::RecordCall(absl::string_view method, absl::string_view code,
                         absl::Duration duration) {
  if (!enabled()) return;
  const std::string name(method);
  calls_.Add({{"method", name}, {"code", std::string(code)}}).Increment();
  call_seconds_.Add({{"method", name}}, LatencyBuckets())
      .Observe(absl::ToDoubleSeconds(duration));
}

void Metrics::RecordPoolAcquire(absl::Duration waited) {
  if (enabled()) pool_acquire_seconds_.Observe(absl::ToDoubleSeconds(waited));
}

void Metrics::RecordQueueWait(absl::Duration waited) {
  if (enabled()) queue_wait_seconds_.Observe(absl::ToDoubleSeconds(waited));
}

void Metrics::RecordDatabaseError(absl::string_view sqlstate) {
  if (!enabled()) return;
  const std::string sqlstate_class =
      sqlstate.size() >= 2 ? std::string(sqlstate.substr(0, 2)) : "unknown";
  database_errors_.Add({{"sqlstate_class", sqlstate_class}}).Increment();
}

void Metrics::AddDrawingBytesIn(int64_t bytes) {
  if (enabled()) drawing_bytes_in_.Increment(static_cast<double>(bytes));
}

void Metrics::AddDrawingBytesOut(int64_t bytes) {
  if (enabled()) drawing_bytes_out_.Increment(static_cast<double>(bytes));
}

void Metrics::StreamStarted(absl::string_view method) {
  if (!enabled()) return;
  const std::string name(method);
  streams_active_.Add({{"method", name}}).Increment();
  streams_total_.Add({{"method", name}}).Increment();
}

void Metrics::StreamEnded(absl::string_view method) {
  if (enabled())
    streams_active_.Add({{"method", std::string(method)}}).Decrement();
}

}  // namespace suppliers
