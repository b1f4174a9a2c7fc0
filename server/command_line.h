// Owns the command line's contract, which Abseil's parser does not keep on
// its own: --help (also -h, --helpfull) lists every flag of the server on
// stdout and exits 0, and an unknown flag or a bad value exits 2 (usage),
// naming the flag, before anything starts.
#ifndef SUPPLIERS_SERVER_COMMAND_LINE_H_
#define SUPPLIERS_SERVER_COMMAND_LINE_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace suppliers {

// Checks argv before absl::ParseCommandLine: returns the exit code when the
// process should stop here (0 after help, 2 after a usage error, reported
// on `error_out`/stdout), nothing when parsing may go on. Call after
// absl::SetProgramUsageMessage. Not thread-safe (process start only).
std::optional<int> HandleHelpAndCheckFlags(int argc, char** argv);

// The help text: the usage message, then each flag the server defines
// (name, description, default), sorted by name; with `all`, the flags of
// the libraries too.
std::string FlagsHelp(bool all);

// Every value given to the flag `name` (without dashes), in order, as
// --name=V, -name=V, --name V or -name V: Abseil keeps only the last one of
// a repeated flag. Stops at "--". The flag must still be defined, so that
// the parser accepts it.
std::vector<std::string> RepeatedFlagValues(int argc, char** argv,
                                            std::string_view name);

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_COMMAND_LINE_H_
