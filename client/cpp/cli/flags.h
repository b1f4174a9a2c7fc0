// Owns the flags of one suppliers-client command: their declaration
// (FlagSpec), parsing "--key value" / "--key=value" against it, and typed
// access that turns a bad value into a usage error.
#ifndef SUPPLIERS_CLIENT_CPP_CLI_FLAGS_H_
#define SUPPLIERS_CLIENT_CPP_CLI_FLAGS_H_

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace suppliers::client {

// A usage error: printed with a pointer to --help, exit code 2.
struct UsageError {
  std::string message;
};

struct FlagSpec {
  std::string name;   // without the leading "--"
  std::string value;  // placeholder shown in help; empty for a switch
  std::string help;
  bool required = false;
  bool repeated = false;
};

// The flags given to one command, already checked against its FlagSpecs.
// A value type; the accessors throw UsageError for a malformed value.
class Flags {
 public:
  explicit Flags(std::map<std::string, std::vector<std::string>> values)
      : values_(std::move(values)) {}

  bool Has(const std::string& name) const { return values_.count(name) > 0; }
  // The last value given, or `fallback`.
  std::string Text(const std::string& name,
                   const std::string& fallback = "") const;
  // Every value given, in order.
  std::vector<std::string> All(const std::string& name) const;
  int64_t Int(const std::string& name, int64_t fallback = 0) const;
  // "1,2,3" (or repeated flags) as ints.
  std::vector<int32_t> Ints(const std::string& name) const;

 private:
  std::map<std::string, std::vector<std::string>> values_;
};

// Parses `args` for the command `command_name` ("vendors get") declared with
// `specs`. Throws UsageError for an unknown flag, a missing value, a
// non-repeatable flag given twice or a required flag left out.
Flags ParseFlags(const std::string& command_name,
                 const std::vector<FlagSpec>& specs,
                 const std::vector<std::string>& args);

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_CLI_FLAGS_H_
