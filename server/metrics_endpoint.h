// Owns the Prometheus endpoint (--metrics_listen HOST:PORT): an HTTP
// listener serving /metrics with the process's metrics (base/metrics.h) and
// the gauges read from the pool and the work queue at each scrape.
#ifndef SUPPLIERS_SERVER_METRICS_ENDPOINT_H_
#define SUPPLIERS_SERVER_METRICS_ENDPOINT_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "server/db/pool.h"
#include "server/db/replica_set.h"

namespace prometheus {
class Exposer;
class Collectable;
}  // namespace prometheus

namespace suppliers {

// What a scrape reads from the running server, at that moment.
struct ServerGauges {
  std::function<ConnectionPool::Stats()> pool;
  int pool_max_connections = 0;
  std::function<int()> queue_depth;
  // The read replicas' state; unset when the server has none.
  std::function<std::vector<ReplicaSet::ReplicaStatus>()> replicas;
};

// Serves /metrics while it lives; turns recording on (Metrics::Enable).
// Destroy it before whatever `gauges` reads. Thread-safe (scrapes run on the
// listener's own threads).
class MetricsEndpoint {
 public:
  // UNAVAILABLE when the address cannot be bound.
  static absl::StatusOr<std::unique_ptr<MetricsEndpoint>> Start(
      const std::string& listen_address, ServerGauges gauges);
  MetricsEndpoint(const MetricsEndpoint&) = delete;
  MetricsEndpoint& operator=(const MetricsEndpoint&) = delete;
  ~MetricsEndpoint();

  // The port bound (useful with port 0).
  int port() const;

 private:
  MetricsEndpoint() = default;
  std::shared_ptr<prometheus::Collectable> gauges_;
  std::unique_ptr<prometheus::Exposer> exposer_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_METRICS_ENDPOINT_H_
