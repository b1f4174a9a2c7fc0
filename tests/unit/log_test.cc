// Tests the JSON log line format (server/base/log.h).
#include "server/base/log.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace suppliers {
namespace {

using ::testing::HasSubstr;
using ::testing::MatchesRegex;

TEST(LogTest, FormatsOneJsonObjectWithTypedFields) {
  const std::string line =
      FormatLogLine(LogLevel::kInfo, "listening",
                    {{"address", "127.0.0.1:50051"}, {"pool_max_size", 8}});
  EXPECT_THAT(line,
              MatchesRegex(R"(\{"ts":"[0-9T:.Z-]+","level":"info",.*\})"));
  EXPECT_THAT(line, HasSubstr(R"("msg":"listening")"));
  EXPECT_THAT(line, HasSubstr(R"("address":"127.0.0.1:50051")"));
  EXPECT_THAT(line, HasSubstr(R"("pool_max_size":8})"));
}

TEST(LogTest, EscapesQuotesBackslashesAndControlCharacters) {
  const std::string line =
      FormatLogLine(LogLevel::kError, "a\"b\\c\nd\x01", {{"k\"", "tab\there"}});
  EXPECT_THAT(line, HasSubstr(R"("level":"error")"));
  EXPECT_THAT(line, HasSubstr(R"("msg":"a\"b\\c\nd\u0001")"));
  EXPECT_THAT(line, HasSubstr(R"("k\"":"tab\there")"));
  EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(LogTest, KeepsValidUtf8AndReplacesInvalidBytes) {
  const std::string line =
      FormatLogLine(LogLevel::kWarning, "caf\xc3\xa9 \xff\xfe end \xe2\x82",
                    {{"name", "\xed\xa0\x80"}});
  EXPECT_THAT(line, HasSubstr("\"msg\":\"caf\xc3\xa9 \\ufffd\\ufffd end "
                              "\\ufffd\\ufffd\""));
  EXPECT_THAT(line, HasSubstr(R"("name":"\ufffd\ufffd\ufffd")"));
}

}  // namespace
}  // namespace suppliers
