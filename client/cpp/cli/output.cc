// Owns how the CLI prints results: aligned tables for people, one JSON object
// per line (proto3 JSON mapping) with --json, change events as one line.
#include "client/cpp/cli/output.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace suppliers::client {

Table::Table(std::vector<std::string> header) {
  rows_.push_back(std::move(header));
}

void Table::AddRow(std::vector<std::string> row) {
  rows_.push_back(std::move(row));
}

void Table::Print(std::FILE* out) const {
  std::vector<size_t> widths;
  for (const auto& row : rows_) {
    widths.resize(std::max(widths.size(), row.size()));
    for (size_t i = 0; i < row.size(); ++i) {
      widths[i] = std::max(widths[i], row[i].size());
    }
  }
  for (const auto& row : rows_) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size())
        line += std::string(widths[i] - row[i].size() + 2, ' ');
    }
    std::fprintf(out, "%s\n", line.c_str());
  }
}

std::string ToJsonLine(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  (void)google::protobuf::util::MessageToJsonString(message, &json, options);
  return json;
}

std::string KindName(v1::ResourceKind kind) {
  switch (kind) {
    case v1::RESOURCE_KIND_VENDOR:
      return "vendor";
    case v1::RESOURCE_KIND_PART:
      return "part";
    case v1::RESOURCE_KIND_VENDOR_PART:
      return "vendor_part";
    case v1::RESOURCE_KIND_DRAWING:
      return "drawing";
    default:
      // A kind newer than this client: still shown, by number.
      return absl::StrCat("kind_", static_cast<int>(kind));
  }
}

std::string DescribeChange(const v1::ChangeEvent& event) {
  std::string operation =
      v1::ChangeOperation_IsValid(event.operation())
          ? absl::AsciiStrToLower(
                absl::StripPrefix(v1::ChangeOperation_Name(event.operation()),
                                  "CHANGE_OPERATION_"))
          : absl::StrCat("operation_", static_cast<int>(event.operation()));
  std::string text = absl::StrCat(operation, " ", KindName(event.kind()));
  if (event.part_id() != 0) {
    absl::StrAppend(&text, " part_id=", event.part_id());
  }
  if (event.vendor_id() != 0) {
    absl::StrAppend(&text, " vendor_id=", event.vendor_id());
  }
  auto quoted = [](const std::string& name) {
    return absl::StrCat("\"", absl::Utf8SafeCEscape(name), "\"");
  };
  switch (event.resource_case()) {
    case v1::ChangeEvent::kVendor:
      absl::StrAppend(&text, " ", quoted(event.vendor().vendor_name()));
      break;
    case v1::ChangeEvent::kPart:
      absl::StrAppend(&text, " ", quoted(event.part().part_name()));
      break;
    case v1::ChangeEvent::kDrawing:
      absl::StrAppend(&text, " ", event.drawing().file_extension(), " ",
                      event.drawing().size_bytes(), " bytes");
      break;
    case v1::ChangeEvent::RESOURCE_NOT_SET:
      break;
  }
  return text;
}

}  // namespace suppliers::client
