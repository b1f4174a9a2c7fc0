// Owns the text form of a PostgreSQL WAL position (a pg_lsn, "16/B374D848"),
// which the server and its clients exchange for read-your-writes.
#include "common/wal_position.h"

#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"

namespace suppliers {

std::optional<uint64_t> ParseLsn(absl::string_view text) {
  const std::vector<absl::string_view> halves = absl::StrSplit(text, '/');
  if (halves.size() != 2 || halves[0].empty() || halves[1].empty() ||
      halves[0].size() > 8 || halves[1].size() > 8) {
    return std::nullopt;
  }
  uint32_t high = 0;
  uint32_t low = 0;
  for (absl::string_view half : halves) {
    for (char c : half) {
      if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
        return std::nullopt;
      }
    }
  }
  if (!absl::SimpleHexAtoi(halves[0], &high) ||
      !absl::SimpleHexAtoi(halves[1], &low)) {
    return std::nullopt;
  }
  return (static_cast<uint64_t>(high) << 32) | low;
}

std::string FormatLsn(uint64_t lsn) {
  return absl::StrFormat("%X/%X", static_cast<uint32_t>(lsn >> 32),
                         static_cast<uint32_t>(lsn));
}

}  // namespace suppliers
