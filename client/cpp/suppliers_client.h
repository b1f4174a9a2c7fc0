// Owns the sample client library: one typed method per RPC over the
// generated stubs, and the one place that sets deadlines, attaches metadata,
// retries UNAVAILABLE for calls that are safe to repeat, and turns status
// details (google.rpc.ErrorInfo, BadRequest) into readable errors.
#ifndef SUPPLIERS_CLIENT_CPP_SUPPLIERS_CLIENT_H_
#define SUPPLIERS_CLIENT_CPP_SUPPLIERS_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "suppliers/v1/drawing.grpc.pb.h"
#include "suppliers/v1/part.grpc.pb.h"
#include "suppliers/v1/vendor.grpc.pb.h"

namespace suppliers::client {

struct ClientOptions {
  // host:port of the server.
  std::string target = "127.0.0.1:50051";
  // Deadline of one call, retries included. Streams get stream_deadline.
  absl::Duration deadline = absl::Seconds(5);
  absl::Duration stream_deadline = absl::Minutes(10);
  // Attempts for calls that are safe to repeat (reads, and creates carrying
  // a request id) when the server answers UNAVAILABLE.
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  // Extra metadata sent with every call.
  std::vector<std::pair<std::string, std::string>> metadata;
  // A bearer token (JWT) sent as `authorization: Bearer <token>` with every
  // call; empty: none.
  std::string token;
  // TLS: the PEM CA bundle that verifies the server (empty: plaintext), and
  // for mTLS the client's PEM certificate chain and key.
  std::string tls_ca_file;
  std::string tls_cert_file;
  std::string tls_key_file;
  // The name the server's certificate must carry, when it is not the
  // target's host.
  std::string tls_server_name;
};

// Thread-safe: stubs and channel are; each call uses its own context.
class SuppliersClient {
 public:
  // A client over a new channel to options.target: TLS when tls_ca_file is
  // set (mTLS with tls_cert_file and tls_key_file). INVALID_ARGUMENT naming
  // the option when a file cannot be read, or only one of cert and key is
  // given.
  static absl::StatusOr<std::unique_ptr<SuppliersClient>> Create(
      ClientOptions options);
  // For tests: a client over an existing channel.
  SuppliersClient(ClientOptions options,
                  std::shared_ptr<grpc::Channel> channel);

  const ClientOptions& options() const { return options_; }

  // grpc.health.v1.Health/Check (overall server status).
  absl::StatusOr<grpc::health::v1::HealthCheckResponse> CheckHealth();

  // suppliers.v1.VendorService. CreateVendor fills request_id with a fresh
  // UUID when empty, so that retrying it cannot create a duplicate.
  absl::StatusOr<v1::CreateVendorResponse> CreateVendor(
      v1::CreateVendorRequest request);
  absl::StatusOr<v1::BatchCreateVendorsResponse> BatchCreateVendors(
      const v1::BatchCreateVendorsRequest& request);
  absl::StatusOr<v1::GetVendorResponse> GetVendor(
      const v1::GetVendorRequest& request);
  absl::StatusOr<v1::ListVendorsResponse> ListVendors(
      const v1::ListVendorsRequest& request);
  absl::StatusOr<v1::BatchGetVendorsResponse> BatchGetVendors(
      const v1::BatchGetVendorsRequest& request);
  absl::StatusOr<v1::UpdateVendorResponse> UpdateVendor(
      const v1::UpdateVendorRequest& request);
  absl::StatusOr<v1::DeleteVendorResponse> DeleteVendor(
      const v1::DeleteVendorRequest& request);

  // suppliers.v1.PartService. CreatePart fills request_id like CreateVendor.
  absl::StatusOr<v1::CreatePartResponse> CreatePart(
      v1::CreatePartRequest request);
  absl::StatusOr<v1::GetPartResponse> GetPart(
      const v1::GetPartRequest& request);
  absl::StatusOr<v1::ListPartsResponse> ListParts(
      const v1::ListPartsRequest& request);
  absl::StatusOr<v1::BatchGetPartsResponse> BatchGetParts(
      const v1::BatchGetPartsRequest& request);
  absl::StatusOr<v1::UpdatePartResponse> UpdatePart(
      const v1::UpdatePartRequest& request);
  absl::StatusOr<v1::DeletePartResponse> DeletePart(
      const v1::DeletePartRequest& request);
  absl::StatusOr<v1::AddPartVendorsResponse> AddPartVendors(
      const v1::AddPartVendorsRequest& request);
  absl::StatusOr<v1::RemovePartVendorsResponse> RemovePartVendors(
      const v1::RemovePartVendorsRequest& request);
  absl::StatusOr<v1::ListPartsByVendorResponse> ListPartsByVendor(
      const v1::ListPartsByVendorRequest& request);
  absl::StatusOr<v1::AddPartWithNewVendorResponse> AddPartWithNewVendor(
      const v1::AddPartWithNewVendorRequest& request);
  absl::StatusOr<v1::ListPartVendorPairsResponse> ListPartVendorPairs(
      const v1::ListPartVendorPairsRequest& request);

  // suppliers.v1.DrawingService. UploadDrawing streams the file at `path` in
  // 1 MiB messages, declaring its size and SHA-256 so the server verifies
  // both. DownloadDrawing writes the bytes to `sink` as they arrive and, for
  // a whole-file download, checks them against the announced SHA-256.
  absl::StatusOr<v1::UploadDrawingResponse> UploadDrawing(
      int32_t part_id, const std::string& file_extension,
      const std::string& path);
  absl::StatusOr<v1::DrawingMetadata> DownloadDrawing(
      const v1::DownloadDrawingRequest& request,
      const std::function<absl::Status(const std::string& chunk)>& sink);
  absl::StatusOr<v1::GetDrawingMetadataResponse> GetDrawingMetadata(
      const v1::GetDrawingMetadataRequest& request);
  absl::StatusOr<v1::DeleteDrawingResponse> DeleteDrawing(
      const v1::DeleteDrawingRequest& request);

 private:
  // Runs `rpc` with a fresh context per attempt, all attempts bounded by one
  // deadline; repeats UNAVAILABLE with jittered exponential backoff when
  // `safe_to_retry`.
  absl::Status Call(
      bool safe_to_retry,
      const std::function<grpc::Status(grpc::ClientContext*)>& rpc);
  void Prepare(grpc::ClientContext* context, absl::Time deadline) const;

  ClientOptions options_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::unique_ptr<v1::VendorService::Stub> vendors_;
  std::unique_ptr<v1::PartService::Stub> parts_;
  std::unique_ptr<v1::DrawingService::Stub> drawings_;
};

// An absl::Status carrying a gRPC status and its details (kept as payload).
absl::Status FromGrpcStatus(const grpc::Status& status);

// Human-readable error: "CODE: message", then one line per detail:
// "  reason: R (domain D) key=value ..." and "  field F: description".
std::string DescribeError(const absl::Status& status);

// The ErrorInfo reason in the status details ("DATABASE_UNAVAILABLE", ...),
// empty when the status carries none (a transport failure: the server was
// never reached).
std::string ErrorReason(const absl::Status& status);

// The field violations (field, description) in the status details.
std::vector<std::pair<std::string, std::string>> FieldViolations(
    const absl::Status& status);

// The channel options.target and the TLS options describe (see Create).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options);

// A random (version 4) UUID, for request ids.
std::string NewRequestId();

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_SUPPLIERS_CLIENT_H_
