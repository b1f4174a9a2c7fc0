// Owns what every fuzzer sets up once: libprotobuf's complaints about
// invalid UTF-8 (expected, by the million) are dropped instead of printed.
#ifndef SUPPLIERS_TESTS_FUZZ_QUIET_PROTOBUF_H_
#define SUPPLIERS_TESTS_FUZZ_QUIET_PROTOBUF_H_

#include "google/protobuf/stubs/logging.h"

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

#endif  // SUPPLIERS_TESTS_FUZZ_QUIET_PROTOBUF_H_
