// Owns giving back the library code pages the process has resident but is
// not using, once start-up is over.
#include "server/base/resident_code.h"

#include <sys/mman.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"

namespace suppliers {
namespace {

struct Mapping {
  uintptr_t start = 0;
  uintptr_t end = 0;
  bool trimmable = false;  // r-xp and backed by a file
  int64_t rss_kb = 0;
  int64_t dirty_kb = 0;
};

// "start-end perms offset dev inode path" opens each mapping in smaps.
bool ParseHeader(absl::string_view line, Mapping* mapping) {
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  if (fields.size() < 5) return false;
  std::vector<absl::string_view> range = absl::StrSplit(fields[0], '-');
  uint64_t start = 0;
  uint64_t end = 0;
  if (range.size() != 2 || !absl::SimpleHexAtoi(range[0], &start) ||
      !absl::SimpleHexAtoi(range[1], &end)) {
    return false;
  }
  *mapping = Mapping{};
  mapping->start = start;
  mapping->end = end;
  mapping->trimmable = fields[1] == "r-xp" && fields.size() >= 6 &&
                       absl::StartsWith(fields[5], "/");
  return true;
}

// "Rss:   123 kB"
int64_t FieldKb(absl::string_view line) {
  std::vector<absl::string_view> fields =
      absl::StrSplit(line, ' ', absl::SkipEmpty());
  int64_t kb = 0;
  if (fields.size() >= 2) (void)absl::SimpleAtoi(fields[1], &kb);
  return kb;
}

}  // namespace

absl::StatusOr<int64_t> ReleaseIdleCodePages() {
  std::ifstream smaps("/proc/self/smaps");
  if (!smaps) return absl::UnavailableError("cannot read /proc/self/smaps");
  std::vector<Mapping> mappings;
  for (std::string line; std::getline(smaps, line);) {
    Mapping header;
    if (!line.empty() && line.find(':') > line.find(' ') &&
        ParseHeader(line, &header)) {
      mappings.push_back(header);
    } else if (mappings.empty()) {
      continue;
    } else if (absl::StartsWith(line, "Rss:")) {
      mappings.back().rss_kb = FieldKb(line);
    } else if (absl::StartsWith(line, "Private_Dirty:")) {
      mappings.back().dirty_kb = FieldKb(line);
    }
  }
  int64_t released = 0;
  for (const Mapping& mapping : mappings) {
    // A dirty code page (a text relocation) holds what the file does not.
    if (!mapping.trimmable || mapping.dirty_kb != 0) continue;
    // The kernel names mappings by number; there is no pointer to derive
    // this one from.
    void* start = reinterpret_cast<void*>(  // NOLINT(performance-no-int-to-ptr)
        mapping.start);
    const size_t length = mapping.end - mapping.start;
    if (madvise(start, length, MADV_RANDOM) != 0) continue;
    if (madvise(start, length, MADV_DONTNEED) == 0) {
      released += mapping.rss_kb * 1024;
    }
  }
  return released;
}

}  // namespace suppliers
