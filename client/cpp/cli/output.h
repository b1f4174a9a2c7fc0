// Owns how the CLI prints results: aligned tables for people, one JSON object
// per line (proto3 JSON mapping) with --json.
#ifndef SUPPLIERS_CLIENT_CPP_CLI_OUTPUT_H_
#define SUPPLIERS_CLIENT_CPP_CLI_OUTPUT_H_

#include <cstdio>
#include <string>
#include <vector>

#include "google/protobuf/message.h"

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

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_CLI_OUTPUT_H_
