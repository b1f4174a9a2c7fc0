// Owns giving back the library code pages the process has resident but is
// not using, once start-up is over.
#ifndef SUPPLIERS_SERVER_BASE_RESIDENT_CODE_H_
#define SUPPLIERS_SERVER_BASE_RESIDENT_CODE_H_

#include <cstdint>

#include "absl/status/statusor.h"

namespace suppliers {

// Start-up touches code of every shared library (relocation, static
// initialisers), and the kernel maps up to 64 KiB around each page fault
// ("fault-around"), so an idle server keeps megabytes of gRPC, OpenSSL and
// protobuf code resident that it never runs again. This unmaps the clean
// pages of every executable file mapping and turns fault-around off for
// them (MADV_RANDOM), so that from here on only the code pages the server
// runs come back, one at a time, from the page cache.
//
// Only executable, private, file-backed mappings with no dirty pages are
// touched: their contents are the file's, so dropping them loses nothing.
// Writable and read-only data (RELRO, which the loader wrote) are left
// alone. Returns the bytes that were resident in the mappings it trimmed.
// Thread-safe, and safe while other threads run that code: a page they
// need is faulted back in.
absl::StatusOr<int64_t> ReleaseIdleCodePages();

}  // namespace suppliers

#endif  // SUPPLIERS_SERVER_BASE_RESIDENT_CODE_H_
