// Owns CSV (RFC 4180) for the bulk methods: an incremental reader that takes
// a file in chunks cut anywhere and yields its records, and the quoting of
// fields for exports. Pure, no I/O.
#ifndef SUPPLIERS_SERVER_STORE_CSV_H_
#define SUPPLIERS_SERVER_STORE_CSV_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace suppliers {

// Reads records from chunks: fields separated by ',', records by "\n" or
// "\r\n", fields optionally quoted with '"' (a quote inside doubled). A
// final line end is optional. Memory: the current record only. Not
// thread-safe.
class CsvReader {
 public:
  // Called with each complete record's fields and its 1-based line number
  // in the file (of the record's first line). Returning an error stops the
  // reader, which then returns that error from Feed()/Finish() every time.
  using RecordSink = absl::FunctionRef<absl::Status(
      const std::vector<std::string>& fields, int64_t line)>;

  // A record longer than `max_record_bytes` is INVALID_ARGUMENT (a missing
  // closing quote would otherwise swallow the whole file).
  explicit CsvReader(size_t max_record_bytes = size_t{64} * 1024)
      : max_record_bytes_(max_record_bytes) {}

  // Parses `chunk`, calling `sink` for every record completed by it.
  // INVALID_ARGUMENT naming the line for malformed CSV (a quote inside an
  // unquoted field, text after a closing quote).
  absl::Status Feed(absl::string_view chunk, RecordSink sink);
  // End of input: the last record, when it has no line end.
  // INVALID_ARGUMENT for an unterminated quoted field.
  absl::Status Finish(RecordSink sink);

 private:
  enum class State { kFieldStart, kUnquoted, kQuoted, kQuoteInQuoted, kCr };
  absl::Status EndRecord(RecordSink sink);
  absl::Status Fail(absl::Status status);

  const size_t max_record_bytes_;
  State state_ = State::kFieldStart;
  std::vector<std::string> fields_{std::string()};
  size_t record_bytes_ = 0;
  bool record_started_ = false;
  int64_t line_ = 1;         // line the parser is on
  int64_t record_line_ = 1;  // first line of the current record
  absl::Status failed_;
};

// Appends `field` to `out` as a CSV field: quoted when it holds ',', '"',
// '\r' or '\n' or starts or ends with a space, as is otherwise.
void AppendCsvField(absl::string_view field, std::string* out);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_STORE_CSV_H_
