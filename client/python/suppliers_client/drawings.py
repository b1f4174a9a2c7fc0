"""Drawing upload and download following drawing.proto's stream protocol.

upload_drawing: header (part, extension, total_size and SHA-256 when the
source's size is known), then chunks (at most 4 MiB each), the last message
with ``finish_write``; the server commits only then, and checks size and
SHA-256. download_drawing: the first message is the metadata, then chunks;
the bytes are checked against the metadata's SHA-256 when the whole drawing
was asked for.
"""

import hashlib
import io
import os
import tempfile
from dataclasses import dataclass
from typing import Optional

from suppliers_client._proto import drawing_pb2

MAX_CHUNK_BYTES = 4 * 1024 * 1024
DEFAULT_CHUNK_BYTES = 1024 * 1024


class DrawingIntegrityError(Exception):
    """The bytes received or stored do not match the expected SHA-256/size."""


def _drawings_stub(client_or_stub):
    return getattr(client_or_stub, "drawings", client_or_stub)


def _source(source):
    """(file object, size or None, sha256 hex or None, close?)."""
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return io.BytesIO(data), len(data), hashlib.sha256(data).hexdigest(), True
    if isinstance(source, (str, os.PathLike)):
        digest = hashlib.sha256()
        with open(source, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        f = open(source, "rb")
        return f, os.fstat(f.fileno()).st_size, digest.hexdigest(), True
    return source, None, None, False  # a readable binary file object


def _requests(part_id, file_extension, f, size, sha256, chunk_bytes):
    header = drawing_pb2.DrawingUploadHeader(
        part_id=part_id, file_extension=file_extension, sha256=sha256 or "")
    if size is not None:
        header.total_size = size
    chunk = f.read(chunk_bytes)
    yield drawing_pb2.UploadDrawingRequest(header=header, finish_write=not chunk)
    while chunk:
        following = f.read(chunk_bytes)  # read ahead: is this the last?
        yield drawing_pb2.UploadDrawingRequest(chunk=chunk,
                                               finish_write=not following)
        chunk = following


def upload_drawing(client, part_id, source, file_extension, *,
                   chunk_bytes=DEFAULT_CHUNK_BYTES, timeout=None,
                   metadata=None):
    """Uploads ``source`` (bytes, a path, or a binary file object) as the
    drawing of ``part_id``; returns the UploadDrawingResponse.

    For bytes and paths the header declares total_size and SHA-256, so the
    server refuses a stream that does not deliver exactly them. The
    server's SHA-256 is compared with the local one. Raises grpc.RpcError
    on a refused upload (see errors.error_details), DrawingIntegrityError
    on a mismatch.
    """
    if not 0 < chunk_bytes <= MAX_CHUNK_BYTES:
        raise ValueError(f"chunk_bytes must be 1..{MAX_CHUNK_BYTES}")
    f, size, sha256, close = _source(source)
    try:
        response = _drawings_stub(client).UploadDrawing(
            _requests(part_id, file_extension, f, size, sha256, chunk_bytes),
            timeout=timeout, metadata=metadata)
    finally:
        if close:
            f.close()
    if sha256 is not None and response.metadata.sha256 != sha256:
        raise DrawingIntegrityError(
            f"server stored SHA-256 {response.metadata.sha256}, sent {sha256}")
    return response


@dataclass
class DownloadResult:
    metadata: drawing_pb2.DrawingMetadata  # the stream's first message
    sha256: str        # SHA-256 of the bytes received (hex)
    size: int          # number of bytes received
    data: Optional[bytes] = None   # the bytes, when no destination was given
    path: Optional[str] = None     # the file written, when dest was a path


def download_drawing(client, part_id, dest=None, *, read_offset=0,
                     read_limit=0, timeout=None, metadata=None):
    """Streams the drawing of ``part_id`` (or a range of it).

    dest: None (bytes in result.data), a path (written to a temporary file
    beside it and renamed only when complete and verified), or a writable
    binary file object. Raises DrawingIntegrityError when the byte count
    differs from the metadata's range, or (whole drawing) the SHA-256
    differs from the metadata's; grpc.RpcError when the call fails.
    """
    stream = _drawings_stub(client).DownloadDrawing(
        drawing_pb2.DownloadDrawingRequest(
            part_id=part_id, read_offset=read_offset, read_limit=read_limit),
        timeout=timeout, metadata=metadata)
    path = None
    tmp_path = None
    if dest is None:
        out = io.BytesIO()
    elif isinstance(dest, (str, os.PathLike)):
        path = os.fspath(dest)
        fd, tmp_path = tempfile.mkstemp(
            dir=os.path.dirname(os.path.abspath(path)),
            prefix=".download-", suffix=".part")
        out = os.fdopen(fd, "wb")
    else:
        out = dest
    try:
        digest = hashlib.sha256()
        size = 0
        first = None
        for message in stream:
            if first is None:
                if message.WhichOneof("payload") != "metadata":
                    raise DrawingIntegrityError("the stream did not start with metadata")
                first = message.metadata
                continue
            digest.update(message.chunk)
            size += len(message.chunk)
            out.write(message.chunk)
        if first is None:
            raise DrawingIntegrityError("the stream ended without metadata")
        if size != first.range_length:
            raise DrawingIntegrityError(
                f"received {size} bytes, the metadata announced {first.range_length}")
        sha256 = digest.hexdigest()
        if (first.range_offset == 0 and size == first.size_bytes
                and sha256 != first.sha256):
            raise DrawingIntegrityError(
                f"received SHA-256 {sha256}, the metadata says {first.sha256}")
        result = DownloadResult(metadata=first, sha256=sha256, size=size)
        if dest is None:
            result.data = out.getvalue()
        elif path is not None:
            out.close()
            os.replace(tmp_path, path)
            tmp_path = None
            result.path = path
        return result
    finally:
        if path is not None:
            out.close()
            if tmp_path is not None:
                os.unlink(tmp_path)
        if hasattr(stream, "cancel"):
            stream.cancel()  # no-op once the stream has ended
