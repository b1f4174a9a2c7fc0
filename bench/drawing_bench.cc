// Benchmarks drawing transfer: uploads and downloads one large drawing
// through a real suppliers-server process and prints throughput (MB/s), the
// server's peak RSS growth per transfer, and download throughput against a
// plain libpq program reading the same value from the same database in the
// same run (the database's own limit), and upload throughput against one
// plain libpq INSERT of the same bytes into the same table.
//
//   build/bench/drawing_bench --size_mib 256 --runs 3
#include <grpcpp/grpcpp.h>
#include <libpq-fe.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/sha256.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "suppliers/v1/drawing.grpc.pb.h"
#include "suppliers/v1/part.grpc.pb.h"
#include "tests/pg/pg_cluster.h"

ABSL_FLAG(int, size_mib, 256, "drawing size in MiB");
ABSL_FLAG(int, runs, 3, "transfers per direction; the median is reported");
ABSL_FLAG(std::string, server, "build/server/suppliers-server",
          "suppliers-server binary");
ABSL_FLAG(int, upload_chunk_kib, 1024, "client upload message size");

extern char** environ;

namespace suppliers {
namespace {

constexpr double kMiB = 1024.0 * 1024.0;

[[noreturn]] void Die(const std::string& message) {
  std::fprintf(stderr, "drawing_bench: %s\n", message.c_str());
  std::exit(1);
}

// kB from /proc/PID/status.
long ProcStatusKb(pid_t pid, const char* key) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key, 0) == 0) return std::stol(line.substr(strlen(key)));
  }
  return -1;
}

// Resets the kernel's peak-RSS mark so VmHWM covers only what follows.
void ResetPeakRss(pid_t pid) {
  std::ofstream(absl::StrCat("/proc/", pid, "/clear_refs")) << "5";
}

// Deterministic pseudo-random bytes (with NUL and 0xFF), generated chunk by
// chunk so the client never holds the whole drawing.
std::string Chunk(uint64_t index, size_t size) {
  std::mt19937_64 random(index * 7919 + 17);
  std::string bytes(size, '\0');
  for (size_t i = 0; i + 8 <= size; i += 8) {
    const uint64_t value = random();
    std::memcpy(&bytes[i], &value, 8);
  }
  return bytes;
}

struct Transfer {
  double seconds = 0;
  long rss_growth_kb = 0;
  std::string sha256;
};

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

class Bench {
 public:
  Bench() {
    auto cluster = testing::PgCluster::Create();
    if (!cluster.ok()) Die(cluster.status().ToString());
    cluster_ = *std::move(cluster);
    auto conninfo = cluster_->CreateMigratedDatabase();
    if (!conninfo.ok()) Die(conninfo.status().ToString());
    conninfo_ = *conninfo;
  }
  ~Bench() {
    // Close our connection first: an idle client that is not polling delays
    // the server's graceful shutdown until its transport times out.
    channel_.reset();
    if (server_pid_ > 0) {
      ::kill(server_pid_, SIGTERM);
      ::waitpid(server_pid_, nullptr, 0);
    }
  }

  void StartServer() {
    const int port = 20000 + (::getpid() % 20000);
    address_ = absl::StrCat("127.0.0.1:", port);
    std::vector<std::string> args = {absl::GetFlag(FLAGS_server),
                                     "--listen",
                                     address_,
                                     "--database",
                                     conninfo_,
                                     "--max_drawing_bytes",
                                     absl::StrCat(int64_t{1} << 30)};
    std::vector<char*> argv;
    argv.reserve(args.size() + 1);
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    if (posix_spawn(&server_pid_, argv[0], nullptr, nullptr, argv.data(),
                    environ) != 0) {
      Die("cannot start " + args[0]);
    }
    channel_ =
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    auto health = grpc::health::v1::Health::NewStub(channel_);
    for (int i = 0; i < 100; ++i) {
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() +
                           std::chrono::seconds(1));
      grpc::health::v1::HealthCheckRequest request;
      grpc::health::v1::HealthCheckResponse response;
      if (health->Check(&context, request, &response).ok() &&
          response.status() == response.SERVING) {
        return;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    Die("server did not become SERVING");
  }

  int CreatePart() {
    auto parts = v1::PartService::NewStub(channel_);
    grpc::ClientContext context;
    v1::CreatePartRequest request;
    request.mutable_part()->set_part_name("Benchmark Drawing");
    v1::CreatePartResponse response;
    if (!parts->CreatePart(&context, request, &response).ok()) {
      Die("CreatePart failed");
    }
    return response.part().part_id();
  }

  Transfer Upload(int part_id, int64_t size) {
    auto drawings = v1::DrawingService::NewStub(channel_);
    const size_t chunk_bytes = absl::GetFlag(FLAGS_upload_chunk_kib) << 10;
    Transfer result;
    const long before = ProcStatusKb(server_pid_, "VmRSS:");
    ResetPeakRss(server_pid_);
    const absl::Time start = absl::Now();
    grpc::ClientContext context;
    v1::UploadDrawingResponse response;
    auto writer = drawings->UploadDrawing(&context, &response);
    v1::UploadDrawingRequest message;
    message.mutable_header()->set_part_id(part_id);
    message.mutable_header()->set_file_extension("bin");
    message.mutable_header()->set_total_size(size);
    writer->Write(message);
    Sha256 hasher;
    for (int64_t offset = 0, index = 0; offset < size;
         offset += chunk_bytes, ++index) {
      message.set_chunk(
          Chunk(index, std::min<int64_t>(chunk_bytes, size - offset)));
      message.set_finish_write(offset + static_cast<int64_t>(chunk_bytes) >=
                               size);
      hasher.Update(message.chunk());
      if (!writer->Write(message)) break;
    }
    writer->WritesDone();
    const grpc::Status status = writer->Finish();
    result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!status.ok()) Die("upload failed: " + status.error_message());
    result.rss_growth_kb = ProcStatusKb(server_pid_, "VmHWM:") - before;
    result.sha256 = hasher.FinishHex();
    if (response.metadata().sha256() != result.sha256) {
      Die("upload digest mismatch");
    }
    return result;
  }

  Transfer Download(int part_id, int64_t size) {
    auto drawings = v1::DrawingService::NewStub(channel_);
    Transfer result;
    const long before = ProcStatusKb(server_pid_, "VmRSS:");
    ResetPeakRss(server_pid_);
    const absl::Time start = absl::Now();
    grpc::ClientContext context;
    v1::DownloadDrawingRequest request;
    request.set_part_id(part_id);
    auto reader = drawings->DownloadDrawing(&context, request);
    v1::DownloadDrawingResponse message;
    Sha256 hasher;
    int64_t received = 0;
    while (reader->Read(&message)) {
      if (message.has_chunk()) {
        hasher.Update(message.chunk());
        received += static_cast<int64_t>(message.chunk().size());
      }
    }
    const grpc::Status status = reader->Finish();
    result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    if (!status.ok()) Die("download failed: " + status.error_message());
    if (received != size) Die("download size mismatch");
    result.rss_growth_kb = ProcStatusKb(server_pid_, "VmHWM:") - before;
    result.sha256 = hasher.FinishHex();
    return result;
  }

  // The baseline: one plain libpq query for the whole value, binary format.
  Transfer LibpqRead(int part_id, int64_t size) {
    Transfer result;
    PGconn* connection = PQconnectdb(conninfo_.c_str());
    if (PQstatus(connection) != CONNECTION_OK) Die("libpq connect failed");
    const std::string id = absl::StrCat(part_id);
    const char* values[1] = {id.c_str()};
    const absl::Time start = absl::Now();
    PGresult* rows = PQexecParams(
        connection, "SELECT drawing_data FROM part_drawings WHERE part_id = $1",
        1, nullptr, values, nullptr, nullptr, /*resultFormat=*/1);
    if (PQresultStatus(rows) != PGRES_TUPLES_OK ||
        PQgetlength(rows, 0, 0) != size) {
      Die(std::string("libpq read failed: ") + PQerrorMessage(connection));
    }
    Sha256 hasher;  // the same per-byte work the gRPC client does
    hasher.Update(std::string_view(PQgetvalue(rows, 0, 0), size));
    result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    result.sha256 = hasher.FinishHex();
    PQclear(rows);
    PQfinish(connection);
    return result;
  }

  // The upload baseline: one plain libpq INSERT of the same bytes into the
  // same table (so the digest trigger runs too), binary format, autocommit.
  // The bytes are generated before the clock starts; hashing them is the
  // per-byte work the gRPC client does too.
  Transfer LibpqInsert(int part_id, int64_t size) {
    const size_t chunk_bytes = absl::GetFlag(FLAGS_upload_chunk_kib) << 10;
    std::string bytes;
    bytes.reserve(size);
    for (int64_t offset = 0, index = 0; offset < size;
         offset += chunk_bytes, ++index) {
      bytes += Chunk(index, std::min<int64_t>(chunk_bytes, size - offset));
    }
    Transfer result;
    PGconn* connection = PQconnectdb(conninfo_.c_str());
    if (PQstatus(connection) != CONNECTION_OK) Die("libpq connect failed");
    const std::string id = absl::StrCat(part_id);
    const char* values[2] = {id.c_str(), bytes.data()};
    const int lengths[2] = {0, static_cast<int>(bytes.size())};
    const int formats[2] = {0, 1};
    const absl::Time start = absl::Now();
    Sha256 hasher;
    hasher.Update(bytes);
    result.sha256 = hasher.FinishHex();
    PGresult* inserted = PQexecParams(
        connection,
        "INSERT INTO part_drawings (part_id, file_extension, drawing_data) "
        "VALUES ($1, 'bin', $2) ON CONFLICT (part_id) DO UPDATE SET "
        "drawing_data = EXCLUDED.drawing_data",
        2, nullptr, values, lengths, formats, /*resultFormat=*/0);
    if (PQresultStatus(inserted) != PGRES_COMMAND_OK) {
      Die(std::string("libpq insert failed: ") + PQerrorMessage(connection));
    }
    result.seconds = absl::ToDoubleSeconds(absl::Now() - start);
    PQclear(inserted);
    PQfinish(connection);
    return result;
  }

  pid_t server_pid() const { return server_pid_; }

 private:
  std::unique_ptr<testing::PgCluster> cluster_;
  std::string conninfo_;
  std::string address_;
  pid_t server_pid_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

int Main() {
  const int64_t size = int64_t{absl::GetFlag(FLAGS_size_mib)} << 20;
  const int runs = std::max(1, absl::GetFlag(FLAGS_runs));
  Bench bench;
  bench.StartServer();
  const int part_id = bench.CreatePart();
  const int baseline_part_id = bench.CreatePart();
  std::printf("drawing_bench: %lld MiB, %d runs per direction, median\n",
              static_cast<long long>(size >> 20), runs);

  std::vector<double> upload_s, insert_s, download_s, libpq_s;
  long upload_rss = 0, download_rss = 0;
  std::string sha256;
  for (int run = 0; run < runs; ++run) {
    // Alternate, as below.
    const Transfer up = bench.Upload(part_id, size);
    const Transfer insert = bench.LibpqInsert(baseline_part_id, size);
    if (insert.sha256 != up.sha256) Die("the baseline inserted other bytes");
    upload_s.push_back(up.seconds);
    insert_s.push_back(insert.seconds);
    upload_rss = std::max(upload_rss, up.rss_growth_kb);
    sha256 = up.sha256;
  }
  for (int run = 0; run < runs; ++run) {
    // Alternate so both see the same cache state.
    const Transfer down = bench.Download(part_id, size);
    const Transfer base = bench.LibpqRead(part_id, size);
    if (down.sha256 != sha256 || base.sha256 != sha256) {
      Die("downloaded bytes differ from the uploaded ones");
    }
    download_s.push_back(down.seconds);
    download_rss = std::max(download_rss, down.rss_growth_kb);
    libpq_s.push_back(base.seconds);
  }
  const double mib = static_cast<double>(size) / kMiB;
  const double up = mib / Median(upload_s);
  const double down = mib / Median(download_s);
  const double base = mib / Median(libpq_s);
  const double insert_base = mib / Median(insert_s);
  const double ratio = down / base;
  const double upload_ratio = up / insert_base;
  std::printf("upload:    %8.1f MB/s   server peak RSS growth %6.1f MiB\n", up,
              upload_rss / 1024.0);
  std::printf("libpq:     %8.1f MB/s   (one INSERT, binary, same table)\n",
              insert_base);
  std::printf("download:  %8.1f MB/s   server peak RSS growth %6.1f MiB\n",
              down, download_rss / 1024.0);
  std::printf("libpq:     %8.1f MB/s   (one SELECT, binary, same database)\n",
              base);
  std::printf("upload / libpq = %.2f (target >= 0.50): %s\n", upload_ratio,
              upload_ratio >= 0.50 ? "met" : "NOT met");
  std::printf("download / libpq = %.2f (target >= 0.70): %s\n", ratio,
              ratio >= 0.70 ? "met" : "NOT met");
  constexpr long kRssBoundKib = 64L * 1024;
  const bool rss_ok = upload_rss < kRssBoundKib && download_rss < kRssBoundKib;
  std::printf("RSS growth < 64 MiB each way: %s\n", rss_ok ? "met" : "NOT met");
  std::printf("(MB/s here means MiB/s)\n");
  return 0;
}

}  // namespace
}  // namespace suppliers

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return suppliers::Main();
}
