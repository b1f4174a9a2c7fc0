// Owns the integration tests of PartService over a real channel and a real
// database: every method's success path and each of its error paths (status
// code, ErrorInfo reason and metadata, BadRequest field), that failed calls
// write nothing, that the tutorial's function and procedure are really
// called, and that concurrent link changes on one part all succeed.
#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/pg/api_fixture.h"

namespace suppliers {
namespace {

using ::suppliers::testing::ApiTest;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kRequestId[] = "123e4567-e89b-42d3-a456-426614174000";

class PartApiTest : public ApiTest {
 protected:
  // Rows of `table_and_condition` (e.g. "vendor_parts WHERE part_id = 1").
  int Count(const std::string& table_and_condition) {
    return QueryInt(absl::StrCat("SELECT count(*) FROM ", table_and_condition));
  }

  // The part's links as stored, "vendor_id,..." ascending ("" for none).
  std::string StoredLinks(int part_id) {
    return QueryText(absl::StrCat(
        "SELECT coalesce(string_agg(vendor_id::text, ',' ORDER BY vendor_id), "
        "'') FROM vendor_parts WHERE part_id = ",
        part_id));
  }

  // Creates `count` vendors named "Vendor 1".. (ids 1..count in a fresh
  // database).
  void CreateVendors(int count) {
    for (int i = 1; i <= count; ++i) {
      ASSERT_EQ(CreateVendor(absl::StrCat("Vendor ", i)), i);
    }
  }

  v1::Part GetPart(int part_id) {
    v1::GetPartRequest request;
    request.set_part_id(part_id);
    v1::GetPartResponse response;
    const grpc::Status status =
        parts_->GetPart(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.part();
  }

  v1::ListPartsResponse ListParts(const v1::ListPartsRequest& request) {
    v1::ListPartsResponse response;
    const grpc::Status status =
        parts_->ListParts(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  v1::ListPartVendorPairsResponse ListPairs(int page_size,
                                            const std::string& page_token) {
    v1::ListPartVendorPairsRequest request;
    request.set_page_size(page_size);
    request.set_page_token(page_token);
    v1::ListPartVendorPairsResponse response;
    const grpc::Status status =
        parts_->ListPartVendorPairs(Context().get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  grpc::Status Update(int part_id, const std::string& name,
                      const std::string& etag, v1::Part* updated) {
    v1::UpdatePartRequest request;
    request.mutable_part()->set_part_id(part_id);
    request.mutable_part()->set_part_name(name);
    request.mutable_part()->set_etag(etag);
    request.mutable_update_mask()->add_paths("part_name");
    v1::UpdatePartResponse response;
    const grpc::Status status =
        parts_->UpdatePart(Context().get(), request, &response);
    *updated = response.part();
    return status;
  }

  grpc::Status AddVendors(int part_id, const std::vector<int>& vendor_ids,
                          v1::AddPartVendorsResponse* response) {
    v1::AddPartVendorsRequest request;
    request.set_part_id(part_id);
    for (int id : vendor_ids) request.add_vendor_ids(id);
    return parts_->AddPartVendors(Context().get(), request, response);
  }

  grpc::Status RemoveVendors(int part_id, const std::vector<int>& vendor_ids,
                             v1::RemovePartVendorsResponse* response) {
    v1::RemovePartVendorsRequest request;
    request.set_part_id(part_id);
    for (int id : vendor_ids) request.add_vendor_ids(id);
    return parts_->RemovePartVendors(Context().get(), request, response);
  }

  static std::vector<int> IdsOf(
      const google::protobuf::RepeatedPtrField<v1::Part>& parts) {
    std::vector<int> ids;
    for (const v1::Part& part : parts) ids.push_back(part.part_id());
    return ids;
  }

  static std::vector<std::string> PairsOf(
      const v1::ListPartVendorPairsResponse& response) {
    std::vector<std::string> pairs;
    for (const v1::PartVendorPair& pair : response.pairs()) {
      pairs.push_back(absl::StrCat(pair.part_id(), " ", pair.part_name(), " / ",
                                   pair.vendor_id(), " ", pair.vendor_name()));
    }
    return pairs;
  }

  // INVALID_ARGUMENT with a single BadRequest violation naming `field`.
  static ::testing::AssertionResult IsInvalidField(const grpc::Status& status,
                                                   const std::string& field) {
    if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
      return ::testing::AssertionFailure() << "code " << status.error_code()
                                           << ": " << status.error_message();
    }
    const std::string violated = ViolatedField(status);
    if (violated != field) {
      return ::testing::AssertionFailure()
             << "violated field \"" << violated << "\", want \"" << field
             << "\" (" << status.error_message() << ")";
    }
    return ::testing::AssertionSuccess();
  }

  static std::string MetadataOf(const google::rpc::ErrorInfo& info,
                                const std::string& key) {
    const auto it = info.metadata().find(key);
    return it == info.metadata().end() ? "<absent>" : it->second;
  }
};

// ---- CreatePart ----

TEST_F(PartApiTest, CreatePartSortsAndDeduplicatesVendorIdsAndLinksThem) {
  CreateVendors(2);
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("  SIM Tray ");
  for (int id : {2, 1, 2}) request.mutable_part()->add_vendor_ids(id);
  v1::CreatePartResponse response;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(response.part().part_id(), 1);
  EXPECT_EQ(response.part().part_name(), "SIM Tray");
  EXPECT_THAT(response.part().vendor_ids(), ElementsAre(1, 2));
  EXPECT_FALSE(response.part().etag().empty());
  EXPECT_EQ(QueryText("SELECT part_name FROM parts WHERE part_id = 1"),
            "SIM Tray");
  EXPECT_EQ(StoredLinks(1), "1,2");
  EXPECT_EQ(Count("vendor_parts"), 2);
}

TEST_F(PartApiTest, CreatePartWithoutVendorsHasNoLinks) {
  CreateVendors(1);
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("Speaker");
  v1::CreatePartResponse response;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(response.part().part_id(), 1);
  EXPECT_EQ(response.part().part_name(), "Speaker");
  EXPECT_THAT(response.part().vendor_ids(), IsEmpty());
  EXPECT_EQ(Count("parts"), 1);
  EXPECT_EQ(Count("vendor_parts"), 0);
}

TEST_F(PartApiTest, CreatePartWithUnknownVendorWritesNothingButDrawsAnId) {
  CreateVendors(1);
  ASSERT_EQ(CreatePart("SIM Tray", {1}), 1);

  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("Power Amplifier");
  for (int id : {1, 99}) request.mutable_part()->add_vendor_ids(id);
  v1::CreatePartResponse response;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("vendor 99"));
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
  EXPECT_EQ(info.domain(), "suppliers.v1");
  EXPECT_EQ(MetadataOf(info, "vendor_ids"), "99");
  EXPECT_EQ(MetadataOf(info, "field"), "part.vendor_ids");
  EXPECT_EQ(Count("parts"), 1);
  EXPECT_EQ(Count("parts WHERE part_name = 'Power Amplifier'"), 0);
  EXPECT_EQ(Count("vendor_parts"), 1);
  EXPECT_EQ(StoredLinks(1), "1");

  // Id 2 was drawn by the failed transaction, as in the tutorial.
  EXPECT_EQ(CreatePart("Speaker", {1}), 3);
  EXPECT_EQ(Count("parts"), 2);
}

TEST_F(PartApiTest, CreatePartNamesEveryUnknownVendor) {
  CreateVendors(1);
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("Antenna");
  // 100 ids is the most allowed: not INVALID_ARGUMENT, but 2..100 unknown.
  for (int id = 1; id <= 100; ++id) request.mutable_part()->add_vendor_ids(id);
  v1::CreatePartResponse response;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << status.error_message();
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
  std::vector<std::string> missing;
  for (int id = 2; id <= 100; ++id) missing.push_back(absl::StrCat(id));
  EXPECT_EQ(MetadataOf(info, "vendor_ids"), absl::StrJoin(missing, ","));
  EXPECT_EQ(Count("parts"), 0);
  EXPECT_EQ(Count("vendor_parts"), 0);
}

TEST_F(PartApiTest, CreatePartRejectsBlankNameBeforeTouchingTheDatabase) {
  CreateVendors(1);
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name(" \t ");
  request.mutable_part()->add_vendor_ids(1);
  v1::CreatePartResponse response;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &response);

  EXPECT_TRUE(IsInvalidField(status, "part.part_name"));
  EXPECT_EQ(ErrorInfoOf(status).reason(), "INVALID_FIELD");
  EXPECT_EQ(Count("parts"), 0);
  EXPECT_EQ(Count("vendor_parts"), 0);
  // No id was drawn either.
  EXPECT_EQ(CreatePart("Speaker", {1}), 1);
}

TEST_F(PartApiTest, CreatePartRejectsNonPositiveVendorIdByIndex) {
  CreateVendors(1);
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("Speaker");
  for (int id : {1, 0}) request.mutable_part()->add_vendor_ids(id);
  v1::CreatePartResponse response;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &response);

  EXPECT_TRUE(IsInvalidField(status, "part.vendor_ids[1]"));
  EXPECT_EQ(Count("parts"), 0);
  EXPECT_EQ(Count("vendor_parts"), 0);
}

TEST_F(PartApiTest, CreatePartRejectsMoreThanOneHundredVendorIds) {
  CreateVendors(1);
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("Speaker");
  for (int id = 1; id <= 101; ++id) request.mutable_part()->add_vendor_ids(id);
  v1::CreatePartResponse response;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &response);

  EXPECT_TRUE(IsInvalidField(status, "part.vendor_ids"));
  EXPECT_EQ(Count("parts"), 0);
  EXPECT_EQ(Count("vendor_parts"), 0);
}

TEST_F(PartApiTest, CreatePartRetryWithSameRequestIdReturnsTheSamePart) {
  CreateVendors(1);
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("Speaker");
  request.mutable_part()->add_vendor_ids(1);
  request.set_request_id(kRequestId);
  v1::CreatePartResponse first;
  ASSERT_TRUE(parts_->CreatePart(Context().get(), request, &first).ok());
  v1::CreatePartResponse retry;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &retry);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(first.part().part_id(), 1);
  EXPECT_EQ(retry.part().part_id(), 1);
  EXPECT_EQ(retry.part().part_name(), "Speaker");
  EXPECT_THAT(retry.part().vendor_ids(), ElementsAre(1));
  EXPECT_EQ(retry.part().etag(), first.part().etag());
  EXPECT_EQ(Count("parts"), 1);
  EXPECT_EQ(Count("vendor_parts"), 1);
}

TEST_F(PartApiTest, CreatePartRequestIdReusedForAnotherPartIsInvalid) {
  CreateVendors(1);
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("Speaker");
  request.set_request_id(kRequestId);
  v1::CreatePartResponse first;
  ASSERT_TRUE(parts_->CreatePart(Context().get(), request, &first).ok());
  ASSERT_EQ(first.part().part_id(), 1);

  request.mutable_part()->set_part_name("Antenna");
  request.mutable_part()->add_vendor_ids(1);
  v1::CreatePartResponse second;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &second);

  EXPECT_TRUE(IsInvalidField(status, "request_id"));
  EXPECT_EQ(Count("parts"), 1);
  EXPECT_EQ(Count("parts WHERE part_name = 'Antenna'"), 0);
  EXPECT_EQ(Count("vendor_parts"), 0);
}

TEST_F(PartApiTest, CreatePartRejectsMalformedRequestId) {
  v1::CreatePartRequest request;
  request.mutable_part()->set_part_name("Speaker");
  request.set_request_id("not-a-uuid");
  v1::CreatePartResponse response;
  const grpc::Status status =
      parts_->CreatePart(Context().get(), request, &response);

  EXPECT_TRUE(IsInvalidField(status, "request_id"));
  EXPECT_EQ(Count("parts"), 0);
}

// ---- GetPart ----

TEST_F(PartApiTest, GetPartReturnsNameVendorIdsAndEtag) {
  CreateVendors(3);
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  v1::CreatePartRequest create;
  create.mutable_part()->set_part_name("Antenna");
  for (int id : {3, 1}) create.mutable_part()->add_vendor_ids(id);
  v1::CreatePartResponse created;
  ASSERT_TRUE(parts_->CreatePart(Context().get(), create, &created).ok());

  const v1::Part part = GetPart(2);
  EXPECT_EQ(part.part_id(), 2);
  EXPECT_EQ(part.part_name(), "Antenna");
  EXPECT_THAT(part.vendor_ids(), ElementsAre(1, 3));
  EXPECT_FALSE(part.etag().empty());
  EXPECT_EQ(part.etag(), created.part().etag());
  EXPECT_THAT(GetPart(1).vendor_ids(), IsEmpty());
}

TEST_F(PartApiTest, GetPartOfMissingPartIsNotFound) {
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  v1::GetPartRequest request;
  request.set_part_id(7);
  v1::GetPartResponse response;
  const grpc::Status status =
      parts_->GetPart(Context().get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("part 7"));
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "PART_NOT_FOUND");
  EXPECT_EQ(MetadataOf(info, "part_id"), "7");
}

TEST_F(PartApiTest, GetPartRejectsNonPositiveId) {
  for (int id : {0, -3}) {
    v1::GetPartRequest request;
    request.set_part_id(id);
    v1::GetPartResponse response;
    EXPECT_TRUE(IsInvalidField(
        parts_->GetPart(Context().get(), request, &response), "part_id"))
        << "id " << id;
  }
}

// ---- ListParts ----

class ListPartsTest : public PartApiTest {
 protected:
  // Names chosen so that equal names straddle the pages of two:
  // by name: Axle 5, Bolt 2, Bolt 4, Nut 1, Washer 3.
  void SetUp() override {
    PartApiTest::SetUp();
    CreateVendors(2);
    ASSERT_EQ(CreatePart("Nut", {2, 1}), 1);
    ASSERT_EQ(CreatePart("Bolt", {}), 2);
    ASSERT_EQ(CreatePart("Washer", {2}), 3);
    ASSERT_EQ(CreatePart("Bolt", {1}), 4);
    ASSERT_EQ(CreatePart("Axle", {}), 5);
  }

  // Every page of `request` at `page_size`, as part ids per page; checks
  // that only the last token is empty.
  std::vector<std::vector<int>> AllPages(v1::ListPartsRequest request,
                                         int page_size) {
    request.set_page_size(page_size);
    std::vector<std::vector<int>> pages;
    for (int i = 0; i < 10; ++i) {
      const v1::ListPartsResponse page = ListParts(request);
      pages.push_back(IdsOf(page.parts()));
      if (page.next_page_token().empty()) break;
      request.set_page_token(page.next_page_token());
    }
    return pages;
  }
};

TEST_F(ListPartsTest, OrdersExactly) {
  v1::ListPartsRequest request;
  const v1::ListPartsResponse by_default = ListParts(request);
  EXPECT_THAT(IdsOf(by_default.parts()), ElementsAre(5, 2, 4, 1, 3));
  EXPECT_TRUE(by_default.next_page_token().empty());
  ASSERT_EQ(by_default.parts_size(), 5);
  EXPECT_EQ(by_default.parts(3).part_name(), "Nut");
  EXPECT_THAT(by_default.parts(3).vendor_ids(), ElementsAre(1, 2));
  EXPECT_FALSE(by_default.parts(3).etag().empty());
  EXPECT_THAT(by_default.parts(2).vendor_ids(), ElementsAre(1));
  EXPECT_THAT(by_default.parts(0).vendor_ids(), IsEmpty());

  request.set_order_by(v1::PART_ORDER_NAME_ASC);
  EXPECT_THAT(IdsOf(ListParts(request).parts()), ElementsAre(5, 2, 4, 1, 3));
  request.set_order_by(v1::PART_ORDER_NAME_DESC);
  EXPECT_THAT(IdsOf(ListParts(request).parts()), ElementsAre(3, 1, 4, 2, 5));
  request.set_order_by(v1::PART_ORDER_ID_ASC);
  EXPECT_THAT(IdsOf(ListParts(request).parts()), ElementsAre(1, 2, 3, 4, 5));
  request.set_order_by(v1::PART_ORDER_ID_DESC);
  EXPECT_THAT(IdsOf(ListParts(request).parts()), ElementsAre(5, 4, 3, 2, 1));
}

TEST_F(ListPartsTest, PagesOfTwoInEveryOrder) {
  using Pages = std::vector<std::vector<int>>;
  v1::ListPartsRequest request;
  EXPECT_EQ(AllPages(request, 2), (Pages{{5, 2}, {4, 1}, {3}}));
  request.set_order_by(v1::PART_ORDER_NAME_DESC);
  EXPECT_EQ(AllPages(request, 2), (Pages{{3, 1}, {4, 2}, {5}}));
  request.set_order_by(v1::PART_ORDER_ID_ASC);
  EXPECT_EQ(AllPages(request, 2), (Pages{{1, 2}, {3, 4}, {5}}));
  request.set_order_by(v1::PART_ORDER_ID_DESC);
  EXPECT_EQ(AllPages(request, 2), (Pages{{5, 4}, {3, 2}, {1}}));
  // A page size dividing the count: the last full page has no token.
  request.set_order_by(v1::PART_ORDER_ID_ASC);
  EXPECT_EQ(AllPages(request, 5), (Pages{{1, 2, 3, 4, 5}}));
}

TEST_F(ListPartsTest, FiltersByNameIgnoringCase) {
  v1::ListPartsRequest request;
  request.set_name_contains("OL");
  EXPECT_THAT(IdsOf(ListParts(request).parts()), ElementsAre(2, 4));
  request.set_name_contains("a");
  request.set_order_by(v1::PART_ORDER_ID_DESC);
  EXPECT_THAT(IdsOf(ListParts(request).parts()), ElementsAre(5, 3));
  // Wildcards are literal.
  request.set_name_contains("%");
  EXPECT_THAT(IdsOf(ListParts(request).parts()), IsEmpty());
  request.set_name_contains("_");
  EXPECT_THAT(IdsOf(ListParts(request).parts()), IsEmpty());

  request.set_name_contains("bolt");
  request.set_order_by(v1::PART_ORDER_UNSPECIFIED);
  EXPECT_EQ(AllPages(request, 1), (std::vector<std::vector<int>>{{2}, {4}}));
}

TEST_F(ListPartsTest, RejectsBadPageSizeOrderAndToken) {
  for (int size : {-1, 1001}) {
    v1::ListPartsRequest request;
    request.set_page_size(size);
    v1::ListPartsResponse response;
    EXPECT_TRUE(IsInvalidField(
        parts_->ListParts(Context().get(), request, &response), "page_size"))
        << "page_size " << size;
  }
  {
    v1::ListPartsRequest request;
    request.set_page_size(1000);
    v1::ListPartsResponse response;
    EXPECT_TRUE(parts_->ListParts(Context().get(), request, &response).ok());
    EXPECT_EQ(response.parts_size(), 5);
  }
  {
    v1::ListPartsRequest request;
    request.set_order_by(static_cast<v1::PartOrder>(99));
    v1::ListPartsResponse response;
    EXPECT_TRUE(IsInvalidField(
        parts_->ListParts(Context().get(), request, &response), "order_by"));
  }
  for (const char* token : {"garbage!", "Zm9vYmFy"}) {
    v1::ListPartsRequest request;
    request.set_page_token(token);
    v1::ListPartsResponse response;
    EXPECT_TRUE(IsInvalidField(
        parts_->ListParts(Context().get(), request, &response), "page_token"))
        << "token " << token;
  }
}

TEST_F(ListPartsTest, RejectsTokenOfAnotherOrderOrFilterOrList) {
  v1::ListPartsRequest first;
  first.set_order_by(v1::PART_ORDER_ID_ASC);
  first.set_page_size(2);
  const std::string token = ListParts(first).next_page_token();
  ASSERT_FALSE(token.empty());

  v1::ListPartsRequest other_order = first;
  other_order.set_order_by(v1::PART_ORDER_ID_DESC);
  other_order.set_page_token(token);
  v1::ListPartsResponse response;
  EXPECT_TRUE(
      IsInvalidField(parts_->ListParts(Context().get(), other_order, &response),
                     "page_token"));

  v1::ListPartsRequest other_filter = first;
  other_filter.set_name_contains("o");
  other_filter.set_page_token(token);
  EXPECT_TRUE(IsInvalidField(
      parts_->ListParts(Context().get(), other_filter, &response),
      "page_token"));

  // A token of the pairs list is not a parts token.
  Exec("INSERT INTO vendor_parts (vendor_id, part_id) VALUES (1, 2), (1, 3)");
  const std::string pairs_token = ListPairs(1, "").next_page_token();
  ASSERT_FALSE(pairs_token.empty());
  v1::ListPartsRequest foreign;
  foreign.set_page_token(pairs_token);
  EXPECT_TRUE(IsInvalidField(
      parts_->ListParts(Context().get(), foreign, &response), "page_token"));

  // The same parameters continue.
  v1::ListPartsRequest next = first;
  next.set_page_token(token);
  EXPECT_THAT(IdsOf(ListParts(next).parts()), ElementsAre(3, 4));
}

// ---- BatchGetParts ----

TEST_F(PartApiTest, BatchGetPartsReturnsRequestOrder) {
  CreateVendors(2);
  ASSERT_EQ(CreatePart("Speaker", {2}), 1);
  ASSERT_EQ(CreatePart("Antenna", {}), 2);
  ASSERT_EQ(CreatePart("Modem", {1, 2}), 3);
  v1::BatchGetPartsRequest request;
  for (int id : {3, 1, 2}) request.add_part_ids(id);
  v1::BatchGetPartsResponse response;
  const grpc::Status status =
      parts_->BatchGetParts(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_THAT(IdsOf(response.parts()), ElementsAre(3, 1, 2));
  ASSERT_EQ(response.parts_size(), 3);
  EXPECT_EQ(response.parts(0).part_name(), "Modem");
  EXPECT_THAT(response.parts(0).vendor_ids(), ElementsAre(1, 2));
  EXPECT_EQ(response.parts(1).part_name(), "Speaker");
  EXPECT_THAT(response.parts(1).vendor_ids(), ElementsAre(2));
  EXPECT_EQ(response.parts(2).part_name(), "Antenna");
  EXPECT_THAT(response.parts(2).vendor_ids(), IsEmpty());
  EXPECT_EQ(response.parts(0).etag(), GetPart(3).etag());
}

TEST_F(PartApiTest, BatchGetPartsNamesTheFirstMissingId) {
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  ASSERT_EQ(CreatePart("Antenna", {}), 2);
  v1::BatchGetPartsRequest request;
  for (int id : {2, 98, 1, 99}) request.add_part_ids(id);
  v1::BatchGetPartsResponse response;
  const grpc::Status status =
      parts_->BatchGetParts(Context().get(), request, &response);

  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("part 98"));
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "PART_NOT_FOUND");
  EXPECT_EQ(MetadataOf(info, "part_id"), "98");
}

TEST_F(PartApiTest, BatchGetPartsRejectsEmptyOrNonPositiveIds) {
  v1::BatchGetPartsRequest request;
  v1::BatchGetPartsResponse response;
  EXPECT_TRUE(IsInvalidField(
      parts_->BatchGetParts(Context().get(), request, &response), "part_ids"));
  for (int id : {1, 0}) request.add_part_ids(id);
  EXPECT_TRUE(
      IsInvalidField(parts_->BatchGetParts(Context().get(), request, &response),
                     "part_ids[1]"));
}

// ---- UpdatePart ----

TEST_F(PartApiTest, UpdatePartRenamesAndChangesTheEtag) {
  CreateVendors(1);
  ASSERT_EQ(CreatePart("Speaker", {1}), 1);
  const std::string etag = GetPart(1).etag();

  v1::Part updated;
  const grpc::Status status = Update(1, " Loudspeaker ", etag, &updated);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(updated.part_id(), 1);
  EXPECT_EQ(updated.part_name(), "Loudspeaker");
  EXPECT_THAT(updated.vendor_ids(), ElementsAre(1));
  EXPECT_NE(updated.etag(), etag);
  EXPECT_EQ(GetPart(1).etag(), updated.etag());
  EXPECT_EQ(QueryText("SELECT part_name FROM parts WHERE part_id = 1"),
            "Loudspeaker");

  // No etag and an empty mask: an unconditional rename.
  v1::UpdatePartRequest request;
  request.mutable_part()->set_part_id(1);
  request.mutable_part()->set_part_name("Tweeter");
  v1::UpdatePartResponse response;
  ASSERT_TRUE(parts_->UpdatePart(Context().get(), request, &response).ok());
  EXPECT_EQ(response.part().part_name(), "Tweeter");
  EXPECT_NE(response.part().etag(), updated.etag());
  EXPECT_EQ(QueryText("SELECT part_name FROM parts WHERE part_id = 1"),
            "Tweeter");
  EXPECT_EQ(Count("parts"), 1);
}

TEST_F(PartApiTest, UpdatePartWithStaleEtagIsAborted) {
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  const std::string stale = GetPart(1).etag();
  v1::Part updated;
  ASSERT_TRUE(Update(1, "Loudspeaker", stale, &updated).ok());

  const grpc::Status status = Update(1, "Tweeter", stale, &updated);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "ETAG_MISMATCH");
  EXPECT_EQ(MetadataOf(info, "part_id"), "1");
  EXPECT_EQ(QueryText("SELECT part_name FROM parts WHERE part_id = 1"),
            "Loudspeaker");
  EXPECT_EQ(GetPart(1).part_name(), "Loudspeaker");
}

TEST_F(PartApiTest, UpdatePartOfMissingPartIsNotFound) {
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  for (const char* etag : {"", "12345"}) {
    v1::Part updated;
    const grpc::Status status = Update(9, "Tweeter", etag, &updated);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
        << "etag \"" << etag << "\": " << status.error_message();
    EXPECT_EQ(ErrorInfoOf(status).reason(), "PART_NOT_FOUND");
    EXPECT_EQ(MetadataOf(ErrorInfoOf(status), "part_id"), "9");
  }
  EXPECT_EQ(Count("parts"), 1);
  EXPECT_EQ(Count("parts WHERE part_name = 'Tweeter'"), 0);
}

TEST_F(PartApiTest, UpdatePartRejectsBadMaskPathsAndFields) {
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  v1::UpdatePartResponse response;

  v1::UpdatePartRequest bad_path;
  bad_path.mutable_part()->set_part_id(1);
  bad_path.mutable_part()->set_part_name("Tweeter");
  bad_path.mutable_update_mask()->add_paths("vendor_ids");
  EXPECT_TRUE(
      IsInvalidField(parts_->UpdatePart(Context().get(), bad_path, &response),
                     "update_mask.paths[0]"));

  v1::UpdatePartRequest second_bad = bad_path;
  second_bad.mutable_update_mask()->set_paths(0, "part_name");
  second_bad.mutable_update_mask()->add_paths("etag");
  EXPECT_TRUE(
      IsInvalidField(parts_->UpdatePart(Context().get(), second_bad, &response),
                     "update_mask.paths[1]"));

  v1::UpdatePartRequest blank = bad_path;
  blank.mutable_update_mask()->Clear();
  blank.mutable_part()->set_part_name("  ");
  EXPECT_TRUE(IsInvalidField(
      parts_->UpdatePart(Context().get(), blank, &response), "part.part_name"));

  v1::UpdatePartRequest no_id = blank;
  no_id.mutable_part()->set_part_id(0);
  no_id.mutable_part()->set_part_name("Tweeter");
  EXPECT_TRUE(IsInvalidField(
      parts_->UpdatePart(Context().get(), no_id, &response), "part.part_id"));

  v1::UpdatePartRequest no_part;
  EXPECT_TRUE(IsInvalidField(
      parts_->UpdatePart(Context().get(), no_part, &response), "part"));

  EXPECT_EQ(QueryText("SELECT part_name FROM parts WHERE part_id = 1"),
            "Speaker");
}

// ---- DeletePart ----

TEST_F(PartApiTest, DeletePartCascadesToLinksAndDrawing) {
  CreateVendors(3);
  ASSERT_EQ(CreatePart("Speaker", {1, 2, 3}), 1);
  ASSERT_EQ(CreatePart("Antenna", {1}), 2);
  Exec(
      "INSERT INTO part_drawings(part_id, file_extension, drawing_data) "
      "VALUES (1, 'png', '\\x89504e47'::bytea)");
  ASSERT_EQ(Count("part_drawings"), 1);

  v1::DeletePartRequest request;
  request.set_part_id(1);
  v1::DeletePartResponse response;
  const grpc::Status status =
      parts_->DeletePart(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(response.deleted_rows(), 1);
  EXPECT_EQ(response.deleted_links(), 3);
  EXPECT_TRUE(response.deleted_drawing());
  EXPECT_EQ(Count("parts"), 1);
  EXPECT_EQ(Count("parts WHERE part_id = 1"), 0);
  EXPECT_EQ(Count("vendor_parts WHERE part_id = 1"), 0);
  EXPECT_EQ(StoredLinks(2), "1");
  EXPECT_EQ(Count("part_drawings"), 0);
  EXPECT_EQ(Count("vendors"), 3);
}

TEST_F(PartApiTest, DeletePartWithoutLinksOrDrawing) {
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  v1::DeletePartRequest request;
  request.set_part_id(1);
  request.set_etag(GetPart(1).etag());
  v1::DeletePartResponse response;
  const grpc::Status status =
      parts_->DeletePart(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(response.deleted_rows(), 1);
  EXPECT_EQ(response.deleted_links(), 0);
  EXPECT_FALSE(response.deleted_drawing());
  EXPECT_EQ(Count("parts"), 0);
}

TEST_F(PartApiTest, DeletePartTwiceIsNotFound) {
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  v1::DeletePartRequest request;
  request.set_part_id(1);
  v1::DeletePartResponse response;
  ASSERT_TRUE(parts_->DeletePart(Context().get(), request, &response).ok());

  v1::DeletePartResponse again;
  const grpc::Status status =
      parts_->DeletePart(Context().get(), request, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "PART_NOT_FOUND");
  EXPECT_EQ(MetadataOf(info, "part_id"), "1");
  EXPECT_EQ(again.deleted_rows(), 0);
}

TEST_F(PartApiTest, DeletePartWithStaleEtagIsAbortedAndKeepsThePart) {
  CreateVendors(1);
  ASSERT_EQ(CreatePart("Speaker", {1}), 1);
  const std::string stale = GetPart(1).etag();
  v1::Part updated;
  ASSERT_TRUE(Update(1, "Loudspeaker", "", &updated).ok());

  v1::DeletePartRequest request;
  request.set_part_id(1);
  request.set_etag(stale);
  v1::DeletePartResponse response;
  const grpc::Status status =
      parts_->DeletePart(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ErrorInfoOf(status).reason(), "ETAG_MISMATCH");
  EXPECT_EQ(Count("parts"), 1);
  EXPECT_EQ(StoredLinks(1), "1");

  request.set_etag(updated.etag());
  ASSERT_TRUE(parts_->DeletePart(Context().get(), request, &response).ok());
  EXPECT_EQ(response.deleted_links(), 1);
  EXPECT_EQ(Count("parts"), 0);
}

TEST_F(PartApiTest, DeletePartRejectsNonPositiveId) {
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  v1::DeletePartRequest request;
  v1::DeletePartResponse response;
  EXPECT_TRUE(IsInvalidField(
      parts_->DeletePart(Context().get(), request, &response), "part_id"));
  EXPECT_EQ(Count("parts"), 1);
}

// ---- AddPartVendors / RemovePartVendors ----

TEST_F(PartApiTest, AddPartVendorsCountsOnlyNewLinks) {
  CreateVendors(3);
  ASSERT_EQ(CreatePart("Speaker", {1}), 1);
  const std::string etag = GetPart(1).etag();

  v1::AddPartVendorsResponse response;
  const grpc::Status status = AddVendors(1, {3, 1, 2, 3}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.added_links(), 2);
  EXPECT_EQ(response.part().part_id(), 1);
  EXPECT_EQ(response.part().part_name(), "Speaker");
  EXPECT_THAT(response.part().vendor_ids(), ElementsAre(1, 2, 3));
  EXPECT_NE(response.part().etag(), etag);
  EXPECT_EQ(GetPart(1).etag(), response.part().etag());
  EXPECT_EQ(StoredLinks(1), "1,2,3");

  // Everything already linked: nothing added, still OK.
  v1::AddPartVendorsResponse again;
  ASSERT_TRUE(AddVendors(1, {2}, &again).ok());
  EXPECT_EQ(again.added_links(), 0);
  EXPECT_THAT(again.part().vendor_ids(), ElementsAre(1, 2, 3));
  EXPECT_EQ(Count("vendor_parts"), 3);
}

TEST_F(PartApiTest, AddPartVendorsWithUnknownVendorWritesNothing) {
  CreateVendors(2);
  ASSERT_EQ(CreatePart("Speaker", {1}), 1);
  const std::string etag = GetPart(1).etag();

  v1::AddPartVendorsResponse response;
  const grpc::Status status = AddVendors(1, {2, 99}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("vendor 99"));
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
  EXPECT_EQ(MetadataOf(info, "vendor_ids"), "99");
  EXPECT_EQ(MetadataOf(info, "field"), "vendor_ids");
  EXPECT_EQ(StoredLinks(1), "1");
  EXPECT_EQ(Count("vendor_parts"), 1);
  EXPECT_EQ(GetPart(1).etag(), etag);
}

TEST_F(PartApiTest, AddPartVendorsToMissingPartIsNotFound) {
  CreateVendors(1);
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  v1::AddPartVendorsResponse response;
  const grpc::Status status = AddVendors(5, {1}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "PART_NOT_FOUND");
  EXPECT_EQ(MetadataOf(info, "part_id"), "5");
  EXPECT_EQ(Count("vendor_parts"), 0);
}

TEST_F(PartApiTest, AddPartVendorsRejectsBadIds) {
  CreateVendors(1);
  ASSERT_EQ(CreatePart("Speaker", {}), 1);
  v1::AddPartVendorsResponse response;
  EXPECT_TRUE(IsInvalidField(AddVendors(1, {}, &response), "vendor_ids"));
  EXPECT_TRUE(
      IsInvalidField(AddVendors(1, {1, -1}, &response), "vendor_ids[1]"));
  EXPECT_TRUE(IsInvalidField(AddVendors(0, {1}, &response), "part_id"));
  std::vector<int> too_many;
  for (int id = 1; id <= 101; ++id) too_many.push_back(id);
  EXPECT_TRUE(IsInvalidField(AddVendors(1, too_many, &response), "vendor_ids"));
  EXPECT_EQ(Count("vendor_parts"), 0);
}

TEST_F(PartApiTest, RemovePartVendorsCountsOnlyExistingLinks) {
  CreateVendors(4);
  ASSERT_EQ(CreatePart("Speaker", {1, 2, 3}), 1);
  ASSERT_EQ(CreatePart("Antenna", {2}), 2);
  const std::string etag = GetPart(1).etag();

  // 4 exists but is not linked; 99 does not exist: both ignored.
  v1::RemovePartVendorsResponse response;
  const grpc::Status status = RemoveVendors(1, {3, 4, 2, 99, 3}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.removed_links(), 2);
  EXPECT_EQ(response.part().part_id(), 1);
  EXPECT_THAT(response.part().vendor_ids(), ElementsAre(1));
  EXPECT_NE(response.part().etag(), etag);
  EXPECT_EQ(StoredLinks(1), "1");
  EXPECT_EQ(StoredLinks(2), "2");
  EXPECT_EQ(Count("vendors"), 4);

  v1::RemovePartVendorsResponse again;
  ASSERT_TRUE(RemoveVendors(1, {2, 3}, &again).ok());
  EXPECT_EQ(again.removed_links(), 0);
  EXPECT_THAT(again.part().vendor_ids(), ElementsAre(1));
}

TEST_F(PartApiTest, RemovePartVendorsFromMissingPartIsNotFound) {
  CreateVendors(1);
  ASSERT_EQ(CreatePart("Speaker", {1}), 1);
  v1::RemovePartVendorsResponse response;
  const grpc::Status status = RemoveVendors(5, {1}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "PART_NOT_FOUND");
  EXPECT_EQ(MetadataOf(info, "part_id"), "5");
  EXPECT_EQ(Count("vendor_parts"), 1);

  EXPECT_TRUE(IsInvalidField(RemoveVendors(1, {}, &response), "vendor_ids"));
  EXPECT_EQ(StoredLinks(1), "1");
}

// ---- ListPartsByVendor ----

TEST_F(PartApiTest, ListPartsByVendorReturnsItsPartsById) {
  CreateVendors(3);
  ASSERT_EQ(CreatePart("Zipper", {1}), 1);
  ASSERT_EQ(CreatePart("Antenna", {2}), 2);
  ASSERT_EQ(CreatePart("Modem", {1, 2}), 3);
  ASSERT_EQ(CreatePart("Bezel", {1}), 4);

  v1::ListPartsByVendorRequest request;
  request.set_vendor_id(1);
  v1::ListPartsByVendorResponse response;
  const grpc::Status status =
      parts_->ListPartsByVendor(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_THAT(IdsOf(response.parts()), ElementsAre(1, 3, 4));
  ASSERT_EQ(response.parts_size(), 3);
  EXPECT_EQ(response.parts(0).part_name(), "Zipper");
  EXPECT_EQ(response.parts(1).part_name(), "Modem");
  EXPECT_EQ(response.parts(2).part_name(), "Bezel");
  // Only id and name are set.
  EXPECT_THAT(response.parts(1).vendor_ids(), IsEmpty());
  EXPECT_TRUE(response.parts(1).etag().empty());

  // A vendor without parts.
  request.set_vendor_id(3);
  v1::ListPartsByVendorResponse empty;
  ASSERT_TRUE(parts_->ListPartsByVendor(Context().get(), request, &empty).ok());
  EXPECT_THAT(empty.parts(), IsEmpty());
}

TEST_F(PartApiTest, ListPartsByVendorOfMissingVendorIsNotFound) {
  CreateVendors(1);
  v1::ListPartsByVendorRequest request;
  request.set_vendor_id(7);
  v1::ListPartsByVendorResponse response;
  const grpc::Status status =
      parts_->ListPartsByVendor(Context().get(), request, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("vendor 7"));
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
  EXPECT_EQ(MetadataOf(info, "vendor_id"), "7");
}

TEST_F(PartApiTest, ListPartsByVendorRejectsNonPositiveId) {
  v1::ListPartsByVendorRequest request;
  v1::ListPartsByVendorResponse response;
  EXPECT_TRUE(IsInvalidField(
      parts_->ListPartsByVendor(Context().get(), request, &response),
      "vendor_id"));
}

TEST_F(PartApiTest, ListPartsByVendorCallsTheFunction) {
  CreateVendors(1);
  ASSERT_EQ(CreatePart("Speaker", {1}), 1);
  v1::ListPartsByVendorRequest request;
  request.set_vendor_id(1);
  v1::ListPartsByVendorResponse before;
  ASSERT_TRUE(
      parts_->ListPartsByVendor(Context().get(), request, &before).ok());
  EXPECT_THAT(IdsOf(before.parts()), ElementsAre(1));

  Exec(
      "CREATE OR REPLACE FUNCTION get_parts_by_vendor(id integer) "
      "RETURNS TABLE(part_id integer, part_name varchar) AS $$ "
      "SELECT 42, 'from the function'::varchar $$ LANGUAGE sql");
  v1::ListPartsByVendorResponse after;
  const grpc::Status status =
      parts_->ListPartsByVendor(Context().get(), request, &after);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(after.parts_size(), 1);
  EXPECT_EQ(after.parts(0).part_id(), 42);
  EXPECT_EQ(after.parts(0).part_name(), "from the function");
}

// ---- AddPartWithNewVendor ----

TEST_F(PartApiTest, AddPartWithNewVendorReturnsBothNewIdsLinked) {
  CreateVendors(2);
  ASSERT_EQ(CreatePart("Speaker", {1}), 1);

  v1::AddPartWithNewVendorRequest request;
  request.set_part_name(" OLED ");
  request.set_vendor_name("LG");
  v1::AddPartWithNewVendorResponse response;
  const grpc::Status status =
      parts_->AddPartWithNewVendor(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(response.part_id(), 2);
  EXPECT_EQ(response.vendor_id(), 3);
  EXPECT_EQ(QueryText("SELECT part_name FROM parts WHERE part_id = 2"), "OLED");
  EXPECT_EQ(QueryText("SELECT vendor_name FROM vendors WHERE vendor_id = 3"),
            "LG");
  EXPECT_EQ(StoredLinks(2), "3");
  EXPECT_EQ(Count("vendor_parts WHERE vendor_id = 3"), 1);
  EXPECT_THAT(GetPart(2).vendor_ids(), ElementsAre(3));
  EXPECT_EQ(Count("parts"), 2);
  EXPECT_EQ(Count("vendors"), 3);
}

TEST_F(PartApiTest, AddPartWithNewVendorCallsTheProcedure) {
  Exec("CREATE TABLE marker(x int)");
  Exec(
      "CREATE OR REPLACE PROCEDURE add_new_part(new_part_name varchar, "
      "new_vendor_name varchar) LANGUAGE plpgsql AS $$ BEGIN "
      "INSERT INTO marker VALUES (1); "
      "INSERT INTO parts(part_name) VALUES (new_part_name); "
      "INSERT INTO vendors(vendor_name) VALUES (new_vendor_name); END $$");

  v1::AddPartWithNewVendorRequest request;
  request.set_part_name("OLED");
  request.set_vendor_name("LG");
  v1::AddPartWithNewVendorResponse response;
  const grpc::Status status =
      parts_->AddPartWithNewVendor(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  EXPECT_EQ(Count("marker WHERE x = 1"), 1);
  EXPECT_EQ(response.part_id(), 1);
  EXPECT_EQ(response.vendor_id(), 1);
  EXPECT_EQ(QueryText("SELECT part_name FROM parts WHERE part_id = 1"), "OLED");
  EXPECT_EQ(QueryText("SELECT vendor_name FROM vendors WHERE vendor_id = 1"),
            "LG");
  // This procedure links nothing, and the server adds nothing of its own.
  EXPECT_EQ(Count("vendor_parts"), 0);
}

TEST_F(PartApiTest, AddPartWithNewVendorRejectsBlankNames) {
  v1::AddPartWithNewVendorResponse response;
  v1::AddPartWithNewVendorRequest blank_part;
  blank_part.set_part_name("  ");
  blank_part.set_vendor_name("LG");
  EXPECT_TRUE(IsInvalidField(
      parts_->AddPartWithNewVendor(Context().get(), blank_part, &response),
      "part_name"));

  v1::AddPartWithNewVendorRequest blank_vendor;
  blank_vendor.set_part_name("OLED");
  blank_vendor.set_vendor_name("\t");
  EXPECT_TRUE(IsInvalidField(
      parts_->AddPartWithNewVendor(Context().get(), blank_vendor, &response),
      "vendor_name"));

  EXPECT_EQ(Count("parts"), 0);
  EXPECT_EQ(Count("vendors"), 0);
  EXPECT_EQ(Count("vendor_parts"), 0);
}

// ---- ListPartVendorPairs ----

class PartVendorPairsTest : public PartApiTest {
 protected:
  // Vendor names sort opposite to their ids; two parts share a name; one
  // part has no vendor. 12 pairs.
  void SetUp() override {
    PartApiTest::SetUp();
    ASSERT_EQ(CreateVendor("Dyna"), 1);
    ASSERT_EQ(CreateVendor("Cog Ltd"), 2);
    ASSERT_EQ(CreateVendor("Bolt Co"), 3);
    ASSERT_EQ(CreateVendor("Acme"), 4);
    ASSERT_EQ(CreatePart("Speaker", {2, 4}), 1);
    ASSERT_EQ(CreatePart("Antenna", {3, 1, 4}), 2);
    ASSERT_EQ(CreatePart("Modem", {1, 2, 3, 4}), 3);
    ASSERT_EQ(CreatePart("Antenna", {2}), 4);
    ASSERT_EQ(CreatePart("Tray", {3, 1}), 5);
    ASSERT_EQ(CreatePart("Lonely", {}), 6);
  }
};

TEST_F(PartVendorPairsTest, DefaultPageOfTenThenTheRest) {
  const v1::ListPartVendorPairsResponse page1 = ListPairs(0, "");
  EXPECT_THAT(PairsOf(page1),
              ElementsAre("2 Antenna / 4 Acme", "2 Antenna / 3 Bolt Co",
                          "2 Antenna / 1 Dyna", "4 Antenna / 2 Cog Ltd",
                          "3 Modem / 4 Acme", "3 Modem / 3 Bolt Co",
                          "3 Modem / 2 Cog Ltd", "3 Modem / 1 Dyna",
                          "1 Speaker / 4 Acme", "1 Speaker / 2 Cog Ltd"));
  ASSERT_FALSE(page1.next_page_token().empty());

  const v1::ListPartVendorPairsResponse page2 =
      ListPairs(0, page1.next_page_token());
  EXPECT_THAT(PairsOf(page2),
              ElementsAre("5 Tray / 3 Bolt Co", "5 Tray / 1 Dyna"));
  EXPECT_TRUE(page2.next_page_token().empty());
}

TEST_F(PartVendorPairsTest, PagesOfThreeCoverEveryPairOnce) {
  std::vector<std::vector<std::string>> pages;
  std::string token;
  for (int i = 0; i < 10; ++i) {
    const v1::ListPartVendorPairsResponse page = ListPairs(3, token);
    pages.push_back(PairsOf(page));
    token = page.next_page_token();
    if (token.empty()) break;
  }
  EXPECT_EQ(
      pages,
      (std::vector<std::vector<std::string>>{
          {"2 Antenna / 4 Acme", "2 Antenna / 3 Bolt Co", "2 Antenna / 1 Dyna"},
          {"4 Antenna / 2 Cog Ltd", "3 Modem / 4 Acme", "3 Modem / 3 Bolt Co"},
          {"3 Modem / 2 Cog Ltd", "3 Modem / 1 Dyna", "1 Speaker / 4 Acme"},
          {"1 Speaker / 2 Cog Ltd", "5 Tray / 3 Bolt Co", "5 Tray / 1 Dyna"}}));
}

TEST_F(PartVendorPairsTest, RejectsBadPageTokenAndSize) {
  v1::ListPartVendorPairsResponse response;
  v1::ListPartVendorPairsRequest garbage;
  garbage.set_page_token("not a token");
  EXPECT_TRUE(IsInvalidField(
      parts_->ListPartVendorPairs(Context().get(), garbage, &response),
      "page_token"));

  v1::ListPartsRequest parts_page;
  parts_page.set_page_size(1);
  const std::string parts_token = ListParts(parts_page).next_page_token();
  ASSERT_FALSE(parts_token.empty());
  v1::ListPartVendorPairsRequest foreign;
  foreign.set_page_token(parts_token);
  EXPECT_TRUE(IsInvalidField(
      parts_->ListPartVendorPairs(Context().get(), foreign, &response),
      "page_token"));

  for (int size : {-1, 1001}) {
    v1::ListPartVendorPairsRequest request;
    request.set_page_size(size);
    EXPECT_TRUE(IsInvalidField(
        parts_->ListPartVendorPairs(Context().get(), request, &response),
        "page_size"))
        << "page_size " << size;
  }
}

// ---- Concurrency ----

TEST_F(PartApiTest, ConcurrentLinkChangesOnOnePartAllSucceed) {
  constexpr int kThreads = 8;
  constexpr int kIterations = 20;
  constexpr int kSharedVendor = kThreads + 1;
  CreateVendors(kSharedVendor);
  ASSERT_EQ(CreatePart("Speaker", {kSharedVendor}), 1);
  const std::string etag = GetPart(1).etag();

  std::atomic<int> ok_calls{0};
  std::atomic<int> wrong_counts{0};
  std::mutex mu;
  std::vector<std::string> failures;
  auto fail = [&](const std::string& what, const grpc::Status& status) {
    std::lock_guard<std::mutex> lock(mu);
    failures.push_back(absl::StrCat(what, ": code ", status.error_code(), " ",
                                    status.error_message()));
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, vendor = t + 1, keep = t % 2 == 0] {
      for (int i = 0; i < kIterations; ++i) {
        v1::AddPartVendorsResponse added;
        const grpc::Status add = AddVendors(1, {vendor}, &added);
        if (!add.ok()) {
          fail(absl::StrCat("add ", vendor), add);
          continue;
        }
        ++ok_calls;
        if (added.added_links() != 1) ++wrong_counts;
        v1::RemovePartVendorsResponse removed;
        const grpc::Status remove = RemoveVendors(1, {vendor}, &removed);
        if (!remove.ok()) {
          fail(absl::StrCat("remove ", vendor), remove);
          continue;
        }
        ++ok_calls;
        if (removed.removed_links() != 1) ++wrong_counts;
      }
      // Even-numbered threads end by linking their vendor once more.
      if (keep) {
        v1::AddPartVendorsResponse added;
        const grpc::Status add = AddVendors(1, {vendor}, &added);
        if (add.ok()) {
          ++ok_calls;
        } else {
          fail(absl::StrCat("final add ", vendor), add);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();

  EXPECT_THAT(failures, IsEmpty());
  EXPECT_EQ(ok_calls.load(), kThreads * kIterations * 2 + kThreads / 2);
  EXPECT_EQ(wrong_counts.load(), 0);
  const v1::Part part = GetPart(1);
  EXPECT_THAT(part.vendor_ids(), ElementsAre(1, 3, 5, 7, kSharedVendor));
  EXPECT_NE(part.etag(), etag);
  EXPECT_EQ(StoredLinks(1), "1,3,5,7,9");
  EXPECT_EQ(Count("vendor_parts"), 5);
}

// The etag covers the part's links, however they change.
TEST_F(PartApiTest, EtagFollowsLinkChangesIncludingCascadesAndOnlyThem) {
  const int vendor_a = CreateVendor("A");
  const int vendor_b = CreateVendor("B");
  const int part_id = CreatePart("SIM Tray", {vendor_a, vendor_b});
  auto etag_now = [&] {
    v1::GetPartRequest request;
    request.set_part_id(part_id);
    v1::GetPartResponse response;
    EXPECT_TRUE(parts_->GetPart(Context().get(), request, &response).ok());
    return response.part().etag();
  };
  const std::string before = etag_now();
  // Removing a vendor that is not linked changes nothing, etag included.
  v1::RemovePartVendorsRequest noop;
  noop.set_part_id(part_id);
  noop.add_vendor_ids(CreateVendor("Unlinked"));
  v1::RemovePartVendorsResponse removed;
  ASSERT_TRUE(parts_->RemovePartVendors(Context().get(), noop, &removed).ok());
  EXPECT_EQ(removed.removed_links(), 0);
  EXPECT_EQ(removed.part().etag(), before);
  // Deleting a linked vendor cascades to the link: the old etag is stale.
  v1::DeleteVendorRequest delete_vendor;
  delete_vendor.set_vendor_id(vendor_b);
  v1::DeleteVendorResponse deleted;
  ASSERT_TRUE(
      vendors_->DeleteVendor(Context().get(), delete_vendor, &deleted).ok());
  EXPECT_NE(etag_now(), before);
  v1::UpdatePartRequest update;
  update.mutable_part()->set_part_id(part_id);
  update.mutable_part()->set_part_name("Renamed");
  update.mutable_part()->set_etag(before);
  v1::UpdatePartResponse updated;
  EXPECT_EQ(parts_->UpdatePart(Context().get(), update, &updated).error_code(),
            grpc::StatusCode::ABORTED);
  update.mutable_part()->set_etag(etag_now());
  EXPECT_TRUE(parts_->UpdatePart(Context().get(), update, &updated).ok());
  EXPECT_EQ(updated.part().part_name(), "Renamed");
}

}  // namespace
}  // namespace suppliers
