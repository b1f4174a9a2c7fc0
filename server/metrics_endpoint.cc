// Owns the Prometheus endpoint: the HTTP listener and the scrape-time
// gauges of the pool and the work queue.
#include "server/metrics_endpoint.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "prometheus/collectable.h"
#include "prometheus/exposer.h"
#include "prometheus/metric_family.h"
#include "server/base/metrics.h"

namespace suppliers {
namespace {

prometheus::MetricFamily Gauge(std::string name, std::string help) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prometheus::MetricType::Gauge;
  return family;
}

void AddValue(prometheus::MetricFamily& family, double value,
              std::vector<prometheus::ClientMetric::Label> labels = {}) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

class ServerGaugesCollectable final : public prometheus::Collectable {
 public:
  explicit ServerGaugesCollectable(ServerGauges gauges)
      : gauges_(std::move(gauges)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    const ConnectionPool::Stats pool = gauges_.pool();
    prometheus::MetricFamily connections =
        Gauge("suppliers_db_pool_connections",
              "Pooled database connections by state");
    AddValue(connections, pool.in_use, {{"state", "in_use"}});
    AddValue(connections, pool.idle, {{"state", "idle"}});
    AddValue(connections, pool.connecting, {{"state", "connecting"}});
    prometheus::MetricFamily max_connections =
        Gauge("suppliers_db_pool_max_connections",
              "Most connections the pool opens (--pool_max_size)");
    AddValue(max_connections, gauges_.pool_max_connections);
    prometheus::MetricFamily waiters = Gauge(
        "suppliers_db_pool_waiters", "Callers waiting for a pooled connection");
    AddValue(waiters, pool.waiters);
    prometheus::MetricFamily depth =
        Gauge("suppliers_work_queue_depth",
              "Tasks waiting in the work queue for a worker");
    AddValue(depth, gauges_.queue_depth());
    std::vector<prometheus::MetricFamily> families;
    families.push_back(std::move(connections));
    families.push_back(std::move(max_connections));
    families.push_back(std::move(waiters));
    families.push_back(std::move(depth));
    if (gauges_.replicas) {
      prometheus::MetricFamily usable =
          Gauge("suppliers_db_replica_usable",
                "1 while reads may go to the read replica (reachable, a "
                "standby, within --replica_max_lag)");
      prometheus::MetricFamily lag =
          Gauge("suppliers_db_replica_lag_seconds",
                "Replay lag the last probe measured (-1: unknown)");
      prometheus::MetricFamily reads = Gauge(
          "suppliers_db_replica_reads", "Reads sent to the replica so far");
      for (const ReplicaSet::ReplicaStatus& replica : gauges_.replicas()) {
        // The redacted description (host, port, database; no password).
        std::vector<prometheus::ClientMetric::Label> label = {
            {"replica", replica.description}};
        AddValue(usable, replica.usable ? 1 : 0, label);
        AddValue(lag, absl::ToDoubleSeconds(replica.lag), label);
        AddValue(reads, static_cast<double>(replica.reads), label);
      }
      families.push_back(std::move(usable));
      families.push_back(std::move(lag));
      families.push_back(std::move(reads));
    }
    return families;
  }

 private:
  const ServerGauges gauges_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& listen_address, ServerGauges gauges) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  try {
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(listen_address);
  } catch (const std::exception& e) {
    return absl::UnavailableError(absl::StrCat("cannot serve metrics on ",
                                               listen_address, ": ", e.what()));
  }
  Metrics::Get().Enable();
  endpoint->gauges_ =
      std::make_shared<ServerGaugesCollectable>(std::move(gauges));
  endpoint->exposer_->RegisterCollectable(Metrics::Get().registry());
  endpoint->exposer_->RegisterCollectable(endpoint->gauges_);
  return endpoint;
}

MetricsEndpoint::~MetricsEndpoint() {
  // The listener stops before the gauges' sources go away.
  exposer_.reset();
}

int MetricsEndpoint::port() const {
  const std::vector<int> ports = exposer_->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

}  // namespace suppliers
