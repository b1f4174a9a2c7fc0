// Replays the tutorial's whole flow, in the reference's order
// (docs/tutorial.md), through the gRPC API only, and
// checks every result the reference lists.
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/pg/api_fixture.h"

namespace suppliers {
namespace {

using ::suppliers::testing::ApiTest;
using ::testing::ElementsAre;
using ::testing::Pair;

class TutorialFlowTest : public ApiTest {
 protected:
  std::vector<std::pair<int, std::string>> VendorsByName() {
    v1::ListVendorsRequest request;
    request.set_order_by(v1::VENDOR_ORDER_NAME_ASC);
    v1::ListVendorsResponse response;
    EXPECT_TRUE(
        vendors_->ListVendors(Context().get(), request, &response).ok());
    std::vector<std::pair<int, std::string>> rows;
    for (const auto& vendor : response.vendors()) {
      rows.emplace_back(vendor.vendor_id(), vendor.vendor_name());
    }
    return rows;
  }
  std::vector<std::pair<int, std::string>> PartsById() {
    v1::ListPartsRequest request;
    request.set_order_by(v1::PART_ORDER_ID_ASC);
    v1::ListPartsResponse response;
    EXPECT_TRUE(parts_->ListParts(Context().get(), request, &response).ok());
    std::vector<std::pair<int, std::string>> rows;
    for (const auto& part : response.parts()) {
      rows.emplace_back(part.part_id(), part.part_name());
    }
    return rows;
  }
};

TEST_F(TutorialFlowTest, WholeFlowEndsInTheReferenceState) {
  // Page 3, insert: one vendor, then many in one call.
  EXPECT_EQ(CreateVendor("3M Co."), 1);
  v1::BatchCreateVendorsRequest batch;
  for (const char* name :
       {"AKM Semiconductor Inc.", "Asahi Glass Co Ltd.",
        "Daikin Industries Ltd.", "Dynacast International Inc.",
        "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd."}) {
    batch.add_vendors()->set_vendor_name(name);
  }
  v1::BatchCreateVendorsResponse created;
  ASSERT_TRUE(
      vendors_->BatchCreateVendors(Context().get(), batch, &created).ok());
  ASSERT_EQ(created.vendors_size(), 6);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(created.vendors(i).vendor_id(), i + 2);

  // Page 4, update: vendor 1 renamed; one row changed.
  v1::UpdateVendorRequest update;
  update.mutable_vendor()->set_vendor_id(1);
  update.mutable_vendor()->set_vendor_name("3M Corp");
  update.mutable_update_mask()->add_paths("vendor_name");
  v1::UpdateVendorResponse updated;
  ASSERT_TRUE(vendors_->UpdateVendor(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.updated_rows(), 1);
  EXPECT_EQ(updated.vendor().vendor_name(), "3M Corp");

  // Page 5, query: fetch one (page size 1), then fetch all.
  v1::ListVendorsRequest first;
  first.set_page_size(1);
  v1::ListVendorsResponse one;
  ASSERT_TRUE(vendors_->ListVendors(Context().get(), first, &one).ok());
  ASSERT_EQ(one.vendors_size(), 1);
  EXPECT_EQ(one.vendors(0).vendor_name(), "3M Corp");
  EXPECT_FALSE(one.next_page_token().empty());

  // Page 6, transaction: parts with their vendors, all or nothing.
  const std::vector<std::pair<std::string, std::vector<int>>> parts = {
      {"SIM Tray", {1, 2}}, {"Speaker", {3, 4}},     {"Vibrator", {5, 6}},
      {"Antenna", {6, 7}},  {"Home Button", {1, 5}}, {"LTE Modem", {1, 5}}};
  for (size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(CreatePart(parts[i].first, parts[i].second),
              static_cast<int>(i) + 1);
  }
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendor_parts"), 12);
  v1::CreatePartRequest bad_part;
  bad_part.mutable_part()->set_part_name("Power Amplifier");
  bad_part.mutable_part()->add_vendor_ids(99);
  v1::CreatePartResponse unused;
  const grpc::Status failed =
      parts_->CreatePart(Context().get(), bad_part, &unused);
  EXPECT_EQ(failed.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(failed.error_message(), ::testing::HasSubstr("vendor 99"));
  EXPECT_EQ(QueryInt("SELECT count(*) FROM parts"), 6);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendor_parts"), 12);

  // The join, read in batches of 10: 12 pairs ordered by part name.
  v1::ListPartVendorPairsRequest pairs_request;
  v1::ListPartVendorPairsResponse page1;
  ASSERT_TRUE(
      parts_->ListPartVendorPairs(Context().get(), pairs_request, &page1).ok());
  ASSERT_EQ(page1.pairs_size(), 10);
  EXPECT_EQ(page1.pairs(0).part_name(), "Antenna");
  EXPECT_EQ(page1.pairs(9).part_name(), "Speaker");
  pairs_request.set_page_token(page1.next_page_token());
  v1::ListPartVendorPairsResponse page2;
  ASSERT_TRUE(
      parts_->ListPartVendorPairs(Context().get(), pairs_request, &page2).ok());
  ASSERT_EQ(page2.pairs_size(), 2);
  EXPECT_EQ(page2.pairs(1).part_name(), "Vibrator");
  EXPECT_TRUE(page2.next_page_token().empty());

  // Page 7, function: get_parts_by_vendor(1).
  v1::ListPartsByVendorRequest by_vendor;
  by_vendor.set_vendor_id(1);
  v1::ListPartsByVendorResponse of_vendor_1;
  ASSERT_TRUE(
      parts_->ListPartsByVendor(Context().get(), by_vendor, &of_vendor_1).ok());
  std::vector<std::pair<int, std::string>> function_rows;
  for (const auto& part : of_vendor_1.parts()) {
    function_rows.emplace_back(part.part_id(), part.part_name());
  }
  EXPECT_THAT(function_rows,
              ElementsAre(Pair(1, "SIM Tray"), Pair(5, "Home Button"),
                          Pair(6, "LTE Modem")));

  // Page 8, stored procedure: OLED by LG, ids 8 and 8 (7 was consumed by
  // the failed transaction).
  v1::AddPartWithNewVendorRequest procedure;
  procedure.set_part_name("OLED");
  procedure.set_vendor_name("LG");
  v1::AddPartWithNewVendorResponse ids;
  ASSERT_TRUE(
      parts_->AddPartWithNewVendor(Context().get(), procedure, &ids).ok());
  EXPECT_EQ(ids.part_id(), 8);
  EXPECT_EQ(ids.vendor_id(), 8);

  // Page 9, BLOB: drawings for parts 1 and 2, one read back with its part's
  // name, saved as <part_name>.<file_extension>.
  const std::string sim_tray_png("\x89PNG\r\n\x1a\n sim tray", 17);
  const std::string speaker_png("\x89PNG\r\n\x1a\n speaker", 16);
  for (const auto& [part_id, bytes] :
       {std::pair<int, std::string>{1, sim_tray_png}, {2, speaker_png}}) {
    v1::UploadDrawingResponse stored;
    auto context = Context();
    auto writer = drawings_->UploadDrawing(context.get(), &stored);
    v1::UploadDrawingRequest message;
    message.mutable_header()->set_part_id(part_id);
    message.mutable_header()->set_file_extension("png");
    ASSERT_TRUE(writer->Write(message));
    message.set_chunk(bytes);
    message.set_finish_write(true);  // the upload is complete
    ASSERT_TRUE(writer->Write(message));
    writer->WritesDone();
    ASSERT_TRUE(writer->Finish().ok());
  }
  v1::DownloadDrawingRequest download;
  download.set_part_id(1);
  auto download_context = Context();
  auto reader = drawings_->DownloadDrawing(download_context.get(), download);
  v1::DownloadDrawingResponse message;
  std::string file_name, bytes;
  while (reader->Read(&message)) {
    if (message.has_metadata()) file_name = message.metadata().file_name();
    bytes += message.chunk();
  }
  ASSERT_TRUE(reader->Finish().ok());
  EXPECT_EQ(file_name, "SIM Tray.png");
  EXPECT_EQ(bytes, sim_tray_png);

  // Page 10, delete: part 2, its links and its drawing cascade.
  v1::DeletePartRequest delete_part;
  delete_part.set_part_id(2);
  v1::DeletePartResponse deleted;
  ASSERT_TRUE(parts_->DeletePart(Context().get(), delete_part, &deleted).ok());
  EXPECT_EQ(deleted.deleted_rows(), 1);
  EXPECT_EQ(deleted.deleted_links(), 2);
  EXPECT_TRUE(deleted.deleted_drawing());
  EXPECT_EQ(QueryInt("SELECT count(*) FROM part_drawings"), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendor_parts WHERE part_id = 2"), 0);

  // The reference's final state.
  EXPECT_THAT(VendorsByName(),
              ElementsAre(Pair(1, "3M Corp"), Pair(2, "AKM Semiconductor Inc."),
                          Pair(3, "Asahi Glass Co Ltd."),
                          Pair(4, "Daikin Industries Ltd."),
                          Pair(5, "Dynacast International Inc."),
                          Pair(6, "Foster Electric Co. Ltd."), Pair(8, "LG"),
                          Pair(7, "Murata Manufacturing Co. Ltd.")));
  EXPECT_THAT(PartsById(),
              ElementsAre(Pair(1, "SIM Tray"), Pair(3, "Vibrator"),
                          Pair(4, "Antenna"), Pair(5, "Home Button"),
                          Pair(6, "LTE Modem"), Pair(8, "OLED")));
}

}  // namespace
}  // namespace suppliers
