// Tests the client library's one call policy (client/suppliers_client.h)
// against an in-process fake server: which calls are retried on
// UNAVAILABLE, that retries reuse the request id, that the deadline bounds
// them, and how status details are rendered; the default service config
// (valid, the shared client/service_config.json, what channels run with, one
// retry layer per call). Then the streamed calls (CSV
// imports in 256 KiB chunks, row batches, exports, watches and how they
// stop) and the CLI commands on them (watch, import, export), against fake
// services on a loopback port. No database.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <streambuf>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "client/cpp/cli/cli.h"
#include "client/cpp/cli/command.h"
#include "client/cpp/cli/demo.h"
#include "client/cpp/cli/output.h"
#include "client/cpp/service_config.h"
#include "client/cpp/suppliers_client.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "server/store/validation.h"

namespace suppliers::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// Answers UNAVAILABLE `failures` times, then succeeds; records requests.
class FlakyVendors final : public v1::VendorService::Service {
 public:
  explicit FlakyVendors(int failures) : failures_(failures) {}

  grpc::Status GetVendor(grpc::ServerContext* context,
                         const v1::GetVendorRequest* request,
                         v1::GetVendorResponse* response) override {
    if (Fail(context)) return Unavailable();
    response->mutable_vendor()->set_vendor_id(request->vendor_id());
    return grpc::Status::OK;
  }
  grpc::Status CreateVendor(grpc::ServerContext* context,
                            const v1::CreateVendorRequest* request,
                            v1::CreateVendorResponse* response) override {
    {
      absl::MutexLock lock(&mu_);
      request_ids_.push_back(request->request_id());
    }
    if (Fail(context)) return Unavailable();
    response->mutable_vendor()->set_vendor_id(1);
    absl::MutexLock lock(&mu_);
    if (!commit_lsn_.empty()) {
      context->AddTrailingMetadata("x-suppliers-commit-lsn", commit_lsn_);
    }
    return grpc::Status::OK;
  }
  grpc::Status DeleteVendor(grpc::ServerContext* context,
                            const v1::DeleteVendorRequest*,
                            v1::DeleteVendorResponse*) override {
    if (Fail(context)) return Unavailable();
    return grpc::Status::OK;
  }
  grpc::Status BatchGetVendors(grpc::ServerContext*,
                               const v1::BatchGetVendorsRequest*,
                               v1::BatchGetVendorsResponse*) override {
    google::rpc::Status details;
    details.set_code(grpc::StatusCode::INVALID_ARGUMENT);
    google::rpc::ErrorInfo info;
    info.set_reason("INVALID_FIELD");
    info.set_domain("suppliers.v1");
    (*info.mutable_metadata())["field"] = "vendor_ids[1]";
    details.add_details()->PackFrom(info);
    google::rpc::BadRequest bad_request;
    auto* violation = bad_request.add_field_violations();
    violation->set_field("vendor_ids[1]");
    violation->set_description("must be a positive id");
    details.add_details()->PackFrom(bad_request);
    return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                        "vendor_ids[1]: must be a positive id",
                        details.SerializeAsString());
  }

  int calls() {
    absl::MutexLock lock(&mu_);
    return calls_;
  }
  std::vector<std::string> request_ids() {
    absl::MutexLock lock(&mu_);
    return request_ids_;
  }
  std::string last_client_header() {
    absl::MutexLock lock(&mu_);
    return client_header_;
  }
  // What CreateVendor answers as its commit position ("" none).
  void set_commit_lsn(std::string lsn) {
    absl::MutexLock lock(&mu_);
    commit_lsn_ = std::move(lsn);
  }
  // x-suppliers-min-lsn of the last call; empty when absent.
  std::string last_min_lsn() {
    absl::MutexLock lock(&mu_);
    return min_lsn_;
  }
  // grpc-previous-rpc-attempts of the last call; empty when absent.
  std::string last_previous_attempts() {
    absl::MutexLock lock(&mu_);
    return previous_attempts_;
  }

 private:
  bool Fail(grpc::ServerContext* context) {
    absl::MutexLock lock(&mu_);
    ++calls_;
    auto header = context->client_metadata().find("x-suppliers-client");
    if (header != context->client_metadata().end()) {
      client_header_ =
          std::string(header->second.data(), header->second.size());
    }
    // Set by gRPC on the attempts its retryPolicy makes.
    auto attempts =
        context->client_metadata().find("grpc-previous-rpc-attempts");
    previous_attempts_ =
        attempts == context->client_metadata().end()
            ? ""
            : std::string(attempts->second.data(), attempts->second.size());
    auto min_lsn = context->client_metadata().find("x-suppliers-min-lsn");
    min_lsn_ =
        min_lsn == context->client_metadata().end()
            ? ""
            : std::string(min_lsn->second.data(), min_lsn->second.size());
    return calls_ <= failures_;
  }
  static grpc::Status Unavailable() {
    return grpc::Status(grpc::StatusCode::UNAVAILABLE, "try again");
  }

  const int failures_;
  absl::Mutex mu_;
  int calls_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<std::string> request_ids_ ABSL_GUARDED_BY(mu_);
  std::string client_header_ ABSL_GUARDED_BY(mu_);
  std::string previous_attempts_ ABSL_GUARDED_BY(mu_);
  std::string commit_lsn_ ABSL_GUARDED_BY(mu_);
  std::string min_lsn_ ABSL_GUARDED_BY(mu_);
};

class ClientTest : public ::testing::Test {
 protected:
  void Start(int failures, ClientOptions options = {}) {
    service_ = std::make_unique<FlakyVendors>(failures);
    grpc::ServerBuilder builder;
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    options.initial_backoff = absl::Milliseconds(5);
    client_ = std::make_unique<SuppliersClient>(
        options, server_->InProcessChannel(grpc::ChannelArguments()));
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }

  std::unique_ptr<FlakyVendors> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<SuppliersClient> client_;
};

TEST_F(ClientTest, ReadsAreRetriedOnUnavailable) {
  Start(/*failures=*/2);
  v1::GetVendorRequest request;
  request.set_vendor_id(7);
  auto response = client_->GetVendor(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->vendor().vendor_id(), 7);
  EXPECT_EQ(service_->calls(), 3);
  EXPECT_EQ(service_->last_client_header(), "suppliers-client/1");
  EXPECT_EQ(service_->last_previous_attempts(), "");  // the library's retries
}

TEST_F(ClientTest, RetriesStopAfterMaxAttempts) {
  ClientOptions options;
  options.max_attempts = 3;
  Start(/*failures=*/10, options);
  auto response = client_->GetVendor(v1::GetVendorRequest());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_->calls(), 3);
}

TEST_F(ClientTest, CreatesAreRetriedWithTheSameFreshRequestId) {
  Start(/*failures=*/2);
  v1::CreateVendorRequest request;
  request.mutable_vendor()->set_vendor_name("3M Co.");
  ASSERT_TRUE(client_->CreateVendor(request).ok());
  const std::vector<std::string> ids = service_->request_ids();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], ids[1]);
  EXPECT_EQ(ids[1], ids[2]);
  EXPECT_TRUE(ValidateRequestId("request_id", ids[0]).ok()) << ids[0];
}

TEST_F(ClientTest, CallsAfterAWriteAskForItsCommitPosition) {
  Start(/*failures=*/0);
  v1::GetVendorRequest get;
  get.set_vendor_id(1);
  ASSERT_TRUE(client_->GetVendor(get).ok());
  EXPECT_EQ(service_->last_min_lsn(), "");  // nothing written yet
  service_->set_commit_lsn("16/B374D848");
  ASSERT_TRUE(client_->CreateVendor(v1::CreateVendorRequest()).ok());
  ASSERT_TRUE(client_->GetVendor(get).ok());
  EXPECT_EQ(service_->last_min_lsn(), "16/B374D848");
  // An older position (another server's answer) does not move it back.
  service_->set_commit_lsn("1/0");
  ASSERT_TRUE(client_->CreateVendor(v1::CreateVendorRequest()).ok());
  ASSERT_TRUE(client_->GetVendor(get).ok());
  EXPECT_EQ(service_->last_min_lsn(), "16/B374D848");
}

TEST_F(ClientTest, ReadYourWritesCanBeTurnedOff) {
  ClientOptions options;
  options.read_your_writes = false;
  Start(/*failures=*/0, options);
  service_->set_commit_lsn("16/B374D848");
  ASSERT_TRUE(client_->CreateVendor(v1::CreateVendorRequest()).ok());
  v1::GetVendorRequest get;
  get.set_vendor_id(1);
  ASSERT_TRUE(client_->GetVendor(get).ok());
  EXPECT_EQ(service_->last_min_lsn(), "");
}

TEST_F(ClientTest, DeletesAreNeverRetried) {
  Start(/*failures=*/1);
  auto response = client_->DeleteVendor(v1::DeleteVendorRequest());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_->calls(), 1);
}

TEST_F(ClientTest, TheDeadlineBoundsAllAttempts) {
  ClientOptions options;
  options.max_attempts = 1000;
  options.deadline = absl::Milliseconds(300);
  Start(/*failures=*/1000000, options);
  const absl::Time start = absl::Now();
  auto response = client_->GetVendor(v1::GetVendorRequest());
  EXPECT_FALSE(response.ok());
  EXPECT_LT(absl::Now() - start, absl::Seconds(2));
}

TEST_F(ClientTest, StatusDetailsBecomeReadableErrors) {
  Start(/*failures=*/0);
  auto response = client_->BatchGetVendors(v1::BatchGetVendorsRequest());
  ASSERT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string text = DescribeError(response.status());
  EXPECT_THAT(text, HasSubstr("INVALID_ARGUMENT: vendor_ids[1]: must be a "
                              "positive id"));
  EXPECT_THAT(text, HasSubstr("reason: INVALID_FIELD (domain suppliers.v1) "
                              "field=vendor_ids[1]"));
  EXPECT_THAT(text, HasSubstr("field vendor_ids[1]: must be a positive id"));
  EXPECT_THAT(
      FieldViolations(response.status()),
      ElementsAre(std::make_pair(std::string("vendor_ids[1]"),
                                 std::string("must be a positive id"))));
}

TEST(RequestIdTest, IdsAreVersion4UuidsAndDistinct) {
  const std::string a = NewRequestId();
  const std::string b = NewRequestId();
  EXPECT_NE(a, b);
  EXPECT_TRUE(ValidateRequestId("request_id", a).ok()) << a;
  EXPECT_EQ(a[14], '4');
  EXPECT_THAT(std::string("89ab"), HasSubstr(std::string(1, a[19])));
}

// ---------------------------------------------------------------------------
// The default service config (client/cpp/service_config.h): valid JSON, the
// same as client/service_config.json that the other clients copy, shaped by
// the options, and what a channel from MakeChannel actually runs with.

google::protobuf::Struct ParseJson(const std::string& text) {
  google::protobuf::Struct parsed;
  const auto status =
      google::protobuf::util::JsonStringToMessage(text, &parsed);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in " << text;
  return parsed;
}

bool SameJson(const std::string& a, const std::string& b) {
  return google::protobuf::util::MessageDifferencer::Equals(ParseJson(a),
                                                            ParseJson(b));
}

TEST(ServiceConfigTest, TheDefaultIsValidJsonAndTheSharedFile) {
  std::ifstream file(SUPPLIERS_SOURCE_DIR "/client/service_config.json");
  ASSERT_TRUE(file) << "client/service_config.json";
  std::stringstream shared;
  shared << file.rdbuf();
  const std::string json = ServiceConfigJson();
  EXPECT_TRUE(SameJson(json, shared.str()))
      << "client/service_config.json is no longer what ServiceConfigJson() "
         "gives; update it (and the Node, Go and Python copies) to:\n"
      << json;
  EXPECT_THAT(json,
              HasSubstr("\"loadBalancingConfig\":[{\"round_robin\":{}}]"));
  EXPECT_THAT(json, HasSubstr("\"retryableStatusCodes\":[\"UNAVAILABLE\"]"));
  EXPECT_EQ(json, ChannelServiceConfig(ClientOptions()));
}

TEST(ServiceConfigTest, OnlyReadsCarryTheRetryPolicy) {
  const google::protobuf::Struct config = ParseJson(ServiceConfigJson());
  int retried = 0;
  for (const auto& entry :
       config.fields().at("methodConfig").list_value().values()) {
    const auto& fields = entry.struct_value().fields();
    const bool retries = fields.count("retryPolicy") > 0;
    for (const auto& name : fields.at("name").list_value().values()) {
      const std::string method =
          name.struct_value().fields().at("method").string_value();
      const bool read =
          absl::StartsWith(method, "Get") || absl::StartsWith(method, "List") ||
          absl::StartsWith(method, "BatchGet") ||
          absl::StartsWith(method, "Export") ||
          absl::StartsWith(method, "Download") || method == "Check";
      EXPECT_EQ(retries, read) << method;
      retried += retries ? 1 : 0;
    }
  }
  EXPECT_EQ(retried, 14);
}

TEST(ServiceConfigTest, DurationsAreWrittenAsSeconds) {
  EXPECT_EQ(ServiceConfigDuration(absl::Milliseconds(100)), "0.1s");
  EXPECT_EQ(ServiceConfigDuration(absl::Milliseconds(1250)), "1.25s");
  EXPECT_EQ(ServiceConfigDuration(absl::Milliseconds(5)), "0.005s");
  EXPECT_EQ(ServiceConfigDuration(absl::Seconds(30)), "30s");
}

TEST(ServiceConfigTest, OptionsShapeTheChannelConfig) {
  ClientOptions options;
  options.load_balancing = kPickFirst;
  options.max_attempts = 9;
  options.initial_backoff = absl::Milliseconds(250);
  options.deadline = absl::Seconds(45);
  std::string json = ChannelServiceConfig(options);
  ParseJson(json);
  EXPECT_THAT(json, HasSubstr("[{\"pick_first\":{}}]"));
  EXPECT_THAT(json, HasSubstr("\"maxAttempts\":5,"));  // gRPC's cap
  EXPECT_THAT(json, HasSubstr("\"initialBackoff\":\"0.25s\""));
  EXPECT_THAT(json, HasSubstr("\"timeout\":\"45s\""));
  EXPECT_THAT(json, Not(HasSubstr("\"timeout\":\"30s\"")));

  options.max_attempts = 1;
  options.deadline = absl::InfiniteDuration();
  json = ChannelServiceConfig(options);
  ParseJson(json);
  EXPECT_THAT(json, Not(HasSubstr("retryPolicy")));
  EXPECT_THAT(json, Not(HasSubstr("timeout")));

  options.load_balancing.clear();
  EXPECT_EQ(ChannelServiceConfig(options), "");
}

TEST(ServiceConfigTest, AnUnknownPolicyIsRefused) {
  ClientOptions options;
  options.load_balancing = "random";
  const auto channel = MakeChannel(options);
  EXPECT_EQ(channel.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(channel.status().message(), HasSubstr("\"random\""));
}

// Channels from MakeChannel and clients from Create, to a FlakyVendors on a
// loopback port named through gRPC's DNS resolver.
class ChannelConfigTest : public ::testing::Test {
 protected:
  void Start(int failures) {
    service_ = std::make_unique<FlakyVendors>(failures);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override {
    if (server_) server_->Shutdown();
  }
  ClientOptions Options(const std::string& policy) const {
    ClientOptions options;
    options.target = absl::StrCat("dns:///127.0.0.1:", port_);
    options.load_balancing = policy;
    options.initial_backoff = absl::Milliseconds(5);
    return options;
  }

  std::unique_ptr<FlakyVendors> service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

TEST_F(ChannelConfigTest, AConnectedChannelRunsTheConfigAndItsPolicy) {
  Start(/*failures=*/0);
  for (const std::string policy : {kRoundRobin, kPickFirst}) {
    const ClientOptions options = Options(policy);
    auto channel = MakeChannel(options);
    ASSERT_TRUE(channel.ok()) << channel.status();
    ASSERT_TRUE((*channel)->WaitForConnected(
        absl::ToChronoTime(absl::Now() + absl::Seconds(10))));
    EXPECT_EQ((*channel)->GetLoadBalancingPolicyName(), policy);
    EXPECT_TRUE(SameJson((*channel)->GetServiceConfigJSON(),
                         ChannelServiceConfig(options)))
        << (*channel)->GetServiceConfigJSON();
  }
}

TEST_F(ChannelConfigTest, WithoutAPolicyTheChannelHasGrpcDefaults) {
  Start(/*failures=*/0);
  auto channel = MakeChannel(Options(""));
  ASSERT_TRUE(channel.ok()) << channel.status();
  ASSERT_TRUE((*channel)->WaitForConnected(
      absl::ToChronoTime(absl::Now() + absl::Seconds(10))));
  EXPECT_EQ((*channel)->GetLoadBalancingPolicyName(), "pick_first");
  EXPECT_THAT((*channel)->GetServiceConfigJSON(),
              Not(HasSubstr("retryPolicy")));
}

TEST_F(ChannelConfigTest, TheChannelRetriesReadsAndTheLibraryDoesNotAgain) {
  Start(/*failures=*/10);
  ClientOptions options = Options(kRoundRobin);
  options.max_attempts = 3;
  auto client = SuppliersClient::Create(options);
  ASSERT_TRUE(client.ok()) << client.status();
  auto response = (*client)->GetVendor(v1::GetVendorRequest());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_->calls(), 3);                     // not 3 x 3
  EXPECT_EQ(service_->last_previous_attempts(), "2");  // gRPC's retries
}

TEST_F(ChannelConfigTest, AReadSucceedsAfterTheChannelRetriedIt) {
  Start(/*failures=*/2);
  auto client = SuppliersClient::Create(Options(kRoundRobin));
  ASSERT_TRUE(client.ok()) << client.status();
  v1::GetVendorRequest request;
  request.set_vendor_id(7);
  auto response = (*client)->GetVendor(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->vendor().vendor_id(), 7);
  EXPECT_EQ(service_->calls(), 3);
  EXPECT_EQ(service_->last_previous_attempts(), "2");
}

TEST_F(ChannelConfigTest, CreatesAreStillRetriedByTheLibrary) {
  Start(/*failures=*/2);
  auto client = SuppliersClient::Create(Options(kRoundRobin));
  ASSERT_TRUE(client.ok()) << client.status();
  v1::CreateVendorRequest request;
  request.mutable_vendor()->set_vendor_name("3M Co.");
  ASSERT_TRUE((*client)->CreateVendor(request).ok());
  const std::vector<std::string> ids = service_->request_ids();
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids[0], ids[2]);
  EXPECT_EQ(service_->last_previous_attempts(), "");  // not the channel
}

TEST_F(ChannelConfigTest, DeletesAreNeverRetried) {
  Start(/*failures=*/1);
  auto client = SuppliersClient::Create(Options(kRoundRobin));
  ASSERT_TRUE(client.ok()) << client.status();
  auto deleted = (*client)->DeleteVendor(v1::DeleteVendorRequest());
  EXPECT_EQ(deleted.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(service_->calls(), 1);
}

// ---------------------------------------------------------------------------
// Streamed calls: fakes of the bulk methods, of the change feed and of
// health (the demo's first step), served on a loopback port so that the CLI,
// which makes its own channel from --target, reaches them too.

// Records what imports received; plays exports back. The configuration is
// set before the server starts.
class BulkVendors final : public v1::VendorService::Service {
 public:
  grpc::Status ImportVendors(
      grpc::ServerContext* context,
      grpc::ServerReader<v1::ImportVendorsRequest>* reader,
      v1::ImportVendorsResponse* response) override {
    v1::ImportVendorsRequest message;
    std::vector<size_t> chunks;
    std::string csv;
    std::vector<int> batches;
    std::vector<std::string> names;
    while (reader->Read(&message)) {
      if (!message.csv_chunk().empty()) {
        chunks.push_back(message.csv_chunk().size());
        csv += message.csv_chunk();
      }
      if (message.vendors_size() > 0) batches.push_back(message.vendors_size());
      for (const v1::Vendor& vendor : message.vendors()) {
        names.push_back(vendor.vendor_name());
      }
    }
    const bool cancelled = context->IsCancelled();
    {
      absl::MutexLock lock(&mu_);
      ++imports_;
      chunk_sizes_ = chunks;
      csv_ = csv;
      batches_ = batches;
      names_ = names;
      cancelled_ = cancelled;
      finished_ = true;
    }
    if (!import_status.ok()) return import_status;
    // CSV: one row per line after the header.
    const int64_t rows =
        csv.empty()
            ? static_cast<int64_t>(names.size())
            : static_cast<int64_t>(std::count(csv.begin(), csv.end(), '\n')) -
                  1;
    response->mutable_summary()->set_rows_imported(rows);
    response->mutable_summary()->set_first_id(5);
    response->mutable_summary()->set_last_id(
        static_cast<int32_t>(5 + rows - 1));
    return grpc::Status::OK;
  }

  grpc::Status ExportVendors(
      grpc::ServerContext*, const v1::ExportVendorsRequest* request,
      grpc::ServerWriter<v1::ExportVendorsResponse>* writer) override {
    {
      absl::MutexLock lock(&mu_);
      formats_.push_back(request->format());
    }
    bool first = true;
    auto next = [&first]() {
      v1::ExportVendorsResponse message;
      if (first) message.set_change_sequence(42);
      first = false;
      return message;
    };
    if (request->format() == v1::EXPORT_FORMAT_CSV) {
      for (const std::string& chunk : export_chunks) {
        v1::ExportVendorsResponse message = next();
        message.set_csv_chunk(chunk);
        writer->Write(message);
      }
    } else {
      for (const auto& batch : export_batches) {
        v1::ExportVendorsResponse message = next();
        for (const auto& [id, name] : batch) {
          v1::Vendor* vendor = message.add_vendors();
          vendor->set_vendor_id(id);
          vendor->set_vendor_name(name);
          vendor->set_etag(absl::StrCat("e", id));
        }
        writer->Write(message);
      }
    }
    return export_status;
  }

  // What the demo reads before writing: empty tables.
  grpc::Status ListVendors(grpc::ServerContext*, const v1::ListVendorsRequest*,
                           v1::ListVendorsResponse*) override {
    return grpc::Status::OK;
  }

  // Waits (at most 5 s) until an import has ended on the server's side.
  bool AwaitImport() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&finished_), absl::Seconds(5));
  }
  int imports() {
    absl::MutexLock lock(&mu_);
    return imports_;
  }
  std::vector<size_t> chunk_sizes() {
    absl::MutexLock lock(&mu_);
    return chunk_sizes_;
  }
  std::string csv() {
    absl::MutexLock lock(&mu_);
    return csv_;
  }
  std::vector<int> batches() {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  std::vector<std::string> names() {
    absl::MutexLock lock(&mu_);
    return names_;
  }
  bool cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }
  std::vector<v1::ExportFormat> formats() {
    absl::MutexLock lock(&mu_);
    return formats_;
  }

  grpc::Status import_status = grpc::Status::OK;
  std::vector<std::string> export_chunks;
  std::vector<std::vector<std::pair<int, std::string>>> export_batches;
  grpc::Status export_status = grpc::Status::OK;

 private:
  absl::Mutex mu_;
  int imports_ ABSL_GUARDED_BY(mu_) = 0;
  std::vector<size_t> chunk_sizes_ ABSL_GUARDED_BY(mu_);
  std::string csv_ ABSL_GUARDED_BY(mu_);
  std::vector<int> batches_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> names_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<v1::ExportFormat> formats_ ABSL_GUARDED_BY(mu_);
};

// ImportParts records its CSV; ListParts is empty (for the demo).
class BulkParts final : public v1::PartService::Service {
 public:
  grpc::Status ImportParts(grpc::ServerContext*,
                           grpc::ServerReader<v1::ImportPartsRequest>* reader,
                           v1::ImportPartsResponse* response) override {
    v1::ImportPartsRequest message;
    std::string csv;
    int rows = 0;
    while (reader->Read(&message)) {
      csv += message.csv_chunk();
      rows += message.parts_size();
    }
    {
      absl::MutexLock lock(&mu_);
      csv_ = csv;
      rows_ = rows;
    }
    response->mutable_summary()->set_rows_imported(2);
    response->mutable_summary()->set_links_imported(3);
    response->mutable_summary()->set_first_id(1);
    response->mutable_summary()->set_last_id(2);
    return grpc::Status::OK;
  }
  grpc::Status ListParts(grpc::ServerContext*, const v1::ListPartsRequest*,
                         v1::ListPartsResponse*) override {
    return grpc::Status::OK;
  }

  std::string csv() {
    absl::MutexLock lock(&mu_);
    return csv_;
  }
  int rows() {
    absl::MutexLock lock(&mu_);
    return rows_;
  }

 private:
  absl::Mutex mu_;
  std::string csv_ ABSL_GUARDED_BY(mu_);
  int rows_ ABSL_GUARDED_BY(mu_) = 0;
};

// Sends `messages`, then (with `heartbeats`) a heartbeat every 20 ms, until
// the client cancels (or 10 s pass, so that a broken test cannot hang).
class FakeFeed final : public v1::ChangeFeedService::Service {
 public:
  grpc::Status WatchChanges(
      grpc::ServerContext* context, const v1::WatchChangesRequest* request,
      grpc::ServerWriter<v1::WatchChangesResponse>* writer) override {
    {
      absl::MutexLock lock(&mu_);
      requests_.push_back(*request);
      without_deadline_ =
          context->deadline() == std::chrono::system_clock::time_point::max();
    }
    for (const v1::WatchChangesResponse& message : messages) {
      writer->Write(message);
    }
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!context->IsCancelled() && absl::Now() < give_up) {
      if (heartbeats) writer->Write(v1::WatchChangesResponse());
      absl::SleepFor(absl::Milliseconds(20));
    }
    absl::MutexLock lock(&mu_);
    cancelled_ = context->IsCancelled();
    ended_ = true;
    return grpc::Status::OK;
  }

  bool AwaitEnd() {
    absl::MutexLock lock(&mu_);
    return mu_.AwaitWithTimeout(absl::Condition(&ended_), absl::Seconds(5));
  }
  std::vector<v1::WatchChangesRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  bool without_deadline() {
    absl::MutexLock lock(&mu_);
    return without_deadline_;
  }
  bool cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  std::vector<v1::WatchChangesResponse> messages;
  bool heartbeats = false;

 private:
  absl::Mutex mu_;
  std::vector<v1::WatchChangesRequest> requests_ ABSL_GUARDED_BY(mu_);
  bool without_deadline_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool ended_ ABSL_GUARDED_BY(mu_) = false;
};

class ServingHealth final : public grpc::health::v1::Health::Service {
 public:
  grpc::Status Check(grpc::ServerContext*,
                     const grpc::health::v1::HealthCheckRequest*,
                     grpc::health::v1::HealthCheckResponse* response) override {
    response->set_status(grpc::health::v1::HealthCheckResponse::SERVING);
    return grpc::Status::OK;
  }
};

v1::ChangeEvent VendorEvent(int64_t sequence, v1::ChangeOperation operation,
                            int32_t id, const std::string& name) {
  v1::ChangeEvent event;
  event.set_sequence(sequence);
  event.set_kind(v1::RESOURCE_KIND_VENDOR);
  event.set_operation(operation);
  event.set_vendor_id(id);
  if (operation != v1::CHANGE_OPERATION_DELETE) {
    event.mutable_vendor()->set_vendor_id(id);
    event.mutable_vendor()->set_vendor_name(name);
  }
  return event;
}

v1::ChangeEvent LinkEvent(int64_t sequence, int32_t part_id,
                          int32_t vendor_id) {
  v1::ChangeEvent event;
  event.set_sequence(sequence);
  event.set_kind(v1::RESOURCE_KIND_VENDOR_PART);
  event.set_operation(v1::CHANGE_OPERATION_INSERT);
  event.set_part_id(part_id);
  event.set_vendor_id(vendor_id);
  return event;
}

// Every byte value, in a pattern that does not repeat at chunk bounds.
std::string Bytes(size_t size) {
  std::string bytes(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    bytes[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  }
  return bytes;
}

// An input that fails (badbit) after `good` bytes, as a disk read error
// does: istream::read turns the exception into badbit.
class FailingBuffer final : public std::streambuf {
 public:
  explicit FailingBuffer(std::string good) : good_(std::move(good)) {
    setg(good_.data(), good_.data(), good_.data() + good_.size());
  }

 protected:
  int_type underflow() override { throw std::ios_base::failure("read error"); }

 private:
  std::string good_;
};

// What was written to `file` (a std::tmpfile), which is closed.
std::string ReadAndClose(std::FILE* file) {
  std::rewind(file);
  std::string text;
  for (int c; (c = std::fgetc(file)) != EOF;) {
    text.push_back(static_cast<char>(c));
  }
  std::fclose(file);
  return text;
}

struct CliRun {
  int code = -1;
  std::string out;
  std::string err;
};

class StreamTest : public ::testing::Test {
 protected:
  void Start(bool with_feed = true, ClientOptions options = {}) {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&vendors_);
    builder.RegisterService(&parts_);
    builder.RegisterService(&health_);
    if (with_feed) builder.RegisterService(&feed_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    target_ = absl::StrCat("127.0.0.1:", port);
    options.target = target_;
    auto client = SuppliersClient::Create(options);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = *std::move(client);
  }
  void TearDown() override {
    if (server_) server_->Shutdown(absl::ToChronoTime(absl::Now()));
  }

  // suppliers-client --target <the fake> ARGS..., stdout and stderr caught.
  CliRun Cli(std::vector<std::string> args) {
    args.insert(args.begin(), {"suppliers-client", "--target", target_});
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    CliRun run;
    ::testing::internal::CaptureStdout();
    ::testing::internal::CaptureStderr();
    run.code = RunCli(static_cast<int>(argv.size()), argv.data());
    std::fflush(stdout);
    std::fflush(stderr);
    run.err = ::testing::internal::GetCapturedStderr();
    run.out = ::testing::internal::GetCapturedStdout();
    return run;
  }

  std::string WriteFile(const std::string& name, const std::string& bytes) {
    const std::string path = ::testing::TempDir() + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  BulkVendors vendors_;
  BulkParts parts_;
  FakeFeed feed_;
  ServingHealth health_;
  std::unique_ptr<grpc::Server> server_;
  std::string target_;
  std::unique_ptr<SuppliersClient> client_;
};

TEST_F(StreamTest, CsvImportsSendTheFileIn256KiBChunks) {
  Start();
  const std::string file = Bytes(600 * 1024 + 17);
  std::istringstream csv(file);
  auto summary = client_->ImportVendorsCsv(csv);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_THAT(
      vendors_.chunk_sizes(),
      ElementsAre(256 * 1024, 256 * 1024, 600 * 1024 + 17 - 512 * 1024));
  EXPECT_TRUE(vendors_.csv() == file) << "the chunks are not the file";
  EXPECT_FALSE(vendors_.cancelled());
  EXPECT_EQ(summary->first_id(), 5);
}

TEST_F(StreamTest, CsvImportOfAnExactMultipleSendsNoEmptyChunk) {
  Start();
  std::istringstream csv(Bytes(512 * 1024));
  ASSERT_TRUE(client_->ImportVendorsCsv(csv).ok());
  EXPECT_THAT(vendors_.chunk_sizes(), ElementsAre(256 * 1024, 256 * 1024));
}

TEST_F(StreamTest, PartsCsvImportGoesToImportParts) {
  Start();
  std::istringstream csv("part_name,vendor_ids\nBolt,1;2\nNut,3\n");
  auto summary = client_->ImportPartsCsv(csv);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(parts_.csv(), "part_name,vendor_ids\nBolt,1;2\nNut,3\n");
  EXPECT_EQ(summary->links_imported(), 3);
}

TEST_F(StreamTest, AReadErrorCancelsTheImportInsteadOfCommittingPartOfIt) {
  Start();
  FailingBuffer buffer(Bytes(300 * 1024));
  std::istream csv(&buffer);
  auto summary = client_->ImportVendorsCsv(csv);
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kDataLoss);
  EXPECT_THAT(summary.status().message(), HasSubstr("wrote nothing"));
  ASSERT_TRUE(vendors_.AwaitImport());
  // The server saw a cancelled call, never the half-close that commits.
  EXPECT_TRUE(vendors_.cancelled());
  // The first chunk was sent; the cancel may overtake it on the way.
  EXPECT_THAT(vendors_.chunk_sizes(), ::testing::Each(256 * 1024));
  EXPECT_LE(vendors_.chunk_sizes().size(), 1u);
}

TEST_F(StreamTest, RowImportsSendAThousandRowsPerMessageInOrder) {
  Start();
  std::vector<v1::Vendor> rows(2500);
  for (size_t i = 0; i < rows.size(); ++i) {
    rows[i].set_vendor_name(absl::StrCat("Vendor ", i));
  }
  auto summary = client_->ImportVendors(rows);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_THAT(vendors_.batches(), ElementsAre(1000, 1000, 500));
  const std::vector<std::string> names = vendors_.names();
  ASSERT_EQ(names.size(), 2500u);
  EXPECT_EQ(names[0], "Vendor 0");
  EXPECT_EQ(names[1999], "Vendor 1999");
  EXPECT_EQ(names[2499], "Vendor 2499");
  EXPECT_EQ(summary->rows_imported(), 2500);
}

TEST_F(StreamTest, ImportsAreNeverRetried) {
  vendors_.import_status =
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "try again");
  Start();
  auto summary = client_->ImportVendors({v1::Vendor()});
  EXPECT_EQ(summary.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(vendors_.imports(), 1);
}

TEST_F(StreamTest, ExportsHandOverEveryMessageThenTheStatus) {
  vendors_.export_chunks = {"vendor_id,vendor_name\n1,a\n", "2,b\n"};
  vendors_.export_status =
      grpc::Status(grpc::StatusCode::UNAVAILABLE, "connection lost");
  Start();
  std::vector<v1::ExportVendorsResponse> messages;
  const absl::Status status = client_->ExportVendors(
      v1::EXPORT_FORMAT_CSV,
      [&](const v1::ExportVendorsResponse& m) { messages.push_back(m); });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0].change_sequence(), 42);
  EXPECT_EQ(messages[0].csv_chunk(), "vendor_id,vendor_name\n1,a\n");
  EXPECT_EQ(messages[1].csv_chunk(), "2,b\n");
  EXPECT_THAT(vendors_.formats(), ElementsAre(v1::EXPORT_FORMAT_CSV));
}

TEST_F(StreamTest, AWatchHasNoDeadlineAndStopsWhenTheCallbackSaysSo) {
  feed_.heartbeats = true;
  Start();
  int messages = 0;
  const absl::Status status = client_->WatchChanges(
      v1::WatchChangesRequest(),
      [&](const v1::WatchChangesResponse&) { return ++messages < 3; });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(messages, 3);
  ASSERT_TRUE(feed_.AwaitEnd());
  EXPECT_TRUE(feed_.cancelled());
  EXPECT_TRUE(feed_.without_deadline());
}

TEST_F(StreamTest, ACancellerEndsAWatchWaitingForChanges) {
  v1::WatchChangesResponse first;
  first.set_checkpoint_sequence(7);
  feed_.messages = {first};
  Start();
  WatchCanceller canceller;
  std::atomic<int64_t> checkpoint{0};
  std::thread stopper([&] {
    while (checkpoint.load() == 0) absl::SleepFor(absl::Milliseconds(5));
    canceller.Cancel();
  });
  const absl::Time start = absl::Now();
  const absl::Status status = client_->WatchChanges(
      v1::WatchChangesRequest(),
      [&](const v1::WatchChangesResponse& m) {
        checkpoint = m.checkpoint_sequence();
        return true;
      },
      &canceller);
  stopper.join();
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(checkpoint.load(), 7);
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  ASSERT_TRUE(feed_.AwaitEnd());
  EXPECT_TRUE(feed_.cancelled());
}

TEST_F(StreamTest, ACancelledCancellerStartsNoWatch) {
  Start();
  WatchCanceller canceller;
  canceller.Cancel();
  const absl::Status status = client_->WatchChanges(
      v1::WatchChangesRequest(),
      [](const v1::WatchChangesResponse&) { return true; }, &canceller);
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_TRUE(feed_.requests().empty());
}

TEST_F(StreamTest, WatchDeadlineBoundsAWatchWhenSet) {
  ClientOptions options;
  options.watch_deadline = absl::Milliseconds(300);
  Start(/*with_feed=*/true, options);
  const absl::Status status = client_->WatchChanges(
      v1::WatchChangesRequest(),
      [](const v1::WatchChangesResponse&) { return true; });
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
}

TEST_F(StreamTest, AServerWithoutTheFeedAnswersUnimplemented) {
  Start(/*with_feed=*/false);
  const absl::Status status = client_->WatchChanges(
      v1::WatchChangesRequest(),
      [](const v1::WatchChangesResponse&) { return true; });
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented);
}

TEST(DescribeChangeTest, NamesOperationKindIdsAndName) {
  EXPECT_EQ(DescribeChange(VendorEvent(1, v1::CHANGE_OPERATION_UPDATE, 3,
                                       "Caf\xc3\xa9 \"Q\"")),
            "update vendor vendor_id=3 \"Caf\xc3\xa9 \\\"Q\\\"\"");
  EXPECT_EQ(DescribeChange(VendorEvent(2, v1::CHANGE_OPERATION_DELETE, 3, "")),
            "delete vendor vendor_id=3");
  EXPECT_EQ(DescribeChange(LinkEvent(3, 1, 2)),
            "insert vendor_part part_id=1 vendor_id=2");
  v1::ChangeEvent drawing;
  drawing.set_kind(v1::RESOURCE_KIND_DRAWING);
  drawing.set_operation(v1::CHANGE_OPERATION_INSERT);
  drawing.set_part_id(4);
  drawing.mutable_drawing()->set_part_id(4);
  drawing.mutable_drawing()->set_file_extension("png");
  drawing.mutable_drawing()->set_size_bytes(245);
  EXPECT_EQ(DescribeChange(drawing), "insert drawing part_id=4 png 245 bytes");
}

TEST(ParseKindsTest, CommaListsAndRepeatedFlags) {
  EXPECT_THAT(ParseKinds({"vendor,part", "drawing"}),
              ElementsAre(v1::RESOURCE_KIND_VENDOR, v1::RESOURCE_KIND_PART,
                          v1::RESOURCE_KIND_DRAWING));
  EXPECT_THAT(ParseKinds({"vendor_part"}),
              ElementsAre(v1::RESOURCE_KIND_VENDOR_PART));
  EXPECT_THROW(ParseKinds({"vendor,widget"}), UsageError);
  EXPECT_THROW(ParseKinds({","}), UsageError);
}

TEST_F(StreamTest, VendorsWatchPrintsEventsAndExitsAfterCount) {
  v1::WatchChangesResponse heartbeat;
  v1::WatchChangesResponse two;
  *two.add_events() = VendorEvent(1, v1::CHANGE_OPERATION_INSERT, 1, "3M Co.");
  *two.add_events() = LinkEvent(2, 1, 1);
  two.set_checkpoint_sequence(2);
  v1::WatchChangesResponse three;
  *three.add_events() =
      VendorEvent(3, v1::CHANGE_OPERATION_UPDATE, 1, "3M Corp");
  *three.add_events() = VendorEvent(4, v1::CHANGE_OPERATION_INSERT, 2, "LG");
  three.set_checkpoint_sequence(4);
  feed_.messages = {heartbeat, two, three};
  Start();
  const CliRun run = Cli({"vendors", "watch", "--count", "3", "--after", "0"});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.out,
            "1 insert vendor vendor_id=1 \"3M Co.\"\n"
            "2 insert vendor_part part_id=1 vendor_id=1\n"
            "3 update vendor vendor_id=1 \"3M Corp\"\n");
  ASSERT_EQ(feed_.requests().size(), 1u);
  EXPECT_EQ(feed_.requests()[0].kinds_size(), 0);  // every kind
  EXPECT_TRUE(feed_.without_deadline());
  ASSERT_TRUE(feed_.AwaitEnd());
  EXPECT_TRUE(feed_.cancelled());
}

TEST_F(StreamTest, WatchJsonCutAtCountCarriesTheLastPrintedSequence) {
  v1::WatchChangesResponse three;
  for (int i = 1; i <= 3; ++i) {
    *three.add_events() =
        VendorEvent(10 + i, v1::CHANGE_OPERATION_INSERT, i, "v");
  }
  three.set_checkpoint_sequence(13);
  feed_.messages = {three};
  Start();
  const CliRun run = Cli({"--json", "vendors", "watch", "--count", "2"});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_THAT(run.out, HasSubstr("\"checkpointSequence\":\"12\""));
  EXPECT_THAT(run.out, HasSubstr("\"sequence\":\"12\""));
  EXPECT_THAT(run.out, Not(HasSubstr("\"sequence\":\"13\"")));
}

TEST_F(StreamTest, PartsWatchDefaultsToPartsLinksAndDrawings) {
  feed_.messages = {v1::WatchChangesResponse()};
  v1::WatchChangesResponse one;
  *one.add_events() = LinkEvent(8, 1, 2);
  feed_.messages.push_back(one);
  Start();
  CliRun run = Cli({"parts", "watch", "--count", "1"});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  run =
      Cli({"parts", "watch", "--count", "1", "--kinds", "vendor", "--after=7"});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  const std::vector<v1::WatchChangesRequest> requests = feed_.requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_THAT(requests[0].kinds(),
              ElementsAre(v1::RESOURCE_KIND_PART, v1::RESOURCE_KIND_VENDOR_PART,
                          v1::RESOURCE_KIND_DRAWING));
  EXPECT_FALSE(requests[0].has_after_sequence());
  EXPECT_THAT(requests[1].kinds(), ElementsAre(v1::RESOURCE_KIND_VENDOR));
  EXPECT_EQ(requests[1].after_sequence(), 7);
}

TEST_F(StreamTest, WatchUsageErrorsExit2BeforeAnyCall) {
  Start();
  CliRun run = Cli({"vendors", "watch", "--kinds", "widget"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("--kinds takes vendor, part, vendor_part "
                                 "and drawing, not \"widget\""));
  run = Cli({"vendors", "watch", "--count", "0"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("--count wants a positive number"));
  run = Cli({"parts", "import"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("parts import needs --csv"));
  run = Cli({"--json", "vendors", "export", "--csv"});
  EXPECT_EQ(run.code, kExitUsage);
  EXPECT_THAT(run.err, HasSubstr("--csv and --json exclude each other"));
  EXPECT_TRUE(feed_.requests().empty());
  EXPECT_TRUE(vendors_.formats().empty());
}

TEST_F(StreamTest, ExportCsvWritesTheChunksToStdoutByteForByte) {
  // Quotes, CRLF inside a field, a NUL and non-UTF-8 bytes: passed through.
  vendors_.export_chunks = {"vendor_id,vendor_name\n1,\"a \"\"b\"\"\r\nc\"\n",
                            std::string("2,x\0y\xff\n", 7), ""};
  Start();
  const CliRun run = Cli({"vendors", "export", "--csv"});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_TRUE(run.out == vendors_.export_chunks[0] + vendors_.export_chunks[1])
      << run.out;
  EXPECT_EQ(run.err, "change sequence 42\n");
  EXPECT_THAT(vendors_.formats(), ElementsAre(v1::EXPORT_FORMAT_CSV));
}

TEST_F(StreamTest, ExportWithoutCsvPrintsTheListTable) {
  vendors_.export_batches = {{{1, "3M Co."}, {2, "LG"}}, {{3, "Murata"}}};
  Start();
  const CliRun run = Cli({"vendors", "export"});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.out,
            "ID  NAME    ETAG\n"
            "1   3M Co.  e1\n"
            "2   LG      e2\n"
            "3   Murata  e3\n");
  EXPECT_EQ(run.err, "change sequence 42\n");
  EXPECT_THAT(vendors_.formats(), ElementsAre(v1::EXPORT_FORMAT_MESSAGES));
}

TEST_F(StreamTest, ImportCommandStreamsTheFileAndPrintsTheSummary) {
  Start();
  const std::string path =
      WriteFile("vendors.csv", "vendor_name\n3M Co.\nLG\n\"Murata, Ltd.\"\n");
  CliRun run = Cli({"vendors", "import", "--csv", path});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.out, "imported 3 vendor(s): ids 5..7\n");
  EXPECT_EQ(vendors_.csv(), "vendor_name\n3M Co.\nLG\n\"Murata, Ltd.\"\n");
  run = Cli({"--json", "parts", "import", "--csv",
             WriteFile("parts.csv", "part_name\nBolt\nNut\n")});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(run.out,
            "{\"summary\":{\"rowsImported\":\"2\",\"linksImported\":\"3\","
            "\"firstId\":1,\"lastId\":2}}\n");
  run = Cli({"vendors", "import", "--csv", ::testing::TempDir() + "/none"});
  EXPECT_EQ(run.code, kExitFailed);
  EXPECT_THAT(run.err, HasSubstr("error: NOT_FOUND: cannot open"));
}

TEST_F(StreamTest, TheDemoGoesOnWithoutTheChangeFeed) {
  Start(/*with_feed=*/false);
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ::testing::internal::CaptureStderr();
  const int code = RunDemo(*client_, out);
  const std::string err = ::testing::internal::GetCapturedStderr();
  const std::string text = ReadAndClose(out);
  EXPECT_THAT(text, HasSubstr("  watch: unavailable (UNIMPLEMENTED)\n"));
  // The demo went on to step 3, where this fake has no CreateVendor.
  EXPECT_THAT(text, HasSubstr("== 3. Insert"));
  EXPECT_EQ(code, kExitFailed);
  EXPECT_THAT(err, HasSubstr("CreateVendor failed"));
}

TEST_F(StreamTest, TheDemoCancelsItsWatchWhenItStops) {
  v1::WatchChangesResponse first;
  first.set_checkpoint_sequence(7);
  feed_.messages = {first};
  Start();
  std::FILE* out = std::tmpfile();
  ASSERT_NE(out, nullptr);
  ::testing::internal::CaptureStderr();
  const absl::Time start = absl::Now();
  const int code = RunDemo(*client_, out);
  ::testing::internal::GetCapturedStderr();
  EXPECT_LT(absl::Now() - start, absl::Seconds(5));
  const std::string text = ReadAndClose(out);
  EXPECT_THAT(text, HasSubstr("  watch: started at checkpoint 7\n"));
  EXPECT_EQ(code, kExitFailed);
  // Stopped at step 3, the watch was cancelled, not left to run.
  ASSERT_TRUE(feed_.AwaitEnd());
  EXPECT_TRUE(feed_.cancelled());
}

}  // namespace
}  // namespace suppliers::client
