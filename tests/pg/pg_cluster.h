// Owns the throwaway PostgreSQL cluster that database tests run against:
// initdb into a temporary directory, loopback on a free port, removed
// afterwards. No test touches an existing database.
#ifndef SUPPLIERS_TESTS_PG_PG_CLUSTER_H_
#define SUPPLIERS_TESTS_PG_PG_CLUSTER_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace suppliers::testing {

// One private PostgreSQL 15 server. When run as root, the server runs as the
// `postgres` user (initdb and postgres refuse root). initdb runs once per
// machine into a cached template that each cluster copies, so a cluster
// costs a copy and a start, not an initdb.
//
// Not thread-safe: drive it from the test thread.
class PgCluster {
 public:
  static absl::StatusOr<std::unique_ptr<PgCluster>> Create();
  PgCluster(const PgCluster&) = delete;
  PgCluster& operator=(const PgCluster&) = delete;
  // Stops the server (immediate) and deletes its directory.
  ~PgCluster();

  int port() const { return port_; }
  // Conninfo for `database` as the superuser over TCP loopback.
  std::string ConnInfo(const std::string& database = "postgres") const;

  // Creates an empty database with a unique name; returns its conninfo.
  absl::StatusOr<std::string> CreateDatabase();
  // Creates a unique database and applies the embedded migrations.
  absl::StatusOr<std::string> CreateMigratedDatabase();

  // Stops (`mode`: "fast", "immediate" or "smart", as pg_ctl -m) and starts
  // again on the same port and data.
  absl::Status Stop(const std::string& mode = "fast");
  absl::Status Start();

 private:
  PgCluster() = default;
  absl::Status RunPgCtl(const std::string& action);

  std::string data_dir_;
  int port_ = 0;
  int next_database_ = 0;
  bool running_ = false;
};

// The cluster shared by all tests of one test binary, started on first use.
// Tests that stop the server must create their own PgCluster instead.
PgCluster& SharedCluster();

}  // namespace suppliers::testing

#endif  // SUPPLIERS_TESTS_PG_PG_CLUSTER_H_
