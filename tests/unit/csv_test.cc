// Tests the CSV reader and writer of the bulk methods (server/store/csv.h):
// records whatever the chunk boundaries, quoting, line ends, line numbers
// and malformed input.
#include "server/store/csv.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace suppliers {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

struct Parsed {
  std::vector<std::vector<std::string>> records;
  std::vector<int64_t> lines;
  absl::Status status;
};

// Feeds `text` in chunks of `chunk` bytes.
Parsed Parse(const std::string& text, size_t chunk) {
  Parsed out;
  CsvReader reader;
  auto sink = [&](const std::vector<std::string>& fields, int64_t line) {
    out.records.push_back(fields);
    out.lines.push_back(line);
    return absl::OkStatus();
  };
  for (size_t i = 0; i < text.size() && out.status.ok(); i += chunk) {
    out.status = reader.Feed(text.substr(i, chunk), sink);
  }
  if (out.status.ok()) out.status = reader.Finish(sink);
  return out;
}

TEST(CsvReaderTest, RecordsAreTheSameWhereverTheChunksAreCut) {
  const std::string text =
      "vendor_name,x\r\n\"Acme, Inc.\",1\n\"Say \"\"hi\"\"\",\n"
      "\"two\nlines\",3\r\nplain,4";
  const Parsed whole = Parse(text, text.size());
  ASSERT_TRUE(whole.status.ok()) << whole.status;
  ASSERT_EQ(whole.records.size(), 5u);
  EXPECT_THAT(whole.records[1], ElementsAre("Acme, Inc.", "1"));
  EXPECT_THAT(whole.records[2], ElementsAre("Say \"hi\"", ""));
  EXPECT_THAT(whole.records[3], ElementsAre("two\nlines", "3"));
  EXPECT_THAT(whole.records[4], ElementsAre("plain", "4"));
  EXPECT_THAT(whole.lines, ElementsAre(1, 2, 3, 4, 6));
  for (size_t chunk = 1; chunk < 9; ++chunk) {
    const Parsed cut = Parse(text, chunk);
    ASSERT_TRUE(cut.status.ok()) << chunk << ": " << cut.status;
    EXPECT_EQ(cut.records, whole.records) << "chunks of " << chunk;
    EXPECT_EQ(cut.lines, whole.lines) << "chunks of " << chunk;
  }
}

TEST(CsvReaderTest, AFinalLineEndAddsNoRecordButABlankLineIsOne) {
  EXPECT_EQ(Parse("a\nb\n", 3).records.size(), 2u);
  EXPECT_EQ(Parse("a\r\nb\r\n", 1).records.size(), 2u);
  const Parsed blank = Parse("a\n\nb\n", 2);
  ASSERT_EQ(blank.records.size(), 3u);
  EXPECT_THAT(blank.records[1], ElementsAre(""));
}

TEST(CsvReaderTest, MalformedInputNamesItsLine) {
  const Parsed quote_inside = Parse("a\nb\"c\n", 4);
  EXPECT_EQ(quote_inside.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(quote_inside.status.message(), HasSubstr("line 2"));
  const Parsed after_quote = Parse("a\n\"b\"c\n", 2);
  EXPECT_THAT(after_quote.status.message(), HasSubstr("line 2"));
  EXPECT_THAT(after_quote.status.message(), HasSubstr("after a closing quote"));
  const Parsed unclosed = Parse("a\nb\n\"never closed\n", 5);
  EXPECT_EQ(unclosed.status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(unclosed.status.message(), HasSubstr("line 3"));
  EXPECT_EQ(unclosed.records.size(), 2u);
}

TEST(CsvReaderTest, AnOverlongRecordIsRefusedWithoutBufferingTheRest) {
  CsvReader reader(/*max_record_bytes=*/16);
  auto sink = [](const std::vector<std::string>&, int64_t) {
    return absl::OkStatus();
  };
  const absl::Status status = reader.Feed("\"" + std::string(100, 'x'), sink);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("longer than 16 bytes"));
  // Dead from then on.
  EXPECT_EQ(reader.Feed("ok\n", sink).code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(CsvReaderTest, TheSinksErrorStopsTheReader) {
  CsvReader reader;
  int calls = 0;
  auto sink = [&](const std::vector<std::string>&, int64_t line) {
    ++calls;
    return line == 2 ? absl::InvalidArgumentError("row 1: bad")
                     : absl::OkStatus();
  };
  EXPECT_EQ(reader.Feed("h\nx\ny\n", sink).message(), "row 1: bad");
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(reader.Finish(sink).message(), "row 1: bad");
}

TEST(CsvWriterTest, FieldsAreQuotedOnlyWhenNeededAndReadBackTheSame) {
  const std::vector<std::string> fields = {
      "plain", "a,b", "say \"hi\"", " padded ", "", "tab\there", "ünï"};
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) line.push_back(',');
    AppendCsvField(fields[i], &line);
  }
  EXPECT_EQ(line,
            "plain,\"a,b\",\"say \"\"hi\"\"\",\" padded \",,tab\there,ünï");
  const Parsed back = Parse(line + "\n", 3);
  ASSERT_TRUE(back.status.ok()) << back.status;
  ASSERT_EQ(back.records.size(), 1u);
  EXPECT_EQ(back.records[0], fields);
}

}  // namespace
}  // namespace suppliers
