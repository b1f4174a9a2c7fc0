// Owns the flags of one suppliers-client command: their declaration
// (FlagSpec), parsing "--key value" / "--key=value" against it, and typed
// access that turns a bad value into a usage error.
#include "client/cpp/cli/flags.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace suppliers::client {

std::string Flags::Text(const std::string& name,
                        const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::vector<std::string> Flags::All(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

int64_t Flags::Int(const std::string& name, int64_t fallback) const {
  if (!Has(name)) return fallback;
  int64_t value = 0;
  if (!absl::SimpleAtoi(Text(name), &value)) {
    throw UsageError{absl::StrCat("--", name, " wants a whole number, not \"",
                                  Text(name), "\"")};
  }
  return value;
}

std::vector<int32_t> Flags::Ints(const std::string& name) const {
  std::vector<int32_t> ids;
  for (const std::string& value : All(name)) {
    for (absl::string_view part :
         absl::StrSplit(value, ',', absl::SkipWhitespace())) {
      int32_t id = 0;
      if (!absl::SimpleAtoi(part, &id)) {
        throw UsageError{absl::StrCat(
            "--", name, " wants ids like 1,2,3, not \"", value, "\"")};
      }
      ids.push_back(id);
    }
  }
  return ids;
}

Flags ParseFlags(const std::string& command_name,
                 const std::vector<FlagSpec>& specs,
                 const std::vector<std::string>& args) {
  std::map<std::string, std::vector<std::string>> values;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      throw UsageError{absl::StrCat("unexpected argument \"", arg, "\"")};
    }
    std::string name = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const FlagSpec* spec = nullptr;
    for (const FlagSpec& candidate : specs) {
      if (candidate.name == name) spec = &candidate;
    }
    if (spec == nullptr) {
      throw UsageError{absl::StrCat(command_name, " has no flag --", name)};
    }
    if (spec->value.empty()) {
      values[name].push_back("true");
      continue;
    }
    if (!has_value) {
      if (i + 1 >= args.size()) {
        throw UsageError{absl::StrCat("--", name, " needs a value")};
      }
      value = args[++i];
    }
    if (!spec->repeated && values.count(name) > 0) {
      throw UsageError{absl::StrCat("--", name, " given twice")};
    }
    values[name].push_back(value);
  }
  for (const FlagSpec& spec : specs) {
    if (spec.required && values.count(spec.name) == 0) {
      throw UsageError{absl::StrCat(command_name, " needs --", spec.name)};
    }
  }
  return Flags(std::move(values));
}

}  // namespace suppliers::client
