// Drives tests/e2e/load_balancing_test.sh: one SuppliersClient (one
// channel, made by MakeChannel with the default service config) that makes
// batches of ListVendors calls when told to, so that the test can stop a
// replica between two batches and see the same channel go on.
//
// Usage: load_balancing_driver TARGET POLICY
// Reads one number per line from stdin: makes that many calls, one after
// the other, and prints "calls=N ok=N failed=0 policy=round_robin" (and one
// "error: ..." line per failed call on stderr). Exits 0 at the end of stdin,
// 2 on a usage error or a client that cannot be made.
#include <cstdio>
#include <iostream>
#include <string>

#include "absl/strings/numbers.h"
#include "client/cpp/suppliers_client.h"

int main(int argc, char** argv) {
  using suppliers::client::ClientOptions;
  using suppliers::client::SuppliersClient;
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s TARGET round_robin|pick_first\n", argv[0]);
    return 2;
  }
  ClientOptions options;
  options.target = argv[1];
  options.load_balancing = argv[2];
  auto channel = suppliers::client::MakeChannel(options);
  if (!channel.ok()) {
    std::fprintf(stderr, "%s\n",
                 std::string(channel.status().message()).c_str());
    return 2;
  }
  const std::shared_ptr<grpc::Channel> shared = *channel;
  // Create() would make the same channel; this one stays in reach for
  // GetLoadBalancingPolicyName. The channel retries the reads itself, so the
  // client is told not to (max_attempts 1): a failure the channel could
  // not hide shows here.
  ClientOptions once = options;
  once.max_attempts = 1;
  SuppliersClient client(once, shared);
  std::string line;
  while (std::getline(std::cin, line)) {
    int calls = 0;
    if (!absl::SimpleAtoi(line, &calls) || calls < 0) {
      std::fprintf(stderr, "not a number of calls: %s\n", line.c_str());
      return 2;
    }
    int ok = 0;
    int failed = 0;
    for (int i = 0; i < calls; ++i) {
      suppliers::v1::ListVendorsRequest request;
      request.set_page_size(1);
      auto response = client.ListVendors(request);
      if (response.ok()) {
        ++ok;
      } else {
        ++failed;
        std::fprintf(
            stderr, "error: %s\n",
            suppliers::client::DescribeError(response.status()).c_str());
      }
    }
    std::printf("calls=%d ok=%d failed=%d policy=%s\n", calls, ok, failed,
                shared->GetLoadBalancingPolicyName().c_str());
    std::fflush(stdout);
  }
  return 0;
}
