// Owns the suppliers-server command line: `serve` (default) and `migrate`,
// their flags, signal handling and exit codes.
//
// Exit codes: 0 clean shutdown or migration done; 1 runtime failure
// (database unreachable for migrate, cannot bind, migration refused);
// 2 usage or configuration error.
#include <signal.h>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "pqxx/pqxx"
#include "server/base/log.h"
#include "server/base/resident_code.h"
#include "server/command_line.h"
#include "server/config.h"
#include "server/db/migrations.h"
#include "server/rpc/library_logs.h"
#include "server/security_config.h"
#include "server/server.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "HOST:PORT the gRPC server listens on");
ABSL_FLAG(std::string, database, "",
          "libpq conninfo or postgresql:// URI; overrides DATABASE_URL, the "
          "PG* variables and --config");
ABSL_FLAG(std::string, database_password_file, "",
          "file holding the database password (white space trimmed); keeps "
          "it out of the command line and the environment");
ABSL_FLAG(std::string, config, "",
          "database.ini-style file with a [postgresql] section (keys host, "
          "port, database, user, password); lowest precedence");
ABSL_FLAG(std::string, config_section, "postgresql",
          "section of --config to read");
ABSL_FLAG(int, pool_max_size, 8, "most open database connections");
ABSL_FLAG(int, pool_min_idle, 1,
          "idle connections kept open in the background");
ABSL_FLAG(int, pool_max_waiters, 64,
          "most calls waiting for a connection before RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, pool_acquire_timeout, absl::Seconds(2),
          "longest wait for a free connection before RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, pool_max_lifetime, absl::Minutes(30),
          "connections older than this are replaced");
ABSL_FLAG(int, workers, 0,
          "threads running database work (0: the pool max size)");
ABSL_FLAG(int, queue_capacity, 4096,
          "most calls queued for a worker (a memory bound: calls are "
          "admitted while their expected wait fits their deadline, "
          "--max_queue_wait and --pool_acquire_timeout)");
ABSL_FLAG(bool, release_idle_code, true,
          "once serving, give back library code pages that start-up touched "
          "and fault code back in a page at a time (resident_code.h)");
ABSL_FLAG(absl::Duration, max_queue_wait, absl::Seconds(1),
          "longest a call may wait for a database worker; a call expected to "
          "wait longer (from the recent time per call and the calls ahead "
          "of it) is refused at once with RESOURCE_EXHAUSTED");
ABSL_FLAG(int, read_connections, -1,
          "single-statement reads (GetVendor, GetPart) are sent from one "
          "driver thread on at most this many pooled connections, without a "
          "worker per call (-1: the pool max size; 0: off, they run on the "
          "workers)");
ABSL_FLAG(int, max_concurrent_streams, 0,
          "streaming calls (drawing uploads and downloads) open at once; one "
          "more is RESOURCE_EXHAUSTED (0: half the pool max size)");
ABSL_FLAG(absl::Duration, stream_idle_timeout, absl::Seconds(30),
          "a stream whose messages stop moving for this long is ended and "
          "rolled back");
ABSL_FLAG(absl::Duration, stream_max_duration, absl::Minutes(10),
          "cap on a streaming call whose client set no (or a later) "
          "deadline");
ABSL_FLAG(absl::Duration, change_retention, absl::Hours(24),
          "change feed events older than this are deleted; a watch resuming "
          "from before them is OUT_OF_RANGE");
ABSL_FLAG(int, watch_buffer_events, 10000,
          "change events kept in memory for all watchers; a watcher further "
          "behind than this is ended with RESOURCE_EXHAUSTED "
          "(WATCHER_TOO_SLOW) and resumes from its checkpoint");
ABSL_FLAG(int, max_watchers, 4096,
          "WatchChanges streams open at once; one more is RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, watch_heartbeat, absl::Seconds(10),
          "an idle watcher is sent its checkpoint this often");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "on SIGTERM/SIGINT, how long in-flight calls may finish");
ABSL_FLAG(absl::Duration, health_interval, absl::Seconds(1),
          "how often the database health probe runs (and the read "
          "replicas' probe)");
ABSL_FLAG(std::string, replica_database, "",
          "a streaming read replica (libpq conninfo or URI; repeat the flag "
          "for more): read-only calls go to a usable replica, writes and "
          "transactions stay on the primary (--database); settings it omits "
          "come from the same sources as the primary's");
ABSL_FLAG(absl::Duration, replica_max_lag, absl::Seconds(5),
          "a replica whose replay is further behind the primary than this "
          "(or that is down) is skipped; reads fall back to the primary");
ABSL_FLAG(bool, pgbouncer, false,
          "--database (and replicas) lead through PgBouncer in "
          "pool_mode=transaction: no named prepared statements and no "
          "session state outside a transaction (one more statement per "
          "call); run `migrate` against PostgreSQL itself");
ABSL_FLAG(std::string, change_feed_database, "",
          "where the change feed LISTENs (libpq conninfo or URI): PostgreSQL "
          "itself when --database is a PgBouncer; without it, behind "
          "--pgbouncer the feed polls the outbox every second instead");
ABSL_FLAG(int64_t, max_drawing_bytes, int64_t{512} << 20,
          "largest drawing an upload may store (at most 1 GiB)");
ABSL_FLAG(int, drawing_chunk_bytes, 64 << 10,
          "bytes per download message (1 KiB to 1 MiB)");
ABSL_FLAG(int, drawing_read_block_bytes, 1 << 20,
          "bytes read from PostgreSQL per download query; the server's "
          "buffer per download");
ABSL_FLAG(std::string, metrics_listen, "",
          "HOST:PORT to serve Prometheus metrics on (/metrics): calls, "
          "latency, pool, queue, database errors, drawing bytes, streams; "
          "empty: off, nothing recorded");
ABSL_FLAG(bool, trace_statements, false,
          "set each call's trace id (from its traceparent header, or a new "
          "one) as the database session's application_name while its SQL "
          "runs, so PostgreSQL's log and pg_stat_activity name the call; "
          "costs one more statement per call");
ABSL_FLAG(bool, access_log, true,
          "log one JSON line per finished call (method, code, duration, "
          "peer); health checks and reflection are not logged");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain of the server; with --tls_key_file, serve "
          "TLS (re-read when the file changes)");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of the server");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle: require client certificates it verifies (mTLS)");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Seconds(10),
          "how often the TLS files are looked at for changes");
ABSL_FLAG(bool, allow_insecure, false,
          "serve plaintext on a non-loopback address (refused otherwise)");
ABSL_FLAG(std::string, auth_jwt_hs256_secret_file, "",
          "check `authorization: Bearer <JWT>` signed HS256 with this file's "
          "bytes (surrounding white space trimmed)");
ABSL_FLAG(std::string, auth_jwt_public_key_file, "",
          "check bearer JWTs signed RS256 or ES256 with this PEM public key");
ABSL_FLAG(std::string, auth_jwt_issuer, "",
          "when set, tokens must carry this `iss`");
ABSL_FLAG(std::string, auth_jwt_audience, "",
          "when set, tokens must carry this `aud`");
ABSL_FLAG(absl::Duration, auth_clock_skew, absl::Seconds(30),
          "leeway on the tokens' `exp` and `nbf`");
ABSL_FLAG(std::string, auth_mtls_scopes_file, "",
          "lines `<client certificate common name> = <scope> ...`: callers "
          "authenticated by certificate only (mTLS) get these scopes");
ABSL_FLAG(std::string, migrations_dir, "",
          "migrate: read *.sql from this directory instead of the files "
          "embedded in the binary");

namespace suppliers {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

// The primary's settings, or with `database`, those of another server
// (a replica, the change feed's): the same sources, but for --database.
absl::StatusOr<DatabaseSettings> ResolveSettingsFromFlags(
    std::optional<std::string> database = std::nullopt) {
  DatabaseSettingsSources sources;
  if (database.has_value()) {
    sources.flag_database = std::move(database);
  } else if (!absl::GetFlag(FLAGS_database).empty()) {
    sources.flag_database = absl::GetFlag(FLAGS_database);
  }
  if (!absl::GetFlag(FLAGS_config).empty()) {
    sources.config_file = absl::GetFlag(FLAGS_config);
  }
  sources.config_section = absl::GetFlag(FLAGS_config_section);
  if (!absl::GetFlag(FLAGS_database_password_file).empty()) {
    sources.password_file = absl::GetFlag(FLAGS_database_password_file);
  }
  return ResolveDatabaseSettings(sources);
}

int RunMigrate(const DatabaseSettings& settings) {
  std::vector<MigrationFile> files = EmbeddedMigrationFiles();
  if (!absl::GetFlag(FLAGS_migrations_dir).empty()) {
    auto read = ReadMigrationDirectory(absl::GetFlag(FLAGS_migrations_dir));
    if (!read.ok()) {
      Log(LogLevel::kError, "cannot read migrations",
          {{"error", read.status().ToString()}});
      return kExitUsage;
    }
    files = *std::move(read);
  }
  try {
    pqxx::connection connection(settings.ConnInfo());
    absl::StatusOr<MigrationReport> report = ApplyMigrations(connection, files);
    if (!report.ok()) {
      Log(LogLevel::kError, "migration refused",
          {{"error", report.status().ToString()}});
      return kExitFailure;
    }
    Log(LogLevel::kInfo,
        report->applied.empty() ? "schema up to date, nothing applied"
                                : "migrations applied",
        {{"applied", absl::StrJoin(report->applied, ",")},
         {"applied_count", static_cast<int>(report->applied.size())},
         {"already_applied", report->already_applied},
         {"database", settings.Redacted()}});
    return kExitOk;
  } catch (const std::exception& e) {
    Log(LogLevel::kError, "cannot connect to the database",
        {{"error", e.what()}, {"database", settings.Redacted()}});
    return kExitFailure;
  }
}

int RunServe(const DatabaseSettings& settings,
             const std::vector<std::string>& replica_flags,
             const sigset_t& signals) {
  ServerOptions options;
  for (const std::string& flag : replica_flags) {
    absl::StatusOr<DatabaseSettings> replica = ResolveSettingsFromFlags(flag);
    if (!replica.ok()) {
      Log(LogLevel::kError, "invalid --replica_database",
          {{"error", replica.status().ToString()}});
      return kExitUsage;
    }
    options.replicas.conninfos.push_back(replica->ConnInfo());
    options.replicas.descriptions.push_back(replica->Redacted());
  }
  options.replicas.max_lag = absl::GetFlag(FLAGS_replica_max_lag);
  options.transaction_pooling = absl::GetFlag(FLAGS_pgbouncer);
  if (!absl::GetFlag(FLAGS_change_feed_database).empty()) {
    absl::StatusOr<DatabaseSettings> feed =
        ResolveSettingsFromFlags(absl::GetFlag(FLAGS_change_feed_database));
    if (!feed.ok()) {
      Log(LogLevel::kError, "invalid --change_feed_database",
          {{"error", feed.status().ToString()}});
      return kExitUsage;
    }
    options.change_feed.conninfo = feed->ConnInfo();
  }
  options.listen_address = absl::GetFlag(FLAGS_listen);
  options.pool.conninfo = settings.ConnInfo();
  options.pool.max_size = absl::GetFlag(FLAGS_pool_max_size);
  options.pool.min_idle = absl::GetFlag(FLAGS_pool_min_idle);
  options.pool.max_waiters = absl::GetFlag(FLAGS_pool_max_waiters);
  options.pool.acquire_timeout = absl::GetFlag(FLAGS_pool_acquire_timeout);
  options.pool.max_lifetime = absl::GetFlag(FLAGS_pool_max_lifetime);
  options.database_description = settings.Redacted();
  options.worker_threads = absl::GetFlag(FLAGS_workers);
  options.work_queue_capacity = absl::GetFlag(FLAGS_queue_capacity);
  options.max_queue_wait = absl::GetFlag(FLAGS_max_queue_wait);
  options.read_connections = absl::GetFlag(FLAGS_read_connections);
  options.health_interval = absl::GetFlag(FLAGS_health_interval);
  options.access_log = absl::GetFlag(FLAGS_access_log);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.trace_statements = absl::GetFlag(FLAGS_trace_statements);
  options.drawings.max_bytes = absl::GetFlag(FLAGS_max_drawing_bytes);
  options.drawings.chunk_bytes = absl::GetFlag(FLAGS_drawing_chunk_bytes);
  options.drawings.read_block_bytes =
      absl::GetFlag(FLAGS_drawing_read_block_bytes);
  options.streams.max_concurrent = absl::GetFlag(FLAGS_max_concurrent_streams);
  options.streams.idle_timeout = absl::GetFlag(FLAGS_stream_idle_timeout);
  options.default_stream_deadline = absl::GetFlag(FLAGS_stream_max_duration);
  options.change_feed.retention = absl::GetFlag(FLAGS_change_retention);
  options.change_feed.buffer_events = absl::GetFlag(FLAGS_watch_buffer_events);
  options.change_feed.max_watchers = absl::GetFlag(FLAGS_max_watchers);
  options.change_feed.heartbeat = absl::GetFlag(FLAGS_watch_heartbeat);

  options.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  options.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  options.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  options.tls.reload_interval = absl::GetFlag(FLAGS_tls_reload_interval);
  options.tls.allow_insecure = absl::GetFlag(FLAGS_allow_insecure);
  AuthFlags auth;
  auth.hs256_secret_file = absl::GetFlag(FLAGS_auth_jwt_hs256_secret_file);
  auth.public_key_file = absl::GetFlag(FLAGS_auth_jwt_public_key_file);
  auth.issuer = absl::GetFlag(FLAGS_auth_jwt_issuer);
  auth.audience = absl::GetFlag(FLAGS_auth_jwt_audience);
  auth.mtls_scopes_file = absl::GetFlag(FLAGS_auth_mtls_scopes_file);
  auth.clock_skew = absl::GetFlag(FLAGS_auth_clock_skew);
  absl::StatusOr<std::optional<AuthOptions>> auth_options =
      LoadAuthOptions(auth);
  if (!auth_options.ok()) {
    Log(LogLevel::kError, "invalid security configuration",
        {{"error", auth_options.status().ToString()}});
    return kExitUsage;
  }
  options.auth = *std::move(auth_options);

  auto server = SuppliersServer::Start(options);
  if (!server.ok()) {
    Log(LogLevel::kError, "cannot start the server",
        {{"error", server.status().ToString()}});
    return server.status().code() == absl::StatusCode::kInvalidArgument
               ? kExitUsage
               : kExitFailure;
  }
  const ServerOptions& started = (*server)->options();
  Log(LogLevel::kInfo, "suppliers-server listening",
      {{"address", absl::StrCat(options.listen_address.substr(
                                    0, options.listen_address.rfind(':')),
                                ":", (*server)->port())},
       {"pool_max_size", started.pool.max_size},
       {"pool_min_idle", started.pool.min_idle},
       {"workers", started.worker_threads},
       {"max_concurrent_streams", started.streams.max_concurrent},
       {"tls", started.tls.cert_file.empty()
                   ? "off"
                   : (started.tls.client_ca_file.empty() ? "tls" : "mtls")},
       {"auth", started.auth.has_value() ? "on" : "off"},
       {"database", started.database_description}});
  if (absl::GetFlag(FLAGS_release_idle_code)) {
    // Best effort: a kernel without /proc or madvise keeps the pages.
    absl::StatusOr<int64_t> released = ReleaseIdleCodePages();
    if (!released.ok()) {
      Log(LogLevel::kWarning, "cannot release idle code pages",
          {{"error", released.status().ToString()}});
    }
  }

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  const absl::Duration grace = absl::GetFlag(FLAGS_shutdown_grace);
  Log(LogLevel::kInfo, "shutting down",
      {{"signal", signal_number == SIGTERM ? "SIGTERM" : "SIGINT"},
       {"grace_seconds", absl::ToDoubleSeconds(grace)}});
  (*server)->Shutdown(grace);
  (*server)->Wait();
  Log(LogLevel::kInfo, "stopped");
  return kExitOk;
}

}  // namespace
}  // namespace suppliers

int main(int argc, char** argv) {
  using namespace suppliers;
  // Block the shutdown signals before any thread starts, so every thread
  // inherits the mask and only sigwait() in main sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  RouteLibraryLogsToJson();
#ifdef NDEBUG
  // Debian builds Abseil with mutex deadlock detection on: a cycle check on
  // every lock, measured at ~3% of the server's time under load. Debug
  // builds and the clang thread-safety analysis keep checking.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif

  absl::SetProgramUsageMessage(
      "suppliers gRPC data service.\n"
      "  suppliers-server [serve] --listen HOST:PORT --database CONNINFO\n"
      "  suppliers-server migrate --database CONNINFO\n"
      "Connection settings, highest precedence first: --database, "
      "DATABASE_URL, PG* variables, --config FILE.\n"
      "Exit codes: 0 ok, 1 runtime failure, 2 usage or configuration error.");
  // Abseil's parser exits 1 on an unknown flag or a bad value, and its
  // --help lists only the flags of a file named after the binary.
  if (std::optional<int> exit_code = HandleHelpAndCheckFlags(argc, argv)) {
    return *exit_code;
  }
  // Repeatable, which Abseil's flags are not: read before it parses.
  const std::vector<std::string> replica_flags =
      RepeatedFlagValues(argc, argv, "replica_database");
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  std::string command = positional.size() > 1 ? positional[1] : "serve";
  if (positional.size() > 2 || (command != "serve" && command != "migrate")) {
    std::fprintf(stderr,
                 "usage: suppliers-server [serve|migrate] [flags]; see "
                 "--help\n");
    return kExitUsage;
  }
  absl::StatusOr<DatabaseSettings> settings = ResolveSettingsFromFlags();
  if (!settings.ok()) {
    Log(LogLevel::kError, "invalid database configuration",
        {{"error", settings.status().ToString()}});
    return kExitUsage;
  }
  if (command == "migrate") return RunMigrate(*settings);
  return RunServe(*settings, replica_flags, signals);
}
