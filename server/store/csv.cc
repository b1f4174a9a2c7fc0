// Owns CSV (RFC 4180) reading in chunks and field quoting for the bulk
// methods.
#include "server/store/csv.h"

#include <utility>

#include "absl/strings/str_cat.h"

namespace suppliers {
namespace {

absl::Status Malformed(int64_t line, absl::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat("csv_chunk: line ", line, ": ", why));
}

}  // namespace

absl::Status CsvReader::Fail(absl::Status status) {
  failed_ = std::move(status);
  return failed_;
}

absl::Status CsvReader::EndRecord(RecordSink sink) {
  absl::Status accepted = sink(fields_, record_line_);
  fields_.assign(1, std::string());
  record_bytes_ = 0;
  record_started_ = false;
  if (!accepted.ok()) return Fail(std::move(accepted));
  return absl::OkStatus();
}

absl::Status CsvReader::Feed(absl::string_view chunk, RecordSink sink) {
  if (!failed_.ok()) return failed_;
  for (const char c : chunk) {
    if (!record_started_) {
      record_started_ = true;
      record_line_ = line_;
    }
    if (++record_bytes_ > max_record_bytes_) {
      return Fail(
          Malformed(record_line_,
                    absl::StrCat("a record is longer than ", max_record_bytes_,
                                 " bytes (an unclosed quote?)")));
    }
    switch (state_) {
      case State::kCr:
        state_ = State::kFieldStart;
        if (c == '\n') {
          record_started_ = false;  // the record ended at the '\r'
          --record_bytes_;
          continue;
        }
        // A lone '\r' ended the record; this byte starts the next one.
        record_started_ = true;
        record_line_ = line_;
        record_bytes_ = 1;
        [[fallthrough]];
      case State::kFieldStart:
        if (c == '"') {
          state_ = State::kQuoted;
          continue;
        }
        state_ = State::kUnquoted;
        [[fallthrough]];
      case State::kUnquoted:
        if (c == ',') {
          fields_.emplace_back();
          state_ = State::kFieldStart;
        } else if (c == '\n' || c == '\r') {
          ++line_;
          state_ = c == '\r' ? State::kCr : State::kFieldStart;
          if (absl::Status ended = EndRecord(sink); !ended.ok()) return ended;
        } else if (c == '"') {
          return Fail(
              Malformed(line_,
                        "a quote inside an unquoted field (quote the field and "
                        "double the quote)"));
        } else {
          fields_.back().push_back(c);
        }
        continue;
      case State::kQuoted:
        if (c == '"') {
          state_ = State::kQuoteInQuoted;
        } else {
          if (c == '\n') ++line_;
          fields_.back().push_back(c);
        }
        continue;
      case State::kQuoteInQuoted:
        if (c == '"') {
          fields_.back().push_back('"');
          state_ = State::kQuoted;
        } else if (c == ',') {
          fields_.emplace_back();
          state_ = State::kFieldStart;
        } else if (c == '\n' || c == '\r') {
          ++line_;
          state_ = c == '\r' ? State::kCr : State::kFieldStart;
          if (absl::Status ended = EndRecord(sink); !ended.ok()) return ended;
        } else {
          return Fail(Malformed(line_, "text after a closing quote"));
        }
        continue;
    }
  }
  return absl::OkStatus();
}

absl::Status CsvReader::Finish(RecordSink sink) {
  if (!failed_.ok()) return failed_;
  if (state_ == State::kQuoted) {
    return Fail(Malformed(record_line_, "a quoted field is never closed"));
  }
  if (record_started_) {
    if (absl::Status ended = EndRecord(sink); !ended.ok()) return ended;
  }
  state_ = State::kFieldStart;
  return absl::OkStatus();
}

void AppendCsvField(absl::string_view field, std::string* out) {
  const bool quote =
      field.find_first_of(",\"\r\n") != absl::string_view::npos ||
      (!field.empty() && (field.front() == ' ' || field.back() == ' '));
  if (!quote) {
    out->append(field.data(), field.size());
    return;
  }
  out->push_back('"');
  for (const char c : field) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

}  // namespace suppliers
