// Owns the gRPC DrawingService: the upload (client streaming) and download
// (server streaming) reactors, which run every database step on the worker
// queue with one message in flight, and the unary metadata and delete calls.
#include "server/rpc/drawing_service.h"

#include <memory>
#include <utility>

#include "server/rpc/database_stream.h"
#include "server/rpc/grpc_status.h"
#include "server/rpc/unary_call.h"

namespace suppliers {
namespace {

// One upload. gRPC reads the next message only after StartRead, and we call
// it only once the previous chunk is in the database: the server holds one
// chunk per upload, however large the file. Deletes itself in OnDone.
class UploadReactor final
    : public DatabaseStream<grpc::ServerReadReactor<v1::UploadDrawingRequest>> {
 public:
  UploadReactor(grpc::CallbackServerContext* context,
                v1::UploadDrawingResponse* response, DrawingStore& store,
                const CallRuntime& runtime)
      : DatabaseStream(context, runtime),
        context_(context),
        response_(response),
        store_(store) {
    StartRead(&request_);
  }

  void OnReadDone(bool ok) override {
    if (ok) {
      OnWorker([this] { Consume(); });
    } else {
      // The client half-closed (the upload is complete) or the call broke.
      OnWorker([this] { Complete(); });
    }
  }

 private:
  // Rolls back (the previous drawing stays) and ends the call.
  void Fail(const absl::Status& status) override {
    upload_.reset();
    Finish(ToGrpcStatus(status));
  }

  void Consume() {
    if (upload_ == nullptr) {
      absl::StatusOr<std::unique_ptr<DrawingUpload>> upload =
          store_.BeginUpload(*call_, request_);
      if (!upload.ok()) return Fail(upload.status());
      upload_ = *std::move(upload);
    } else if (absl::Status appended = upload_->Append(request_);
               !appended.ok()) {
      return Fail(appended);
    }
    StartRead(&request_);
  }

  void Complete() {
    // A read also fails when the call is cancelled or broken; only a clean
    // half-close may commit.
    if (context_->IsCancelled() || call_->cancelled()) {
      return Fail(absl::CancelledError("the upload was cancelled"));
    }
    if (upload_ == nullptr) {
      return Fail(absl::InvalidArgumentError(
          "header: the upload stream ended before its header"));
    }
    absl::StatusOr<v1::UploadDrawingResponse> stored = upload_->Finish();
    upload_.reset();
    if (!stored.ok()) return Fail(stored.status());
    *response_ = *std::move(stored);
    Finish(grpc::Status::OK);
  }

  grpc::CallbackServerContext* const context_;
  v1::UploadDrawingResponse* const response_;
  DrawingStore& store_;
  v1::UploadDrawingRequest request_;
  std::unique_ptr<DrawingUpload> upload_;  // worker threads only
};

// One download: the metadata, then chunks, one write outstanding at a time,
// so a slow reader makes the server wait instead of buffering. Database
// reads run on workers; chunks already read are cut on the gRPC thread (a
// copy, no I/O). Deletes itself in OnDone.
class DownloadReactor final
    : public DatabaseStream<
          grpc::ServerWriteReactor<v1::DownloadDrawingResponse>> {
 public:
  DownloadReactor(grpc::CallbackServerContext* context,
                  const v1::DownloadDrawingRequest* request,
                  DrawingStore& store, const CallRuntime& runtime)
      : DatabaseStream(context, runtime), request_(request), store_(store) {
    OnWorker([this] { Begin(); });
  }

  void OnWriteDone(bool ok) override {
    if (!ok) {
      // The client is gone: stop reading at once.
      return OnWorker(
          [this] { Fail(absl::CancelledError("the download was cancelled")); });
    }
    if (!download_->has_more()) return OnWorker([this] { End(); });
    if (download_->needs_database()) return OnWorker([this] { Send(); });
    Send();
  }

 private:
  void Fail(const absl::Status& status) override {
    download_.reset();
    Finish(ToGrpcStatus(status));
  }

  void Begin() {
    absl::StatusOr<std::unique_ptr<DrawingDownload>> download =
        store_.BeginDownload(*call_, *request_);
    if (!download.ok()) return Fail(download.status());
    download_ = *std::move(download);
    *message_.mutable_metadata() = download_->metadata();
    StartWrite(&message_);
  }

  void Send() {
    if (call_->cancelled()) {
      return Fail(absl::CancelledError("the download was cancelled"));
    }
    if (absl::Status read = download_->NextChunk(message_.mutable_chunk());
        !read.ok()) {
      return Fail(read);
    }
    StartWrite(&message_);
  }

  void End() {
    absl::Status finished = download_->Finish();
    download_.reset();
    Finish(ToGrpcStatus(finished));
  }

  const v1::DownloadDrawingRequest* const request_;
  DrawingStore& store_;
  v1::DownloadDrawingResponse message_;
  // Used by one thread at a time: each step starts the next only after it
  // is done with it.
  std::unique_ptr<DrawingDownload> download_;
};

}  // namespace

grpc::ServerReadReactor<v1::UploadDrawingRequest>*
DrawingServiceImpl::UploadDrawing(grpc::CallbackServerContext* context,
                                  v1::UploadDrawingResponse* response) {
  return new UploadReactor(context, response, store_, runtime_);
}

grpc::ServerWriteReactor<v1::DownloadDrawingResponse>*
DrawingServiceImpl::DownloadDrawing(grpc::CallbackServerContext* context,
                                    const v1::DownloadDrawingRequest* request) {
  return new DownloadReactor(context, request, store_, runtime_);
}

grpc::ServerUnaryReactor* DrawingServiceImpl::GetDrawingMetadata(
    grpc::CallbackServerContext* context,
    const v1::GetDrawingMetadataRequest* request,
    v1::GetDrawingMetadataResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &DrawingStore::GetMetadata);
}

grpc::ServerUnaryReactor* DrawingServiceImpl::DeleteDrawing(
    grpc::CallbackServerContext* context,
    const v1::DeleteDrawingRequest* request,
    v1::DeleteDrawingResponse* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &DrawingStore::Delete);
}

}  // namespace suppliers
