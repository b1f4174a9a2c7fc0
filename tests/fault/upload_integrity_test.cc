// Fault: an upload stream corrupted in the middle. Before the fix, a message
// that did not parse ended the read like a half-close and the truncated
// drawing was committed (OK, size 1000, the previous drawing replaced).
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"
#include "tests/fault/raw_calls.h"

namespace suppliers::testing {
namespace {

constexpr char kUpload[] = "/suppliers.v1.DrawingService/UploadDrawing";

class UploadIntegrityTest : public FaultTest {
 protected:
  void SetUp() override {
    FaultTest::SetUp();
    StartServer({"--access_log=false"});
    v1::CreatePartRequest request;
    request.mutable_part()->set_part_name("SIM Tray");
    v1::CreatePartResponse response;
    ASSERT_TRUE(
        parts_->CreatePart(Context(absl::Seconds(5)).get(), request, &response)
            .ok());
    part_id_ = response.part().part_id();
    // The previous drawing, which every failed upload must leave in place.
    v1::UploadDrawingRequest first = Header();
    first.mutable_header()->set_file_extension("png");
    v1::UploadDrawingRequest chunk;
    chunk.set_chunk("previous");
    chunk.set_finish_write(true);
    ASSERT_TRUE(
        RawClientStream(channel_, kUpload, {Bytes(first), Bytes(chunk)}, true)
            .ok());
    ASSERT_EQ(Stored(), "previous.png");
  }

  v1::UploadDrawingRequest Header() const {
    v1::UploadDrawingRequest message;
    message.mutable_header()->set_part_id(part_id_);
    message.mutable_header()->set_file_extension("new");
    return message;
  }
  static grpc::ByteBuffer Chunk(size_t bytes, bool finish = false) {
    v1::UploadDrawingRequest message;
    message.set_chunk(std::string(bytes, 'x'));
    message.set_finish_write(finish);
    return Bytes(message);
  }
  std::string Stored() {
    pqxx::connection connection(conninfo_);
    pqxx::nontransaction txn(connection);
    const pqxx::result rows = txn.exec_params(
        "SELECT convert_from(drawing_data, 'LATIN1') || '.' || file_extension "
        "FROM part_drawings WHERE part_id = $1",
        part_id_);
    return rows.empty() ? "" : rows[0][0].as<std::string>();
  }

  int part_id_ = 0;
};

TEST_F(UploadIntegrityTest, AMessageThatIsNotProtobufFailsTheUpload) {
  // Header without size or digest, 1000 bytes, then junk, then more bytes.
  const grpc::Status status =
      RawClientStream(channel_, kUpload,
                      {Bytes(Header()), Chunk(1000),
                       Bytes(std::string("\xff\xff\xff", 3)), Chunk(10, true)},
                      true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << status.error_message();
  EXPECT_EQ(ReasonOf(status), "MALFORMED_REQUEST");
  EXPECT_EQ(Stored(), "previous.png");
}

TEST_F(UploadIntegrityTest, ASecondHeaderWithInvalidUtf8FailsTheUpload) {
  v1::UploadDrawingRequest bad = Header();
  bad.mutable_header()->set_file_extension("png");
  std::string wire = bad.SerializeAsString();
  // Patch the extension's bytes into invalid UTF-8 ("png" -> ff fe 70).
  const size_t at = wire.find("png");
  ASSERT_NE(at, std::string::npos);
  wire[at] = '\xff';
  wire[at + 1] = '\xfe';
  const grpc::Status status = RawClientStream(
      channel_, kUpload,
      {Bytes(Header()), Chunk(1000), Bytes(wire), Chunk(10, true)}, true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Stored(), "previous.png");
}

TEST_F(UploadIntegrityTest, AHalfCloseWithoutFinishOrSizeCommitsNothing) {
  const grpc::Status status =
      RawClientStream(channel_, kUpload, {Bytes(Header()), Chunk(1000)}, true);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Stored(), "previous.png");
}

TEST_F(UploadIntegrityTest, AFinishedUploadCommits) {
  ASSERT_TRUE(RawClientStream(channel_, kUpload,
                              {Bytes(Header()), Chunk(1000), Chunk(24, true)},
                              true)
                  .ok());
  EXPECT_EQ(Stored(), std::string(1024, 'x') + ".new");
}

TEST_F(UploadIntegrityTest, MalformedUnaryRequestsAreInvalidArgument) {
  grpc::ByteBuffer response;
  const grpc::Status junk =
      RawUnary(channel_, "/suppliers.v1.VendorService/GetVendor",
               Bytes(std::string("\xff\xff\xff\xff", 4)), &response);
  EXPECT_EQ(junk.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(ReasonOf(junk), "MALFORMED_REQUEST");
  // A vendor name that is not UTF-8: field 1 (vendor), field 2 (name).
  const std::string bad_utf8("\x0a\x04\x12\x02\xc3\x28", 6);
  const grpc::Status utf8 =
      RawUnary(channel_, "/suppliers.v1.VendorService/CreateVendor",
               Bytes(bad_utf8), &response);
  EXPECT_EQ(utf8.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendors"), 0);
  // libprotobuf's complaint reached the log as JSON, like every line.
  for (absl::string_view line : absl::StrSplit(server_->Log(), '\n')) {
    if (line.empty()) continue;
    EXPECT_EQ(line.front(), '{') << line;
  }
}

}  // namespace
}  // namespace suppliers::testing
