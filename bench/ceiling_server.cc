// The gRPC ceiling of this machine: the same gRPC stack and threading model
// as suppliers-server (callback API), answering GetVendor from memory, with
// no database. What load_gen measures against it is what gRPC alone costs
// per call here; scripts/bench.sh sets the service's figures beside it.
//
//   build/bench/ceiling_server --listen 127.0.0.1:50052 --vendors 10000
#include <grpcpp/grpcpp.h>

#include <csignal>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "suppliers/v1/vendor.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50052", "address to serve");
ABSL_FLAG(int, vendors, 10000, "vendors held in memory, ids 1..N");

namespace suppliers::bench {
namespace {

class InMemoryVendors final : public v1::VendorService::CallbackService {
 public:
  explicit InMemoryVendors(int count) {
    vendors_.resize(static_cast<size_t>(count) + 1);
    for (int id = 1; id <= count; ++id) {
      v1::Vendor& vendor = vendors_[static_cast<size_t>(id)];
      vendor.set_vendor_id(id);
      vendor.set_vendor_name(absl::StrCat("vendor ", id));
      vendor.set_etag("1000");
    }
  }

  grpc::ServerUnaryReactor* GetVendor(
      grpc::CallbackServerContext* context, const v1::GetVendorRequest* request,
      v1::GetVendorResponse* response) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    const int id = request->vendor_id();
    if (id < 1 || static_cast<size_t>(id) >= vendors_.size()) {
      reactor->Finish(grpc::Status(grpc::StatusCode::NOT_FOUND, "no vendor"));
    } else {
      *response->mutable_vendor() = vendors_[static_cast<size_t>(id)];
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

 private:
  std::vector<v1::Vendor> vendors_;  // immutable after construction
};

int Main() {
  InMemoryVendors service(absl::GetFlag(FLAGS_vendors));
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "ceiling_server: cannot listen on %s\n",
                 absl::GetFlag(FLAGS_listen).c_str());
    return 1;
  }
  std::fprintf(stderr, "ceiling_server listening on %s\n",
               absl::GetFlag(FLAGS_listen).c_str());
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  int signal_number = 0;
  sigwait(&signals, &signal_number);
  server->Shutdown();
  return 0;
}

}  // namespace
}  // namespace suppliers::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return suppliers::bench::Main();
}
