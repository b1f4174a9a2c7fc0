package suppliers

import (
	"fmt"
	"strings"

	"google.golang.org/grpc"
)

// ServiceConfig is the default gRPC service config Dial gives the
// connection (client-side load balancing): the same as
// ../../service_config.json and the C++ client's
// client/cpp/service_config.h (tests/e2e/load_balancing_test.sh checks this
// copy against that file).
//
//   - loadBalancingConfig round_robin spreads calls over every address the
//     target resolves to (a "dns:///name:port" target; a plain "host:port"
//     goes through grpc-go's passthrough resolver, one address) and skips a
//     replica that stopped.
//   - retryPolicy on the reads only (Get*, List*, BatchGet*, Export*,
//     DownloadDrawing, GetDrawingMetadata, Health/Check): up to 4 attempts
//     on UNAVAILABLE, 0.1 s backoff doubling up to 1 s, each on the next
//     replica; a stream only until its first response. Writes are never
//     retried. grpc-go before 1.40 (Debian 12 has 1.33) applies retry
//     policies only with GRPC_GO_RETRY=on in the environment.
//   - timeout: 30 s on every unary method, a backstop for a context without
//     a deadline (a shorter one wins). Streams have none.
const ServiceConfig = `
{
  "loadBalancingConfig": [{"round_robin": {}}],
  "methodConfig": [
    {
      "name": [
        {"service": "grpc.health.v1.Health", "method": "Check"},
        {"service": "suppliers.v1.VendorService", "method": "GetVendor"},
        {"service": "suppliers.v1.VendorService", "method": "ListVendors"},
        {"service": "suppliers.v1.VendorService", "method": "BatchGetVendors"},
        {"service": "suppliers.v1.PartService", "method": "GetPart"},
        {"service": "suppliers.v1.PartService", "method": "ListParts"},
        {"service": "suppliers.v1.PartService", "method": "BatchGetParts"},
        {"service": "suppliers.v1.PartService", "method": "ListPartsByVendor"},
        {"service": "suppliers.v1.PartService", "method": "ListPartVendorPairs"},
        {"service": "suppliers.v1.DrawingService", "method": "GetDrawingMetadata"}
      ],
      "timeout": "30s",
      "retryPolicy": {
        "maxAttempts": 4,
        "initialBackoff": "0.1s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]
      }
    },
    {
      "name": [
        {"service": "suppliers.v1.VendorService", "method": "ExportVendors"},
        {"service": "suppliers.v1.PartService", "method": "ExportParts"},
        {"service": "suppliers.v1.PartService", "method": "ExportPartVendorPairs"},
        {"service": "suppliers.v1.DrawingService", "method": "DownloadDrawing"}
      ],
      "retryPolicy": {
        "maxAttempts": 4,
        "initialBackoff": "0.1s",
        "maxBackoff": "1s",
        "backoffMultiplier": 2,
        "retryableStatusCodes": ["UNAVAILABLE"]
      }
    },
    {
      "name": [
        {"service": "suppliers.v1.VendorService", "method": "CreateVendor"},
        {"service": "suppliers.v1.VendorService", "method": "BatchCreateVendors"},
        {"service": "suppliers.v1.VendorService", "method": "UpdateVendor"},
        {"service": "suppliers.v1.VendorService", "method": "DeleteVendor"},
        {"service": "suppliers.v1.PartService", "method": "CreatePart"},
        {"service": "suppliers.v1.PartService", "method": "UpdatePart"},
        {"service": "suppliers.v1.PartService", "method": "DeletePart"},
        {"service": "suppliers.v1.PartService", "method": "AddPartVendors"},
        {"service": "suppliers.v1.PartService", "method": "RemovePartVendors"},
        {"service": "suppliers.v1.PartService", "method": "AddPartWithNewVendor"},
        {"service": "suppliers.v1.DrawingService", "method": "DeleteDrawing"}
      ],
      "timeout": "30s"
    }
  ]
}
`

// LoadBalancingPolicies are the policies ServiceConfigJSON takes.
var LoadBalancingPolicies = []string{"round_robin", "pick_first"}

// ServiceConfigJSON is ServiceConfig with policy ("round_robin" or
// "pick_first") as its load-balancing policy.
func ServiceConfigJSON(policy string) (string, error) {
	for _, known := range LoadBalancingPolicies {
		if policy == known {
			return strings.Replace(ServiceConfig, `"round_robin"`, `"`+policy+`"`, 1), nil
		}
	}
	return "", fmt.Errorf("load-balancing policy %q: want one of %v", policy, LoadBalancingPolicies)
}

// WithLoadBalancing is a DialOption for Dial that replaces the default
// service config by ServiceConfig with another policy ("pick_first").
func WithLoadBalancing(policy string) (grpc.DialOption, error) {
	config, err := ServiceConfigJSON(policy)
	if err != nil {
		return nil, err
	}
	return grpc.WithDefaultServiceConfig(config), nil
}
