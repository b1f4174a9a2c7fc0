// Owns the command line's contract: help on stdout with exit 0, usage
// errors with exit 2 naming the flag.
#include "server/command_line.h"

#include <algorithm>
#include <cstdio>
#include <vector>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/flags/usage.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace suppliers {
namespace {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;

// Flags defined in the server's own sources (the rest are the libraries').
bool IsOurs(const absl::CommandLineFlag& flag) {
  return absl::StrContains(flag.Filename(), "server/");
}

// Abseil's own flags that take a value but are not ours to check.
bool IsParserFlag(absl::string_view name) {
  return name == "flagfile" || name == "fromenv" || name == "tryfromenv" ||
         name == "undefok";
}

int UsageError(const std::string& message) {
  std::fprintf(stderr, "suppliers-server: %s (see --help)\n", message.c_str());
  return kExitUsage;
}

}  // namespace

std::string FlagsHelp(bool all) {
  std::vector<const absl::CommandLineFlag*> flags;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (flag->IsRetired() || (!all && !IsOurs(*flag))) continue;
    flags.push_back(flag);
  }
  std::sort(flags.begin(), flags.end(),
            [](const absl::CommandLineFlag* a, const absl::CommandLineFlag* b) {
              return a->Name() < b->Name();
            });
  std::string text = absl::StrCat(absl::ProgramUsageMessage(), "\n\nFlags:\n");
  for (const absl::CommandLineFlag* flag : flags) {
    absl::StrAppend(&text, "  --", flag->Name(), "\n      ", flag->Help(),
                    "\n      default: ",
                    flag->DefaultValue().empty() ? std::string("\"\"")
                                                 : flag->DefaultValue(),
                    "\n");
  }
  if (!all) {
    absl::StrAppend(&text,
                    "\n--helpfull also lists the flags of the libraries.\n");
  }
  return text;
}

std::optional<int> HandleHelpAndCheckFlags(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const absl::string_view arg = argv[i];
    if (arg == "--") break;  // the rest are positional
    if (arg == "-h" || arg == "--help" || arg == "-help" ||
        arg == "--helpfull" || arg == "--helpshort") {
      std::fputs(FlagsHelp(arg == "--helpfull").c_str(), stdout);
      return kExitOk;
    }
    if (!absl::StartsWith(arg, "-") || arg == "-") continue;
    absl::string_view body = arg.substr(absl::StartsWith(arg, "--") ? 2 : 1);
    absl::string_view name = body;
    std::optional<absl::string_view> value;
    if (const size_t eq = body.find('='); eq != absl::string_view::npos) {
      name = body.substr(0, eq);
      value = body.substr(eq + 1);
    }
    if (absl::StartsWith(name, "help")) {  // --help=substring and the like
      std::fputs(FlagsHelp(/*all=*/true).c_str(), stdout);
      return kExitOk;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && !value.has_value() && absl::StartsWith(name, "no")) {
      // --nofoo for a boolean --foo
      absl::CommandLineFlag* negated =
          absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) continue;
    }
    if (flag == nullptr || flag->IsRetired()) {
      return UsageError(absl::StrCat("unknown flag --", name));
    }
    if (IsParserFlag(name)) {
      if (!value.has_value()) ++i;
      continue;
    }
    if (!value.has_value()) {
      if (flag->IsOfType<bool>()) continue;
      if (i + 1 >= argc) {
        return UsageError(absl::StrCat("missing value for --", name));
      }
      value = argv[++i];
    }
    std::string error;
    if (!flag->ParseFrom(*value, &error)) {
      return UsageError(absl::StrCat("bad value for --", name, ": ", error));
    }
  }
  return std::nullopt;
}

std::vector<std::string> RepeatedFlagValues(int argc, char** argv,
                                            std::string_view name) {
  std::vector<std::string> values;
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg.substr(0, 2) == "--") {
      arg.remove_prefix(2);
    } else if (arg.substr(0, 1) == "-") {
      arg.remove_prefix(1);
    } else {
      continue;
    }
    if (arg.substr(0, name.size()) != name) continue;
    arg.remove_prefix(name.size());
    if (arg.empty() && i + 1 < argc) {
      values.emplace_back(argv[++i]);
    } else if (!arg.empty() && arg.front() == '=') {
      values.emplace_back(arg.substr(1));
    }
  }
  return values;
}

}  // namespace suppliers
