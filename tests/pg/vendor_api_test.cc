// Tests the VendorService API (suppliers/v1/vendor.proto) end to end over a
// real channel against a migrated throwaway database: every method's success
// path and each documented error path, checking the status code, the
// google.rpc details and that a rejected call wrote nothing.
#include <grpcpp/grpcpp.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "suppliers/v1/vendor.grpc.pb.h"
#include "tests/pg/api_fixture.h"

namespace suppliers {
namespace {

using ::suppliers::testing::ApiTest;
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// The tutorial's batch of vendors (insert_many_vendors), in its order.
const std::vector<std::string>& TutorialVendors() {
  static const auto* const kNames = new std::vector<std::string>{
      "AKM Semiconductor Inc.",   "Asahi Glass Co Ltd.",
      "Daikin Industries Ltd.",   "Dynacast International Inc.",
      "Foster Electric Co. Ltd.", "Murata Manufacturing Co. Ltd.",
  };
  return *kNames;
}

// `text` repeated `count` times.
std::string Repeat(const std::string& text, int count) {
  std::string result;
  for (int i = 0; i < count; ++i) result += text;
  return result;
}

std::vector<int> IdsOf(
    const google::protobuf::RepeatedPtrField<v1::Vendor>& vendors) {
  std::vector<int> ids;
  for (const v1::Vendor& vendor : vendors) ids.push_back(vendor.vendor_id());
  return ids;
}

std::vector<std::string> NamesOf(
    const google::protobuf::RepeatedPtrField<v1::Vendor>& vendors) {
  std::vector<std::string> names;
  for (const v1::Vendor& vendor : vendors) {
    names.push_back(vendor.vendor_name());
  }
  return names;
}

class VendorApiTest : public ApiTest {
 protected:
  int VendorCount() { return QueryInt("SELECT count(*) FROM vendors"); }
  std::string NameInDatabase(int vendor_id) {
    return QueryText(absl::StrCat(
        "SELECT vendor_name FROM vendors WHERE vendor_id = ", vendor_id));
  }
  std::string EtagInDatabase(int vendor_id) {
    return QueryText(absl::StrCat(
        "SELECT xmin::text FROM vendors WHERE vendor_id = ", vendor_id));
  }

  grpc::Status Create(const std::string& name, const std::string& request_id,
                      v1::CreateVendorResponse* response) {
    v1::CreateVendorRequest request;
    request.mutable_vendor()->set_vendor_name(name);
    request.set_request_id(request_id);
    return vendors_->CreateVendor(Context().get(), request, response);
  }

  grpc::Status BatchCreate(const std::vector<std::string>& names,
                           v1::BatchCreateVendorsResponse* response) {
    v1::BatchCreateVendorsRequest request;
    for (const std::string& name : names) {
      request.add_vendors()->set_vendor_name(name);
    }
    return vendors_->BatchCreateVendors(Context().get(), request, response);
  }

  // Creates `names` in one batch; returns their ids (fails the test on
  // error).
  std::vector<int> CreateVendors(const std::vector<std::string>& names) {
    v1::BatchCreateVendorsResponse response;
    const grpc::Status status = BatchCreate(names, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return IdsOf(response.vendors());
  }

  grpc::Status Get(int vendor_id, v1::GetVendorResponse* response) {
    v1::GetVendorRequest request;
    request.set_vendor_id(vendor_id);
    return vendors_->GetVendor(Context().get(), request, response);
  }

  grpc::Status List(const v1::ListVendorsRequest& request,
                    v1::ListVendorsResponse* response) {
    return vendors_->ListVendors(Context().get(), request, response);
  }

  // The names of the first page of `order` with `name_contains`, asserting
  // it is the only page.
  std::vector<std::string> ListNames(v1::VendorOrder order,
                                     const std::string& name_contains = "") {
    v1::ListVendorsRequest request;
    request.set_order_by(order);
    request.set_name_contains(name_contains);
    v1::ListVendorsResponse response;
    const grpc::Status status = List(request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(response.next_page_token(), "");
    return NamesOf(response.vendors());
  }

  grpc::Status BatchGet(const std::vector<int>& ids,
                        v1::BatchGetVendorsResponse* response) {
    v1::BatchGetVendorsRequest request;
    for (int id : ids) request.add_vendor_ids(id);
    return vendors_->BatchGetVendors(Context().get(), request, response);
  }

  grpc::Status Update(int vendor_id, const std::string& name,
                      const std::string& etag,
                      const std::vector<std::string>& mask_paths,
                      v1::UpdateVendorResponse* response) {
    v1::UpdateVendorRequest request;
    request.mutable_vendor()->set_vendor_id(vendor_id);
    request.mutable_vendor()->set_vendor_name(name);
    request.mutable_vendor()->set_etag(etag);
    for (const std::string& path : mask_paths) {
      request.mutable_update_mask()->add_paths(path);
    }
    return vendors_->UpdateVendor(Context().get(), request, response);
  }

  grpc::Status Delete(int vendor_id, const std::string& etag,
                      v1::DeleteVendorResponse* response) {
    v1::DeleteVendorRequest request;
    request.set_vendor_id(vendor_id);
    request.set_etag(etag);
    return vendors_->DeleteVendor(Context().get(), request, response);
  }

  // Whether `status` is INVALID_ARGUMENT naming `field` in both the
  // BadRequest violation and the ErrorInfo (reason INVALID_FIELD).
  static ::testing::AssertionResult IsInvalidField(const grpc::Status& status,
                                                   const std::string& field) {
    if (status.error_code() != grpc::StatusCode::INVALID_ARGUMENT) {
      return ::testing::AssertionFailure()
             << "code " << status.error_code() << " (\""
             << status.error_message() << "\"), want INVALID_ARGUMENT";
    }
    const std::string violated = ViolatedField(status);
    if (violated != field) {
      return ::testing::AssertionFailure()
             << "violated field \"" << violated << "\", want \"" << field
             << "\" (" << status.error_message() << ")";
    }
    const google::rpc::ErrorInfo info = ErrorInfoOf(status);
    const auto metadata_field = info.metadata().find("field");
    if (info.reason() != "INVALID_FIELD" || info.domain() != "suppliers.v1" ||
        metadata_field == info.metadata().end() ||
        metadata_field->second != field) {
      return ::testing::AssertionFailure()
             << "ErrorInfo " << info.ShortDebugString();
    }
    return ::testing::AssertionSuccess();
  }
};

constexpr char kRequestId[] = "123e4567-e89b-42d3-a456-426614174000";

// ---- CreateVendor ----

TEST_F(VendorApiTest, CreateVendorReturnsSequentialIdsTrimmedNameAndEtag) {
  v1::CreateVendorResponse first;
  ASSERT_TRUE(Create("3M Co.", "", &first).ok());
  EXPECT_EQ(first.vendor().vendor_id(), 1);
  EXPECT_EQ(first.vendor().vendor_name(), "3M Co.");
  EXPECT_THAT(first.vendor().etag(), Not(IsEmpty()));
  EXPECT_EQ(first.vendor().etag(), EtagInDatabase(1));

  v1::CreateVendorResponse second;
  ASSERT_TRUE(Create("  \tAcme Ltd \n", "", &second).ok());
  EXPECT_EQ(second.vendor().vendor_id(), 2);
  EXPECT_EQ(second.vendor().vendor_name(), "Acme Ltd");
  EXPECT_THAT(second.vendor().etag(), Not(IsEmpty()));

  EXPECT_EQ(VendorCount(), 2);
  EXPECT_EQ(NameInDatabase(1), "3M Co.");
  EXPECT_EQ(NameInDatabase(2), "Acme Ltd");
}

TEST_F(VendorApiTest, CreateVendorRejectsEmptyAndBlankNames) {
  for (const std::string name : {"", " ", " \t\r\n "}) {
    SCOPED_TRACE(absl::StrCat("name \"", name, "\""));
    v1::CreateVendorResponse response;
    EXPECT_TRUE(
        IsInvalidField(Create(name, "", &response), "vendor.vendor_name"));
  }
  EXPECT_EQ(VendorCount(), 0);
  // Nothing reached the database: not even a sequence value was drawn.
  EXPECT_EQ(CreateVendor("First"), 1);
}

TEST_F(VendorApiTest, CreateVendorRejectsVendorWithoutName) {
  v1::CreateVendorRequest request;
  v1::CreateVendorResponse response;
  EXPECT_TRUE(IsInvalidField(
      vendors_->CreateVendor(Context().get(), request, &response),
      "vendor.vendor_name"));
  EXPECT_EQ(VendorCount(), 0);
}

TEST_F(VendorApiTest, CreateVendorLimitsNameToCharactersNotBytes) {
  v1::CreateVendorResponse response;
  EXPECT_TRUE(IsInvalidField(Create(Repeat("a", 256), "", &response),
                             "vendor.vendor_name"));
  EXPECT_TRUE(IsInvalidField(Create(Repeat("\xC3\xA9", 256), "", &response),
                             "vendor.vendor_name"));
  EXPECT_EQ(VendorCount(), 0);

  // 255 ASCII characters fit.
  ASSERT_TRUE(Create(Repeat("a", 255), "", &response).ok());
  EXPECT_EQ(response.vendor().vendor_id(), 1);
  EXPECT_EQ(response.vendor().vendor_name(), Repeat("a", 255));

  // 255 two-byte characters (510 bytes) fit as well.
  const std::string accents = Repeat("\xC3\xA9", 255);
  ASSERT_EQ(accents.size(), 510u);
  ASSERT_TRUE(Create(accents, "", &response).ok());
  EXPECT_EQ(response.vendor().vendor_id(), 2);
  EXPECT_EQ(response.vendor().vendor_name(), accents);
  EXPECT_EQ(NameInDatabase(2), accents);
  EXPECT_EQ(QueryInt("SELECT char_length(vendor_name) FROM vendors "
                     "WHERE vendor_id = 2"),
            255);
  EXPECT_EQ(QueryInt("SELECT octet_length(vendor_name) FROM vendors "
                     "WHERE vendor_id = 2"),
            510);
  EXPECT_EQ(VendorCount(), 2);
}

TEST_F(VendorApiTest, CreateVendorRejectsControlCharacters) {
  for (const std::string& name :
       {std::string("Acme\tLtd"), std::string("Acme\nLtd"),
        std::string("Acme\x01Ltd"), std::string("Acme\x7FLtd"),
        std::string("Acme\0Ltd", 8)}) {
    SCOPED_TRACE(absl::StrCat("name of ", name.size(), " bytes"));
    v1::CreateVendorResponse response;
    EXPECT_TRUE(
        IsInvalidField(Create(name, "", &response), "vendor.vendor_name"));
  }
  EXPECT_EQ(VendorCount(), 0);
}

TEST_F(VendorApiTest, CreateVendorWithSameRequestIdReturnsFirstResult) {
  v1::CreateVendorResponse first;
  ASSERT_TRUE(Create("3M Co.", kRequestId, &first).ok());
  EXPECT_EQ(first.vendor().vendor_id(), 1);

  v1::CreateVendorResponse retry;
  const grpc::Status status = Create("3M Co.", kRequestId, &retry);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(retry.vendor().vendor_id(), 1);
  EXPECT_EQ(retry.vendor().vendor_name(), "3M Co.");
  EXPECT_EQ(retry.vendor().etag(), first.vendor().etag());

  EXPECT_EQ(VendorCount(), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM request_ids"), 1);
  // A call without a request id is a new vendor.
  EXPECT_EQ(CreateVendor("3M Co."), 2);
}

TEST_F(VendorApiTest, CreateVendorRejectsRequestIdReusedForOtherVendor) {
  v1::CreateVendorResponse first;
  ASSERT_TRUE(Create("3M Co.", kRequestId, &first).ok());

  v1::CreateVendorResponse response;
  EXPECT_TRUE(
      IsInvalidField(Create("Acme Ltd", kRequestId, &response), "request_id"));
  EXPECT_EQ(VendorCount(), 1);
  EXPECT_EQ(NameInDatabase(1), "3M Co.");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM request_ids"), 1);
}

TEST_F(VendorApiTest, CreateVendorRejectsMalformedRequestId) {
  for (const std::string request_id :
       {"not-a-uuid", "123e4567e89b42d3a456426614174000",
        "123e4567-e89b-42d3-a456-42661417400g",
        "123e4567-e89b-42d3-a456-4266141740000",
        "{123e4567-e89b-42d3-a456-426614174000}"}) {
    SCOPED_TRACE(request_id);
    v1::CreateVendorResponse response;
    EXPECT_TRUE(
        IsInvalidField(Create("3M Co.", request_id, &response), "request_id"));
  }
  EXPECT_EQ(VendorCount(), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM request_ids"), 0);
}

// ---- BatchCreateVendors ----

TEST_F(VendorApiTest, BatchCreateVendorsReturnsIdsInRequestOrder) {
  v1::BatchCreateVendorsResponse response;
  const grpc::Status status = BatchCreate(TutorialVendors(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_THAT(NamesOf(response.vendors()), ElementsAreArray(TutorialVendors()));
  for (const v1::Vendor& vendor : response.vendors()) {
    EXPECT_THAT(vendor.etag(), Not(IsEmpty()));
    EXPECT_EQ(NameInDatabase(vendor.vendor_id()), vendor.vendor_name());
  }
  EXPECT_EQ(VendorCount(), 6);
}

TEST_F(VendorApiTest, BatchCreateVendorsKeepsRequestOrderNotNameOrder) {
  EXPECT_THAT(CreateVendors({"Zeta", "  Alpha  ", "Mu"}), ElementsAre(1, 2, 3));
  EXPECT_EQ(NameInDatabase(1), "Zeta");
  EXPECT_EQ(NameInDatabase(2), "Alpha");
  EXPECT_EQ(NameInDatabase(3), "Mu");
}

TEST_F(VendorApiTest, BatchCreateVendorsRejectsWholeBatchOnOneBadName) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  std::vector<std::string> names = TutorialVendors();

  names[2] = "   ";
  v1::BatchCreateVendorsResponse response;
  EXPECT_TRUE(
      IsInvalidField(BatchCreate(names, &response), "vendors[2].vendor_name"));

  names[2] = Repeat("x", 256);
  EXPECT_TRUE(
      IsInvalidField(BatchCreate(names, &response), "vendors[2].vendor_name"));

  names[2] = "Daikin\x1FIndustries";
  EXPECT_TRUE(
      IsInvalidField(BatchCreate(names, &response), "vendors[2].vendor_name"));

  // All or nothing: no row, and no id drawn.
  EXPECT_EQ(VendorCount(), 1);
  EXPECT_EQ(CreateVendor("Acme Ltd"), 2);
}

TEST_F(VendorApiTest, BatchCreateVendorsNamesFirstBadIndex) {
  v1::BatchCreateVendorsResponse response;
  EXPECT_TRUE(
      IsInvalidField(BatchCreate({"Good", "Fine", "", "OK", ""}, &response),
                     "vendors[2].vendor_name"));
  EXPECT_TRUE(IsInvalidField(BatchCreate({"", "Fine"}, &response),
                             "vendors[0].vendor_name"));
  EXPECT_EQ(VendorCount(), 0);
}

TEST_F(VendorApiTest, BatchCreateVendorsRejectsEmptyAndOversizedBatches) {
  v1::BatchCreateVendorsResponse response;
  EXPECT_TRUE(IsInvalidField(BatchCreate({}, &response), "vendors"));

  const std::vector<std::string> too_many(1001, "Acme");
  EXPECT_TRUE(IsInvalidField(BatchCreate(too_many, &response), "vendors"));
  EXPECT_EQ(VendorCount(), 0);

  const std::vector<std::string> most(1000, "Acme");
  EXPECT_EQ(CreateVendors(most).size(), 1000u);
  EXPECT_EQ(VendorCount(), 1000);
}

TEST_F(VendorApiTest, BatchCreateVendorsStoresQuotesAndBackslashes) {
  const std::vector<std::string> names = {"O\"Brien {Co}", "Back\\slash, Inc",
                                          "NULL"};
  v1::BatchCreateVendorsResponse response;
  ASSERT_TRUE(BatchCreate(names, &response).ok());
  EXPECT_THAT(NamesOf(response.vendors()), ElementsAreArray(names));
  EXPECT_EQ(NameInDatabase(1), names[0]);
  EXPECT_EQ(NameInDatabase(2), names[1]);
  EXPECT_EQ(NameInDatabase(3), names[2]);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendors WHERE vendor_name IS NULL"),
            0);
}

// ---- GetVendor ----

TEST_F(VendorApiTest, GetVendorReturnsVendor) {
  CreateVendors(TutorialVendors());
  v1::GetVendorResponse response;
  const grpc::Status status = Get(3, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.vendor().vendor_id(), 3);
  EXPECT_EQ(response.vendor().vendor_name(), "Daikin Industries Ltd.");
  EXPECT_EQ(response.vendor().etag(), EtagInDatabase(3));
}

TEST_F(VendorApiTest, GetVendorReturnsNotFoundWithVendorId) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  v1::GetVendorResponse response;
  const grpc::Status status = Get(42, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "vendor 42 does not exist");
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
  EXPECT_EQ(info.domain(), "suppliers.v1");
  ASSERT_EQ(info.metadata().count("vendor_id"), 1u);
  EXPECT_EQ(info.metadata().at("vendor_id"), "42");
}

TEST_F(VendorApiTest, GetVendorRejectsNonPositiveId) {
  for (int id : {0, -1, -2147483647 - 1}) {
    SCOPED_TRACE(id);
    v1::GetVendorResponse response;
    EXPECT_TRUE(IsInvalidField(Get(id, &response), "vendor_id"));
  }
}

// ---- ListVendors ----

TEST_F(VendorApiTest, ListVendorsOrdersByNameByDefault) {
  CreateVendors({"Murata Manufacturing Co. Ltd.", "3M Co.",
                 "Daikin Industries Ltd.", "AKM Semiconductor Inc.",
                 "Asahi Glass Co Ltd."});
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(v1::ListVendorsRequest(), &response).ok());
  EXPECT_THAT(
      NamesOf(response.vendors()),
      ElementsAre("3M Co.", "AKM Semiconductor Inc.", "Asahi Glass Co Ltd.",
                  "Daikin Industries Ltd.", "Murata Manufacturing Co. Ltd."));
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(2, 4, 5, 3, 1));
  EXPECT_EQ(response.next_page_token(), "");
  EXPECT_EQ(response.vendors(0).etag(), EtagInDatabase(2));

  EXPECT_THAT(
      ListNames(v1::VENDOR_ORDER_NAME_ASC),
      ElementsAre("3M Co.", "AKM Semiconductor Inc.", "Asahi Glass Co Ltd.",
                  "Daikin Industries Ltd.", "Murata Manufacturing Co. Ltd."));
}

TEST_F(VendorApiTest, ListVendorsBreaksNameTiesById) {
  CreateVendors({"Same", "Other", "Same", "Same"});
  v1::ListVendorsRequest request;
  v1::ListVendorsResponse response;
  request.set_order_by(v1::VENDOR_ORDER_NAME_ASC);
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(2, 1, 3, 4));
  request.set_order_by(v1::VENDOR_ORDER_NAME_DESC);
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(4, 3, 1, 2));
}

TEST_F(VendorApiTest, ListVendorsOtherOrders) {
  CreateVendors({"Murata", "3M", "Daikin", "AKM"});
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_NAME_DESC),
              ElementsAre("Murata", "Daikin", "AKM", "3M"));
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_ID_ASC),
              ElementsAre("Murata", "3M", "Daikin", "AKM"));
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_ID_DESC),
              ElementsAre("AKM", "Daikin", "3M", "Murata"));
}

TEST_F(VendorApiTest, ListVendorsOfEmptyTableIsEmpty) {
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(v1::ListVendorsRequest(), &response).ok());
  EXPECT_EQ(response.vendors_size(), 0);
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(VendorApiTest, ListVendorsWalksPages) {
  CreateVendors({"Echo", "Alpha", "Delta", "Bravo", "Charlie"});
  v1::ListVendorsRequest request;
  request.set_page_size(2);
  v1::ListVendorsResponse response;

  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(NamesOf(response.vendors()), ElementsAre("Alpha", "Bravo"));
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(2, 4));
  ASSERT_THAT(response.next_page_token(), Not(IsEmpty()));

  request.set_page_token(response.next_page_token());
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(NamesOf(response.vendors()), ElementsAre("Charlie", "Delta"));
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(5, 3));
  ASSERT_THAT(response.next_page_token(), Not(IsEmpty()));

  request.set_page_token(response.next_page_token());
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(NamesOf(response.vendors()), ElementsAre("Echo"));
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(1));
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(VendorApiTest, ListVendorsWalksPagesInEveryOrder) {
  CreateVendors({"Echo", "Alpha", "Delta", "Bravo", "Charlie"});
  struct Case {
    v1::VendorOrder order;
    std::vector<int> ids;
  };
  for (const Case& c : {Case{v1::VENDOR_ORDER_NAME_ASC, {2, 4, 5, 3, 1}},
                        Case{v1::VENDOR_ORDER_NAME_DESC, {1, 3, 5, 4, 2}},
                        Case{v1::VENDOR_ORDER_ID_ASC, {1, 2, 3, 4, 5}},
                        Case{v1::VENDOR_ORDER_ID_DESC, {5, 4, 3, 2, 1}}}) {
    SCOPED_TRACE(v1::VendorOrder_Name(c.order));
    v1::ListVendorsRequest request;
    request.set_order_by(c.order);
    request.set_page_size(2);
    std::vector<int> ids;
    int pages = 0;
    do {
      v1::ListVendorsResponse response;
      ASSERT_TRUE(List(request, &response).ok());
      ++pages;
      for (int id : IdsOf(response.vendors())) ids.push_back(id);
      request.set_page_token(response.next_page_token());
    } while (!request.page_token().empty() && pages < 10);
    EXPECT_EQ(pages, 3);
    EXPECT_EQ(ids, c.ids);
  }
}

TEST_F(VendorApiTest, ListVendorsExactlyFullLastPageHasNoToken) {
  CreateVendors({"A", "B", "C", "D"});
  v1::ListVendorsRequest request;
  request.set_page_size(2);
  request.set_order_by(v1::VENDOR_ORDER_ID_ASC);
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(1, 2));
  request.set_page_token(response.next_page_token());
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(3, 4));
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(VendorApiTest, ListVendorsPagesAreStableUnderConcurrentInserts) {
  CreateVendors({"Echo", "Alpha", "Delta", "Bravo", "Charlie"});
  v1::ListVendorsRequest request;
  request.set_page_size(2);
  request.set_order_by(v1::VENDOR_ORDER_ID_ASC);
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(1, 2));

  // Inserted between pages: new, higher ids.
  EXPECT_THAT(CreateVendors({"Aaron", "Zulu"}), ElementsAre(6, 7));

  std::vector<int> ids = IdsOf(response.vendors());
  request.set_page_token(response.next_page_token());
  int pages = 1;
  while (!request.page_token().empty() && pages < 10) {
    ASSERT_TRUE(List(request, &response).ok());
    ++pages;
    for (int id : IdsOf(response.vendors())) ids.push_back(id);
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(pages, 4);
  EXPECT_THAT(ids, ElementsAre(1, 2, 3, 4, 5, 6, 7));
}

TEST_F(VendorApiTest, ListVendorsByNameIsStableUnderConcurrentInserts) {
  CreateVendors({"Echo", "Alpha", "Delta", "Bravo", "Charlie"});
  v1::ListVendorsRequest request;
  request.set_page_size(2);
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(NamesOf(response.vendors()), ElementsAre("Alpha", "Bravo"));

  // "Aaron" sorts before the cursor: not shown; "Zulu" after it: shown.
  CreateVendors({"Aaron", "Zulu"});
  std::vector<std::string> names = NamesOf(response.vendors());
  request.set_page_token(response.next_page_token());
  int pages = 1;
  while (!request.page_token().empty() && pages < 10) {
    ASSERT_TRUE(List(request, &response).ok());
    ++pages;
    for (const std::string& name : NamesOf(response.vendors())) {
      names.push_back(name);
    }
    request.set_page_token(response.next_page_token());
  }
  EXPECT_EQ(pages, 3);
  EXPECT_THAT(
      names, ElementsAre("Alpha", "Bravo", "Charlie", "Delta", "Echo", "Zulu"));
}

TEST_F(VendorApiTest, ListVendorsFiltersByNameIgnoringCase) {
  CreateVendors({"Asahi Glass Co Ltd.", "3M Co.", "Daikin Industries Ltd.",
                 "AKM Semiconductor Inc.", "Foster Electric Co. Ltd."});
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_NAME_ASC, "co"),
              ElementsAre("3M Co.", "AKM Semiconductor Inc.",
                          "Asahi Glass Co Ltd.", "Foster Electric Co. Ltd."));
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_ID_ASC, "LTD"),
              ElementsAre("Asahi Glass Co Ltd.", "Daikin Industries Ltd.",
                          "Foster Electric Co. Ltd."));
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_NAME_DESC, "co."),
              ElementsAre("Foster Electric Co. Ltd.", "3M Co."));
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_ID_ASC, "nothing like it"), IsEmpty());
}

TEST_F(VendorApiTest, ListVendorsMatchesWildcardCharactersLiterally) {
  CreateVendors({"100% Co", "Other", "A_B Ltd", "AxB Ltd", "Back\\slash"});
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_ID_ASC, "%"), ElementsAre("100% Co"));
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_ID_ASC, "_"), ElementsAre("A_B Ltd"));
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_ID_ASC, "a_b"),
              ElementsAre("A_B Ltd"));
  EXPECT_THAT(ListNames(v1::VENDOR_ORDER_ID_ASC, "\\"),
              ElementsAre("Back\\slash"));
}

TEST_F(VendorApiTest, ListVendorsPagesThroughFilteredList) {
  CreateVendors({"Acme 1", "Other 1", "acme 2", "Other 2", "ACME 3"});
  v1::ListVendorsRequest request;
  request.set_page_size(2);
  request.set_order_by(v1::VENDOR_ORDER_ID_DESC);
  request.set_name_contains("acme");
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(5, 3));
  request.set_page_token(response.next_page_token());
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(1));
  EXPECT_EQ(response.next_page_token(), "");
}

TEST_F(VendorApiTest, ListVendorsRejectsPageSizeOutOfRange) {
  CreateVendors({"A"});
  for (int page_size : {-1, 1001}) {
    SCOPED_TRACE(page_size);
    v1::ListVendorsRequest request;
    request.set_page_size(page_size);
    v1::ListVendorsResponse response;
    EXPECT_TRUE(IsInvalidField(List(request, &response), "page_size"));
  }
  v1::ListVendorsRequest request;
  request.set_page_size(1000);
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  EXPECT_EQ(response.vendors_size(), 1);
}

TEST_F(VendorApiTest, ListVendorsRejectsGarbagePageToken) {
  CreateVendors({"A", "B", "C"});
  for (const std::string token :
       {"garbage", "!!!not base64!!!", "AAAA", "Cgd2ZW5kb3Jz"}) {
    SCOPED_TRACE(token);
    v1::ListVendorsRequest request;
    request.set_page_token(token);
    v1::ListVendorsResponse response;
    EXPECT_TRUE(IsInvalidField(List(request, &response), "page_token"));
  }
}

TEST_F(VendorApiTest, ListVendorsRejectsTokenOfOtherQuery) {
  CreateVendors({"Acme A", "Acme B", "Acme C"});
  v1::ListVendorsRequest first;
  first.set_page_size(1);
  first.set_order_by(v1::VENDOR_ORDER_ID_ASC);
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(first, &response).ok());
  const std::string token = response.next_page_token();
  ASSERT_THAT(token, Not(IsEmpty()));

  v1::ListVendorsRequest other_order = first;
  other_order.set_page_token(token);
  other_order.set_order_by(v1::VENDOR_ORDER_ID_DESC);
  EXPECT_TRUE(IsInvalidField(List(other_order, &response), "page_token"));

  v1::ListVendorsRequest other_filter = first;
  other_filter.set_page_token(token);
  other_filter.set_name_contains("acme");
  EXPECT_TRUE(IsInvalidField(List(other_filter, &response), "page_token"));

  // The same query continues.
  v1::ListVendorsRequest same = first;
  same.set_page_token(token);
  ASSERT_TRUE(List(same, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(2));
}

TEST_F(VendorApiTest, ListVendorsRejectsUnknownOrder) {
  v1::ListVendorsRequest request;
  request.set_order_by(static_cast<v1::VendorOrder>(99));
  v1::ListVendorsResponse response;
  EXPECT_TRUE(IsInvalidField(List(request, &response), "order_by"));
}

TEST_F(VendorApiTest, ListVendorsDefaultsToPagesOf50) {
  std::vector<std::string> names;
  for (int i = 0; i < 51; ++i)
    names.push_back(absl::StrCat("Vendor ", 100 + i));
  ASSERT_EQ(CreateVendors(names).size(), 51u);

  v1::ListVendorsRequest request;
  v1::ListVendorsResponse response;
  ASSERT_TRUE(List(request, &response).ok());
  ASSERT_EQ(response.vendors_size(), 50);
  EXPECT_EQ(response.vendors(0).vendor_name(), "Vendor 100");
  EXPECT_EQ(response.vendors(49).vendor_name(), "Vendor 149");
  ASSERT_THAT(response.next_page_token(), Not(IsEmpty()));

  request.set_page_token(response.next_page_token());
  ASSERT_TRUE(List(request, &response).ok());
  ASSERT_EQ(response.vendors_size(), 1);
  EXPECT_EQ(response.vendors(0).vendor_id(), 51);
  EXPECT_EQ(response.vendors(0).vendor_name(), "Vendor 150");
  EXPECT_EQ(response.next_page_token(), "");
}

// ---- BatchGetVendors ----

TEST_F(VendorApiTest, BatchGetVendorsReturnsRequestOrderWithDuplicates) {
  CreateVendors({"Alpha", "Bravo", "Charlie"});
  v1::BatchGetVendorsResponse response;
  ASSERT_TRUE(BatchGet({3, 1, 2}, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(3, 1, 2));
  EXPECT_THAT(NamesOf(response.vendors()),
              ElementsAre("Charlie", "Alpha", "Bravo"));
  EXPECT_EQ(response.vendors(0).etag(), EtagInDatabase(3));

  ASSERT_TRUE(BatchGet({2, 3, 2, 2}, &response).ok());
  EXPECT_THAT(IdsOf(response.vendors()), ElementsAre(2, 3, 2, 2));
  EXPECT_THAT(NamesOf(response.vendors()),
              ElementsAre("Bravo", "Charlie", "Bravo", "Bravo"));
}

TEST_F(VendorApiTest, BatchGetVendorsNamesMissingId) {
  CreateVendors({"Alpha", "Bravo", "Charlie"});
  v1::BatchGetVendorsResponse response;
  grpc::Status status = BatchGet({1, 7, 2}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("7"));
  EXPECT_EQ(status.error_message(), "vendor 7 does not exist");
  google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
  EXPECT_EQ(info.metadata().at("vendor_id"), "7");

  // The first missing id in request order.
  status = BatchGet({3, 9, 8}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "vendor 9 does not exist");
  info = ErrorInfoOf(status);
  EXPECT_EQ(info.metadata().at("vendor_id"), "9");
}

TEST_F(VendorApiTest, BatchGetVendorsRejectsBadIdLists) {
  v1::BatchGetVendorsResponse response;
  EXPECT_TRUE(IsInvalidField(BatchGet({}, &response), "vendor_ids"));
  EXPECT_TRUE(IsInvalidField(BatchGet({1, 0, 2}, &response), "vendor_ids[1]"));
  EXPECT_TRUE(IsInvalidField(BatchGet({1, -5}, &response), "vendor_ids[1]"));
  EXPECT_TRUE(IsInvalidField(BatchGet(std::vector<int>(1001, 1), &response),
                             "vendor_ids"));
}

// ---- UpdateVendor ----

TEST_F(VendorApiTest, UpdateVendorRenamesTutorialVendor) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  CreateVendors(TutorialVendors());
  v1::GetVendorResponse before;
  ASSERT_TRUE(Get(1, &before).ok());

  v1::UpdateVendorResponse response;
  const grpc::Status status = Update(1, "3M Corp", "", {}, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.updated_rows(), 1);
  EXPECT_EQ(response.vendor().vendor_id(), 1);
  EXPECT_EQ(response.vendor().vendor_name(), "3M Corp");
  EXPECT_THAT(response.vendor().etag(), Not(IsEmpty()));
  EXPECT_NE(response.vendor().etag(), before.vendor().etag());
  EXPECT_EQ(response.vendor().etag(), EtagInDatabase(1));

  EXPECT_EQ(NameInDatabase(1), "3M Corp");
  EXPECT_EQ(NameInDatabase(2), "AKM Semiconductor Inc.");
  EXPECT_EQ(VendorCount(), 7);
}

TEST_F(VendorApiTest, UpdateVendorWithNameMaskAndTrimming) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  v1::UpdateVendorResponse response;
  ASSERT_TRUE(Update(1, "  3M Corp\t", "", {"vendor_name"}, &response).ok());
  EXPECT_EQ(response.vendor().vendor_name(), "3M Corp");
  EXPECT_EQ(response.updated_rows(), 1);
  EXPECT_EQ(NameInDatabase(1), "3M Corp");
}

TEST_F(VendorApiTest, UpdateVendorWithCurrentEtagSucceeds) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  v1::GetVendorResponse current;
  ASSERT_TRUE(Get(1, &current).ok());

  v1::UpdateVendorResponse first;
  ASSERT_TRUE(Update(1, "3M Corp", current.vendor().etag(), {}, &first).ok());
  EXPECT_EQ(first.updated_rows(), 1);
  EXPECT_NE(first.vendor().etag(), current.vendor().etag());

  // The etag the update returned is the current one.
  v1::UpdateVendorResponse second;
  const grpc::Status status =
      Update(1, "3M Company", first.vendor().etag(), {}, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(second.vendor().vendor_name(), "3M Company");
  EXPECT_NE(second.vendor().etag(), first.vendor().etag());
  EXPECT_EQ(NameInDatabase(1), "3M Company");
}

TEST_F(VendorApiTest, UpdateVendorWithStaleEtagIsAborted) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  v1::GetVendorResponse read;
  ASSERT_TRUE(Get(1, &read).ok());
  const std::string stale = read.vendor().etag();
  v1::UpdateVendorResponse response;
  ASSERT_TRUE(Update(1, "3M Corp", "", {}, &response).ok());
  const std::string current = response.vendor().etag();

  const grpc::Status status = Update(1, "Someone Else", stale, {}, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED)
      << status.error_message();
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "ETAG_MISMATCH");
  EXPECT_EQ(info.domain(), "suppliers.v1");
  EXPECT_EQ(info.metadata().at("vendor_id"), "1");
  EXPECT_EQ(NameInDatabase(1), "3M Corp");
  EXPECT_EQ(EtagInDatabase(1), current);
}

TEST_F(VendorApiTest, UpdateVendorOfUnknownIdIsNotFound) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  const std::string etag = EtagInDatabase(1);
  for (const std::string& with_etag : {std::string(), etag}) {
    SCOPED_TRACE(with_etag);
    v1::UpdateVendorResponse response;
    const grpc::Status status = Update(5, "Ghost", with_etag, {}, &response);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
    EXPECT_EQ(status.error_message(), "vendor 5 does not exist");
    const google::rpc::ErrorInfo info = ErrorInfoOf(status);
    EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
    EXPECT_EQ(info.metadata().at("vendor_id"), "5");
  }
  EXPECT_EQ(VendorCount(), 1);
  EXPECT_EQ(NameInDatabase(1), "3M Co.");
}

TEST_F(VendorApiTest, UpdateVendorRejectsUnknownMaskPaths) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  const std::string etag = EtagInDatabase(1);
  v1::UpdateVendorResponse response;
  EXPECT_TRUE(IsInvalidField(Update(1, "3M Corp", "", {"vendor_id"}, &response),
                             "update_mask.paths[0]"));
  EXPECT_TRUE(IsInvalidField(Update(1, "3M Corp", "", {"nope"}, &response),
                             "update_mask.paths[0]"));
  EXPECT_TRUE(IsInvalidField(Update(1, "3M Corp", "", {"etag"}, &response),
                             "update_mask.paths[0]"));
  EXPECT_TRUE(IsInvalidField(
      Update(1, "3M Corp", "", {"vendor_name", "nope"}, &response),
      "update_mask.paths[1]"));
  EXPECT_EQ(NameInDatabase(1), "3M Co.");
  EXPECT_EQ(EtagInDatabase(1), etag);
}

TEST_F(VendorApiTest, UpdateVendorRejectsMissingVendor) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  v1::UpdateVendorRequest request;
  request.mutable_update_mask()->add_paths("vendor_name");
  v1::UpdateVendorResponse response;
  EXPECT_TRUE(IsInvalidField(
      vendors_->UpdateVendor(Context().get(), request, &response), "vendor"));
  EXPECT_EQ(NameInDatabase(1), "3M Co.");
}

TEST_F(VendorApiTest, UpdateVendorRejectsBadNameAndId) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  const std::string etag = EtagInDatabase(1);
  v1::UpdateVendorResponse response;
  EXPECT_TRUE(
      IsInvalidField(Update(1, "", "", {}, &response), "vendor.vendor_name"));
  EXPECT_TRUE(IsInvalidField(Update(1, "  \t ", "", {"vendor_name"}, &response),
                             "vendor.vendor_name"));
  EXPECT_TRUE(IsInvalidField(Update(1, Repeat("b", 256), "", {}, &response),
                             "vendor.vendor_name"));
  EXPECT_TRUE(IsInvalidField(Update(1,
                                    "3M\x07"
                                    "Corp",
                                    "", {}, &response),
                             "vendor.vendor_name"));
  EXPECT_TRUE(IsInvalidField(Update(0, "3M Corp", "", {}, &response),
                             "vendor.vendor_id"));
  EXPECT_TRUE(IsInvalidField(Update(-1, "3M Corp", "", {}, &response),
                             "vendor.vendor_id"));
  EXPECT_EQ(NameInDatabase(1), "3M Co.");
  EXPECT_EQ(EtagInDatabase(1), etag);
}

// ---- DeleteVendor ----

TEST_F(VendorApiTest, DeleteVendorCascadesToItsLinksOnly) {
  CreateVendors({"3M Co.", "AKM Semiconductor Inc."});
  Exec("INSERT INTO parts (part_name) VALUES ('SIM Tray'), ('Speaker')");
  Exec(
      "INSERT INTO vendor_parts (vendor_id, part_id) "
      "VALUES (1, 1), (1, 2), (2, 1)");

  v1::DeleteVendorResponse response;
  const grpc::Status status = Delete(1, "", &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.deleted_rows(), 1);
  EXPECT_EQ(response.deleted_links(), 2);

  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendors WHERE vendor_id = 1"), 0);
  EXPECT_EQ(VendorCount(), 1);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendor_parts WHERE vendor_id = 1"),
            0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendor_parts"), 1);
  EXPECT_EQ(QueryInt("SELECT vendor_id FROM vendor_parts WHERE part_id = 1"),
            2);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM parts"), 2);
  EXPECT_EQ(QueryText("SELECT string_agg(part_name, ',' ORDER BY part_id) "
                      "FROM parts"),
            "SIM Tray,Speaker");
}

TEST_F(VendorApiTest, DeleteVendorWithoutLinks) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  v1::DeleteVendorResponse response;
  ASSERT_TRUE(Delete(1, "", &response).ok());
  EXPECT_EQ(response.deleted_rows(), 1);
  EXPECT_EQ(response.deleted_links(), 0);
  EXPECT_EQ(VendorCount(), 0);

  v1::GetVendorResponse get;
  EXPECT_EQ(Get(1, &get).error_code(), grpc::StatusCode::NOT_FOUND);
}

TEST_F(VendorApiTest, DeleteVendorTwiceIsNotFound) {
  CreateVendors({"3M Co.", "AKM Semiconductor Inc."});
  v1::DeleteVendorResponse response;
  ASSERT_TRUE(Delete(1, "", &response).ok());

  const grpc::Status status = Delete(1, "", &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "vendor 1 does not exist");
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "VENDOR_NOT_FOUND");
  EXPECT_EQ(info.metadata().at("vendor_id"), "1");
  EXPECT_EQ(VendorCount(), 1);
  EXPECT_EQ(NameInDatabase(2), "AKM Semiconductor Inc.");
}

TEST_F(VendorApiTest, DeleteVendorWithStaleEtagIsAborted) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  Exec("INSERT INTO parts (part_name) VALUES ('SIM Tray')");
  Exec("INSERT INTO vendor_parts (vendor_id, part_id) VALUES (1, 1)");
  const std::string stale = EtagInDatabase(1);
  v1::UpdateVendorResponse updated;
  ASSERT_TRUE(Update(1, "3M Corp", "", {}, &updated).ok());

  v1::DeleteVendorResponse response;
  const grpc::Status status = Delete(1, stale, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED)
      << status.error_message();
  const google::rpc::ErrorInfo info = ErrorInfoOf(status);
  EXPECT_EQ(info.reason(), "ETAG_MISMATCH");
  EXPECT_EQ(info.metadata().at("vendor_id"), "1");
  EXPECT_EQ(VendorCount(), 1);
  EXPECT_EQ(NameInDatabase(1), "3M Corp");
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendor_parts"), 1);

  // With the current etag it goes.
  ASSERT_TRUE(Delete(1, updated.vendor().etag(), &response).ok());
  EXPECT_EQ(response.deleted_rows(), 1);
  EXPECT_EQ(response.deleted_links(), 1);
  EXPECT_EQ(VendorCount(), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM vendor_parts"), 0);
  EXPECT_EQ(QueryInt("SELECT count(*) FROM parts"), 1);
}

TEST_F(VendorApiTest, DeleteVendorRejectsNonPositiveId) {
  ASSERT_EQ(CreateVendor("3M Co."), 1);
  v1::DeleteVendorResponse response;
  EXPECT_TRUE(IsInvalidField(Delete(0, "", &response), "vendor_id"));
  EXPECT_TRUE(IsInvalidField(Delete(-1, "", &response), "vendor_id"));
  EXPECT_EQ(VendorCount(), 1);
}

// Text with a NUL would be cut short on its way to PostgreSQL and widen the
// filter; it is refused instead.
TEST_F(VendorApiTest, ListVendorsRejectsFilterWithControlCharacters) {
  CreateVendors({"Acme", "Beta"});
  v1::ListVendorsRequest request;
  request.set_name_contains(std::string("a\0zzz", 5));
  v1::ListVendorsResponse response;
  EXPECT_TRUE(IsInvalidField(List(request, &response), "name_contains"));
  request.set_name_contains(std::string(256, 'a'));
  EXPECT_TRUE(IsInvalidField(List(request, &response), "name_contains"));
}

TEST_F(VendorApiTest, UpdateAndDeleteRejectEtagsThisServiceNeverIssued) {
  const int id = CreateVendors({"Acme"})[0];
  const std::string etag = EtagInDatabase(id);
  v1::UpdateVendorRequest update;
  update.mutable_vendor()->set_vendor_id(id);
  update.mutable_vendor()->set_vendor_name("Renamed");
  update.mutable_vendor()->set_etag(etag + std::string("\0junk", 5));
  v1::UpdateVendorResponse updated;
  EXPECT_TRUE(
      IsInvalidField(vendors_->UpdateVendor(Context().get(), update, &updated),
                     "vendor.etag"));
  EXPECT_EQ(NameInDatabase(id), "Acme");
  v1::DeleteVendorRequest remove;
  remove.set_vendor_id(id);
  remove.set_etag("W/\"x\"");
  v1::DeleteVendorResponse deleted;
  EXPECT_TRUE(IsInvalidField(
      vendors_->DeleteVendor(Context().get(), remove, &deleted), "etag"));
  EXPECT_EQ(VendorCount(), 1);
}

TEST_F(VendorApiTest, UnspecifiedOrderTokenContinuesANameAscendingList) {
  CreateVendors({"C", "A", "B"});
  v1::ListVendorsRequest request;
  request.set_page_size(1);
  v1::ListVendorsResponse first;
  ASSERT_TRUE(List(request, &first).ok());
  request.set_order_by(v1::VENDOR_ORDER_NAME_ASC);
  request.set_page_token(first.next_page_token());
  v1::ListVendorsResponse second;
  ASSERT_TRUE(List(request, &second).ok());
  ASSERT_EQ(second.vendors_size(), 1);
  EXPECT_EQ(second.vendors(0).vendor_name(), "B");
}

}  // namespace
}  // namespace suppliers
