// Owns the logic of the DrawingService over the database, independent of
// gRPC: validating uploads and downloads, staging upload chunks in the
// database as they arrive, assembling them atomically, and reading ranges
// block by block from one snapshot.
#include "server/store/drawing_store.h"

#include <libpq-fe.h>

#include <algorithm>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "pqxx/pqxx"
#include "server/base/errors.h"
#include "server/db/statements.h"
#include "server/store/validation.h"

namespace suppliers {
namespace {

using Access = TransactionRunner::Access;
using Isolation = TransactionRunner::Isolation;

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

// NOT_FOUND naming what is missing: the part, or only its drawing.
absl::Status DrawingNotFound(pqxx::transaction_base& txn, int32_t part_id) {
  if (txn.exec_prepared(sql::kPartExists.name, part_id).empty()) {
    return NotFound("part", part_id);
  }
  return ErrorWithInfo(absl::StatusCode::kNotFound,
                       absl::StrCat("part ", part_id, " has no drawing"),
                       "DRAWING_NOT_FOUND",
                       {{"part_id", absl::StrCat(part_id)}});
}

// Reads kDrawingMetadata's row into `metadata`.
void MetadataFromRow(int32_t part_id, const pqxx::row& row,
                     v1::DrawingMetadata* metadata) {
  metadata->set_part_id(part_id);
  metadata->set_part_name(row[0].as<std::string>());
  metadata->set_file_extension(row[1].as<std::string>());
  metadata->set_size_bytes(row[2].as<int64_t>());
  metadata->set_sha256(row[3].as<std::string>());
  metadata->set_file_name(
      DrawingFileName(metadata->part_name(), metadata->file_extension()));
}

}  // namespace

std::string DrawingFileName(const std::string& part_name,
                            const std::string& extension) {
  std::string name = absl::StrCat(part_name, ".", extension);
  for (char& c : name) {
    if (c == '/' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
  }
  return name;
}

absl::StatusOr<std::unique_ptr<DrawingUpload>> DrawingStore::BeginUpload(
    CallContext& call, const v1::UploadDrawingRequest& first) {
  if (!first.has_header()) {
    return InvalidField("header",
                        "the first message of an upload must carry the header");
  }
  const v1::DrawingUploadHeader& header = first.header();
  if (absl::Status s = ValidateId("header.part_id", header.part_id());
      !s.ok()) {
    return s;
  }
  if (absl::Status s =
          ValidateExtension("header.file_extension", header.file_extension());
      !s.ok()) {
    return s;
  }
  if (header.has_total_size() && header.total_size() < 0) {
    return InvalidField("header.total_size", "must not be negative");
  }
  if (header.has_total_size() && header.total_size() > limits_.max_bytes) {
    return TooLarge(limits_.max_bytes);
  }
  if (absl::Status s = ValidateSha256("header.sha256", header.sha256());
      !s.ok()) {
    return s;
  }
  absl::StatusOr<std::unique_ptr<TransactionSession>> session =
      transactions_.Begin(call, Access::kReadWrite, Isolation::kReadCommitted);
  if (!session.ok()) return session.status();
  std::string part_name;
  absl::Status locked = (*session)->Run(
      [&](pqxx::transaction_base& txn, PgConnection&) -> absl::Status {
        const pqxx::result rows =
            txn.exec_prepared(sql::kDrawingLockPart.name, header.part_id());
        if (rows.empty()) return NotFound("part", header.part_id());
        part_name = rows[0][0].as<std::string>();
        return absl::OkStatus();
      });
  if (!locked.ok()) return locked;
  return std::unique_ptr<DrawingUpload>(new DrawingUpload(
      *std::move(session), header, std::move(part_name), limits_.max_bytes));
}

DrawingUpload::DrawingUpload(std::unique_ptr<TransactionSession> session,
                             const v1::DrawingUploadHeader& header,
                             std::string part_name, int64_t max_bytes)
    : session_(std::move(session)),
      header_(header),
      part_name_(std::move(part_name)),
      max_bytes_(max_bytes) {}

absl::Status DrawingUpload::Append(const v1::UploadDrawingRequest& message) {
  if (message.has_header()) {
    session_.reset();
    return InvalidField("header", "only the first message may carry it");
  }
  const std::string& chunk = message.chunk();
  if (chunk.empty()) return absl::OkStatus();
  bytes_ += static_cast<int64_t>(chunk.size());
  if (bytes_ > max_bytes_) {
    session_.reset();
    return TooLarge(max_bytes_);
  }
  if (header_.has_total_size() && bytes_ > header_.total_size()) {
    session_.reset();
    return InvalidField("header.total_size",
                        absl::StrCat("the upload sent more than the declared ",
                                     header_.total_size(), " bytes"));
  }
  hasher_.Update(chunk);
  const int32_t seq = next_seq_++;
  return session_->Run([&](pqxx::transaction_base& txn, PgConnection&) {
    txn.exec_prepared(sql::kDrawingStageChunk.name, seq,
                      pqxx::binarystring(chunk.data(), chunk.size()));
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::UploadDrawingResponse> DrawingUpload::Finish() {
  if (session_ == nullptr) {
    return absl::FailedPreconditionError("the upload already failed");
  }
  if (header_.has_total_size() && bytes_ != header_.total_size()) {
    session_.reset();
    return InvalidField(
        "header.total_size",
        absl::StrCat("declared ", header_.total_size(), " bytes but ", bytes_,
                     " arrived; nothing was written"));
  }
  const std::string sha256 = hasher_.FinishHex();
  if (!header_.sha256().empty() &&
      absl::AsciiStrToLower(header_.sha256()) != sha256) {
    session_.reset();
    return InvalidField("header.sha256",
                        absl::StrCat("does not match the bytes received "
                                     "(their SHA-256 is ",
                                     sha256, "); nothing was written"));
  }
  v1::UploadDrawingResponse response;
  absl::Status assembled =
      session_->Run([&](pqxx::transaction_base& txn, PgConnection&) {
        const pqxx::row row =
            txn.exec_prepared1(sql::kDrawingAssemble.name, header_.part_id(),
                               header_.file_extension());
        response.set_replaced(row[0].as<bool>());
        return absl::OkStatus();
      });
  if (!assembled.ok()) return assembled;
  if (absl::Status committed = session_->Commit(); !committed.ok()) {
    return committed;
  }
  session_.reset();
  v1::DrawingMetadata* metadata = response.mutable_metadata();
  metadata->set_part_id(header_.part_id());
  metadata->set_part_name(part_name_);
  metadata->set_file_extension(header_.file_extension());
  metadata->set_size_bytes(bytes_);
  metadata->set_sha256(sha256);
  metadata->set_file_name(
      DrawingFileName(part_name_, header_.file_extension()));
  return response;
}

absl::StatusOr<std::unique_ptr<DrawingDownload>> DrawingStore::BeginDownload(
    CallContext& call, const v1::DownloadDrawingRequest& request) {
  if (absl::Status s = ValidateId("part_id", request.part_id()); !s.ok()) {
    return s;
  }
  if (request.read_offset() < 0) {
    return InvalidField("read_offset", "must not be negative");
  }
  if (request.read_limit() < 0) {
    return InvalidField("read_limit", "must not be negative");
  }
  absl::StatusOr<std::unique_ptr<TransactionSession>> session =
      transactions_.Begin(call, Access::kReadOnly, Isolation::kRepeatableRead);
  if (!session.ok()) return session.status();
  v1::DrawingMetadata metadata;
  absl::Status read = (*session)->Run(
      [&](pqxx::transaction_base& txn, PgConnection&) -> absl::Status {
        const pqxx::result rows =
            txn.exec_prepared(sql::kDrawingMetadata.name, request.part_id());
        if (rows.empty()) return DrawingNotFound(txn, request.part_id());
        MetadataFromRow(request.part_id(), rows[0], &metadata);
        return absl::OkStatus();
      });
  if (!read.ok()) return read;
  const int64_t size = metadata.size_bytes();
  if (request.read_offset() > size) {
    return ErrorWithInfo(
        absl::StatusCode::kOutOfRange,
        absl::StrCat("read_offset ", request.read_offset(),
                     " is past the end of the drawing (", size, " bytes)"),
        "RANGE_OUT_OF_BOUNDS",
        {{"field", "read_offset"}, {"size_bytes", absl::StrCat(size)}});
  }
  if (request.read_limit() > size - request.read_offset()) {
    return ErrorWithInfo(
        absl::StatusCode::kOutOfRange,
        absl::StrCat("read_offset + read_limit (", request.read_offset(), " + ",
                     request.read_limit(), ") is past the end of the drawing (",
                     size, " bytes)"),
        "RANGE_OUT_OF_BOUNDS",
        {{"field", "read_limit"}, {"size_bytes", absl::StrCat(size)}});
  }
  metadata.set_range_offset(request.read_offset());
  metadata.set_range_length(request.read_limit() > 0
                                ? request.read_limit()
                                : size - request.read_offset());
  return std::unique_ptr<DrawingDownload>(
      new DrawingDownload(*std::move(session), std::move(metadata), limits_));
}

DrawingDownload::DrawingDownload(std::unique_ptr<TransactionSession> session,
                                 v1::DrawingMetadata metadata,
                                 const DrawingLimits& limits)
    : session_(std::move(session)),
      metadata_(std::move(metadata)),
      limits_(limits) {}

absl::Status DrawingDownload::ReadBlock() {
  const int64_t length = std::min<int64_t>(limits_.read_block_bytes,
                                           metadata_.range_length() - fetched_);
  const std::string part_id = absl::StrCat(metadata_.part_id());
  const std::string from =
      absl::StrCat(metadata_.range_offset() + fetched_ + 1);  // 1-based
  const std::string count = absl::StrCat(length);
  return session_->Run(
      [&](pqxx::transaction_base&, PgConnection& connection) -> absl::Status {
        // libpq directly: libpqxx 6.4 would fetch the bytes hex-encoded,
        // twice their size, and decode them again.
        PGconn* raw = connection.raw_handle();
        const char* values[3] = {part_id.c_str(), from.c_str(), count.c_str()};
        std::unique_ptr<PGresult, decltype(&PQclear)> result(
            PQexecPrepared(raw, sql::kDrawingReadRange.name, 3, values, nullptr,
                           nullptr, /*resultFormat=*/1),
            &PQclear);
        if (PQresultStatus(result.get()) != PGRES_TUPLES_OK) {
          ThrowLibpqError(raw, result.get());
        }
        if (PQntuples(result.get()) != 1 ||
            PQgetlength(result.get(), 0, 0) != length) {
          // The snapshot makes this impossible unless the row vanished.
          return absl::InternalError("the drawing changed while being read");
        }
        buffer_.assign(PQgetvalue(result.get(), 0, 0), length);
        buffer_offset_ = 0;
        fetched_ += length;
        return absl::OkStatus();
      });
}

absl::Status DrawingDownload::NextChunk(std::string* chunk) {
  if (needs_database()) {
    if (absl::Status s = ReadBlock(); !s.ok()) return s;
  }
  const size_t length =
      std::min<size_t>(limits_.chunk_bytes, buffer_.size() - buffer_offset_);
  chunk->assign(buffer_, buffer_offset_, length);
  buffer_offset_ += length;
  sent_ += static_cast<int64_t>(length);
  return absl::OkStatus();
}

absl::Status DrawingDownload::Finish() {
  absl::Status status = session_->Commit();
  session_.reset();
  return status;
}

absl::StatusOr<v1::GetDrawingMetadataResponse> DrawingStore::GetMetadata(
    CallContext& call, const v1::GetDrawingMetadataRequest& request) {
  if (absl::Status s = ValidateId("part_id", request.part_id()); !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::GetDrawingMetadataResponse>(
      call, Access::kReadOnly,
      [&](pqxx::transaction_base& txn,
          v1::GetDrawingMetadataResponse& response) -> absl::Status {
        const pqxx::result rows =
            txn.exec_prepared(sql::kDrawingMetadata.name, request.part_id());
        if (rows.empty()) return DrawingNotFound(txn, request.part_id());
        MetadataFromRow(request.part_id(), rows[0],
                        response.mutable_metadata());
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::DeleteDrawingResponse> DrawingStore::Delete(
    CallContext& call, const v1::DeleteDrawingRequest& request) {
  if (absl::Status s = ValidateId("part_id", request.part_id()); !s.ok()) {
    return s;
  }
  return transactions_.RunFor<v1::DeleteDrawingResponse>(
      call, Access::kReadWrite,
      [&](pqxx::transaction_base& txn,
          v1::DeleteDrawingResponse& response) -> absl::Status {
        const pqxx::result deleted =
            txn.exec_prepared(sql::kDrawingDelete.name, request.part_id());
        if (deleted.affected_rows() == 0) {
          return DrawingNotFound(txn, request.part_id());
        }
        response.set_deleted_rows(
            static_cast<int32_t>(deleted.affected_rows()));
        return absl::OkStatus();
      });
}

}  // namespace suppliers
