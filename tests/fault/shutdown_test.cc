// Fault: SIGTERM while an upload streams and writes are under way. The
// server must exit 0 within its grace, commit no partial drawing, and lose
// no write it acknowledged.
#include <signal.h>

#include <atomic>
#include <map>
#include <thread>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/fault/fault_fixture.h"

namespace suppliers::testing {
namespace {

class ShutdownTest : public FaultTest {};

TEST_F(ShutdownTest, SigtermDuringAnUploadAndUnderLoad) {
  StartServer({"--shutdown_grace", "2s", "--access_log=false"});
  v1::CreatePartRequest create;
  create.mutable_part()->set_part_name("SIM Tray");
  v1::CreatePartResponse part;
  ASSERT_TRUE(
      parts_->CreatePart(Context(absl::Seconds(5)).get(), create, &part).ok());

  std::atomic<bool> stop{false};
  // An upload that trickles chunks and would finish only after 20 s.
  std::thread upload([&] {
    grpc::ClientContext context;
    v1::UploadDrawingResponse response;
    auto writer = drawings_->UploadDrawing(&context, &response);
    v1::UploadDrawingRequest message;
    message.mutable_header()->set_part_id(part.part().part_id());
    message.mutable_header()->set_file_extension("png");
    bool open = writer->Write(message);
    message.Clear();
    message.set_chunk(std::string(64 << 10, 'x'));
    for (int i = 0; open && i < 200; ++i) {
      absl::SleepFor(absl::Milliseconds(100));
      open = writer->Write(message);
    }
    if (open) {
      message.Clear();
      message.set_finish_write(true);
      writer->Write(message);
    }
    EXPECT_FALSE(writer->Finish().ok());
  });
  // Creates with request ids; every acknowledged one must survive.
  absl::Mutex mu;
  std::map<std::string, int> acknowledged;
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; !stop; ++i) {
        v1::CreateVendorRequest request;
        const std::string name = absl::StrCat("vendor ", t, "-", i);
        request.mutable_vendor()->set_vendor_name(name);
        v1::CreateVendorResponse response;
        if (vendors_
                ->CreateVendor(Context(absl::Seconds(5)).get(), request,
                               &response)
                .ok()) {
          absl::MutexLock lock(&mu);
          acknowledged[name] = response.vendor().vendor_id();
        }
      }
    });
  }
  absl::SleepFor(absl::Seconds(1));
  const absl::Time start = absl::Now();
  absl::StatusOr<int> exit_code = server_->Stop(SIGTERM, absl::Seconds(10));
  const absl::Duration took = absl::Now() - start;
  stop = true;
  for (std::thread& writer : writers) writer.join();
  upload.join();

  ASSERT_TRUE(exit_code.ok()) << exit_code.status();
  EXPECT_EQ(*exit_code, 0);
  EXPECT_LT(took, absl::Seconds(3)) << "grace 2s";
  EXPECT_EQ(QueryInt("SELECT count(*) FROM part_drawings"), 0);
  absl::MutexLock lock(&mu);
  EXPECT_GT(acknowledged.size(), 10u);
  pqxx::connection connection(conninfo_);
  pqxx::nontransaction txn(connection);
  std::map<std::string, int> stored;
  for (const pqxx::row& row :
       txn.exec("SELECT vendor_name, vendor_id FROM vendors")) {
    stored[row[0].as<std::string>()] = row[1].as<int>();
  }
  for (const auto& [name, id] : acknowledged) {
    auto it = stored.find(name);
    ASSERT_NE(it, stored.end()) << "acknowledged but lost: " << name;
    EXPECT_EQ(it->second, id) << name;
  }
}

}  // namespace
}  // namespace suppliers::testing
