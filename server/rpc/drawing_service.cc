// Owns the gRPC DrawingService: the upload (client streaming) and download
// (server streaming) reactors, which run every database step on the work
// queue with one message in flight, and the unary metadata and delete calls.
#include "server/rpc/drawing_service.h"

#include <memory>
#include <utility>

#include "server/base/metrics.h"
#include "server/rpc/database_stream.h"
#include "server/rpc/grpc_status.h"
#include "server/rpc/message_codec.h"
#include "server/rpc/unary_call.h"

namespace suppliers {
namespace {

// One upload. gRPC reads the next message only after StartRead, and we call
// it only once the previous chunk is in the database: the server holds one
// chunk per upload, however large the file. The upload commits only after
// the end the client chose (finish_write, or half-close at the declared
// size); a malformed message, a cancel, an idle or expired stream roll it
// back. Deletes itself in OnDone.
class UploadReactor final
    : public DatabaseStream<grpc::ServerReadReactor<grpc::ByteBuffer>> {
 public:
  UploadReactor(grpc::CallbackServerContext* context,
                grpc::ByteBuffer* response, DrawingStore& store,
                const CallRuntime& runtime)
      : DatabaseStream(context, runtime,
                       v1::UploadDrawingRequest::descriptor()),
        context_(context),
        response_(response),
        store_(store) {
    if (!admitted()) {
      Refuse();
      return;
    }
    ReadNext();
  }

  void OnReadDone(bool ok) override {
    if (ClientMoved()) return;  // the guard ended the stream
    if (ok) {
      OnWorker([this] { Consume(); });
    } else {
      // The client half-closed, or the call broke or was ended.
      OnWorker([this] { Complete(); });
    }
  }

 private:
  void ReleaseSession() override { upload_.reset(); }

  void ReadNext() {
    if (!AwaitClient([this] { StartRead(&incoming_); })) {
      OnWorker([this] { Fail(absl::CancelledError("the upload was ended")); });
    }
  }

  void Consume() {
    // Expired while the message was on its way: the stream ends here, with
    // the guard's status intact.
    if (ended()) return Fail(absl::CancelledError("the upload was ended"));
    if (absl::Status parsed = ParseMessage(incoming_, &request_);
        !parsed.ok()) {
      return Fail(parsed);
    }
    if (upload_ == nullptr) {
      absl::StatusOr<std::unique_ptr<DrawingUpload>> upload =
          store_.BeginUpload(*call_, request_);
      if (!upload.ok()) return Fail(upload.status());
      upload_ = *std::move(upload);
    } else if (absl::Status appended = upload_->Append(request_);
               !appended.ok()) {
      return Fail(appended);
    }
    Metrics::Get().AddDrawingBytesIn(
        static_cast<int64_t>(request_.chunk().size()));
    if (upload_->finish_written()) return Complete();
    ReadNext();
  }

  void Complete() {
    // A read also fails when the call is cancelled, broken or ended by the
    // stream guard: that is no end the client chose.
    if (ended() || context_->IsCancelled() || call_->cancelled()) {
      return Fail(absl::CancelledError("the upload was cancelled"));
    }
    if (upload_ == nullptr) {
      return Fail(absl::InvalidArgumentError(
          "header: the upload stream ended before its header"));
    }
    absl::StatusOr<v1::UploadDrawingResponse> stored = upload_->Finish();
    upload_.reset();
    if (!stored.ok()) return Fail(stored.status());
    FinishOnce(SerializeMessage(*stored, response_));
  }

  grpc::CallbackServerContext* const context_;
  grpc::ByteBuffer* const response_;
  DrawingStore& store_;
  grpc::ByteBuffer incoming_;
  v1::UploadDrawingRequest request_;
  std::unique_ptr<DrawingUpload> upload_;  // worker threads only
};

// One download: the metadata, then chunks, one write outstanding at a time,
// so a slow reader makes the server wait instead of buffering (until the
// stream guard ends a reader that stopped). Database reads run on workers;
// chunks already read are cut on the gRPC thread (a copy, no I/O). Deletes
// itself in OnDone.
class DownloadReactor final
    : public DatabaseStream<grpc::ServerWriteReactor<grpc::ByteBuffer>> {
 public:
  DownloadReactor(grpc::CallbackServerContext* context,
                  const grpc::ByteBuffer* request, DrawingStore& store,
                  const CallRuntime& runtime)
      : DatabaseStream(context, runtime,
                       v1::DownloadDrawingRequest::descriptor()),
        store_(store) {
    if (!admitted()) {
      Refuse();
      return;
    }
    if (absl::Status parsed = ParseMessage(*request, &request_); !parsed.ok()) {
      FinishOnce(parsed);
      return;
    }
    OnWorker([this] { Begin(); });
  }

  void OnWriteDone(bool ok) override {
    if (ClientMoved()) return;  // the guard ended the stream
    if (!ok) {
      // The client is gone, or the stream was ended: stop reading at once.
      return OnWorker(
          [this] { Fail(absl::CancelledError("the download was cancelled")); });
    }
    if (!download_->has_more()) return OnWorker([this] { End(); });
    if (download_->needs_database()) return OnWorker([this] { Send(); });
    Send();
  }

 private:
  void ReleaseSession() override { download_.reset(); }

  void Write() {
    Metrics::Get().AddDrawingBytesOut(
        static_cast<int64_t>(message_.chunk().size()));
    if (absl::Status serialized = SerializeMessage(message_, &outgoing_);
        !serialized.ok()) {
      return OnWorker([this, serialized] { Fail(serialized); });
    }
    if (!AwaitClient([this] { StartWrite(&outgoing_); })) {
      OnWorker(
          [this] { Fail(absl::CancelledError("the download was ended")); });
    }
  }

  void Begin() {
    absl::StatusOr<std::unique_ptr<DrawingDownload>> download =
        store_.BeginDownload(*call_, request_);
    if (!download.ok()) return Fail(download.status());
    download_ = *std::move(download);
    *message_.mutable_metadata() = download_->metadata();
    Write();
  }

  void Send() {
    if (call_->cancelled()) {
      return OnWorker(
          [this] { Fail(absl::CancelledError("the download was cancelled")); });
    }
    if (download_->needs_database()) {
      // Only ever on a worker (OnWriteDone routes it there).
      if (absl::Status read = download_->NextChunk(message_.mutable_chunk());
          !read.ok()) {
        return Fail(read);
      }
    } else {
      (void)download_->NextChunk(message_.mutable_chunk());
    }
    Write();
  }

  void End() {
    absl::Status finished = download_->Finish();
    download_.reset();
    FinishOnce(finished);
  }

  DrawingStore& store_;
  v1::DownloadDrawingRequest request_;
  v1::DownloadDrawingResponse message_;
  grpc::ByteBuffer outgoing_;
  // Used by one thread at a time: each step starts the next only after it
  // is done with it.
  std::unique_ptr<DrawingDownload> download_;
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* DrawingServiceImpl::UploadDrawing(
    grpc::CallbackServerContext* context, grpc::ByteBuffer* response) {
  return new UploadReactor(context, response, store_, runtime_);
}

grpc::ServerWriteReactor<grpc::ByteBuffer>* DrawingServiceImpl::DownloadDrawing(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request) {
  return new DownloadReactor(context, request, store_, runtime_);
}

grpc::ServerUnaryReactor* DrawingServiceImpl::GetDrawingMetadata(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &DrawingStore::GetMetadata);
}

grpc::ServerUnaryReactor* DrawingServiceImpl::DeleteDrawing(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request,
    grpc::ByteBuffer* response) {
  return ServeFromStore(context, request, response, runtime_, store_,
                        &DrawingStore::Delete);
}

}  // namespace suppliers
