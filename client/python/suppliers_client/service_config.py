"""The default gRPC service config of ``connect()`` (client-side load balancing).

The same config as ../../service_config.json and the C++ client's
client/cpp/service_config.h (tests/e2e/load_balancing_test.sh checks that
this copy equals that file):

- ``loadBalancingConfig``: round_robin spreads calls over every address the
  target resolves to (``dns:///name:port``) and skips a replica that stopped;
  harmless with one address. pick_first sends everything to the first
  address that connects.
- ``retryPolicy`` on the reads only (Get*, List*, BatchGet*, Export*,
  DownloadDrawing, GetDrawingMetadata, Health/Check): up to 4 attempts on
  UNAVAILABLE, 0.1 s backoff doubling up to 1 s, each on the next replica;
  a stream only until its first response. Writes are never retried here.
- ``timeout``: 30 s on every unary method, a backstop for calls without a
  timeout (a shorter one wins). Streams have none (a watch lasts until it
  is cancelled).
"""

import copy
import json

_RETRY_POLICY = {
    "maxAttempts": 4,
    "initialBackoff": "0.1s",
    "maxBackoff": "1s",
    "backoffMultiplier": 2,
    "retryableStatusCodes": ["UNAVAILABLE"],
}

SERVICE_CONFIG = {
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
            {"service": "suppliers.v1.DrawingService", "method": "GetDrawingMetadata"},
            ],
            "timeout": "30s",
            "retryPolicy": _RETRY_POLICY,
        },
        {
            "name": [
            {"service": "suppliers.v1.VendorService", "method": "ExportVendors"},
            {"service": "suppliers.v1.PartService", "method": "ExportParts"},
            {"service": "suppliers.v1.PartService", "method": "ExportPartVendorPairs"},
            {"service": "suppliers.v1.DrawingService", "method": "DownloadDrawing"},
            ],
            "retryPolicy": _RETRY_POLICY,
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
            {"service": "suppliers.v1.DrawingService", "method": "DeleteDrawing"},
            ],
            "timeout": "30s",
        },
    ],
}

LOAD_BALANCING_POLICIES = ("round_robin", "pick_first")


def service_config_json(load_balancing="round_robin"):
    """SERVICE_CONFIG as JSON, with ``load_balancing`` as its policy."""
    if load_balancing not in LOAD_BALANCING_POLICIES:
        raise ValueError(
            f"load_balancing must be one of {LOAD_BALANCING_POLICIES} or None, "
            f"not {load_balancing!r}")
    config = copy.deepcopy(SERVICE_CONFIG)
    config["loadBalancingConfig"] = [{load_balancing: {}}]
    return json.dumps(config)
