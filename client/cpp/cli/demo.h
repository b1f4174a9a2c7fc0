// Owns `suppliers-client demo`: the tutorial replayed page by page through
// the API against a fresh database, checking every result the reference
// lists (docs/tutorial.md), with a change feed watch beside it.
#ifndef SUPPLIERS_CLIENT_CPP_CLI_DEMO_H_
#define SUPPLIERS_CLIENT_CPP_CLI_DEMO_H_

#include <cstdio>

#include "client/cpp/suppliers_client.h"

namespace suppliers::client {

// Prints each step to `out`; returns kExitOk when every check passed,
// kExitFailed (with expected vs actual, or the reason it stopped) otherwise.
// Refuses, before writing anything, when vendors or parts already exist.
// A WatchChanges call runs beside the steps, and the changes it received are
// printed at the end; it only shows, never fails the demo (a server without
// the change feed prints "watch: unavailable (UNIMPLEMENTED)"), and it is
// cancelled before RunDemo returns.
int RunDemo(SuppliersClient& client, std::FILE* out);

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_CLI_DEMO_H_
