// Owns the throwaway PostgreSQL cluster that database tests run against:
// initdb into a temporary directory, loopback on a free port, removed
// afterwards. No test touches an existing database.
#include "tests/pg/pg_cluster.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "server/db/migrations.h"

extern char** environ;

namespace suppliers::testing {
namespace {

std::string BinDir() {
  const char* dir = std::getenv("SUPPLIERS_PG_BINDIR");
  return dir != nullptr ? dir : "/usr/lib/postgresql/15/bin";
}

// Runs argv (as `postgres` when we are root), stdout/stderr appended to
// `log_path`. Returns the exit status.
absl::Status Run(std::vector<std::string> argv, const std::string& log_path) {
  if (::geteuid() == 0) {
    argv.insert(argv.begin(), {"runuser", "-u", "postgres", "--"});
  }
  std::vector<char*> args;
  for (std::string& arg : argv) args.push_back(arg.data());
  args.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int spawn_error =
      posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawn_error != 0) {
    return absl::InternalError(absl::StrCat("cannot run ", argv[0]));
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream log(log_path);
    std::stringstream text;
    text << log.rdbuf();
    return absl::InternalError(
        absl::StrCat(absl::StrJoin(argv, " "), " failed; log:\n", text.str()));
  }
  return absl::OkStatus();
}

void GiveToPostgres(const std::string& path) {
  if (::geteuid() != 0) return;
  const passwd* pw = ::getpwnam("postgres");
  if (pw != nullptr) {
    [[maybe_unused]] int ignored =
        ::chown(path.c_str(), pw->pw_uid, pw->pw_gid);
  }
}

absl::StatusOr<int> FreeLoopbackPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (fd < 0 ||
      ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (fd >= 0) ::close(fd);
    return absl::InternalError("cannot find a free loopback port");
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// initdb once per machine (and PostgreSQL version); later clusters copy it.
absl::StatusOr<std::string> TemplateDir() {
  const std::string root = "/tmp/suppliers-test-pg-template";
  const std::string dir = root + "/data";
  ::mkdir(root.c_str(), 0755);
  GiveToPostgres(root);
  const int lock_fd = ::open((root + ".lock").c_str(), O_CREAT | O_RDWR, 0644);
  if (lock_fd < 0) return absl::InternalError("cannot open template lock");
  ::flock(lock_fd, LOCK_EX);
  absl::Status status;
  if (!std::filesystem::exists(dir + "/PG_VERSION")) {
    std::filesystem::remove_all(dir);
    status =
        Run({BinDir() + "/initdb", "-D", dir, "-U", "postgres", "--auth=trust",
             "--encoding=UTF8", "--no-sync", "--locale=C.UTF-8"},
            root + "/initdb.log");
  }
  ::flock(lock_fd, LOCK_UN);
  ::close(lock_fd);
  if (!status.ok()) return status;
  return dir;
}

constexpr char kClusterPrefix[] = "suppliers-test-pg-";
constexpr char kOwnerFile[] = "suppliers_owner_pid";

// A test process that crashed or was killed never ran its teardown, and its
// server would run forever: stop and remove clusters whose owner is gone.
void ReapAbandonedClusters() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator("/tmp", error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(kClusterPrefix, 0) != 0 ||
        name == std::string(kClusterPrefix) + "template") {
      continue;
    }
    std::ifstream owner_file(entry.path() / kOwnerFile);
    pid_t owner = 0;
    if (!(owner_file >> owner) || owner <= 0) continue;     // still being made
    if (::kill(owner, 0) == 0 || errno != ESRCH) continue;  // owner alive
    (void)Run({BinDir() + "/pg_ctl", "-D", entry.path().string(), "-m",
               "immediate", "-w", "stop"},
              "/dev/null");
    std::filesystem::remove_all(entry.path(), error);
  }
}

}  // namespace

absl::StatusOr<std::unique_ptr<PgCluster>> PgCluster::Create() {
  ReapAbandonedClusters();
  absl::StatusOr<std::string> template_dir = TemplateDir();
  if (!template_dir.ok()) return template_dir.status();
  char pattern[] = "/tmp/suppliers-test-pg-XXXXXX";
  if (::mkdtemp(pattern) == nullptr) {
    return absl::InternalError("cannot create a temporary directory");
  }
  std::unique_ptr<PgCluster> cluster(new PgCluster());
  cluster->data_dir_ = pattern;
  ::chmod(pattern, 0700);
  GiveToPostgres(cluster->data_dir_);
  absl::Status copied =
      Run({"cp", "-a", *template_dir + "/.", cluster->data_dir_}, "/dev/null");
  if (!copied.ok()) return copied;
  // Lets a later test process reap this cluster if this one dies first.
  std::ofstream(cluster->data_dir_ + "/" + kOwnerFile) << ::getpid() << "\n";
  // A port may be taken between our probe and the server's bind; try again.
  absl::Status started;
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<int> port = FreeLoopbackPort();
    if (!port.ok()) return port.status();
    cluster->port_ = *port;
    started = cluster->Start();
    if (started.ok()) return cluster;
  }
  return started;
}

PgCluster::~PgCluster() {
  if (running_) (void)RunPgCtl("immediate");
  std::error_code ignored;
  std::filesystem::remove_all(data_dir_, ignored);
}

std::string PgCluster::ConnInfo(const std::string& database) const {
  return absl::StrCat("host=127.0.0.1 port=", port_,
                      " user=postgres dbname=", database,
                      " connect_timeout=5 application_name=suppliers-tests");
}

absl::Status PgCluster::RunPgCtl(const std::string& action) {
  const std::string log = data_dir_ + "/server.log";
  if (action == "start") {
    return Run({BinDir() + "/pg_ctl", "-D", data_dir_, "-l", log, "-w", "-t",
                "30", "-o",
                absl::StrCat("-c port=", port_,
                             " -c listen_addresses=127.0.0.1"
                             " -c unix_socket_directories=",
                             data_dir_,
                             " -c fsync=off -c synchronous_commit=off"
                             " -c full_page_writes=off -c max_connections=200"),
                "start"},
               data_dir_ + "/pg_ctl.log");
  }
  return Run(
      {BinDir() + "/pg_ctl", "-D", data_dir_, "-m", action, "-w", "stop"},
      data_dir_ + "/pg_ctl.log");
}

absl::Status PgCluster::Stop(const std::string& mode) {
  absl::Status status = RunPgCtl(mode);
  if (status.ok()) running_ = false;
  return status;
}

absl::Status PgCluster::Start() {
  absl::Status status = RunPgCtl("start");
  if (status.ok()) running_ = true;
  return status;
}

absl::StatusOr<std::string> PgCluster::CreateDatabase() {
  const std::string name =
      absl::StrCat("test_", ::getpid(), "_", ++next_database_);
  try {
    pqxx::connection admin(ConnInfo());
    pqxx::nontransaction txn(admin);
    txn.exec("CREATE DATABASE " + txn.quote_name(name));
  } catch (const std::exception& e) {
    return absl::InternalError(
        absl::StrCat("cannot create database ", name, ": ", e.what()));
  }
  return ConnInfo(name);
}

absl::StatusOr<std::string> PgCluster::CreateMigratedDatabase() {
  absl::StatusOr<std::string> conninfo = CreateDatabase();
  if (!conninfo.ok()) return conninfo;
  try {
    pqxx::connection connection(*conninfo);
    auto report = ApplyMigrations(connection, EmbeddedMigrationFiles());
    if (!report.ok()) return report.status();
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("cannot migrate: ", e.what()));
  }
  return conninfo;
}

}  // namespace suppliers::testing
