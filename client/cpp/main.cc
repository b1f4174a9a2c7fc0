// Owns the suppliers-client executable's entry point.
#include "client/cpp/cli/cli.h"

int main(int argc, char** argv) {
  return suppliers::client::RunCli(argc, argv);
}
