// Owns the client's default gRPC service config: the one place that says
// how a channel spreads calls over the server's replicas (the load-balancing
// policy), which calls gRPC itself retries on UNAVAILABLE, and the per-method
// timeouts. MakeChannel (suppliers_client.h) installs it on every channel;
// client/service_config.json is the same config with the defaults below,
// copied verbatim by the Node, Go and Python clients (a unit test keeps the
// two equal).
//
// What it says, for any target ("host:port", "dns:///name:port",
// "ipv4:a:p,b:p", ...):
// - loadBalancingConfig [{"<policy>": {}}]: round_robin (the default) opens
//   a connection to every address the target resolves to and sends each
//   call to the next READY one; an address that stops answering (a replica
//   stopped or drained) leaves the rotation until it is back. With one
//   address it behaves like pick_first. pick_first sends everything to the
//   first address that connects.
// - retryPolicy (maxAttempts, initialBackoff, maxBackoff, multiplier 2,
//   retryableStatusCodes ["UNAVAILABLE"]) on the reads only: Get*, List*,
//   BatchGet*, Export*, DownloadDrawing, GetDrawingMetadata and
//   grpc.health.v1.Health/Check. Each attempt goes to the next replica.
//   Streams are retried only until their first response arrives, so an
//   export is never replayed halfway. Writes are never retried by the
//   channel (a retried update or delete could misreport the first attempt's
//   success; creates are retried by the C++ library with their request id).
// - timeout: every unary method is capped at unary_timeout (30 s by
//   default): a backstop for callers that set no deadline; a shorter
//   deadline of the caller wins. Streams have none here: a watch lasts
//   until its caller cancels it, and the callers bound the others.
// The DNS resolver's own service config (a TXT record) is ignored.
#ifndef SUPPLIERS_CLIENT_CPP_SERVICE_CONFIG_H_
#define SUPPLIERS_CLIENT_CPP_SERVICE_CONFIG_H_

#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace suppliers::client {

// The load-balancing policies the config may name.
inline constexpr char kRoundRobin[] = "round_robin";
inline constexpr char kPickFirst[] = "pick_first";

struct ServiceConfigParams {
  // kRoundRobin or kPickFirst.
  std::string lb_policy = kRoundRobin;
  // Attempts of a retried read, the first included; gRPC caps it at 5. Below
  // 2 the config carries no retryPolicy.
  int max_attempts = 4;
  // The first retry waits a random time up to initial_backoff, each next
  // one up to twice as long, never more than max(max_backoff,
  // initial_backoff).
  absl::Duration initial_backoff = absl::Milliseconds(100);
  absl::Duration max_backoff = absl::Seconds(1);
  // The cap on every unary call (a positive whole number of milliseconds);
  // absl::InfiniteDuration(): none.
  absl::Duration unary_timeout = absl::Seconds(30);
};

// The service config JSON for `params` (with the defaults: the contents of
// client/service_config.json).
std::string ServiceConfigJson(const ServiceConfigParams& params = {});

// "0.1s", "30s": a duration as the service config writes it (seconds,
// millisecond precision).
std::string ServiceConfigDuration(absl::Duration duration);

}  // namespace suppliers::client

#endif  // SUPPLIERS_CLIENT_CPP_SERVICE_CONFIG_H_
