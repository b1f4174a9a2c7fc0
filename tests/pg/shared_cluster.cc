// Owns the cluster shared by the tests of one test binary: started on first
// use, stopped and removed after the last test (a GoogleTest environment).
#include <cstdio>
#include <cstdlib>

#include "gtest/gtest.h"
#include "tests/pg/pg_cluster.h"

namespace suppliers::testing {

namespace {

std::unique_ptr<PgCluster>& SharedClusterSlot() {
  static auto* const slot = new std::unique_ptr<PgCluster>();
  return *slot;
}

// Stops and removes the shared cluster after the last test of the binary.
class SharedClusterEnvironment : public ::testing::Environment {
 public:
  void TearDown() override { SharedClusterSlot().reset(); }
};

[[maybe_unused]] ::testing::Environment* const kSharedClusterEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedClusterEnvironment);

}  // namespace

PgCluster& SharedCluster() {
  std::unique_ptr<PgCluster>& slot = SharedClusterSlot();
  if (slot == nullptr) {
    absl::StatusOr<std::unique_ptr<PgCluster>> created = PgCluster::Create();
    if (!created.ok()) {
      std::fprintf(stderr, "cannot start the test PostgreSQL: %s\n",
                   created.status().ToString().c_str());
      std::abort();
    }
    slot = *std::move(created);
  }
  return *slot;
}

}  // namespace suppliers::testing
