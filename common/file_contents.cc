// Owns reading a whole small file (a key, a certificate, a token) for the
// client and the server alike, with an error that names what it was for.
#include "common/file_contents.h"

#include <fstream>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace suppliers {

absl::StatusOr<std::string> ReadFileContents(const std::string& path,
                                             absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": cannot read ", path));
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace suppliers
