// Owns the sample client library: one typed method per RPC over the
// generated stubs, and the one place that sets deadlines, attaches metadata,
// retries UNAVAILABLE for calls that are safe to repeat, and turns status
// details (google.rpc.ErrorInfo, BadRequest) into readable errors.
#include "client/cpp/suppliers_client.h"

#include <algorithm>
#include <fstream>
#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "common/file_contents.h"
#include "common/sha256.h"
#include "common/wal_position.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace suppliers::client {
namespace {

// Where FromGrpcStatus keeps the serialized google.rpc.Status.
constexpr char kDetailsPayload[] = "grpc-status-details-bin";
constexpr size_t kUploadChunkBytes = 1 << 20;

std::string CodeName(absl::StatusCode code) {
  return absl::StatusCodeToString(code);
}

// What fills the next message of an import: false when nothing is left, or
// with *error set to give up.
template <typename Request>
using NextMessage = std::function<bool(Request*, absl::Status* error)>;

// `csv` read to its end in SuppliersClient::kCsvChunkBytes pieces.
template <typename Request>
NextMessage<Request> CsvChunks(std::istream& csv) {
  return [&csv, buffer = std::string()](Request* message,
                                        absl::Status* error) mutable {
    buffer.resize(SuppliersClient::kCsvChunkBytes);
    csv.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const std::streamsize got = csv.gcount();
    if (csv.bad()) {
      *error = absl::DataLossError(
          "cannot read the CSV input; the import was cancelled and wrote "
          "nothing");
      return false;
    }
    if (got <= 0) return false;
    message->set_csv_chunk(buffer.data(), static_cast<size_t>(got));
    return true;
  };
}

// `rows` in messages of SuppliersClient::kImportRowsPerMessage;
// `field(message)` is the message's repeated field of rows.
template <typename Request, typename Row, typename Field>
NextMessage<Request> RowBatches(const std::vector<Row>& rows, Field field) {
  return [&rows, field, next = size_t{0}](Request* message,
                                          absl::Status*) mutable {
    if (next >= rows.size()) return false;
    const size_t end = std::min(
        rows.size(),
        next + static_cast<size_t>(SuppliersClient::kImportRowsPerMessage));
    auto* out = field(message);
    out->Reserve(static_cast<int>(end - next));
    for (; next < end; ++next) *out->Add() = rows[next];
    return true;
  };
}

// Writes what `next` produces on an import stream whose context is
// `context`, half-closes and returns the summary in `response` (filled by
// Finish). A stream the server ended early stops the writes, and Finish
// says why.
template <typename Request, typename Response>
absl::StatusOr<v1::ImportSummary> SendImport(
    grpc::ClientContext& context, grpc::ClientWriterInterface<Request>& writer,
    const Response& response, const NextMessage<Request>& next) {
  Request message;
  absl::Status error;
  bool open = true;
  while (open) {
    message.Clear();
    if (!next(&message, &error)) break;
    open = writer.Write(message);
  }
  if (!error.ok()) {
    // The server imports only on a half-close: a cancelled stream writes
    // nothing, so a partly read file never becomes a partial import.
    context.TryCancel();
    (void)writer.Finish();
    return error;
  }
  if (open) writer.WritesDone();
  const grpc::Status status = writer.Finish();
  if (!status.ok()) return FromGrpcStatus(status);
  return response.summary();
}

// Hands each message of an export stream to `on_message`; the stream's
// status.
template <typename Response>
absl::Status ReadExport(
    grpc::ClientReaderInterface<Response>& reader,
    const std::function<void(const Response&)>& on_message) {
  Response message;
  while (reader.Read(&message)) on_message(message);
  return FromGrpcStatus(reader.Finish());
}

}  // namespace

void WatchCanceller::Cancel() {
  absl::MutexLock lock(&mu_);
  cancelled_ = true;
  if (context_ != nullptr) context_->TryCancel();
}

bool WatchCanceller::cancelled() const {
  absl::MutexLock lock(&mu_);
  return cancelled_;
}

bool WatchCanceller::Attach(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  if (cancelled_) return false;
  context_ = context;
  return true;
}

void WatchCanceller::Detach() {
  absl::MutexLock lock(&mu_);
  context_ = nullptr;
}

std::string ChannelServiceConfig(const ClientOptions& options) {
  if (options.load_balancing.empty()) return "";
  ServiceConfigParams params;
  params.lb_policy = options.load_balancing;
  params.max_attempts = options.max_attempts;
  params.initial_backoff = options.initial_backoff;
  // The caller's deadline bounds each call already; the config's cap only
  // must not cut a longer one short.
  if (options.deadline >= absl::Hours(10000)) {
    params.unary_timeout = absl::InfiniteDuration();
  } else {
    params.unary_timeout = std::max(params.unary_timeout, options.deadline);
  }
  return ServiceConfigJson(params);
}

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const ClientOptions& options) {
  grpc::ChannelArguments arguments;
  if (!options.load_balancing.empty()) {
    if (options.load_balancing != kRoundRobin &&
        options.load_balancing != kPickFirst) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown load-balancing policy \"", options.load_balancing,
          "\" (round_robin, pick_first, or empty for gRPC's default)"));
    }
    arguments.SetServiceConfigJSON(ChannelServiceConfig(options));
    // Ours, not one a DNS TXT record might carry.
    arguments.SetInt(GRPC_ARG_SERVICE_CONFIG_DISABLE_RESOLUTION, 1);
  }
  if (options.tls_ca_file.empty()) {
    if (!options.tls_cert_file.empty() || !options.tls_key_file.empty()) {
      return absl::InvalidArgumentError(
          "a client certificate (mTLS) needs the server's CA too (TLS)");
    }
    return grpc::CreateCustomChannel(
        options.target, grpc::InsecureChannelCredentials(), arguments);
  }
  if (options.tls_cert_file.empty() != options.tls_key_file.empty()) {
    return absl::InvalidArgumentError(
        "mTLS needs both the client certificate and its key");
  }
  grpc::SslCredentialsOptions ssl;
  absl::StatusOr<std::string> ca =
      ReadFileContents(options.tls_ca_file, "TLS CA");
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *std::move(ca);
  if (!options.tls_cert_file.empty()) {
    absl::StatusOr<std::string> cert =
        ReadFileContents(options.tls_cert_file, "TLS client certificate");
    if (!cert.ok()) return cert.status();
    absl::StatusOr<std::string> key =
        ReadFileContents(options.tls_key_file, "TLS client key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *std::move(cert);
    ssl.pem_private_key = *std::move(key);
  }
  if (!options.tls_server_name.empty()) {
    arguments.SetSslTargetNameOverride(options.tls_server_name);
  }
  return grpc::CreateCustomChannel(options.target, grpc::SslCredentials(ssl),
                                   arguments);
}

absl::StatusOr<std::unique_ptr<SuppliersClient>> SuppliersClient::Create(
    ClientOptions options) {
  absl::StatusOr<std::shared_ptr<grpc::Channel>> channel = MakeChannel(options);
  if (!channel.ok()) return channel.status();
  const bool channel_retries_reads =
      !options.load_balancing.empty() && options.max_attempts >= 2;
  return std::unique_ptr<SuppliersClient>(new SuppliersClient(
      std::move(options), *std::move(channel), channel_retries_reads));
}

SuppliersClient::SuppliersClient(ClientOptions options,
                                 std::shared_ptr<grpc::Channel> channel)
    : SuppliersClient(std::move(options), std::move(channel),
                      /*channel_retries_reads=*/false) {}

SuppliersClient::SuppliersClient(ClientOptions options,
                                 std::shared_ptr<grpc::Channel> channel,
                                 bool channel_retries_reads)
    : options_(std::move(options)),
      channel_retries_reads_(channel_retries_reads),
      channel_(std::move(channel)),
      health_(grpc::health::v1::Health::NewStub(channel_)),
      vendors_(v1::VendorService::NewStub(channel_)),
      parts_(v1::PartService::NewStub(channel_)),
      drawings_(v1::DrawingService::NewStub(channel_)),
      changes_(v1::ChangeFeedService::NewStub(channel_)) {}

void SuppliersClient::Prepare(grpc::ClientContext* context,
                              absl::Time deadline) const {
  if (deadline != absl::InfiniteFuture()) {
    context->set_deadline(absl::ToChronoTime(deadline));
  }
  context->AddMetadata("x-suppliers-client", "suppliers-client/1");
  if (!options_.token.empty()) {
    context->AddMetadata("authorization", "Bearer " + options_.token);
  }
  for (const auto& [key, value] : options_.metadata) {
    context->AddMetadata(key, value);
  }
  if (options_.read_your_writes) {
    if (const uint64_t lsn = last_commit_lsn_.load(); lsn != 0) {
      context->AddMetadata(kMinLsnHeader, FormatLsn(lsn));
    }
  }
}

void SuppliersClient::NoteCommit(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto it = trailers.find(kCommitLsnHeader);
  if (it == trailers.end()) return;
  const std::optional<uint64_t> lsn =
      ParseLsn(absl::string_view(it->second.data(), it->second.size()));
  if (!lsn.has_value()) return;
  uint64_t seen = last_commit_lsn_.load();
  while (seen < *lsn && !last_commit_lsn_.compare_exchange_weak(seen, *lsn)) {
  }
}

absl::Status SuppliersClient::Call(
    Retry retry_policy,
    const std::function<grpc::Status(grpc::ClientContext*)>& rpc) {
  // One retry layer per call: the channel's retryPolicy, or this loop.
  const bool safe_to_retry =
      retry_policy == Retry::kIdempotentWrite ||
      (retry_policy == Retry::kRead && !channel_retries_reads_);
  const absl::Time deadline = absl::Now() + options_.deadline;
  thread_local std::minstd_rand random(std::random_device{}());
  absl::Duration backoff = options_.initial_backoff;
  for (int attempt = 1;; ++attempt) {
    grpc::ClientContext context;
    Prepare(&context, deadline);
    const grpc::Status status = rpc(&context);
    NoteCommit(context);
    if (status.ok()) return absl::OkStatus();
    const bool retry = safe_to_retry &&
                       status.error_code() == grpc::StatusCode::UNAVAILABLE &&
                       attempt < options_.max_attempts;
    // Full jitter: spreads out clients that failed together.
    const absl::Duration sleep = backoff * (0.5 + (random() % 1000) / 2000.0);
    if (!retry || absl::Now() + sleep >= deadline) {
      return FromGrpcStatus(status);
    }
    absl::SleepFor(sleep);
    backoff *= 2;
  }
}

absl::StatusOr<grpc::health::v1::HealthCheckResponse>
SuppliersClient::CheckHealth() {
  grpc::health::v1::HealthCheckResponse response;
  absl::Status status = Call(Retry::kRead, [&](grpc::ClientContext* context) {
    return health_->Check(context, grpc::health::v1::HealthCheckRequest(),
                          &response);
  });
  if (!status.ok()) return status;
  return response;
}

// Unary calls: `retry` says whether repeating the call after UNAVAILABLE
// can neither change nor misreport the outcome: kRead for reads (the same
// list as in service_config.cc); kNever for writes whose retry could fail
// on the first attempt's success (a stale etag, a vanished row) or
// duplicate it. Creates carrying a request id are below.
#define SUPPLIERS_UNARY(Stub, Method, retry)                              \
  absl::StatusOr<v1::Method##Response> SuppliersClient::Method(           \
      const v1::Method##Request& request) {                               \
    v1::Method##Response response;                                        \
    absl::Status status = Call(retry, [&](grpc::ClientContext* context) { \
      return (Stub)->Method(context, request, &response);                 \
    });                                                                   \
    if (!status.ok()) return status;                                      \
    return response;                                                      \
  }

SUPPLIERS_UNARY(vendors_, BatchCreateVendors, Retry::kNever)
SUPPLIERS_UNARY(vendors_, GetVendor, Retry::kRead)
SUPPLIERS_UNARY(vendors_, ListVendors, Retry::kRead)
SUPPLIERS_UNARY(vendors_, BatchGetVendors, Retry::kRead)
SUPPLIERS_UNARY(vendors_, UpdateVendor, Retry::kNever)
SUPPLIERS_UNARY(vendors_, DeleteVendor, Retry::kNever)
SUPPLIERS_UNARY(parts_, GetPart, Retry::kRead)
SUPPLIERS_UNARY(parts_, ListParts, Retry::kRead)
SUPPLIERS_UNARY(parts_, BatchGetParts, Retry::kRead)
SUPPLIERS_UNARY(parts_, UpdatePart, Retry::kNever)
SUPPLIERS_UNARY(parts_, DeletePart, Retry::kNever)
SUPPLIERS_UNARY(parts_, AddPartVendors, Retry::kNever)
SUPPLIERS_UNARY(parts_, RemovePartVendors, Retry::kNever)
SUPPLIERS_UNARY(parts_, ListPartsByVendor, Retry::kRead)
SUPPLIERS_UNARY(parts_, AddPartWithNewVendor, Retry::kNever)
SUPPLIERS_UNARY(parts_, ListPartVendorPairs, Retry::kRead)
SUPPLIERS_UNARY(drawings_, GetDrawingMetadata, Retry::kRead)
SUPPLIERS_UNARY(drawings_, DeleteDrawing, Retry::kNever)

#undef SUPPLIERS_UNARY

absl::StatusOr<v1::CreateVendorResponse> SuppliersClient::CreateVendor(
    v1::CreateVendorRequest request) {
  if (request.request_id().empty()) request.set_request_id(NewRequestId());
  v1::CreateVendorResponse response;
  absl::Status status =
      Call(Retry::kIdempotentWrite, [&](grpc::ClientContext* context) {
        return vendors_->CreateVendor(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::CreatePartResponse> SuppliersClient::CreatePart(
    v1::CreatePartRequest request) {
  if (request.request_id().empty()) request.set_request_id(NewRequestId());
  v1::CreatePartResponse response;
  absl::Status status =
      Call(Retry::kIdempotentWrite, [&](grpc::ClientContext* context) {
        return parts_->CreatePart(context, request, &response);
      });
  if (!status.ok()) return status;
  return response;
}

absl::StatusOr<v1::UploadDrawingResponse> SuppliersClient::UploadDrawing(
    int32_t part_id, const std::string& file_extension,
    const std::string& path) {
  // First pass: size and digest, so the server can verify both.
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError(absl::StrCat("cannot open ", path));
  Sha256 hasher;
  int64_t size = 0;
  std::string buffer(kUploadChunkBytes, '\0');
  while (file.read(buffer.data(), buffer.size()) || file.gcount() > 0) {
    hasher.Update(std::string_view(buffer.data(), file.gcount()));
    size += file.gcount();
  }
  file.clear();
  file.seekg(0);

  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  v1::UploadDrawingResponse response;
  auto writer = drawings_->UploadDrawing(&context, &response);
  v1::UploadDrawingRequest message;
  v1::DrawingUploadHeader* header = message.mutable_header();
  header->set_part_id(part_id);
  header->set_file_extension(file_extension);
  header->set_total_size(size);
  header->set_sha256(hasher.FinishHex());
  bool open = writer->Write(message);
  while (open &&
         (file.read(buffer.data(), buffer.size()) || file.gcount() > 0)) {
    message.set_chunk(buffer.data(), file.gcount());
    open = writer->Write(message);
  }
  // The end is ours to mark: the server commits only after finish_write
  // (or the declared size at half-close), never on a stream that just
  // stopped.
  if (open) {
    message.Clear();
    message.set_finish_write(true);
    open = writer->Write(message);
  }
  // When the server refused early, Finish() reports why.
  if (open) writer->WritesDone();
  const grpc::Status status = writer->Finish();
  NoteCommit(context);
  if (!status.ok()) return FromGrpcStatus(status);
  return response;
}

absl::StatusOr<v1::DrawingMetadata> SuppliersClient::DownloadDrawing(
    const v1::DownloadDrawingRequest& request,
    const std::function<absl::Status(const std::string& chunk)>& sink) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  auto reader = drawings_->DownloadDrawing(&context, request);
  v1::DownloadDrawingResponse message;
  v1::DrawingMetadata metadata;
  Sha256 hasher;
  int64_t received = 0;
  absl::Status sink_status;
  while (reader->Read(&message)) {
    if (message.has_metadata()) {
      metadata = message.metadata();
      continue;
    }
    hasher.Update(message.chunk());
    received += static_cast<int64_t>(message.chunk().size());
    sink_status = sink(message.chunk());
    if (!sink_status.ok()) {
      context.TryCancel();
      break;
    }
  }
  const grpc::Status status = reader->Finish();
  if (!sink_status.ok()) return sink_status;
  if (!status.ok()) return FromGrpcStatus(status);
  if (received != metadata.range_length()) {
    return absl::DataLossError(absl::StrCat(
        "expected ", metadata.range_length(), " bytes, received ", received));
  }
  const bool whole = metadata.range_offset() == 0 &&
                     metadata.range_length() == metadata.size_bytes();
  if (whole && hasher.FinishHex() != metadata.sha256()) {
    return absl::DataLossError(
        "the downloaded bytes do not match the announced SHA-256");
  }
  return metadata;
}

absl::Status SuppliersClient::WatchChanges(
    const v1::WatchChangesRequest& request,
    const std::function<bool(const v1::WatchChangesResponse&)>& on_message,
    WatchCanceller* canceller) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.watch_deadline);
  if (canceller != nullptr && !canceller->Attach(&context)) {
    return absl::OkStatus();
  }
  auto reader = changes_->WatchChanges(&context, request);
  v1::WatchChangesResponse message;
  bool stopped = false;
  while (reader->Read(&message)) {
    if (!on_message(message)) {
      stopped = true;
      context.TryCancel();
      break;
    }
  }
  const grpc::Status status = reader->Finish();
  if (canceller != nullptr) {
    // Before `context` goes: Cancel() must not reach it afterwards.
    canceller->Detach();
    stopped = stopped || canceller->cancelled();
  }
  // The caller ended it: the CANCELLED that follows is no failure.
  if (stopped) return absl::OkStatus();
  return FromGrpcStatus(status);
}

absl::StatusOr<v1::ImportSummary> SuppliersClient::ImportVendorsCsv(
    std::istream& csv) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  v1::ImportVendorsResponse response;
  auto writer = vendors_->ImportVendors(&context, &response);
  absl::StatusOr<v1::ImportSummary> summary = SendImport(
      context, *writer, response, CsvChunks<v1::ImportVendorsRequest>(csv));
  NoteCommit(context);
  return summary;
}

absl::StatusOr<v1::ImportSummary> SuppliersClient::ImportVendors(
    const std::vector<v1::Vendor>& vendors) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  v1::ImportVendorsResponse response;
  auto writer = vendors_->ImportVendors(&context, &response);
  absl::StatusOr<v1::ImportSummary> summary =
      SendImport(context, *writer, response,
                 RowBatches<v1::ImportVendorsRequest>(
                     vendors, [](v1::ImportVendorsRequest* message) {
                       return message->mutable_vendors();
                     }));
  NoteCommit(context);
  return summary;
}

absl::StatusOr<v1::ImportSummary> SuppliersClient::ImportPartsCsv(
    std::istream& csv) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  v1::ImportPartsResponse response;
  auto writer = parts_->ImportParts(&context, &response);
  absl::StatusOr<v1::ImportSummary> summary = SendImport(
      context, *writer, response, CsvChunks<v1::ImportPartsRequest>(csv));
  NoteCommit(context);
  return summary;
}

absl::StatusOr<v1::ImportSummary> SuppliersClient::ImportParts(
    const std::vector<v1::Part>& parts) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  v1::ImportPartsResponse response;
  auto writer = parts_->ImportParts(&context, &response);
  absl::StatusOr<v1::ImportSummary> summary =
      SendImport(context, *writer, response,
                 RowBatches<v1::ImportPartsRequest>(
                     parts, [](v1::ImportPartsRequest* message) {
                       return message->mutable_parts();
                     }));
  NoteCommit(context);
  return summary;
}

absl::Status SuppliersClient::ExportVendors(
    v1::ExportFormat format,
    const std::function<void(const v1::ExportVendorsResponse&)>& on_message) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  v1::ExportVendorsRequest request;
  request.set_format(format);
  auto reader = vendors_->ExportVendors(&context, request);
  return ReadExport(*reader, on_message);
}

absl::Status SuppliersClient::ExportParts(
    v1::ExportFormat format,
    const std::function<void(const v1::ExportPartsResponse&)>& on_message) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  v1::ExportPartsRequest request;
  request.set_format(format);
  auto reader = parts_->ExportParts(&context, request);
  return ReadExport(*reader, on_message);
}

absl::Status SuppliersClient::ExportPartVendorPairs(
    v1::ExportFormat format,
    const std::function<void(const v1::ExportPartVendorPairsResponse&)>&
        on_message) {
  grpc::ClientContext context;
  Prepare(&context, absl::Now() + options_.stream_deadline);
  v1::ExportPartVendorPairsRequest request;
  request.set_format(format);
  auto reader = parts_->ExportPartVendorPairs(&context, request);
  return ReadExport(*reader, on_message);
}

absl::Status FromGrpcStatus(const grpc::Status& status) {
  absl::Status result(static_cast<absl::StatusCode>(status.error_code()),
                      status.error_message());
  if (!status.error_details().empty()) {
    result.SetPayload(kDetailsPayload, absl::Cord(status.error_details()));
  }
  return result;
}

std::vector<std::pair<std::string, std::string>> FieldViolations(
    const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> violations;
  google::rpc::Status details;
  const auto payload = status.GetPayload(kDetailsPayload);
  if (!payload || !details.ParseFromString(std::string(*payload))) {
    return violations;
  }
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      violations.emplace_back(violation.field(), violation.description());
    }
  }
  return violations;
}

std::string ErrorReason(const absl::Status& status) {
  google::rpc::Status details;
  const auto payload = status.GetPayload(kDetailsPayload);
  if (!payload || !details.ParseFromString(std::string(*payload))) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

std::string DescribeError(const absl::Status& status) {
  std::string text =
      absl::StrCat(CodeName(status.code()), ": ", status.message());
  google::rpc::Status details;
  const auto payload = status.GetPayload(kDetailsPayload);
  if (!payload || !details.ParseFromString(std::string(*payload))) {
    return text;
  }
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    google::rpc::BadRequest bad_request;
    if (any.UnpackTo(&info)) {
      absl::StrAppend(&text, "\n  reason: ", info.reason(), " (domain ",
                      info.domain(), ")");
      std::map<std::string, std::string> sorted(info.metadata().begin(),
                                                info.metadata().end());
      for (const auto& [key, value] : sorted) {
        absl::StrAppend(&text, " ", key, "=", value);
      }
    } else if (any.UnpackTo(&bad_request)) {
      for (const auto& violation : bad_request.field_violations()) {
        absl::StrAppend(&text, "\n  field ", violation.field(), ": ",
                        violation.description());
      }
    }
  }
  return text;
}

std::string NewRequestId() {
  thread_local std::mt19937_64 random(std::random_device{}());
  const uint64_t high = random();
  const uint64_t low = random();
  // Version 4, variant 10xx.
  return absl::StrFormat(
      "%08x-%04x-4%03x-%04x-%012x", high >> 32, (high >> 16) & 0xffff,
      high & 0x0fff, 0x8000 | ((low >> 48) & 0x3fff), low & 0xffffffffffffULL);
}

}  // namespace suppliers::client
