// Owns reading a whole small file (a key, a certificate, a token) for the
// client and the server alike, with an error that names what it was for.
#ifndef SUPPLIERS_COMMON_FILE_CONTENTS_H_
#define SUPPLIERS_COMMON_FILE_CONTENTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace suppliers {

// The bytes of the file at `path`, unchanged. INVALID_ARGUMENT
// "<what>: cannot read <path>" when it cannot be opened; `what` names the
// flag or option that gave the path. Thread-safe.
absl::StatusOr<std::string> ReadFileContents(const std::string& path,
                                             absl::string_view what);

}  // namespace suppliers

#endif  // SUPPLIERS_COMMON_FILE_CONTENTS_H_
