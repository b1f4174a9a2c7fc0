// Owns the rules of an UploadDrawing stream, apart from the database: the
// header first and only first, chunk and drawing size limits, the declared
// size and SHA-256, and when the stream has ended in a way the client chose
// (finish_write, or the declared total_size reached at half-close), which is
// the only way an upload may commit. Pure, so it is unit-tested and fuzzed
// on its own.
#ifndef SUPPLIERS_SERVER_STORE_UPLOAD_PROTOCOL_H_
#define SUPPLIERS_SERVER_STORE_UPLOAD_PROTOCOL_H_

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "common/sha256.h"
#include "server/store/drawing_limits.h"
#include "suppliers/v1/drawing.pb.h"

namespace suppliers {

// One upload's progress through the rules. Not thread-safe: one message at
// a time. After any error the upload is dead: every later call returns
// FAILED_PRECONDITION.
class UploadProtocol {
 public:
  explicit UploadProtocol(DrawingLimits limits) : limits_(limits) {}
  UploadProtocol(const UploadProtocol&) = delete;
  UploadProtocol& operator=(const UploadProtocol&) = delete;

  // The first message: must carry a valid header (INVALID_ARGUMENT naming
  // header.part_id, header.file_extension, header.total_size or
  // header.sha256; RESOURCE_EXHAUSTED when the declared size is over the
  // maximum drawing size).
  absl::Status Start(const v1::UploadDrawingRequest& first);

  // A later message: a chunk (at most kMaxUploadChunkBytes; INVALID_ARGUMENT
  // naming `chunk`), never a header (INVALID_ARGUMENT naming `header`),
  // never after finish_write (INVALID_ARGUMENT naming `finish_write`), never
  // past the declared total_size (INVALID_ARGUMENT naming
  // header.total_size) or the maximum drawing size (RESOURCE_EXHAUSTED,
  // reason DRAWING_TOO_LARGE). The chunk's bytes count once accepted.
  absl::Status Accept(const v1::UploadDrawingRequest& message);

  // Whether the client marked the end (finish_write on the last message
  // read): the server reads no further and commits.
  bool finish_written() const { return finish_written_; }

  // The stream ended (finish_write, or the client half-closed): may the
  // upload commit? Only after an end the client chose: finish_write, or the
  // declared total_size reached exactly; a stream that just stopped may
  // have been cut short (INVALID_ARGUMENT naming finish_write). Then checks
  // size and SHA-256 against the header (INVALID_ARGUMENT naming
  // header.total_size or header.sha256). Returns the bytes' SHA-256 (64
  // lowercase hex digits).
  absl::StatusOr<std::string> End();

  const v1::DrawingUploadHeader& header() const { return header_; }
  int64_t bytes() const { return bytes_; }

 private:
  absl::Status Dead(absl::Status status);

  const DrawingLimits limits_;
  v1::DrawingUploadHeader header_;
  bool started_ = false;
  bool dead_ = false;
  bool finish_written_ = false;
  int64_t bytes_ = 0;
  Sha256 hasher_;
};

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_UPLOAD_PROTOCOL_H_
