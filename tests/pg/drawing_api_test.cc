// Tests the DrawingService over a real channel and database: byte-exact
// round trips, atomic uploads (aborted, over the limit, checksum or size
// mismatch leave the table as it was), range reads, metadata, delete, and
// cancelled downloads.
#include <openssl/evp.h>

#include <random>
#include <thread>

#include "absl/strings/escaping.h"
#include "common/sha256.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/pg/api_fixture.h"

namespace suppliers {
namespace {

using ::suppliers::testing::ApiTest;
using ::testing::HasSubstr;

constexpr int kChunk = 64 << 10;  // the server's default download chunk

std::string RandomBytes(size_t size, uint32_t seed) {
  std::mt19937 random(seed);
  std::string bytes(size, '\0');
  for (char& c : bytes) c = static_cast<char>(random() & 0xff);
  if (size >= 4) {  // make sure both extremes are present
    bytes[0] = '\0';
    bytes[size / 2] = '\xff';
    bytes[size - 1] = '\0';
  }
  return bytes;
}

std::string Md5Hex(const std::string& bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_md5(), nullptr);
  return absl::BytesToHexString(
      std::string(reinterpret_cast<const char*>(digest), length));
}

struct UploadOptions {
  std::string extension = "png";
  int chunk_bytes = 256 << 10;
  std::optional<int64_t> total_size;
  std::string sha256;
  // Cancel the call after this many chunks (-1: never).
  int cancel_after_chunks = -1;
  // Mark the end with finish_write on the last message (as clients must,
  // unless they declare total_size).
  bool finish_write = true;
};

class DrawingApiTest : public ApiTest {
 protected:
  grpc::Status Upload(int part_id, const std::string& data,
                      const UploadOptions& options = {},
                      v1::UploadDrawingResponse* response = nullptr) {
    v1::UploadDrawingResponse unused;
    if (response == nullptr) response = &unused;
    auto context = Context(absl::Seconds(120));
    auto writer = drawings_->UploadDrawing(context.get(), response);
    v1::UploadDrawingRequest header;
    header.mutable_header()->set_part_id(part_id);
    header.mutable_header()->set_file_extension(options.extension);
    if (options.total_size) {
      header.mutable_header()->set_total_size(*options.total_size);
    }
    header.mutable_header()->set_sha256(options.sha256);
    header.set_finish_write(options.finish_write && data.empty());
    bool open = writer->Write(header);
    int chunks = 0;
    for (size_t offset = 0; open && offset < data.size();
         offset += options.chunk_bytes) {
      if (chunks++ == options.cancel_after_chunks) {
        context->TryCancel();
        break;
      }
      v1::UploadDrawingRequest chunk;
      chunk.set_chunk(data.substr(offset, options.chunk_bytes));
      chunk.set_finish_write(options.finish_write &&
                             offset + options.chunk_bytes >= data.size());
      open = writer->Write(chunk);
    }
    if (open && options.cancel_after_chunks < 0) writer->WritesDone();
    return writer->Finish();
  }

  struct Downloaded {
    grpc::Status status;
    v1::DrawingMetadata metadata;
    std::string bytes;
    int chunks = 0;
    size_t largest_chunk = 0;
  };
  Downloaded Download(int part_id, int64_t offset = 0, int64_t limit = 0) {
    Downloaded result;
    v1::DownloadDrawingRequest request;
    request.set_part_id(part_id);
    request.set_read_offset(offset);
    request.set_read_limit(limit);
    auto context = Context(absl::Seconds(120));
    auto reader = drawings_->DownloadDrawing(context.get(), request);
    v1::DownloadDrawingResponse message;
    bool first = true;
    while (reader->Read(&message)) {
      if (first) {
        EXPECT_TRUE(message.has_metadata());
        result.metadata = message.metadata();
        first = false;
        continue;
      }
      EXPECT_FALSE(message.has_metadata());
      result.bytes += message.chunk();
      result.largest_chunk =
          std::max(result.largest_chunk, message.chunk().size());
      ++result.chunks;
    }
    result.status = reader->Finish();
    return result;
  }

  int DrawingRows() { return QueryInt("SELECT count(*) FROM part_drawings"); }
  std::string StoredMd5(int part_id) {
    return QueryText(
        "SELECT md5(drawing_data) FROM part_drawings WHERE "
        "part_id = " +
        std::to_string(part_id));
  }
  int part_id_ = 0;
  void SetUp() override {
    ApiTest::SetUp();
    CreateVendor("3M Co.");
    part_id_ = CreatePart("SIM Tray", {1});
  }
};

TEST_F(DrawingApiTest, RoundTripsAreByteExactAtChunkBoundaries) {
  for (size_t size : {size_t{0}, size_t{1}, size_t{kChunk - 1}, size_t{kChunk},
                      size_t{kChunk + 1}, size_t{3 * kChunk + 17}}) {
    SCOPED_TRACE(size);
    const std::string data = RandomBytes(size, static_cast<uint32_t>(size));
    v1::UploadDrawingResponse stored;
    ASSERT_TRUE(Upload(part_id_, data, {}, &stored).ok());
    EXPECT_EQ(stored.metadata().size_bytes(), static_cast<int64_t>(size));
    EXPECT_EQ(stored.metadata().sha256(), Sha256Hex(data));
    EXPECT_EQ(StoredMd5(part_id_), Md5Hex(data));
    const Downloaded got = Download(part_id_);
    ASSERT_TRUE(got.status.ok()) << got.status.error_message();
    EXPECT_TRUE(got.bytes == data) << "bytes differ for size " << size;
    EXPECT_EQ(got.metadata.size_bytes(), static_cast<int64_t>(size));
    EXPECT_EQ(got.metadata.sha256(), Sha256Hex(data));
    EXPECT_EQ(got.chunks, static_cast<int>((size + kChunk - 1) / kChunk));
    EXPECT_LE(got.largest_chunk, static_cast<size_t>(kChunk));
  }
}

TEST_F(DrawingApiTest, FiftyMegabytesOfRandomBytesRoundTrip) {
  const std::string data = RandomBytes(50 << 20, 50);
  UploadOptions options;
  options.total_size = static_cast<int64_t>(data.size());
  options.sha256 = Sha256Hex(data);
  options.chunk_bytes = 1 << 20;
  v1::UploadDrawingResponse stored;
  ASSERT_TRUE(Upload(part_id_, data, options, &stored).ok());
  EXPECT_FALSE(stored.replaced());
  EXPECT_EQ(StoredMd5(part_id_), Md5Hex(data));
  EXPECT_EQ(QueryInt("SELECT octet_length(drawing_data) FROM part_drawings"),
            50 << 20);
  const Downloaded got = Download(part_id_);
  ASSERT_TRUE(got.status.ok()) << got.status.error_message();
  EXPECT_EQ(got.bytes.size(), data.size());
  EXPECT_TRUE(got.bytes == data);
  EXPECT_EQ(got.chunks, (50 << 20) / kChunk);
}

TEST_F(DrawingApiTest, MetadataComesFirstAndNamesTheFileAsTheTutorialDoes) {
  ASSERT_TRUE(Upload(part_id_, "PNGDATA").ok());
  const Downloaded got = Download(part_id_);
  ASSERT_TRUE(got.status.ok());
  EXPECT_EQ(got.metadata.part_id(), part_id_);
  EXPECT_EQ(got.metadata.part_name(), "SIM Tray");
  EXPECT_EQ(got.metadata.file_extension(), "png");
  EXPECT_EQ(got.metadata.file_name(), "SIM Tray.png");
  EXPECT_EQ(got.metadata.size_bytes(), 7);
  EXPECT_EQ(got.metadata.range_offset(), 0);
  EXPECT_EQ(got.metadata.range_length(), 7);
  v1::GetDrawingMetadataRequest request;
  request.set_part_id(part_id_);
  v1::GetDrawingMetadataResponse response;
  ASSERT_TRUE(
      drawings_->GetDrawingMetadata(Context().get(), request, &response).ok());
  EXPECT_EQ(response.metadata().sha256(), Sha256Hex("PNGDATA"));
  EXPECT_EQ(response.metadata().file_name(), "SIM Tray.png");
}

TEST_F(DrawingApiTest, ReplacingKeepsOneRowAndReportsIt) {
  ASSERT_TRUE(Upload(part_id_, "first").ok());
  v1::UploadDrawingResponse stored;
  UploadOptions jpg;
  jpg.extension = "jpg";
  ASSERT_TRUE(Upload(part_id_, "second", jpg, &stored).ok());
  EXPECT_TRUE(stored.replaced());
  EXPECT_EQ(DrawingRows(), 1);
  EXPECT_EQ(QueryText("SELECT file_extension FROM part_drawings"), "jpg");
  EXPECT_EQ(Download(part_id_).bytes, "second");
}

TEST_F(DrawingApiTest, RangeReadsReturnExactlyTheRequestedBytes) {
  const std::string data = RandomBytes(5 * kChunk + 123, 7);
  ASSERT_TRUE(Upload(part_id_, data).ok());
  struct Range {
    int64_t offset, limit;
  };
  for (Range range :
       std::vector<Range>{{0, 1},
                          {1, 0},
                          {kChunk - 1, 2},
                          {kChunk, kChunk},
                          {3 * kChunk + 5, 100000},
                          {static_cast<int64_t>(data.size()), 0},
                          {static_cast<int64_t>(data.size()) - 1, 1}}) {
    SCOPED_TRACE(absl::StrCat(range.offset, "+", range.limit));
    const Downloaded got = Download(part_id_, range.offset, range.limit);
    ASSERT_TRUE(got.status.ok()) << got.status.error_message();
    const std::string expected = range.limit > 0
                                     ? data.substr(range.offset, range.limit)
                                     : data.substr(range.offset);
    EXPECT_TRUE(got.bytes == expected);
    EXPECT_EQ(got.metadata.range_offset(), range.offset);
    EXPECT_EQ(got.metadata.range_length(),
              static_cast<int64_t>(expected.size()));
    EXPECT_EQ(got.metadata.size_bytes(), static_cast<int64_t>(data.size()));
  }
}

TEST_F(DrawingApiTest, RangesOutsideTheDrawingAreOutOfRange) {
  ASSERT_TRUE(Upload(part_id_, "0123456789").ok());
  EXPECT_EQ(Download(part_id_, 11).status.error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_EQ(Download(part_id_, 5, 6).status.error_code(),
            grpc::StatusCode::OUT_OF_RANGE);
  const Downloaded negative = Download(part_id_, -1);
  EXPECT_EQ(negative.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(negative.status), "read_offset");
  EXPECT_EQ(Download(part_id_, 5, 5).bytes, "56789");
}

TEST_F(DrawingApiTest, AbortedUploadLeavesThePreviousDrawing) {
  ASSERT_TRUE(Upload(part_id_, "previous").ok());
  UploadOptions options;
  options.chunk_bytes = 64 << 10;
  options.cancel_after_chunks = 5;
  const grpc::Status status =
      Upload(part_id_, RandomBytes(1 << 20, 1), options);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED);
  // Give the server time to see the cancellation and roll back.
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(DrawingRows(), 1);
  EXPECT_EQ(StoredMd5(part_id_), Md5Hex("previous"));
  EXPECT_EQ(Download(part_id_).bytes, "previous");
}

TEST_F(DrawingApiTest, AbortedFirstUploadLeavesNoDrawing) {
  UploadOptions options;
  options.chunk_bytes = 64 << 10;
  options.cancel_after_chunks = 3;
  EXPECT_EQ(Upload(part_id_, RandomBytes(1 << 20, 2), options).error_code(),
            grpc::StatusCode::CANCELLED);
  absl::SleepFor(absl::Milliseconds(300));
  EXPECT_EQ(DrawingRows(), 0);
}

TEST_F(DrawingApiTest, ChecksumMismatchIsRefusedAndWritesNothing) {
  ASSERT_TRUE(Upload(part_id_, "previous").ok());
  UploadOptions options;
  options.sha256 = Sha256Hex("something else");
  const grpc::Status status = Upload(part_id_, "new bytes", options);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "header.sha256");
  EXPECT_EQ(StoredMd5(part_id_), Md5Hex("previous"));
  options.sha256 = "xyz";
  EXPECT_EQ(ViolatedField(Upload(part_id_, "new bytes", options)),
            "header.sha256");
  // The right checksum, in either case, is accepted.
  options.sha256 = absl::AsciiStrToUpper(Sha256Hex("new bytes"));
  EXPECT_TRUE(Upload(part_id_, "new bytes", options).ok());
}

TEST_F(DrawingApiTest, SizeMismatchIsRefusedAndWritesNothing) {
  UploadOptions options;
  options.total_size = 5;
  EXPECT_EQ(ViolatedField(Upload(part_id_, "1234", options)),
            "header.total_size");
  EXPECT_EQ(ViolatedField(Upload(part_id_, "123456", options)),
            "header.total_size");
  EXPECT_EQ(DrawingRows(), 0);
  EXPECT_TRUE(Upload(part_id_, "12345", options).ok());
}

TEST_F(DrawingApiTest, BadHeadersAreRefused) {
  UploadOptions long_extension;
  long_extension.extension = "tiffxx";
  EXPECT_EQ(ViolatedField(Upload(part_id_, "x", long_extension)),
            "header.file_extension");
  UploadOptions dotted;
  dotted.extension = ".png";
  EXPECT_EQ(ViolatedField(Upload(part_id_, "x", dotted)),
            "header.file_extension");
  const grpc::Status missing_part = Upload(999, "x");
  EXPECT_EQ(missing_part.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(missing_part.error_message(), HasSubstr("part 999"));
  EXPECT_EQ(ViolatedField(Upload(0, "x")), "header.part_id");
  // A chunk before the header.
  v1::UploadDrawingResponse response;
  auto context = Context();
  auto writer = drawings_->UploadDrawing(context.get(), &response);
  v1::UploadDrawingRequest chunk;
  chunk.set_chunk("data");
  writer->Write(chunk);
  writer->WritesDone();
  EXPECT_EQ(ViolatedField(writer->Finish()), "header");
  EXPECT_EQ(DrawingRows(), 0);
}

TEST_F(DrawingApiTest, AStreamThatJustStopsCommitsNothing) {
  ASSERT_TRUE(Upload(part_id_, "first").ok());
  // Neither finish_write nor a declared size: a truncated stream would look
  // the same, so nothing is written.
  UploadOptions unmarked;
  unmarked.finish_write = false;
  const grpc::Status status = Upload(part_id_, "second", unmarked);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "finish_write");
  EXPECT_EQ(Download(part_id_).bytes, "first");
}

TEST_F(DrawingApiTest, ADeclaredSizeReachedAtHalfCloseStillCommits) {
  // Clients written before finish_write existed keep working when they
  // declare total_size.
  UploadOptions sized;
  sized.finish_write = false;
  sized.total_size = 6;
  ASSERT_TRUE(Upload(part_id_, "sized!", sized).ok());
  EXPECT_EQ(Download(part_id_).bytes, "sized!");
}

TEST_F(DrawingApiTest, AChunkOverFourMebibytesIsRefused) {
  ASSERT_TRUE(Upload(part_id_, "first").ok());
  UploadOptions big;
  big.chunk_bytes = (4 << 20) + 1;
  const grpc::Status status =
      Upload(part_id_, std::string((4 << 20) + 1, 'x'), big);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ViolatedField(status), "chunk");
  EXPECT_EQ(Download(part_id_).bytes, "first");
}

TEST_F(DrawingApiTest, AnEmptyDrawingNeedsOnlyAFinishedHeader) {
  v1::UploadDrawingResponse stored;
  ASSERT_TRUE(Upload(part_id_, "", {}, &stored).ok());
  EXPECT_EQ(stored.metadata().size_bytes(), 0);
  EXPECT_EQ(Download(part_id_).status.error_code(), grpc::StatusCode::OK);
}

TEST_F(DrawingApiTest, DrawingWrittenBySqlDownloadsWithItsDigest) {
  // As the tutorial's Python writes it, straight into the table.
  Exec(
      "INSERT INTO part_drawings (part_id, file_extension, drawing_data) "
      "VALUES (" +
      std::to_string(part_id_) + ", 'png', '\\x00ff00'::bytea)");
  const Downloaded got = Download(part_id_);
  ASSERT_TRUE(got.status.ok());
  EXPECT_EQ(got.bytes, std::string("\x00\xff\x00", 3));
  EXPECT_EQ(got.metadata.sha256(), Sha256Hex(std::string("\x00\xff\x00", 3)));
}

// A stream's place is free once its status reached the client: one caller
// going stream after stream never meets TOO_MANY_STREAMS, however small the
// limit (a CI run once did, when the place was freed only after OnDone).
TEST_F(DrawingApiTest, BackToBackStreamsNeverFindTheirPlaceTaken) {
  for (int i = 0; i < 60; ++i) {
    const std::string bytes = absl::StrCat("drawing ", i);
    const grpc::Status uploaded = Upload(part_id_, bytes);
    ASSERT_TRUE(uploaded.ok()) << i << ": " << uploaded.error_message();
    ASSERT_EQ(Download(part_id_).bytes, bytes) << i;
  }
}

TEST_F(DrawingApiTest, MissingPartAndMissingDrawingAreDistinctNotFounds) {
  const Downloaded no_drawing = Download(part_id_);
  EXPECT_EQ(no_drawing.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ErrorInfoOf(no_drawing.status).reason(), "DRAWING_NOT_FOUND");
  const Downloaded no_part = Download(999);
  EXPECT_EQ(no_part.status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(ErrorInfoOf(no_part.status).reason(), "PART_NOT_FOUND");
  v1::GetDrawingMetadataRequest request;
  request.set_part_id(part_id_);
  v1::GetDrawingMetadataResponse response;
  EXPECT_EQ(drawings_->GetDrawingMetadata(Context().get(), request, &response)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_F(DrawingApiTest, DeleteRemovesOnlyTheDrawing) {
  ASSERT_TRUE(Upload(part_id_, "bytes").ok());
  v1::DeleteDrawingRequest request;
  request.set_part_id(part_id_);
  v1::DeleteDrawingResponse response;
  ASSERT_TRUE(
      drawings_->DeleteDrawing(Context().get(), request, &response).ok());
  EXPECT_EQ(response.deleted_rows(), 1);
  EXPECT_EQ(DrawingRows(), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM drawing_digests"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM parts"), 1);
  const grpc::Status again =
      drawings_->DeleteDrawing(Context().get(), request, &response);
  EXPECT_EQ(again.error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(DrawingApiTest, DeletingThePartCascadesToItsDrawing) {
  ASSERT_TRUE(Upload(part_id_, "bytes").ok());
  v1::DeletePartRequest request;
  request.set_part_id(part_id_);
  v1::DeletePartResponse response;
  ASSERT_TRUE(parts_->DeletePart(Context().get(), request, &response).ok());
  EXPECT_TRUE(response.deleted_drawing());
  EXPECT_EQ(DrawingRows(), 0);
}

TEST_F(DrawingApiTest, CancelledDownloadStopsAndReturnsItsConnection) {
  ASSERT_TRUE(Upload(part_id_, RandomBytes(8 << 20, 3)).ok());
  v1::DownloadDrawingRequest request;
  request.set_part_id(part_id_);
  auto context = Context(absl::Seconds(60));
  auto reader = drawings_->DownloadDrawing(context.get(), request);
  v1::DownloadDrawingResponse message;
  ASSERT_TRUE(reader->Read(&message));  // metadata
  ASSERT_TRUE(reader->Read(&message));  // first chunk
  context->TryCancel();
  while (reader->Read(&message)) {
  }
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::CANCELLED);
  // The read-only transaction ends and the connection goes back.
  for (int i = 0; i < 100 && server_->pool().GetStats().in_use > 0; ++i) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(server_->pool().GetStats().in_use, 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM pg_stat_activity WHERE state LIKE "
                     "'idle in transaction%' AND pid <> pg_backend_pid()"),
            0);
}

class SmallLimitDrawingTest : public DrawingApiTest {
 protected:
  void Configure(ServerOptions& options) override {
    options.drawings.max_bytes = 1 << 20;
  }
};

TEST_F(SmallLimitDrawingTest, OverLimitUploadIsRefusedAsSoonAsItCrosses) {
  ASSERT_TRUE(Upload(part_id_, "previous").ok());
  // Exactly the limit is fine.
  ASSERT_TRUE(Upload(part_id_, RandomBytes(1 << 20, 4)).ok());
  ASSERT_TRUE(Upload(part_id_, "previous").ok());
  // A stream far larger than the limit is cut off once it crosses it: the
  // client sees the error before it has sent everything.
  UploadOptions options;
  options.chunk_bytes = 256 << 10;
  const grpc::Status status =
      Upload(part_id_, RandomBytes(64 << 20, 5), options);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "DRAWING_TOO_LARGE");
  EXPECT_EQ(StoredMd5(part_id_), Md5Hex("previous"));
  // A declared size over the limit is refused before any byte is sent.
  UploadOptions declared;
  declared.total_size = (1 << 20) + 1;
  EXPECT_EQ(Upload(part_id_, "x", declared).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(StoredMd5(part_id_), Md5Hex("previous"));
}

}  // namespace
}  // namespace suppliers
