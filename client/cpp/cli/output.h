// Owns how the CLI prints results: aligned tables for people, one JSON object
// per line (proto3 JSON mapping) with --json, change events as one line.
#ifndef SUPPLIERS_CLIENT_CPP_CLI_OUTPUT_H_
#define SUPPLIERS_CLIENT_CPP_CLI_OUTPUT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "suppliers/v1/change_feed.pb.h"

namespace suppliers::client {

// Rows of text printed as aligned columns under a header.
class Table {
 public:
  explicit Table(std::vector<std::string> header);
  void AddRow(std::vector<std::string> row);
  void Print(std::FILE* out) const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

// One line of JSON for `message` (lowerCamelCase names, as grpc-gateway and
// buf curl print them).
std::string ToJsonLine(const google::protobuf::Message& message);

// A change event for people, without its sequence:
// `insert vendor vendor_id=1 "3M Co."`, `delete vendor_part part_id=1
// vendor_id=2`, `update drawing part_id=1 png 245 bytes`. Kinds are named as
// `watch --kinds` takes them; names are quoted with C escapes (UTF-8 kept).
std::string DescribeChange(const v1::ChangeEvent& event);

// The --kinds name of `kind` ("vendor", "part", "vendor_part", "drawing").
std::string KindName(v1::ResourceKind kind);

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_CLI_OUTPUT_H_
