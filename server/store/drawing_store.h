// Owns the logic of the DrawingService over the database, independent of
// gRPC: validating uploads and downloads, staging upload chunks in the
// database as they arrive, assembling them atomically, and reading ranges
// block by block from one snapshot.
#ifndef SUPPLIERS_SERVER_STORE_DRAWING_STORE_H_
#define SUPPLIERS_SERVER_STORE_DRAWING_STORE_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "server/db/call_context.h"
#include "server/db/transaction_runner.h"
#include "server/store/drawing_limits.h"
#include "server/store/upload_protocol.h"
#include "suppliers/v1/drawing.pb.h"

namespace suppliers {

class DrawingUpload;
class DrawingDownload;

// Thread-safe: holds no per-call state.
class DrawingStore {
 public:
  DrawingStore(TransactionRunner& transactions, DrawingLimits limits)
      : transactions_(transactions), limits_(limits) {}
  DrawingStore(const DrawingStore&) = delete;
  DrawingStore& operator=(const DrawingStore&) = delete;

  // Validates the upload's first message (UploadProtocol::Start) and opens
  // its transaction, locking the part.
  absl::StatusOr<std::unique_ptr<DrawingUpload>> BeginUpload(
      CallContext& call, const v1::UploadDrawingRequest& first);
  // Validates the request, reads the metadata and checks the range in a
  // read-only repeatable-read transaction that the download keeps.
  absl::StatusOr<std::unique_ptr<DrawingDownload>> BeginDownload(
      CallContext& call, const v1::DownloadDrawingRequest& request);
  absl::StatusOr<v1::GetDrawingMetadataResponse> GetMetadata(
      CallContext& call, const v1::GetDrawingMetadataRequest& request);
  absl::StatusOr<v1::DeleteDrawingResponse> Delete(
      CallContext& call, const v1::DeleteDrawingRequest& request);

 private:
  TransactionRunner& transactions_;
  const DrawingLimits limits_;
};

// One upload in progress. Not thread-safe: one call at a time. Destroying it
// before Finish() succeeds rolls everything back (the previous drawing
// stays); do that on a worker thread, it talks to the database.
class DrawingUpload {
 public:
  DrawingUpload(const DrawingUpload&) = delete;
  DrawingUpload& operator=(const DrawingUpload&) = delete;

  // Checks one later message against the upload's rules (UploadProtocol:
  // no second header, chunk and drawing size limits, the declared size,
  // nothing after finish_write) and stages its chunk in the database. After
  // an error the upload is dead and rolled back.
  absl::Status Append(const v1::UploadDrawingRequest& message);
  // Whether the last message read set finish_write: read no further, call
  // Finish().
  bool finish_written() const { return protocol_->finish_written(); }
  // The stream ended: commits only after an end the client chose
  // (finish_write, or the declared total_size reached; INVALID_ARGUMENT
  // naming finish_write otherwise), with size and SHA-256 matching the
  // header. Assembles the drawing in part_drawings and commits.
  absl::StatusOr<v1::UploadDrawingResponse> Finish();

 private:
  friend class DrawingStore;
  DrawingUpload(std::unique_ptr<TransactionSession> session,
                std::unique_ptr<UploadProtocol> protocol,
                std::string part_name);

  std::unique_ptr<TransactionSession> session_;
  const std::unique_ptr<UploadProtocol> protocol_;
  const std::string part_name_;
  int32_t next_seq_ = 0;
};

// One download in progress. Not thread-safe: one call at a time.
class DrawingDownload {
 public:
  DrawingDownload(const DrawingDownload&) = delete;
  DrawingDownload& operator=(const DrawingDownload&) = delete;

  // Part, name, extension, size, SHA-256 and the range that follows.
  const v1::DrawingMetadata& metadata() const { return metadata_; }
  // True while bytes remain to be sent.
  bool has_more() const { return sent_ < metadata_.range_length(); }
  // Whether NextChunk() will query the database (false: it serves from the
  // block already read, without blocking).
  bool needs_database() const { return buffer_offset_ >= buffer_.size(); }
  // Fills `chunk` with the next bytes (at most chunk_bytes). Call only while
  // has_more().
  absl::Status NextChunk(std::string* chunk);
  // Ends the read-only transaction.
  absl::Status Finish();

 private:
  friend class DrawingStore;
  DrawingDownload(std::unique_ptr<TransactionSession> session,
                  v1::DrawingMetadata metadata, const DrawingLimits& limits);
  absl::Status ReadBlock();

  std::unique_ptr<TransactionSession> session_;
  const v1::DrawingMetadata metadata_;
  const DrawingLimits limits_;
  std::string buffer_;        // the current block
  size_t buffer_offset_ = 0;  // next byte of buffer_ to send
  int64_t fetched_ = 0;       // bytes of the range read from the database
  int64_t sent_ = 0;          // bytes of the range handed out
};

// "<part_name>.<extension>" with '/' and control characters replaced, as the
// tutorial saves drawings.
std::string DrawingFileName(const std::string& part_name,
                            const std::string& extension);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_DRAWING_STORE_H_
