// Owns the rules of an UploadDrawing stream, apart from the database: the
// header first and only first, chunk and drawing size limits, the declared
// size and SHA-256, and when the stream has ended in a way the client chose.
#include "server/store/upload_protocol.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "server/base/errors.h"
#include "server/store/validation.h"

namespace suppliers {
namespace {

absl::Status ValidateExtension(absl::string_view field,
                               absl::string_view extension) {
  if (extension.empty() || extension.size() > 5 ||
      !std::all_of(extension.begin(), extension.end(),
                   [](char c) { return absl::ascii_isalnum(c); })) {
    return InvalidField(field,
                        "must be 1 to 5 letters or digits, without "
                        "the dot (e.g. \"png\")");
  }
  return absl::OkStatus();
}

absl::Status ValidateSha256(absl::string_view field, absl::string_view hex) {
  if (hex.empty()) return absl::OkStatus();
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return absl::ascii_isxdigit(c);
      })) {
    return InvalidField(field, "must be 64 hex digits (SHA-256)");
  }
  return absl::OkStatus();
}

absl::Status TooLarge(int64_t max_bytes) {
  return ErrorWithInfo(
      absl::StatusCode::kResourceExhausted,
      absl::StrCat("the drawing exceeds the server's maximum of ", max_bytes,
                   " bytes; nothing was written"),
      "DRAWING_TOO_LARGE", {{"max_bytes", absl::StrCat(max_bytes)}});
}

}  // namespace

absl::Status UploadProtocol::Dead(absl::Status status) {
  dead_ = true;
  return status;
}

absl::Status UploadProtocol::Start(const v1::UploadDrawingRequest& first) {
  if (dead_ || started_) {
    return absl::FailedPreconditionError("the upload has already started");
  }
  if (!first.has_header()) {
    return Dead(InvalidField(
        "header", "the first message of an upload must carry the header"));
  }
  const v1::DrawingUploadHeader& header = first.header();
  if (absl::Status s = ValidateId("header.part_id", header.part_id());
      !s.ok()) {
    return Dead(s);
  }
  if (absl::Status s =
          ValidateExtension("header.file_extension", header.file_extension());
      !s.ok()) {
    return Dead(s);
  }
  if (header.has_total_size() && header.total_size() < 0) {
    return Dead(InvalidField("header.total_size", "must not be negative"));
  }
  if (header.has_total_size() && header.total_size() > limits_.max_bytes) {
    return Dead(TooLarge(limits_.max_bytes));
  }
  if (absl::Status s = ValidateSha256("header.sha256", header.sha256());
      !s.ok()) {
    return Dead(s);
  }
  header_ = header;
  started_ = true;
  finish_written_ = first.finish_write();
  return absl::OkStatus();
}

absl::Status UploadProtocol::Accept(const v1::UploadDrawingRequest& message) {
  if (dead_ || !started_) {
    return absl::FailedPreconditionError("the upload is not in progress");
  }
  if (finish_written_) {
    return Dead(InvalidField("finish_write",
                             "no message may follow the one that set it"));
  }
  if (message.has_header()) {
    return Dead(InvalidField("header", "only the first message may carry it"));
  }
  const std::string& chunk = message.chunk();
  if (chunk.size() > static_cast<size_t>(kMaxUploadChunkBytes)) {
    return Dead(InvalidField(
        "chunk", absl::StrCat("must be at most ", kMaxUploadChunkBytes,
                              " bytes per message, not ", chunk.size())));
  }
  const int64_t total = bytes_ + static_cast<int64_t>(chunk.size());
  if (total > limits_.max_bytes) return Dead(TooLarge(limits_.max_bytes));
  if (header_.has_total_size() && total > header_.total_size()) {
    return Dead(InvalidField(
        "header.total_size",
        absl::StrCat("the upload sent more than the declared ",
                     header_.total_size(), " bytes; nothing was written")));
  }
  bytes_ = total;
  hasher_.Update(chunk);
  finish_written_ = message.finish_write();
  return absl::OkStatus();
}

absl::StatusOr<std::string> UploadProtocol::End() {
  if (dead_ || !started_) {
    return absl::FailedPreconditionError("the upload is not in progress");
  }
  dead_ = true;  // whatever the answer, nothing more may happen
  if (!finish_written_ && !header_.has_total_size()) {
    return InvalidField(
        "finish_write",
        "the stream ended without finish_write and without "
        "header.total_size, so it cannot be told from a stream cut short; "
        "nothing was written");
  }
  if (header_.has_total_size() && bytes_ != header_.total_size()) {
    return InvalidField(
        "header.total_size",
        absl::StrCat("declared ", header_.total_size(), " bytes but ", bytes_,
                     " arrived; nothing was written"));
  }
  std::string sha256 = hasher_.FinishHex();
  if (!header_.sha256().empty() &&
      absl::AsciiStrToLower(header_.sha256()) != sha256) {
    return InvalidField("header.sha256",
                        absl::StrCat("does not match the bytes received "
                                     "(their SHA-256 is ",
                                     sha256, "); nothing was written"));
  }
  return sha256;
}

}  // namespace suppliers
