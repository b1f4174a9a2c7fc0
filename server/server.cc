// Owns the assembly of the gRPC server: services, health, reflection, the
// connection pool and the work queue, and their orderly shutdown.
#include "server/server.h"

#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

#include <algorithm>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.pb.h"
#include "server/base/log.h"
#include "server/base/work_queue.h"
#include "server/db/call_canceller.h"
#include "server/db/health_monitor.h"
#include "server/db/migrations.h"
#include "server/db/statement_driver.h"
#include "server/db/statements.h"
#include "server/db/transaction_runner.h"
#include "server/metrics_endpoint.h"
#include "server/rpc/access_log.h"
#include "server/rpc/authenticator.h"
#include "server/rpc/bulk_streams.h"
#include "server/rpc/call_runtime.h"
#include "server/rpc/change_feed_service.h"
#include "server/rpc/drawing_service.h"
#include "server/rpc/method_scopes.h"
#include "server/rpc/part_service.h"
#include "server/rpc/reflection_v1.h"
#include "server/rpc/stream_guard.h"
#include "server/rpc/transport_security.h"
#include "server/rpc/vendor_service.h"
#include "server/store/drawing_store.h"
#include "server/store/part_store.h"
#include "server/store/vendor_store.h"

namespace suppliers {
namespace {

// The services of our API, by full name, from the compiled protos.
std::vector<std::string> ServedApiServices() {
  std::vector<std::string> names;
  for (const MethodScope& method : AllMethodScopes()) {
    // "/suppliers.v1.VendorService/GetVendor" -> "suppliers.v1.VendorService"
    std::string service = method.method.substr(1, method.method.rfind('/') - 1);
    if (std::find(names.begin(), names.end(), service) == names.end()) {
      names.push_back(std::move(service));
    }
  }
  return names;
}

}  // namespace

SuppliersServer::SuppliersServer(ServerOptions options)
    : options_(std::move(options)) {}

absl::StatusOr<std::unique_ptr<SuppliersServer>> SuppliersServer::Start(
    ServerOptions options) {
  if (options.pool.max_size < 1) {
    return absl::InvalidArgumentError("pool max size must be at least 1");
  }
  if (options.pool.min_idle < 0 ||
      options.pool.min_idle > options.pool.max_size) {
    return absl::InvalidArgumentError(
        "pool min idle must be between 0 and the pool max size");
  }
  if (options.worker_threads <= 0) {
    options.worker_threads = options.pool.max_size;
  }
  const DrawingLimits& drawings = options.drawings;
  if (drawings.max_bytes < 0 || drawings.max_bytes > (int64_t{1} << 30)) {
    return absl::InvalidArgumentError(
        "max drawing size must be between 0 and 1 GiB (PostgreSQL's bytea "
        "limit)");
  }
  if (drawings.chunk_bytes < 1024 || drawings.chunk_bytes > (1 << 20)) {
    return absl::InvalidArgumentError(
        "drawing chunk size must be between 1 KiB and 1 MiB");
  }
  if (drawings.read_block_bytes < drawings.chunk_bytes ||
      drawings.read_block_bytes > (16 << 20)) {
    return absl::InvalidArgumentError(
        "drawing read block must be between the chunk size and 16 MiB");
  }
  if (options.streams.max_concurrent <= 0) {
    // Well under the pool: streams hold a connection for their whole life,
    // and unary calls must always find one.
    options.streams.max_concurrent = std::max(1, options.pool.max_size / 2);
  }
  if (options.streams.max_concurrent >= options.pool.max_size &&
      options.pool.max_size > 1) {
    return absl::InvalidArgumentError(
        "max concurrent streams must be below the pool max size, so that "
        "streams can never take every connection from unary calls");
  }
  if (options.streams.idle_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("stream idle timeout must be positive");
  }
  if (options.change_feed.retention <= absl::ZeroDuration() ||
      options.change_feed.heartbeat <= absl::ZeroDuration() ||
      options.change_feed.poll_interval <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        "change feed retention, heartbeat and poll interval must be positive");
  }
  if (options.change_feed.buffer_events < 1 ||
      options.change_feed.max_watchers < 1) {
    return absl::InvalidArgumentError(
        "watch buffer events and max watchers must be at least 1");
  }
  if (options.work_queue_capacity < 1) {
    return absl::InvalidArgumentError("work queue capacity must be at least 1");
  }
  if (options.max_queue_wait <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("max queue wait must be positive");
  }
  if (options.read_connections < -1) {
    return absl::InvalidArgumentError(
        "read connections must be -1 (the pool max size), 0 (off) or more");
  }
  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials(options.listen_address, options.tls);
  if (!credentials.ok()) return credentials.status();
  std::unique_ptr<Authenticator> authenticator;
  if (options.auth.has_value()) {
    absl::StatusOr<std::unique_ptr<Authenticator>> created =
        Authenticator::Create(*options.auth);
    if (!created.ok()) return created.status();
    authenticator = *std::move(created);
    // A method without a scope would refuse every caller; a build that
    // forgot one must not start with auth on.
    for (const MethodScope& method : AllMethodScopes()) {
      if (method.scope.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            method.method, " declares no (suppliers.v1.required_scope)"));
      }
    }
  }
  if (options.replicas.max_lag <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("replica max lag must be positive");
  }
  options.pool.session_setup = sql::SessionSetup();
  options.pool.statements = sql::AllStatements();
  options.pool.transaction_pooling = options.transaction_pooling;
  // The driver pipelines named prepared statements on the primary: not
  // through PgBouncer, and not past the replicas the workers route to.
  if (options.transaction_pooling || !options.replicas.conninfos.empty()) {
    options.read_connections = 0;
  }
  std::unique_ptr<SuppliersServer> self(
      new SuppliersServer(std::move(options)));
  const ServerOptions& opts = self->options_;
  self->authenticator_ = std::move(authenticator);
  self->pool_ = std::make_unique<ConnectionPool>(opts.pool);
  self->work_queue_ = std::make_unique<WorkQueue>(opts.worker_threads,
                                                  opts.work_queue_capacity);
  self->cancel_queue_ = std::make_unique<WorkQueue>(1, 1024);
  if (opts.read_connections != 0) {
    StatementDriver::Options reads;
    reads.max_connections =
        opts.read_connections > 0 ? opts.read_connections : opts.pool.max_size;
    reads.queue_capacity = static_cast<size_t>(opts.work_queue_capacity);
    reads.max_queue_wait = opts.max_queue_wait;
    self->statement_driver_ = std::make_unique<StatementDriver>(
        *self->pool_, *self->work_queue_, reads);
  }
  self->stream_guard_ = std::make_unique<StreamGuard>(opts.streams);
  self->canceller_ = std::make_unique<CallCanceller>();
  self->runtime_ = std::make_unique<CallRuntime>(
      CallRuntime{self->work_queue_.get(), self->cancel_queue_.get(),
                  self->canceller_.get(), self->stream_guard_.get(),
                  self->authenticator_.get(), opts.default_call_deadline,
                  opts.default_stream_deadline, opts.pool.acquire_timeout,
                  opts.max_queue_wait, self->statement_driver_.get(),
                  opts.trace_statements});
  if (!opts.replicas.conninfos.empty()) {
    ReplicaSetOptions replicas = opts.replicas;
    replicas.primary_conninfo = opts.pool.conninfo;
    replicas.pool = opts.pool;
    replicas.pool.statements = sql::ReadStatements();
    replicas.probe_interval = opts.health_interval;
    self->replicas_ = std::make_unique<ReplicaSet>(std::move(replicas));
  }
  self->transactions_ = std::make_unique<TransactionRunner>(
      *self->pool_, self->replicas_.get(),
      /*report_commit_lsn=*/self->replicas_ != nullptr);
  self->primary_transactions_ =
      std::make_unique<TransactionRunner>(*self->pool_);
  self->vendor_store_ = std::make_unique<VendorStore>(*self->transactions_);
  self->part_store_ = std::make_unique<PartStore>(*self->transactions_);
  self->import_store_ = std::make_unique<ImportStore>(*self->transactions_);
  self->export_store_ = std::make_unique<ExportStore>(*self->transactions_);
  self->vendor_service_ = std::make_unique<VendorServiceImpl>(
      *self->vendor_store_, *self->import_store_, *self->export_store_,
      *self->runtime_);
  self->part_service_ = std::make_unique<PartServiceImpl>(
      *self->part_store_, *self->import_store_, *self->export_store_,
      *self->runtime_);
  self->drawing_store_ =
      std::make_unique<DrawingStore>(*self->transactions_, opts.drawings);
  self->drawing_service_ = std::make_unique<DrawingServiceImpl>(
      *self->drawing_store_, *self->runtime_);
  ChangeFeedOptions feed = opts.change_feed;
  if (feed.conninfo.empty()) {
    feed.conninfo = opts.pool.conninfo;
    feed.listen = !opts.transaction_pooling;
  }
  self->change_feed_ = std::make_unique<ChangeFeed>(
      std::move(feed), *self->primary_transactions_);
  self->change_feed_service_ = std::make_unique<ChangeFeedServiceImpl>(
      *self->change_feed_, *self->runtime_);

  // The health service's descriptors must be in the generated pool for
  // reflection to describe it; referencing them links them in.
  (void)grpc::health::v1::HealthCheckRequest::descriptor();
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  // Reflection v1 lists what v1alpha lists: every service registered here.
  std::vector<std::string> service_names = ServedApiServices();
  service_names.emplace_back("grpc.health.v1.Health");
  service_names.emplace_back("grpc.reflection.v1.ServerReflection");
  service_names.emplace_back("grpc.reflection.v1alpha.ServerReflection");
  self->reflection_v1_ =
      std::make_unique<ReflectionV1Service>(std::move(service_names));

  grpc::ServerBuilder builder;
  // gRPC sets SO_REUSEPORT by default, which would let a second server bind
  // the same port and silently split the traffic; a taken port must fail.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(self->vendor_service_.get());
  builder.RegisterService(self->part_service_.get());
  builder.RegisterService(self->drawing_service_.get());
  builder.RegisterService(self->change_feed_service_.get());
  builder.RegisterService(self->reflection_v1_.get());
  if (!opts.metrics_listen.empty()) {
    ServerGauges gauges;
    gauges.pool = [pool = self->pool_.get()] { return pool->GetStats(); };
    gauges.pool_max_connections = opts.pool.max_size;
    gauges.queue_depth = [queue = self->work_queue_.get()] {
      return queue->queued();
    };
    if (self->replicas_ != nullptr) {
      gauges.replicas = [replicas = self->replicas_.get()] {
        return replicas->Status();
      };
    }
    absl::StatusOr<std::unique_ptr<MetricsEndpoint>> endpoint =
        MetricsEndpoint::Start(opts.metrics_listen, std::move(gauges));
    if (!endpoint.ok()) return endpoint.status();
    self->metrics_endpoint_ = *std::move(endpoint);
  }
  CallRecords records;
  records.access_log = opts.access_log;
  records.metrics = self->metrics_endpoint_ != nullptr;
  if (records.access_log || records.metrics) {
    std::vector<
        std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>>
        interceptors;
    interceptors.push_back(
        MakeCallRecordsInterceptorFactory(self->authenticator_.get(), records));
    builder.experimental().SetInterceptorCreators(std::move(interceptors));
  }
  // Upload chunks are at most kMaxUploadChunkBytes plus framing.
  builder.SetMaxReceiveMessageSize(kMaxUploadChunkBytes + (64 << 10));
  builder.AddListeningPort(opts.listen_address, *std::move(credentials),
                           &self->port_);
  self->server_ = builder.BuildAndStart();
  if (self->server_ == nullptr || self->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", opts.listen_address,
                     " (address in use or not valid)"));
  }
  grpc::HealthCheckServiceInterface* health =
      self->server_->GetHealthCheckService();
  // NOT_SERVING until the first probe has reached the database. Each API
  // service answers under its own name too (a client or a Kubernetes probe
  // may ask for the service it calls); SetServingStatus(bool) below then
  // moves them all with "".
  for (const std::string& name : ServedApiServices()) {
    health->SetServingStatus(name, false);
  }
  health->SetServingStatus(false);
  HealthOptions health_options;
  health_options.conninfo = opts.pool.conninfo;
  health_options.interval = opts.health_interval;
  if (opts.check_schema) health_options.migrations = EmbeddedMigrationFiles();
  self->health_monitor_ = std::make_unique<HealthMonitor>(
      std::move(health_options), [health](DatabaseHealth state) {
        health->SetServingStatus(state == DatabaseHealth::kServing);
      });
  return self;
}

SuppliersServer::~SuppliersServer() { Shutdown(absl::ZeroDuration()); }

void SuppliersServer::Shutdown(absl::Duration grace) {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  const absl::Time deadline = absl::Now() + grace;
  // Watches last until their client leaves; end them first, or the server
  // would wait for them until the grace ran out.
  if (change_feed_ != nullptr) change_feed_->Close();
  if (server_ != nullptr) {
    // Stop the monitor first so it cannot flip health back to SERVING; the
    // health service's own Shutdown then reports NOT_SERVING to watchers.
    health_monitor_.reset();
    server_->GetHealthCheckService()->Shutdown();
    // At the end of the grace gRPC cancels the calls still running, and
    // waits for them; their work may be blocked in PostgreSQL (a lock, a
    // connection being set up), so the pool cancels it at the same moment.
    absl::Notification drained;
    std::thread canceller([&] {
      if (!drained.WaitForNotificationWithDeadline(deadline)) {
        pool_->Shutdown();
        if (replicas_ != nullptr) replicas_->Shutdown();
      }
    });
    server_->Shutdown(absl::ToChronoTime(deadline));
    drained.Notify();
    canceller.join();
  }
  // Work still queued fails fast (UNAVAILABLE) instead of reaching the
  // database.
  if (pool_ != nullptr) pool_->Shutdown();
  if (replicas_ != nullptr) replicas_->Shutdown();
  // Before the work queue: the driver's connection requests run there.
  if (statement_driver_ != nullptr) statement_driver_->Stop();
  if (work_queue_ != nullptr) work_queue_->Stop();
  change_feed_.reset();
  if (cancel_queue_ != nullptr) cancel_queue_->Stop();
}

void SuppliersServer::Wait() {
  if (server_ != nullptr) server_->Wait();
}

}  // namespace suppliers
