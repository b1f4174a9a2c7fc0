// Owns running a real suppliers-server process for the fault suite: spawned
// with flags against a test database, its stderr (JSON log) kept in a file,
// its bound port read from the startup line, stopped with a signal and timed.
#include "tests/fault/server_process.h"

#include <fcntl.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"

extern char** environ;

namespace suppliers::testing {
namespace {

std::string ServerBinary() {
  const char* path = std::getenv("SUPPLIERS_SERVER_BINARY");
  return path != nullptr ? path : "build/server/suppliers-server";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The port of {"msg":"suppliers-server listening","address":"HOST:PORT",..}
bool ListeningPort(const std::string& log, int* port) {
  const size_t line = log.find("\"msg\":\"suppliers-server listening\"");
  if (line == std::string::npos) return false;
  const std::string key = "\"address\":\"";
  const size_t address = log.find(key, line);
  if (address == std::string::npos) return false;
  const size_t end = log.find('"', address + key.size());
  const size_t colon = log.rfind(':', end);
  if (end == std::string::npos || colon == std::string::npos ||
      colon < address) {
    return false;
  }
  return absl::SimpleAtoi(log.substr(colon + 1, end - colon - 1), port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& conninfo, const std::vector<std::string>& flags) {
  std::unique_ptr<ServerProcess> process(new ServerProcess());
  char pattern[] = "/tmp/suppliers-server-log-XXXXXX";
  const int log_fd = ::mkstemp(pattern);
  if (log_fd < 0) return absl::InternalError("cannot create the log file");
  process->log_path_ = pattern;
  std::vector<std::string> argv = {ServerBinary(), "--listen", "127.0.0.1:0",
                                   "--database", conninfo};
  argv.insert(argv.end(), flags.begin(), flags.end());
  std::vector<char*> args;
  args.reserve(argv.size() + 1);
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, log_fd, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null",
                                   O_WRONLY, 0);
  const int spawned = posix_spawn(&process->pid_, args[0], &actions, nullptr,
                                  args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(log_fd);
  if (spawned != 0) {
    return absl::InternalError(absl::StrCat("cannot start ", argv[0]));
  }
  for (int i = 0; i < 200; ++i) {
    const std::string log = process->Log();
    if (ListeningPort(log, &process->port_)) return process;
    int status = 0;
    if (::waitpid(process->pid_, &status, WNOHANG) == process->pid_) {
      process->pid_ = -1;
      return absl::InternalError(
          absl::StrCat("suppliers-server exited at start; its log:\n", log));
    }
    absl::SleepFor(absl::Milliseconds(25));
  }
  return absl::DeadlineExceededError(absl::StrCat(
      "suppliers-server did not log its address; its log:\n", process->Log()));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  if (!log_path_.empty()) std::remove(log_path_.c_str());
}

std::string ServerProcess::target() const {
  return absl::StrCat("127.0.0.1:", port_);
}

bool ServerProcess::WaitForHealth(bool serving, absl::Duration timeout,
                                  const std::string& service) const {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(target(), grpc::InsecureChannelCredentials()));
  const auto want = serving
                        ? grpc::health::v1::HealthCheckResponse::SERVING
                        : grpc::health::v1::HealthCheckResponse::NOT_SERVING;
  const absl::Time until = absl::Now() + timeout;
  while (true) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    if (stub->Check(&context, request, &response).ok() &&
        response.status() == want) {
      return true;
    }
    if (absl::Now() >= until) return false;
    absl::SleepFor(absl::Milliseconds(50));
  }
}

absl::StatusOr<int> ServerProcess::Stop(int signal, absl::Duration timeout) {
  if (pid_ <= 0) return absl::FailedPreconditionError("not running");
  ::kill(pid_, signal);
  const absl::Time until = absl::Now() + timeout;
  while (absl::Now() < until) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  return absl::DeadlineExceededError("the server did not exit in time");
}

std::string ServerProcess::Log() const { return ReadFile(log_path_); }

}  // namespace suppliers::testing
