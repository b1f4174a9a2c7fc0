// Tests giving back idle code pages (server/base/resident_code.h).
#include "server/base/resident_code.h"

#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gtest/gtest.h"

namespace suppliers {
namespace {

// "Rss:  24220 kB" of the whole process.
int64_t ResidentKb() {
  std::ifstream rollup("/proc/self/smaps_rollup");
  for (std::string line; std::getline(rollup, line);) {
    std::vector<std::string> fields =
        absl::StrSplit(line, ' ', absl::SkipEmpty());
    int64_t kb = 0;
    if (fields.size() >= 2 && fields[0] == "Rss:" &&
        absl::SimpleAtoi(fields[1], &kb)) {
      return kb;
    }
  }
  ADD_FAILURE() << "no Rss in /proc/self/smaps_rollup";
  return 0;
}

TEST(ResidentCodeTest, ReleasesCodePagesAndTheProcessKeepsRunning) {
  const int64_t before = ResidentKb();
  absl::StatusOr<int64_t> released = ReleaseIdleCodePages();
  ASSERT_TRUE(released.ok()) << released.status();
  // gtest, libstdc++ and libc alone hold more than a megabyte of code.
  EXPECT_GT(*released, int64_t{1} << 20);
  EXPECT_LT(ResidentKb(), before);
  // Code runs again from the page cache, on this thread and others.
  std::vector<std::thread> threads;
  std::vector<std::string> texts(4);
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&texts, i] { texts[i] = absl::StrCat("t", i); });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(texts[3], "t3");
  // Idempotent: a second call finds fewer pages, and works.
  absl::StatusOr<int64_t> again = ReleaseIdleCodePages();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_LT(*again, *released);
}

}  // namespace
}  // namespace suppliers
