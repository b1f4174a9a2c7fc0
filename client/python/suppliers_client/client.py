"""Channels and stubs: ``connect()`` returns a Client with a stub per service."""

import grpc

from suppliers_client._proto import (
    change_feed_pb2_grpc,
    drawing_pb2_grpc,
    part_pb2_grpc,
    vendor_pb2_grpc,
)
from suppliers_client.service_config import service_config_json


class _MetadataInterceptor(grpc.UnaryUnaryClientInterceptor,
                           grpc.UnaryStreamClientInterceptor,
                           grpc.StreamUnaryClientInterceptor,
                           grpc.StreamStreamClientInterceptor):
    """Adds fixed metadata (the bearer token) to every call."""

    def __init__(self, metadata):
        self._metadata = list(metadata)

    def _details(self, details):
        metadata = list(details.metadata or []) + self._metadata
        return _CallDetails(details.method, details.timeout, metadata,
                            details.credentials, details.wait_for_ready,
                            details.compression)

    def intercept_unary_unary(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation, details, request):
        return continuation(self._details(details), request)

    def intercept_stream_unary(self, continuation, details, requests):
        return continuation(self._details(details), requests)

    def intercept_stream_stream(self, continuation, details, requests):
        return continuation(self._details(details), requests)


class _CallDetails(grpc.ClientCallDetails):
    def __init__(self, method, timeout, metadata, credentials, wait_for_ready,
                 compression):
        self.method = method
        self.timeout = timeout
        self.metadata = metadata
        self.credentials = credentials
        self.wait_for_ready = wait_for_ready
        self.compression = compression


class Client:
    """The stubs of suppliers.v1 over one channel.

    Attributes: ``vendors`` (VendorServiceStub), ``parts`` (PartServiceStub),
    ``drawings`` (DrawingServiceStub), ``changes`` (ChangeFeedServiceStub:
    WatchChanges takes no timeout, it lasts until cancelled), ``channel``.
    Usable as a context manager (closes the channel).
    """

    def __init__(self, channel):
        self.channel = channel
        self.vendors = vendor_pb2_grpc.VendorServiceStub(channel)
        self.parts = part_pb2_grpc.PartServiceStub(channel)
        self.drawings = drawing_pb2_grpc.DrawingServiceStub(channel)
        self.changes = change_feed_pb2_grpc.ChangeFeedServiceStub(channel)

    def close(self):
        self.channel.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _read(path):
    if path is None:
        return None
    with open(path, "rb") as f:
        return f.read()


def connect(target, *, tls=False, ca_file=None, cert_file=None, key_file=None,
            server_name=None, token=None, token_file=None, interceptors=(),
            options=(), load_balancing="round_robin"):
    """Opens a channel to ``target`` ("host:port") and returns a Client.

    target: "host:port", or "dns:///name:port" to spread calls over every
    address of the name (several replicas). The channel gets the default
    service config (suppliers_client.service_config: ``load_balancing``,
    "round_robin" or "pick_first", retries of reads on UNAVAILABLE, 30 s
    cap on unary calls); load_balancing=None, or a "grpc.service_config" in
    ``options``, leaves it out.

    tls: use TLS (implied by ca_file/cert_file); ca_file: PEM of the CA that
    signed the server's certificate (default: the system roots); cert_file +
    key_file: client certificate for mTLS; server_name: override the name
    checked in the server's certificate. token / token_file: a JWT sent as
    ``authorization: Bearer <token>`` on every call (the server accepts
    tokens on plaintext only on loopback). interceptors: extra
    grpc client interceptors; options: extra channel options.
    """
    if token_file is not None:
        if token is not None:
            raise ValueError("pass token or token_file, not both")
        token = _read(token_file).decode().strip()
    options = list(options)
    if load_balancing is not None and not any(
            key == "grpc.service_config" for key, _ in options):
        options.append(("grpc.service_config",
                        service_config_json(load_balancing)))
        # Ours, not one a DNS TXT record might carry.
        options.append(("grpc.service_config_disable_resolution", 1))
    if tls or ca_file or cert_file:
        if (cert_file is None) != (key_file is None):
            raise ValueError("cert_file and key_file go together")
        credentials = grpc.ssl_channel_credentials(
            root_certificates=_read(ca_file),
            private_key=_read(key_file),
            certificate_chain=_read(cert_file))
        if server_name:
            options.append(("grpc.ssl_target_name_override", server_name))
        channel = grpc.secure_channel(target, credentials, options=options)
    else:
        channel = grpc.insecure_channel(target, options=options)
    chain = list(interceptors)
    if token:
        chain.append(_MetadataInterceptor([("authorization", f"Bearer {token}")]))
    if chain:
        channel = grpc.intercept_channel(channel, *chain)
    return Client(channel)
