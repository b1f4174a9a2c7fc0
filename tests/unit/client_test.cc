// Tests the client library's one call policy (client/suppliers_client.h)
// against an in-process fake server: which calls are retried on
// UNAVAILABLE, that retries reuse the request id, that the deadline bounds
// them, and how status details are rendered. No database.
#include <grpcpp/grpcpp.h>

#include <vector>

#include "absl/synchronization/mutex.h"
#include "client/cpp/suppliers_client.h"
#include "gmock/gmock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "server/store/validation.h"

namespace suppliers::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

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

 private:
  bool Fail(grpc::ServerContext* context) {
    absl::MutexLock lock(&mu_);
    ++calls_;
    auto header = context->client_metadata().find("x-suppliers-client");
    if (header != context->client_metadata().end()) {
      client_header_ =
          std::string(header->second.data(), header->second.size());
    }
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

}  // namespace
}  // namespace suppliers::client
