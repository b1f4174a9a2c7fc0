// Owns running a real suppliers-server process for the fault suite: spawned
// with flags against a test database, its stderr (JSON log) kept in a file,
// its bound port read from the startup line, stopped with a signal and timed.
#ifndef SUPPLIERS_TESTS_FAULT_SERVER_PROCESS_H_
#define SUPPLIERS_TESTS_FAULT_SERVER_PROCESS_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace suppliers::testing {

// Not thread-safe: drive it from the test thread. The destructor kills a
// process still running (SIGKILL) and reaps it.
class ServerProcess {
 public:
  // Starts build/server/suppliers-server (SUPPLIERS_SERVER_BINARY) with
  // `--listen 127.0.0.1:0 --database conninfo` and `flags`, and waits until
  // it logs its address. Does not wait for SERVING (the database may be
  // down on purpose); see WaitForHealth.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(
      const std::string& conninfo, const std::vector<std::string>& flags);
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  ~ServerProcess();

  int port() const { return port_; }
  std::string target() const;
  pid_t pid() const { return pid_; }

  // Polls grpc.health.v1.Health/Check for `service` ("" overall) until it
  // answers `serving` (true: SERVING; false: NOT_SERVING) or `timeout`
  // passes. Returns whether it did.
  bool WaitForHealth(bool serving, absl::Duration timeout,
                     const std::string& service = "") const;

  // Sends `signal`, waits up to `timeout` for the exit. Returns the exit
  // code (or 128 + signal); DEADLINE_EXCEEDED if it did not exit in time
  // (then it is killed).
  absl::StatusOr<int> Stop(int signal, absl::Duration timeout);

  // Everything the server wrote to stderr so far.
  std::string Log() const;

 private:
  ServerProcess() = default;

  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace suppliers::testing

#endif  // SUPPLIERS_TESTS_FAULT_SERVER_PROCESS_H_
