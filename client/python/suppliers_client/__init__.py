"""Python client of the suppliers gRPC service (suppliers.v1).

    import suppliers_client as sc
    with sc.connect("127.0.0.1:50051") as client:
        r = client.vendors.CreateVendor(
            sc.vendor_pb2.CreateVendorRequest(
                vendor=sc.vendor_pb2.Vendor(vendor_name="3M Co.")))

Errors: ``sc.error_details(rpc_error)`` decodes google.rpc details;
drawings: ``sc.upload_drawing`` and ``sc.download_drawing``.
"""

from suppliers_client._proto import (  # noqa: F401
    SERVICES,
    all_methods,
    annotations_pb2,
    bulk_pb2,
    change_feed_pb2,
    change_feed_pb2_grpc,
    code_pb2,
    drawing_pb2,
    drawing_pb2_grpc,
    error_details_pb2,
    part_pb2,
    part_pb2_grpc,
    status_pb2,
    vendor_pb2,
    vendor_pb2_grpc,
)
from suppliers_client.client import Client, connect  # noqa: F401
from suppliers_client.drawings import (  # noqa: F401
    DownloadResult,
    DrawingIntegrityError,
    download_drawing,
    upload_drawing,
)
from suppliers_client.errors import ErrorDetails, error_details  # noqa: F401
from suppliers_client.service_config import (  # noqa: F401
    SERVICE_CONFIG,
    service_config_json,
)

__version__ = "0.1.0"

__all__ = [
    "Client", "DownloadResult", "DrawingIntegrityError", "ErrorDetails", "SERVICES",
    "all_methods", "annotations_pb2", "bulk_pb2", "change_feed_pb2",
    "change_feed_pb2_grpc", "code_pb2", "connect", "download_drawing",
    "drawing_pb2", "drawing_pb2_grpc", "error_details", "error_details_pb2",
    "part_pb2", "part_pb2_grpc", "status_pb2", "upload_drawing", "vendor_pb2",
    "vendor_pb2_grpc",
]
