// Fault: streams that stop moving. Before the fix an idle upload held its
// connection, an open transaction and a lock for 661 s and then committed;
// an idle download held its snapshot as long; with a pool of 4, four idle
// uploads made every other call RESOURCE_EXHAUSTED.
#include <thread>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"
#include "tests/fault/raw_calls.h"

namespace suppliers::testing {
namespace {

constexpr char kUpload[] = "/suppliers.v1.DrawingService/UploadDrawing";

class StreamBoundsTest : public FaultTest {
 protected:
  int CreatePart() {
    v1::CreatePartRequest request;
    request.mutable_part()->set_part_name("SIM Tray");
    v1::CreatePartResponse response;
    EXPECT_TRUE(
        parts_->CreatePart(Context(absl::Seconds(5)).get(), request, &response)
            .ok());
    return response.part().part_id();
  }
  static grpc::ByteBuffer Header(int part_id) {
    v1::UploadDrawingRequest message;
    message.mutable_header()->set_part_id(part_id);
    message.mutable_header()->set_file_extension("png");
    return Bytes(message);
  }
  // Sessions of the server inside a transaction.
  int64_t ServerTransactions() {
    return QueryInt(
        "SELECT count(*) FROM pg_stat_activity WHERE application_name = "
        "'suppliers-server' AND xact_start IS NOT NULL");
  }
  int64_t Drawings() { return QueryInt("SELECT count(*) FROM part_drawings"); }
  // Polls until the server holds `want` transactions; false after `bound`.
  bool TransactionsReach(int64_t want, absl::Duration bound) {
    const absl::Time until = absl::Now() + bound;
    while (ServerTransactions() != want) {
      if (absl::Now() >= until) return false;
      absl::SleepFor(absl::Milliseconds(20));
    }
    return true;
  }
};

// An upload that sends its header and then nothing.
class IdleUpload {
 public:
  IdleUpload(const std::shared_ptr<grpc::Channel>& channel,
             const grpc::ByteBuffer& header) {
    thread_ = std::thread([&, channel, header] {
      start_ = absl::Now();
      // Never half-closes: waits for the server to end the stream.
      status_ =
          RawClientStream(channel, kUpload, {header}, false, absl::Seconds(60));
      took_ = absl::Now() - start_;
    });
  }
  ~IdleUpload() {
    if (thread_.joinable()) thread_.join();
  }
  grpc::Status Wait(absl::Duration* took) {
    thread_.join();
    *took = took_;
    return status_;
  }

 private:
  std::thread thread_;
  absl::Time start_;
  absl::Duration took_;
  grpc::Status status_;
};

TEST_F(StreamBoundsTest, AnIdleUploadIsEndedAndRolledBack) {
  StartServer({"--stream_idle_timeout", "1s", "--access_log=false"});
  const int part_id = CreatePart();
  IdleUpload upload(channel_, Header(part_id));
  // The upload's transaction, holding its lock on the part.
  EXPECT_TRUE(TransactionsReach(1, absl::Seconds(3)));
  absl::Duration took;
  const grpc::Status status = upload.Wait(&took);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(ReasonOf(status), "STREAM_IDLE_TIMEOUT");
  EXPECT_GE(took, absl::Seconds(1));
  EXPECT_LT(took, absl::Seconds(3));
  EXPECT_TRUE(TransactionsReach(0, absl::Seconds(1)));
  EXPECT_EQ(Drawings(), 0);
}

TEST_F(StreamBoundsTest, ADownloadNobodyReadsIsEndedAndItsSnapshotReleased) {
  StartServer({"--stream_idle_timeout", "1s", "--access_log=false"});
  const int part_id = CreatePart();
  Exec("INSERT INTO part_drawings VALUES (" + std::to_string(part_id) +
       ", 'png', decode(repeat('ab', 8000000), 'hex'))");
  v1::DownloadDrawingRequest request;
  request.set_part_id(part_id);
  auto context = Context(absl::Seconds(60));
  auto reader = drawings_->DownloadDrawing(context.get(), request);
  // Its REPEATABLE READ snapshot...
  ASSERT_TRUE(TransactionsReach(1, absl::Seconds(3)));
  const absl::Time held = absl::Now();
  // ...goes once the server gives up on a client that reads nothing: after
  // the 1 s idle timeout, give or take the guard's tick.
  EXPECT_TRUE(TransactionsReach(0, absl::Seconds(3)));
  EXPECT_LT(absl::Now() - held, absl::Seconds(2.5));
  v1::DownloadDrawingResponse message;
  while (reader->Read(&message)) {
  }
  // A reader that stopped cannot receive a status behind its unread data:
  // the server cancels the stream.
  const grpc::Status status = reader->Finish();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::CANCELLED)
      << status.error_message();
}

TEST_F(StreamBoundsTest, StreamsCanNeverTakeEveryConnection) {
  StartServer({"--pool_max_size", "4", "--max_concurrent_streams", "2",
               "--stream_idle_timeout", "3s", "--access_log=false"});
  const int part_id = CreatePart();
  IdleUpload first(channel_, Header(part_id));
  IdleUpload second(channel_, Header(part_id));
  absl::SleepFor(absl::Milliseconds(500));
  // One stream more is refused at once...
  const absl::Time start = absl::Now();
  const grpc::Status third =
      RawClientStream(channel_, kUpload, {Header(part_id)}, true);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  EXPECT_EQ(third.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(ReasonOf(third), "TOO_MANY_STREAMS");
  // ...while unary calls are served as usual.
  for (int i = 0; i < 20; ++i) {
    v1::GetPartRequest get;
    get.set_part_id(part_id);
    v1::GetPartResponse got;
    EXPECT_TRUE(
        parts_->GetPart(Context(absl::Seconds(2)).get(), get, &got).ok());
  }
  absl::Duration took;
  EXPECT_EQ(first.Wait(&took).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
  EXPECT_EQ(second.Wait(&took).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

TEST_F(StreamBoundsTest, ABusyStreamStillEndsAtTheServersCap) {
  StartServer({"--stream_max_duration", "2s", "--stream_idle_timeout", "10s",
               "--access_log=false"});
  const int part_id = CreatePart();
  // A client with no deadline of its own that trickles a chunk every 100 ms
  // and never finishes.
  grpc::Status status;
  std::thread client([&] {
    grpc::ClientContext context;
    v1::UploadDrawingResponse response;
    const absl::Time start = absl::Now();
    auto writer = drawings_->UploadDrawing(&context, &response);
    v1::UploadDrawingRequest message;
    message.mutable_header()->set_part_id(part_id);
    message.mutable_header()->set_file_extension("png");
    bool open = writer->Write(message);
    message.Clear();
    message.set_chunk("trickle");
    while (open && absl::Now() - start < absl::Seconds(20)) {
      absl::SleepFor(absl::Milliseconds(100));
      open = writer->Write(message);
    }
    status = writer->Finish();
  });
  const absl::Time start = absl::Now();
  ASSERT_TRUE(TransactionsReach(1, absl::Seconds(2)));
  // The 2 s cap (and its half-second grace) ends it while it still sends.
  EXPECT_TRUE(TransactionsReach(0, absl::Seconds(5)));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3.5));
  client.join();
  EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
      << status.error_message();
  EXPECT_EQ(ReasonOf(status), "STREAM_DEADLINE");
  EXPECT_EQ(Drawings(), 0);
}

}  // namespace
}  // namespace suppliers::testing
