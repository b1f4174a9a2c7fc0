// Owns the sample client library: one typed method per RPC over the
// generated stubs, and the one place that sets deadlines, attaches metadata,
// retries UNAVAILABLE for calls that are safe to repeat, and turns status
// details (google.rpc.ErrorInfo, BadRequest) into readable errors.
#ifndef SUPPLIERS_CLIENT_CPP_SUPPLIERS_CLIENT_H_
#define SUPPLIERS_CLIENT_CPP_SUPPLIERS_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <istream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "client/cpp/service_config.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "suppliers/v1/bulk.pb.h"
#include "suppliers/v1/change_feed.grpc.pb.h"
#include "suppliers/v1/drawing.grpc.pb.h"
#include "suppliers/v1/part.grpc.pb.h"
#include "suppliers/v1/vendor.grpc.pb.h"

namespace suppliers::client {

struct ClientOptions {
  // Where the server is, as gRPC names it: "host:port" or
  // "dns:///name:port" (gRPC's DNS resolver: every address the name
  // resolves to, re-resolved when a connection drops), "ipv4:a:p,b:p",
  // "unix:/path".
  std::string target = "127.0.0.1:50051";
  // The load-balancing policy of the channel's service config
  // (service_config.h): kRoundRobin spreads calls over every address of the
  // target, one replica after the other, and skips one that stopped;
  // kPickFirst sends them all to the first that connects; empty: no
  // service config at all (gRPC's defaults: pick_first, no retries in the
  // channel, no per-method timeouts). Anything else: INVALID_ARGUMENT.
  std::string load_balancing = kRoundRobin;
  // Deadline of one call, retries included. Streams get stream_deadline.
  absl::Duration deadline = absl::Seconds(5);
  absl::Duration stream_deadline = absl::Minutes(10);
  // Deadline of WatchChanges. A watch lasts until its caller stops it, so
  // by default it has none (the server's stream cap does not apply to it).
  absl::Duration watch_deadline = absl::InfiniteDuration();
  // Attempts for calls that are safe to repeat (reads, and creates carrying
  // a request id) when the server answers UNAVAILABLE, the first included,
  // all within `deadline`. Each call has one retry layer: on a channel with
  // the service config (Create with load_balancing set) gRPC retries the
  // reads (at most 5 attempts, on the next replica each) and the library
  // the creates; otherwise the library retries both. Backoff: random up to
  // initial_backoff, doubling, at most 1 s (gRPC) or uncapped (library).
  int max_attempts = 4;
  absl::Duration initial_backoff = absl::Milliseconds(100);
  // Read your writes across replicas: after a write the server answered
  // with its commit position (x-suppliers-commit-lsn, servers with read
  // replicas), this client's later calls ask for it (x-suppliers-min-lsn),
  // so their reads run only where that write is visible: a caught-up
  // replica or the primary. Off: reads may briefly miss this client's own
  // writes (at most the server's --replica_max_lag).
  bool read_your_writes = true;
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

// Ends a WatchChanges call from another thread, where on_message returning
// false would wait for the next message (heartbeats come 10 s apart): the
// watch's owner passes one to WatchChanges and calls Cancel() to stop it (a
// shutdown, the demo's end). Cancel() before the call starts makes the call
// return at once, after it ended does nothing; a cancelled canceller stays
// cancelled, so each watch needs its own. Thread-safe.
class WatchCanceller {
 public:
  void Cancel();
  bool cancelled() const;

 private:
  friend class SuppliersClient;
  // The call's context while it runs, so that Cancel() can reach it; false
  // from Attach when Cancel() came first.
  bool Attach(grpc::ClientContext* context);
  void Detach();

  mutable absl::Mutex mu_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

// Thread-safe: stubs and channel are; each call uses its own context.
class SuppliersClient {
 public:
  // A client over a new channel to options.target (MakeChannel): TLS when
  // tls_ca_file is set (mTLS with tls_cert_file and tls_key_file), the
  // service config of options.load_balancing. INVALID_ARGUMENT naming the
  // option when a file cannot be read, only one of cert and key is given,
  // or the policy is unknown.
  static absl::StatusOr<std::unique_ptr<SuppliersClient>> Create(
      ClientOptions options);
  // For tests: a client over an existing channel, which must not retry by
  // itself (not one from MakeChannel with a policy): the library retries
  // reads and creates on it.
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

  // suppliers.v1.ChangeFeedService/WatchChanges. Calls `on_message` for each
  // message of the stream, heartbeats (no events) included, on the calling
  // thread, until it returns false, `canceller` (optional) is cancelled, the
  // server ends the stream or watch_deadline passes. Stopping the watch
  // (false, or the canceller) cancels the call and returns OK; otherwise the
  // stream's status: OUT_OF_RANGE (resync: export, then watch from its
  // change_sequence), RESOURCE_EXHAUSTED WATCHER_TOO_SLOW (resume from the
  // last checkpoint_sequence), UNIMPLEMENTED from a server before the
  // feed. Never retried: the caller resumes from the checkpoint it kept.
  absl::Status WatchChanges(
      const v1::WatchChangesRequest& request,
      const std::function<bool(const v1::WatchChangesResponse&)>& on_message,
      WatchCanceller* canceller = nullptr);

  // ImportVendors / ImportParts, all or nothing, bounded by stream_deadline
  // and never retried (a retry after a lost answer could import twice).
  // The CSV forms stream `csv` (its header line included, read to its end)
  // in kCsvChunkBytes csv_chunk messages, the server holding one at a time;
  // a read error on `csv` cancels the import (nothing is written) and is
  // returned as DATA_LOSS. The row forms send kImportRowsPerMessage rows per
  // message.
  static constexpr size_t kCsvChunkBytes = 256 << 10;
  static constexpr int kImportRowsPerMessage = 1000;
  absl::StatusOr<v1::ImportSummary> ImportVendorsCsv(std::istream& csv);
  absl::StatusOr<v1::ImportSummary> ImportVendors(
      const std::vector<v1::Vendor>& vendors);
  absl::StatusOr<v1::ImportSummary> ImportPartsCsv(std::istream& csv);
  absl::StatusOr<v1::ImportSummary> ImportParts(
      const std::vector<v1::Part>& parts);

  // ExportVendors / ExportParts / ExportPartVendorPairs: calls `on_message`
  // for each message as it arrives (the first carries change_sequence; with
  // EXPORT_FORMAT_CSV the csv_chunks concatenated are the file). Bounded by
  // stream_deadline; never retried, since `on_message` already saw part of
  // the rows when a stream breaks. The status of the stream.
  absl::Status ExportVendors(
      v1::ExportFormat format,
      const std::function<void(const v1::ExportVendorsResponse&)>& on_message);
  absl::Status ExportParts(
      v1::ExportFormat format,
      const std::function<void(const v1::ExportPartsResponse&)>& on_message);
  absl::Status ExportPartVendorPairs(
      v1::ExportFormat format,
      const std::function<void(const v1::ExportPartVendorPairsResponse&)>&
          on_message);

 private:
  // Which unary calls may be repeated after UNAVAILABLE: kRead ones when
  // the channel does not retry them itself, kIdempotentWrite ones (creates
  // carrying a request id) always.
  enum class Retry { kNever, kRead, kIdempotentWrite };
  SuppliersClient(ClientOptions options, std::shared_ptr<grpc::Channel> channel,
                  bool channel_retries_reads);
  // Runs `rpc` with a fresh context per attempt, all attempts bounded by one
  // deadline; repeats UNAVAILABLE with jittered exponential backoff when
  // `retry` allows.
  absl::Status Call(
      Retry retry,
      const std::function<grpc::Status(grpc::ClientContext*)>& rpc);
  // Sets the deadline (none for absl::InfiniteFuture()) and the metadata.
  void Prepare(grpc::ClientContext* context, absl::Time deadline) const;
  // Remembers the commit position a finished call's trailers carry.
  void NoteCommit(const grpc::ClientContext& context);

  ClientOptions options_;
  // The channel's service config retries the reads (ServiceConfigJson).
  bool channel_retries_reads_ = false;
  // The newest commit position this client's writes returned (0: none).
  std::atomic<uint64_t> last_commit_lsn_{0};
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
  std::unique_ptr<v1::VendorService::Stub> vendors_;
  std::unique_ptr<v1::PartService::Stub> parts_;
  std::unique_ptr<v1::DrawingService::Stub> drawings_;
  std::unique_ptr<v1::ChangeFeedService::Stub> changes_;
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

// The channel options.target and the TLS options describe (see Create),
// with the default service config for options.load_balancing
// (ServiceConfigParams: max_attempts, initial_backoff and a unary timeout
// of at least 30 s and at least options.deadline). Calls start on it at
// once; connections are made on the first call (or GetState(true)).
absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options);

// The service config MakeChannel gives the channel of `options`; empty when
// options.load_balancing is empty.
std::string ChannelServiceConfig(const ClientOptions& options);

// A random (version 4) UUID, for request ids.
std::string NewRequestId();

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_SUPPLIERS_CLIENT_H_
