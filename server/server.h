// Owns the assembly of the gRPC server: services, health, reflection, the
// connection pool and the work queue, and their orderly shutdown.
#ifndef SUPPLIERS_SERVER_SERVER_H_
#define SUPPLIERS_SERVER_SERVER_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/db/pool.h"
#include "server/db/replica_set.h"
#include "server/rpc/authenticator.h"
#include "server/rpc/stream_guard.h"
#include "server/rpc/transport_security.h"
#include "server/store/change_feed.h"
#include "server/store/drawing_limits.h"

namespace grpc {
class Server;
}

namespace suppliers {

class CallCanceller;
class ChangeFeedServiceImpl;
class ExportStore;
class ImportStore;
class DrawingServiceImpl;
class DrawingStore;
class HealthMonitor;
class MetricsEndpoint;
class PartServiceImpl;
class ReflectionV1Service;
class PartStore;
class StatementDriver;
class VendorServiceImpl;
class TransactionRunner;
class VendorStore;
class WorkQueue;
struct CallRuntime;

struct ServerOptions {
  // HOST:PORT; port 0 picks a free port (see SuppliersServer::port()).
  std::string listen_address = "127.0.0.1:50051";
  // Connection pool settings; pool.conninfo holds the password.
  PoolOptions pool;
  // Redacted connection description for logs.
  std::string database_description;
  // Threads running database work; 0 means pool.max_size.
  int worker_threads = 0;
  // Most calls waiting for a worker: a memory bound. Admission is by
  // expected wait (work_queue.h): a call is queued while the wait fits its
  // deadline, the acquire timeout and max_queue_wait.
  int work_queue_capacity = 4096;
  // Longest a unary call may wait for a worker (or, for a read sent
  // without one, for a connection).
  absl::Duration max_queue_wait = absl::Seconds(1);
  // Single-statement reads (GetVendor, GetPart) go out through the
  // StatementDriver, without a worker thread: at most this many pooled
  // connections at once (they yield to other callers waiting for the
  // pool); 0 turns the driver off, so those reads run on the workers too.
  int read_connections = -1;  // -1: pool.max_size
  // Bound on a call whose client set no deadline.
  absl::Duration default_call_deadline = absl::Seconds(30);
  // The same for streaming calls (drawing upload and download).
  absl::Duration default_stream_deadline = absl::Minutes(10);
  // Drawing size limit and transfer sizes.
  DrawingLimits drawings;
  // Streams open at once (0: half the pool size) and their idle timeout.
  StreamLimits streams{0, absl::Seconds(30)};
  // One JSON line per finished call (method, code, duration, peer, caller).
  bool access_log = false;
  // HOST:PORT of the Prometheus endpoint (/metrics); empty: none, and no
  // metric is recorded.
  std::string metrics_listen;
  // Tag each call's database session with its trace id (application_name),
  // at the cost of one more statement per call.
  bool trace_statements = false;
  // TLS or mTLS; without it only a loopback address may listen (unless
  // tls.allow_insecure).
  TlsOptions tls;
  // When set, every call of our services needs credentials with the
  // method's scope (health and reflection stay open).
  std::optional<AuthOptions> auth;
  // The change feed (WatchChanges): retention, per-watcher buffer, watcher
  // limit, heartbeat. An empty `change_feed.conninfo` means pool.conninfo.
  ChangeFeedOptions change_feed;
  // Read replicas (none: every call runs on the primary). conninfos,
  // descriptions and max_lag are the caller's; the rest is derived from
  // the pool's options. With replicas, writes report their commit position
  // (x-suppliers-commit-lsn) and single reads run on the workers, which
  // route them, instead of the StatementDriver, which serves the primary.
  ReplicaSetOptions replicas;
  // The database is reached through PgBouncer in transaction mode (see
  // PoolOptions::transaction_pooling); turns the StatementDriver off, and
  // the change feed polls unless change_feed.conninfo leads elsewhere.
  bool transaction_pooling = false;
  // How often the health probe asks the database.
  absl::Duration health_interval = absl::Seconds(1);
  // Health is SERVING only while the database's schema is at the version
  // this binary embeds (off: any schema will do).
  bool check_schema = true;
};

// A running server. Thread-safe: Shutdown() may be called from any thread,
// once; Wait() from any thread.
class SuppliersServer {
 public:
  // Builds and starts the server; INVALID_ARGUMENT for bad options (TLS
  // files, a non-loopback address without TLS, an unusable token key),
  // UNAVAILABLE when the address cannot be bound. The database need not be
  // up: health reports NOT_SERVING until it is.
  static absl::StatusOr<std::unique_ptr<SuppliersServer>> Start(
      ServerOptions options);

  SuppliersServer(const SuppliersServer&) = delete;
  SuppliersServer& operator=(const SuppliersServer&) = delete;
  ~SuppliersServer();  // shuts down with no grace if still running

  // The bound port (useful with port 0).
  int port() const { return port_; }
  const ServerOptions& options() const { return options_; }
  ConnectionPool& pool() { return *pool_; }

  // Stops accepting calls, reports NOT_SERVING, lets in-flight calls finish
  // until `grace` has passed, then cancels the rest, in gRPC and in
  // PostgreSQL alike, and drains the work queue. Returns within `grace` plus
  // the time cancelled calls need to unwind (a round trip each). Idempotent.
  void Shutdown(absl::Duration grace);
  // Blocks until the server has shut down.
  void Wait();

 private:
  explicit SuppliersServer(ServerOptions options);

  ServerOptions options_;
  int port_ = 0;
  // Declaration order is destruction order in reverse: the gRPC server goes
  // first, then the services it calls, then what they use.
  std::unique_ptr<ConnectionPool> pool_;
  std::unique_ptr<WorkQueue> work_queue_;
  std::unique_ptr<WorkQueue> cancel_queue_;
  // After the pool and the work queue: it leases from one through the other.
  std::unique_ptr<StatementDriver> statement_driver_;
  std::unique_ptr<StreamGuard> stream_guard_;
  std::unique_ptr<CallCanceller> canceller_;
  std::unique_ptr<Authenticator> authenticator_;
  std::unique_ptr<CallRuntime> runtime_;
  std::unique_ptr<ReplicaSet> replicas_;
  std::unique_ptr<TransactionRunner> transactions_;
  // The change feed's: always the primary (its LISTEN is there, and an
  // outbox read on a lagging replica would hold watchers back).
  std::unique_ptr<TransactionRunner> primary_transactions_;
  std::unique_ptr<VendorStore> vendor_store_;
  std::unique_ptr<PartStore> part_store_;
  std::unique_ptr<DrawingStore> drawing_store_;
  std::unique_ptr<ImportStore> import_store_;
  std::unique_ptr<ExportStore> export_store_;
  std::unique_ptr<ChangeFeed> change_feed_;
  std::unique_ptr<ChangeFeedServiceImpl> change_feed_service_;
  std::unique_ptr<VendorServiceImpl> vendor_service_;
  std::unique_ptr<PartServiceImpl> part_service_;
  std::unique_ptr<DrawingServiceImpl> drawing_service_;
  std::unique_ptr<ReflectionV1Service> reflection_v1_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<HealthMonitor> health_monitor_;
  // Last: destroyed first, while the pool and the queue it reads live.
  std::unique_ptr<MetricsEndpoint> metrics_endpoint_;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_SERVER_H_
