"""The generated modules (run client/python/generate.sh first)."""

try:
    from suppliers_client._generated.google.rpc import (  # noqa: F401
        code_pb2,
        error_details_pb2,
        status_pb2,
    )
    from suppliers_client._generated.suppliers.v1 import (  # noqa: F401
        annotations_pb2,
        bulk_pb2,
        change_feed_pb2,
        change_feed_pb2_grpc,
        drawing_pb2,
        drawing_pb2_grpc,
        part_pb2,
        part_pb2_grpc,
        vendor_pb2,
        vendor_pb2_grpc,
    )
except ModuleNotFoundError as e:  # pragma: no cover - setup error
    if "suppliers_client._generated" not in str(e):
        raise
    raise ImportError(
        "suppliers_client: the generated stubs are missing; run "
        "client/python/generate.sh (needs protobuf-compiler and "
        "protobuf-compiler-grpc)") from e



def _services():
    """Every service of every generated suppliers.v1 file, by full name."""
    import importlib
    import pkgutil

    from suppliers_client._generated.suppliers import v1

    services = {}
    for module in pkgutil.iter_modules(v1.__path__):
        if module.name.endswith("_pb2"):
            pb2 = importlib.import_module(f"{v1.__name__}.{module.name}")
            for service in pb2.DESCRIPTOR.services_by_name.values():
                services[service.full_name] = service
    return services


__all__ = [
    "SERVICES", "all_methods", "annotations_pb2", "bulk_pb2", "change_feed_pb2",
    "change_feed_pb2_grpc", "code_pb2", "drawing_pb2",
    "drawing_pb2_grpc", "error_details_pb2", "part_pb2", "part_pb2_grpc",
    "status_pb2", "vendor_pb2", "vendor_pb2_grpc",
]

# suppliers.v1.VendorService, PartService, DrawingService, ChangeFeedService
# (and any service a later proto adds), from the generated descriptors.
SERVICES = _services()


def all_methods():
    """Every rpc of the services as "/package.Service/Method"."""
    return {
        f"/{service.full_name}/{method.name}"
        for service in SERVICES.values()
        for method in service.methods
    }
