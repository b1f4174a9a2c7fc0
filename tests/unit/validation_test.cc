// Tests request validation and SQL parameter encoding (server/validation.h)
// and page tokens (server/page_token.h).
#include "server/store/validation.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/store/page_token.h"

namespace suppliers {
namespace {

using ::testing::ElementsAre;

TEST(ValidationTest, NamesAreTrimmedAndBoundedInCharacters) {
  EXPECT_EQ(*ValidateName("f", "  3M Co. \t"), "3M Co.");
  EXPECT_EQ(ValidateName("f", "   ").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ValidateName("vendor.vendor_name", "").status().message(),
            "vendor.vendor_name: must not be empty");
  std::string accented;
  for (int i = 0; i < 255; ++i) accented += "\xc3\xa9";  // 255 x U+00E9
  EXPECT_TRUE(ValidateName("f", accented).ok());         // 510 bytes
  EXPECT_FALSE(ValidateName("f", accented + "e").ok());
  EXPECT_TRUE(ValidateName("f", std::string(255, 'a')).ok());
  EXPECT_FALSE(ValidateName("f", std::string(256, 'a')).ok());
  EXPECT_FALSE(ValidateName("f", std::string("a\0b", 3)).ok());
}

TEST(ValidationTest, IdSetsArePositiveBoundedSortedAndUnique) {
  EXPECT_THAT(*ValidateIdSet("ids", {3, 1, 3, 2}, 1, 10), ElementsAre(1, 2, 3));
  EXPECT_EQ(ValidateIdSet("ids", {1, 0}, 1, 10).status().message(),
            "ids[1]: must be a positive id");
  EXPECT_FALSE(ValidateIdSet("ids", {}, 1, 10).ok());
  EXPECT_FALSE(ValidateIdSet("ids", {1, 2, 3}, 0, 2).ok());
  EXPECT_FALSE(ValidateId("id", 0).ok());
  EXPECT_TRUE(ValidateId("id", 1).ok());
}

TEST(ValidationTest, PageSizesAndRequestIds) {
  EXPECT_EQ(*ValidatePageSize("page_size", 0, 50, 1000), 50);
  EXPECT_EQ(*ValidatePageSize("page_size", 1000, 50, 1000), 1000);
  EXPECT_FALSE(ValidatePageSize("page_size", 1001, 50, 1000).ok());
  EXPECT_FALSE(ValidatePageSize("page_size", -1, 50, 1000).ok());
  EXPECT_TRUE(ValidateRequestId("r", "").ok());
  EXPECT_TRUE(
      ValidateRequestId("r", "123e4567-e89b-42d3-a456-426614174000").ok());
  EXPECT_FALSE(ValidateRequestId("r", "123e4567e89b42d3a456426614174000").ok());
  EXPECT_FALSE(
      ValidateRequestId("r", "123e4567-e89b-42d3-a456-42661417400g").ok());
}

TEST(ValidationTest, SearchTextAndEtagsRejectWhatWouldBeTruncated) {
  EXPECT_TRUE(ValidateSearchText("name_contains", "").ok());
  EXPECT_TRUE(ValidateSearchText("name_contains", std::string(255, 'a')).ok());
  EXPECT_FALSE(ValidateSearchText("name_contains", std::string(256, 'a')).ok());
  EXPECT_EQ(
      ValidateSearchText("name_contains", std::string("a\0zzz", 5)).message(),
      "name_contains: must not contain control characters");
  EXPECT_TRUE(ValidateEtag("etag", "").ok());
  EXPECT_TRUE(ValidateEtag("etag", "730").ok());
  EXPECT_FALSE(ValidateEtag("etag", std::string("730\0junk", 8)).ok());
  EXPECT_FALSE(ValidateEtag("etag", "W/\"730\"").ok());
}

TEST(ValidationTest, ParameterValuesEscapeWhatPostgresTreatsSpecially) {
  EXPECT_EQ(ContainsPattern("100%_a\\b"), "%100\\%\\_a\\\\b%");
  EXPECT_EQ(IntArrayLiteral({1, 2, 3}), "{1,2,3}");
  EXPECT_EQ(IntArrayLiteral({}), "{}");
  EXPECT_EQ(TextArrayLiteral({"a", "b\"c", "d\\e", "{x,y}"}),
            "{\"a\",\"b\\\"c\",\"d\\\\e\",\"{x,y}\"}");
  EXPECT_THAT(ParseIntArray("{1,22,333}"), ElementsAre(1, 22, 333));
  EXPECT_TRUE(ParseIntArray("{}").empty());
}

TEST(PageTokenTest, RoundTripsAndIsBoundToCollectionAndQuery) {
  const std::string token =
      EncodePageToken("vendors", "1/abc", PageCursor{7, "Daikin", 0, ""});
  auto decoded = DecodePageToken("page_token", token, "vendors", "1/abc");
  ASSERT_TRUE(decoded.ok());
  ASSERT_TRUE(decoded->has_value());
  EXPECT_EQ((*decoded)->id, 7);
  EXPECT_EQ((*decoded)->name, "Daikin");
  EXPECT_FALSE(DecodePageToken("page_token", token, "parts", "1/abc").ok());
  EXPECT_FALSE(DecodePageToken("page_token", token, "vendors", "2/abc").ok());
  EXPECT_FALSE(DecodePageToken("page_token", "!!!", "vendors", "1/abc").ok());
  auto empty = DecodePageToken("page_token", "", "vendors", "1/abc");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
}

}  // namespace
}  // namespace suppliers
