// Owns the suppliers-client command line: global options, help, and
// dispatching RESOURCE VERB to its command; the exit codes.
#ifndef SUPPLIERS_CLIENT_CPP_CLI_CLI_H_
#define SUPPLIERS_CLIENT_CPP_CLI_CLI_H_

namespace suppliers::client {

// Exit codes: 0 success; 1 the call failed (the status is printed) or the
// demo found a mismatch; 2 usage error.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// suppliers-client [--target HOST:PORT] [--deadline 5s] [--json]
//                  RESOURCE VERB [flags]
int RunCli(int argc, char** argv);

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_CLI_CLI_H_
