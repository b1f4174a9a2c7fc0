// Owns the suppliers-client command line: global options, help, and
// dispatching RESOURCE VERB to its command (the commands live in
// <resource>_commands.cc).
#include "client/cpp/cli/cli.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "client/cpp/cli/command.h"
#include "client/cpp/cli/demo.h"
#include "client/cpp/service_config.h"
#include "client/cpp/suppliers_client.h"
#include "common/file_contents.h"

namespace suppliers::client {
namespace {

// The token: --token-file's contents, else $SUPPLIERS_TOKEN, white space
// trimmed; empty when neither.
std::string ReadToken(const Globals& globals) {
  std::string token;
  if (!globals.token_file.empty()) {
    absl::StatusOr<std::string> contents =
        ReadFileContents(globals.token_file, "--token-file");
    if (!contents.ok())
      throw UsageError{std::string(contents.status().message())};
    token = *std::move(contents);
  } else if (const char* from_env = std::getenv("SUPPLIERS_TOKEN")) {
    token = from_env;
  }
  return std::string(absl::StripAsciiWhitespace(token));
}

std::vector<Command> AllCommands() {
  std::vector<Command> commands;
  AddVendorCommands(commands);
  AddPartCommands(commands);
  AddDrawingCommands(commands);
  AddHealthCommands(commands);
  return commands;
}

void PrintHelp(const std::vector<Command>& commands, std::FILE* out) {
  std::fprintf(out,
               "usage: suppliers-client [--target HOST:PORT] [--deadline 5s] "
               "[--json] RESOURCE VERB [flags]\n"
               "       suppliers-client demo     replay the tutorial against "
               "a fresh database and check every result\n\n"
               "global options:\n"
               "  --target HOST:PORT  server address (default 127.0.0.1:50051,"
               " or $SUPPLIERS_TARGET);\n"
               "                      dns:///NAME:PORT spreads calls over "
               "every address of NAME\n"
               "  --load-balancing P  round_robin (default), pick_first, or "
               "none (no service config)\n"
               "  --deadline D        deadline per call, retries included "
               "(default 5s); imports,\n"
               "                      exports and drawings get 10 min, "
               "watch none\n"
               "  --tls-ca FILE       verify the server with this PEM CA "
               "(TLS; default plaintext)\n"
               "  --tls-cert FILE     client certificate for mTLS (with "
               "--tls-key)\n"
               "  --tls-key FILE      its private key\n"
               "  --tls-server-name N the name the server certificate "
               "carries, if not the target's host\n"
               "  --token-file FILE   send `authorization: Bearer <token>` "
               "(or $SUPPLIERS_TOKEN)\n"
               "  --json              one JSON object per line instead of "
               "tables\n\n"
               "commands (RESOURCE VERB: the RPC it calls):\n");
  for (const Command& command : commands) {
    std::fprintf(out, "  %-30s %s\n      %s\n",
                 (command.resource + " " + command.verb).c_str(),
                 command.rpc.c_str(), command.summary.c_str());
    for (const FlagSpec& flag : command.flags) {
      const std::string name = absl::StrCat(
          "--", flag.name, flag.value.empty() ? "" : " ", flag.value);
      std::fprintf(out, "        %-22s %s%s\n", name.c_str(), flag.help.c_str(),
                   flag.required ? " (required)" : "");
    }
  }
  std::fprintf(out,
               "\nwatch runs until interrupted (or --count events); export "
               "--csv writes the file to\nstdout and the change sequence "
               "to stderr: watch --after it to follow the table.\n"
               "\nexit codes: 0 success, 1 the call failed (code, message "
               "and field violations are printed), 2 usage error\n");
}

int Run(const std::vector<std::string>& argv) {
  const std::vector<Command> commands = AllCommands();
  Globals globals;
  if (const char* target = std::getenv("SUPPLIERS_TARGET")) {
    globals.target = target;
  }
  size_t i = 0;
  for (; i < argv.size() && argv[i].rfind('-', 0) == 0; ++i) {
    std::string name = argv[i];
    std::string value;
    const size_t eq = name.find('=');
    if (eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto take_value = [&]() -> std::string {
      if (eq != std::string::npos) return value;
      if (i + 1 >= argv.size()) {
        throw UsageError{absl::StrCat(name, " needs a value")};
      }
      return argv[++i];
    };
    if (name == "--help" || name == "-h") {
      PrintHelp(commands, stdout);
      return kExitOk;
    } else if (name == "--json") {
      globals.json = true;
    } else if (name == "--target") {
      globals.target = take_value();
    } else if (name == "--tls-ca") {
      globals.tls_ca_file = take_value();
    } else if (name == "--tls-cert") {
      globals.tls_cert_file = take_value();
    } else if (name == "--tls-key") {
      globals.tls_key_file = take_value();
    } else if (name == "--tls-server-name") {
      globals.tls_server_name = take_value();
    } else if (name == "--token-file") {
      globals.token_file = take_value();
    } else if (name == "--load-balancing") {
      globals.load_balancing = take_value();
      if (globals.load_balancing != kRoundRobin &&
          globals.load_balancing != kPickFirst &&
          globals.load_balancing != "none") {
        throw UsageError{absl::StrCat(
            "--load-balancing wants round_robin, pick_first or none, not \"",
            globals.load_balancing, "\"")};
      }
    } else if (name == "--deadline") {
      const std::string text = take_value();
      if (!absl::ParseDuration(text, &globals.deadline) ||
          globals.deadline <= absl::ZeroDuration()) {
        throw UsageError{
            absl::StrCat("--deadline wants a duration like 5s or "
                         "500ms, not \"",
                         text, "\"")};
      }
    } else {
      throw UsageError{absl::StrCat("unknown option ", name)};
    }
  }
  const std::vector<std::string> rest(argv.begin() + i, argv.end());
  if (rest.empty()) throw UsageError{"missing command"};

  ClientOptions options;
  options.target = globals.target;
  options.deadline = globals.deadline;
  options.tls_ca_file = globals.tls_ca_file;
  options.tls_cert_file = globals.tls_cert_file;
  options.tls_key_file = globals.tls_key_file;
  options.tls_server_name = globals.tls_server_name;
  options.load_balancing =
      globals.load_balancing == "none" ? "" : globals.load_balancing;
  options.token = ReadToken(globals);
  absl::StatusOr<std::unique_ptr<SuppliersClient>> connected =
      SuppliersClient::Create(std::move(options));
  if (!connected.ok())
    throw UsageError{std::string(connected.status().message())};
  SuppliersClient& client = **connected;
  if (rest[0] == "demo") {
    if (rest.size() > 1) throw UsageError{"demo takes no arguments"};
    return RunDemo(client, stdout);
  }
  if (rest.size() < 2) {
    throw UsageError{absl::StrCat("missing verb after \"", rest[0], "\"")};
  }
  for (const Command& command : commands) {
    if (command.resource == rest[0] && command.verb == rest[1]) {
      const Flags flags =
          ParseFlags(absl::StrCat(command.resource, " ", command.verb),
                     command.flags, {rest.begin() + 2, rest.end()});
      return command.run(flags, client, globals);
    }
  }
  throw UsageError{
      absl::StrCat("unknown command \"", rest[0], " ", rest[1], "\"")};
}

}  // namespace

int RunCli(int argc, char** argv) {
  try {
    return Run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const UsageError& error) {
    std::fprintf(stderr,
                 "suppliers-client: %s\nrun suppliers-client --help for the "
                 "commands and their flags\n",
                 error.message.c_str());
    return kExitUsage;
  }
}

}  // namespace suppliers::client
