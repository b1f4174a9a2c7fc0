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
#include "server/store/upload_protocol.h"
#include "server/store/validation.h"

namespace suppliers {
namespace {

using Access = TransactionRunner::Access;
using Scope = TransactionRunner::Scope;
using Isolation = TransactionRunner::Isolation;

// NOT_FOUND naming what is missing: the part, or only its drawing.
absl::Status DrawingNotFound(pqxx::transaction_base& txn, int32_t part_id) {
  if (sql::Exec(txn, sql::kPartExists, part_id).empty()) {
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
  auto protocol = std::make_unique<UploadProtocol>(limits_);
  if (absl::Status started = protocol->Start(first); !started.ok()) {
    return started;
  }
  const int32_t part_id = protocol->header().part_id();
  absl::StatusOr<std::unique_ptr<TransactionSession>> session =
      transactions_.Begin(call, Access::kReadWrite, Isolation::kReadCommitted);
  if (!session.ok()) return session.status();
  std::string part_name;
  absl::Status locked = (*session)->Run([&](pqxx::transaction_base& txn,
                                            PgConnection&) -> absl::Status {
    const pqxx::result rows = sql::Exec(txn, sql::kDrawingLockPart, part_id);
    if (rows.empty()) return NotFound("part", part_id);
    sql::EnsureStagingTable(txn, sql::StagingTable::kDrawingChunks);
    part_name = rows[0][0].as<std::string>();
    return absl::OkStatus();
  });
  if (!locked.ok()) return locked;
  return std::unique_ptr<DrawingUpload>(new DrawingUpload(
      *std::move(session), std::move(protocol), std::move(part_name)));
}

DrawingUpload::DrawingUpload(std::unique_ptr<TransactionSession> session,
                             std::unique_ptr<UploadProtocol> protocol,
                             std::string part_name)
    : session_(std::move(session)),
      protocol_(std::move(protocol)),
      part_name_(std::move(part_name)) {}

absl::Status DrawingUpload::Append(const v1::UploadDrawingRequest& message) {
  if (session_ == nullptr) {
    return absl::FailedPreconditionError("the upload already failed");
  }
  if (absl::Status accepted = protocol_->Accept(message); !accepted.ok()) {
    session_.reset();
    return accepted;
  }
  const std::string& chunk = message.chunk();
  if (chunk.empty()) return absl::OkStatus();
  const int32_t seq = next_seq_++;
  return session_->Run([&](pqxx::transaction_base& txn, PgConnection&) {
    sql::Exec(txn, sql::kDrawingStageChunk, seq,
              pqxx::binarystring(chunk.data(), chunk.size()));
    return absl::OkStatus();
  });
}

absl::StatusOr<v1::UploadDrawingResponse> DrawingUpload::Finish() {
  if (session_ == nullptr) {
    return absl::FailedPreconditionError("the upload already failed");
  }
  absl::StatusOr<std::string> sha256 = protocol_->End();
  if (!sha256.ok()) {
    session_.reset();
    return sha256.status();
  }
  const v1::DrawingUploadHeader& header = protocol_->header();
  v1::UploadDrawingResponse response;
  absl::Status assembled =
      session_->Run([&](pqxx::transaction_base& txn, PgConnection&) {
        const pqxx::row row =
            sql::Exec1(txn, sql::kDrawingAssemble, header.part_id(),
                       header.file_extension());
        response.set_replaced(row[0].as<bool>());
        return absl::OkStatus();
      });
  if (!assembled.ok()) return assembled;
  if (absl::Status committed = session_->Commit(); !committed.ok()) {
    return committed;
  }
  session_.reset();
  v1::DrawingMetadata* metadata = response.mutable_metadata();
  metadata->set_part_id(header.part_id());
  metadata->set_part_name(part_name_);
  metadata->set_file_extension(header.file_extension());
  metadata->set_size_bytes(protocol_->bytes());
  metadata->set_sha256(*sha256);
  metadata->set_file_name(DrawingFileName(part_name_, header.file_extension()));
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
            sql::Exec(txn, sql::kDrawingMetadata, request.part_id());
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
            connection.session_prepared()
                ? PQexecPrepared(raw, sql::kDrawingReadRange.name, 3, values,
                                 nullptr, nullptr, /*resultFormat=*/1)
                : PQexecParams(raw, sql::kDrawingReadRange.sql, 3, nullptr,
                               values, nullptr, nullptr, /*resultFormat=*/1),
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
            sql::Exec(txn, sql::kDrawingMetadata, request.part_id());
        if (rows.empty()) return DrawingNotFound(txn, request.part_id());
        MetadataFromRow(request.part_id(), rows[0],
                        response.mutable_metadata());
        return absl::OkStatus();
      },
      Scope::kSingleStatement);
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
            sql::Exec(txn, sql::kDrawingDelete, request.part_id());
        if (deleted.affected_rows() == 0) {
          return DrawingNotFound(txn, request.part_id());
        }
        response.set_deleted_rows(
            static_cast<int32_t>(deleted.affected_rows()));
        return absl::OkStatus();
      },
      Scope::kSingleStatement);
}

}  // namespace suppliers
