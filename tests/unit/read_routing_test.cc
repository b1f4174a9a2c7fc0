// Tests the parts of read routing that need no database: WAL positions as
// text, the routing headers, and the repeatable --replica_database flag.
#include "server/rpc/read_routing.h"

#include <grpcpp/support/string_ref.h>

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "server/command_line.h"
#include "server/db/replica_set.h"

namespace suppliers {
namespace {

TEST(LsnTest, ParsesWhatPostgresPrintsAndFormatsItBack) {
  EXPECT_EQ(ParseLsn("0/0"), 0u);
  EXPECT_EQ(ParseLsn("16/B374D848"), (uint64_t{0x16} << 32) | 0xB374D848u);
  EXPECT_EQ(ParseLsn("ffffffff/FFFFFFFF"), ~uint64_t{0});
  EXPECT_EQ(FormatLsn((uint64_t{0x16} << 32) | 0xB374D848u), "16/B374D848");
  EXPECT_EQ(FormatLsn(0), "0/0");
  EXPECT_EQ(ParseLsn(FormatLsn(123456789012345)), 123456789012345u);
}

TEST(LsnTest, RefusesAnythingElse) {
  for (const char* bad : {"", "/", "0/", "/0", "16B374D848", "1/2/3", "g/0",
                          "0/-1", "+1/0", "123456789/0", "0/0 ", " 0/0"}) {
    EXPECT_FALSE(ParseLsn(bad).has_value()) << bad;
  }
}

using Metadata = std::multimap<grpc::string_ref, grpc::string_ref>;

TEST(ReadRoutingTest, DefaultsToAnyReplica) {
  absl::StatusOr<CallContext::ReadRouting> routing = ParseReadRouting({});
  ASSERT_TRUE(routing.ok());
  EXPECT_FALSE(routing->primary_only);
  EXPECT_EQ(routing->min_lsn, 0u);
}

TEST(ReadRoutingTest, ReadsTheHeaders) {
  const Metadata metadata = {{kReadFromHeader, "primary"},
                             {kMinLsnHeader, "0/314B800"}};
  absl::StatusOr<CallContext::ReadRouting> routing = ParseReadRouting(metadata);
  ASSERT_TRUE(routing.ok());
  EXPECT_TRUE(routing->primary_only);
  EXPECT_EQ(routing->min_lsn, 0x314B800u);
  const Metadata any = {{kReadFromHeader, "any"}};
  EXPECT_FALSE(ParseReadRouting(any)->primary_only);
}

TEST(ReadRoutingTest, AMalformedHeaderIsInvalidArgumentNamingIt) {
  for (const Metadata& metadata : {Metadata{{kReadFromHeader, "nearest"}},
                                   Metadata{{kMinLsnHeader, "latest"}}}) {
    absl::StatusOr<CallContext::ReadRouting> routing =
        ParseReadRouting(metadata);
    ASSERT_FALSE(routing.ok());
    EXPECT_EQ(routing.status().code(), absl::StatusCode::kInvalidArgument);
    const std::string name(metadata.begin()->first.data(),
                           metadata.begin()->first.size());
    EXPECT_NE(routing.status().message().find(name), std::string::npos)
        << routing.status();
  }
}

TEST(RepeatedFlagValuesTest, CollectsEveryFormInOrder) {
  std::vector<std::string> args = {"suppliers-server",
                                   "--replica_database=host=a port=1",
                                   "--listen",
                                   "127.0.0.1:1",
                                   "-replica_database",
                                   "host=b",
                                   "--replica_database_other=x",
                                   "--replica_database",
                                   "postgres://c/suppliers",
                                   "--",
                                   "--replica_database=ignored"};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  EXPECT_EQ(RepeatedFlagValues(static_cast<int>(argv.size()), argv.data(),
                               "replica_database"),
            (std::vector<std::string>{"host=a port=1", "host=b",
                                      "postgres://c/suppliers"}));
}

}  // namespace
}  // namespace suppliers
