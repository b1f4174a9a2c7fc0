#!/usr/bin/python3
"""End to end through the Python package suppliers_client: every rpc of the
services in the generated descriptors, with the tutorial's data (as
api_reflection_test.sh) and concrete results, google.rpc error details, and
drawings checked by SHA-256. Fails when an rpc of the descriptors was not
called. Expects a fresh, migrated database behind --target.
Usage: python_client_test.py --target HOST:PORT [--workdir DIR]
(run by python_client_test.sh with PYTHONPATH=client/python)."""

import argparse
import hashlib
import os
import random
import sys
import tempfile
import uuid

import grpc
from google.protobuf import field_mask_pb2

import suppliers_client as sc
from suppliers_client import bulk_pb2 as b, change_feed_pb2 as cf
from suppliers_client import drawing_pb2 as d, part_pb2 as p, vendor_pb2 as v

failures = 0


def check(what, got, want):
    global failures
    if got == want:
        print(f"ok - {what}")
    else:
        failures += 1
        print(f"FAIL: {what}: got {got!r}, want {want!r}", file=sys.stderr)


class Recorder(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor,
               grpc.StreamUnaryClientInterceptor, grpc.StreamStreamClientInterceptor):
    """Records the method of every call made through the package's channel."""

    def __init__(self):
        self.called = set()

    def _record(self, continuation, details, request):
        self.called.add(details.method)
        return continuation(details, request)

    intercept_unary_unary = _record
    intercept_unary_stream = _record
    intercept_stream_unary = _record
    intercept_stream_stream = _record


def expect_error(what, call, code, reason=None, fields=None):
    """call() must fail with CODE; optionally ErrorInfo REASON, BadRequest FIELDS."""
    try:
        call()
    except grpc.RpcError as e:
        details = sc.error_details(e)
        check(f"{what}: code", details.code, code)
        check(f"{what}: ErrorInfo domain", details.error_info and details.error_info.domain,
              "suppliers.v1")
        if reason is not None:
            check(f"{what}: ErrorInfo reason", details.reason, reason)
        if fields is not None:
            check(f"{what}: BadRequest fields", details.fields, fields)
        return details
    check(f"{what}: fails", "succeeded", code)
    return None


def ids(items, attr):
    return [getattr(x, attr) for x in items]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--workdir", default=None)
    args = ap.parse_args()
    work = args.workdir or tempfile.mkdtemp()
    recorder = Recorder()
    client = sc.connect(args.target, interceptors=[recorder])
    V, P, D = client.vendors, client.parts, client.drawings
    T = 10  # seconds, every call

    check("the descriptors declare the four suppliers services", sorted(sc.SERVICES),
          ["suppliers.v1.ChangeFeedService", "suppliers.v1.DrawingService",
           "suppliers.v1.PartService", "suppliers.v1.VendorService"])

    # --- VendorService --------------------------------------------------------
    key = str(uuid.uuid4())
    r = V.CreateVendor(v.CreateVendorRequest(vendor=v.Vendor(vendor_name="3M Co."),
                                             request_id=key), timeout=T)
    check("CreateVendor 3M Co. -> vendor 1", [r.vendor.vendor_id, r.vendor.vendor_name],
          [1, "3M Co."])
    check("CreateVendor returns an etag", r.vendor.etag != "", True)
    etag1 = r.vendor.etag
    r = V.CreateVendor(v.CreateVendorRequest(vendor=v.Vendor(vendor_name="3M Co."),
                                             request_id=key), timeout=T)
    check("CreateVendor retried with its request_id returns vendor 1 again",
          [r.vendor.vendor_id, r.vendor.etag], [1, etag1])
    expect_error("CreateVendor: the same request_id with another vendor",
                 lambda: V.CreateVendor(v.CreateVendorRequest(
                     vendor=v.Vendor(vendor_name="Other"), request_id=key), timeout=T),
                 grpc.StatusCode.INVALID_ARGUMENT)

    six = ["AKM Semiconductor Inc.", "Asahi Glass Co Ltd.", "Daikin Industries Ltd.",
           "Dynacast International Inc.", "Foster Electric Co. Ltd.",
           "Murata Manufacturing Co. Ltd."]
    r = V.BatchCreateVendors(v.BatchCreateVendorsRequest(
        vendors=[v.Vendor(vendor_name=n) for n in six]), timeout=T)
    check("BatchCreateVendors: ids 2..7 (the retry inserted nothing)",
          ids(r.vendors, "vendor_id"), [2, 3, 4, 5, 6, 7])
    check("BatchCreateVendors: names in request order", ids(r.vendors, "vendor_name"), six)

    r = V.GetVendor(v.GetVendorRequest(vendor_id=4), timeout=T)
    check("GetVendor 4", [r.vendor.vendor_id, r.vendor.vendor_name],
          [4, "Daikin Industries Ltd."])

    r = V.ListVendors(v.ListVendorsRequest(), timeout=T)
    check("ListVendors: all seven by name", ids(r.vendors, "vendor_name"),
          ["3M Co."] + six)
    check("ListVendors: one page only", r.next_page_token, "")
    pages, token = [], ""
    while True:
        r = V.ListVendors(v.ListVendorsRequest(
            page_size=3, order_by=v.VENDOR_ORDER_NAME_DESC, page_token=token), timeout=T)
        pages.append(ids(r.vendors, "vendor_id"))
        token = r.next_page_token
        if not token:
            break
    check("ListVendors pages of 3, name descending", pages, [[7, 6, 5], [4, 3, 2], [1]])
    r = V.ListVendors(v.ListVendorsRequest(order_by=v.VENDOR_ORDER_ID_DESC,
                                           name_contains="co."), timeout=T)
    check("ListVendors name_contains, id descending", ids(r.vendors, "vendor_id"), [7, 6, 1])
    first = V.ListVendors(v.ListVendorsRequest(page_size=3), timeout=T)
    expect_error("ListVendors: a page token with another order_by",
                 lambda: V.ListVendors(v.ListVendorsRequest(
                     page_size=3, order_by=v.VENDOR_ORDER_ID_DESC,
                     page_token=first.next_page_token), timeout=T),
                 grpc.StatusCode.INVALID_ARGUMENT)

    r = V.BatchGetVendors(v.BatchGetVendorsRequest(vendor_ids=[7, 1, 7]), timeout=T)
    check("BatchGetVendors: request order, duplicates kept", ids(r.vendors, "vendor_id"),
          [7, 1, 7])
    check("BatchGetVendors: names", ids(r.vendors, "vendor_name"),
          ["Murata Manufacturing Co. Ltd.", "3M Co.", "Murata Manufacturing Co. Ltd."])

    r = V.UpdateVendor(v.UpdateVendorRequest(
        vendor=v.Vendor(vendor_id=1, vendor_name="3M Corp", etag=etag1),
        update_mask=field_mask_pb2.FieldMask(paths=["vendor_name"])), timeout=T)
    check("UpdateVendor 1 -> 3M Corp, updated_rows 1",
          [r.vendor.vendor_id, r.vendor.vendor_name, r.updated_rows], [1, "3M Corp", 1])
    check("UpdateVendor moves the etag", r.vendor.etag != etag1, True)
    expect_error("UpdateVendor with the stale etag",
                 lambda: V.UpdateVendor(v.UpdateVendorRequest(
                     vendor=v.Vendor(vendor_id=1, vendor_name="3M Stale", etag=etag1),
                     update_mask=field_mask_pb2.FieldMask(paths=["vendor_name"])), timeout=T),
                 grpc.StatusCode.ABORTED)
    r = V.GetVendor(v.GetVendorRequest(vendor_id=1), timeout=T)
    check("GetVendor 1 reads the new name", r.vendor.vendor_name, "3M Corp")

    # --- Errors with google.rpc details ---------------------------------------
    details = expect_error(
        "CreateVendor with an empty vendor_name",
        lambda: V.CreateVendor(v.CreateVendorRequest(vendor=v.Vendor(vendor_name="")),
                               timeout=T),
        grpc.StatusCode.INVALID_ARGUMENT, reason="INVALID_FIELD",
        fields=["vendor.vendor_name"])
    if details:
        check("  ErrorInfo metadata names the field",
              dict(details.error_info.metadata), {"field": "vendor.vendor_name"})
        check("  google.rpc.Status code is INVALID_ARGUMENT (3)", details.status.code, 3)
        check("  the violation has a description",
              details.bad_request.field_violations[0].description != "", True)
    expect_error("BatchCreateVendors with a blank third name",
                 lambda: V.BatchCreateVendors(v.BatchCreateVendorsRequest(
                     vendors=[v.Vendor(vendor_name="A"), v.Vendor(vendor_name="B"),
                              v.Vendor(vendor_name="  ")]), timeout=T),
                 grpc.StatusCode.INVALID_ARGUMENT, fields=["vendors[2].vendor_name"])
    expect_error("GetVendor 999", lambda: V.GetVendor(v.GetVendorRequest(vendor_id=999),
                                                      timeout=T),
                 grpc.StatusCode.NOT_FOUND, reason="VENDOR_NOT_FOUND")
    expect_error("GetVendor 0", lambda: V.GetVendor(v.GetVendorRequest(vendor_id=0),
                                                    timeout=T),
                 grpc.StatusCode.INVALID_ARGUMENT, fields=["vendor_id"])

    # --- PartService ----------------------------------------------------------
    r = P.CreatePart(p.CreatePartRequest(part=p.Part(part_name="SIM Tray",
                                                     vendor_ids=[1, 2])), timeout=T)
    check("CreatePart SIM Tray -> part 1 with vendors 1, 2",
          [r.part.part_id, r.part.part_name, list(r.part.vendor_ids)], [1, "SIM Tray", [1, 2]])
    r = P.CreatePart(p.CreatePartRequest(part=p.Part(part_name="Speaker",
                                                     vendor_ids=[4, 3])), timeout=T)
    check("CreatePart Speaker -> part 2, vendor ids ascending",
          [r.part.part_id, list(r.part.vendor_ids)], [2, [3, 4]])

    r = P.GetPart(p.GetPartRequest(part_id=1), timeout=T)
    check("GetPart 1", [r.part.part_name, list(r.part.vendor_ids)], ["SIM Tray", [1, 2]])
    etag_part1 = r.part.etag

    r = P.ListParts(p.ListPartsRequest(), timeout=T)
    check("ListParts by name", ids(r.parts, "part_name"), ["SIM Tray", "Speaker"])
    r = P.ListParts(p.ListPartsRequest(order_by=p.PART_ORDER_ID_DESC, page_size=1), timeout=T)
    check("ListParts id descending, page 1 of 2",
          [ids(r.parts, "part_id"), r.next_page_token != ""], [[2], True])
    r = P.ListParts(p.ListPartsRequest(order_by=p.PART_ORDER_ID_DESC, page_size=1,
                                       page_token=r.next_page_token), timeout=T)
    check("ListParts page 2 of 2 is the last",
          [ids(r.parts, "part_id"), r.next_page_token], [[1], ""])

    r = P.BatchGetParts(p.BatchGetPartsRequest(part_ids=[2, 1]), timeout=T)
    check("BatchGetParts: request order", ids(r.parts, "part_id"), [2, 1])
    check("BatchGetParts: vendor ids", [list(x.vendor_ids) for x in r.parts], [[3, 4], [1, 2]])

    r = P.UpdatePart(p.UpdatePartRequest(
        part=p.Part(part_id=1, part_name="Nano SIM Tray", etag=etag_part1),
        update_mask=field_mask_pb2.FieldMask(paths=["part_name"])), timeout=T)
    check("UpdatePart 1 -> Nano SIM Tray, links unchanged",
          [r.part.part_id, r.part.part_name, list(r.part.vendor_ids)],
          [1, "Nano SIM Tray", [1, 2]])

    r = P.AddPartVendors(p.AddPartVendorsRequest(part_id=1, vendor_ids=[2, 5]), timeout=T)
    check("AddPartVendors: one new link (2 was linked)",
          [list(r.part.vendor_ids), r.added_links], [[1, 2, 5], 1])
    expect_error("AddPartVendors with unknown vendor 99",
                 lambda: P.AddPartVendors(p.AddPartVendorsRequest(part_id=1, vendor_ids=[99]),
                                          timeout=T),
                 grpc.StatusCode.FAILED_PRECONDITION)
    r = P.RemovePartVendors(p.RemovePartVendorsRequest(part_id=1, vendor_ids=[1, 6]),
                            timeout=T)
    check("RemovePartVendors: one link removed (6 was not linked)",
          [list(r.part.vendor_ids), r.removed_links], [[2, 5], 1])

    r = P.ListPartsByVendor(p.ListPartsByVendorRequest(vendor_id=2), timeout=T)
    check("ListPartsByVendor 2", [[x.part_id, x.part_name] for x in r.parts],
          [[1, "Nano SIM Tray"]])
    r = P.ListPartsByVendor(p.ListPartsByVendorRequest(vendor_id=3), timeout=T)
    check("ListPartsByVendor 3", [[x.part_id, x.part_name] for x in r.parts], [[2, "Speaker"]])

    r = P.AddPartWithNewVendor(p.AddPartWithNewVendorRequest(part_name="OLED",
                                                             vendor_name="LG"), timeout=T)
    check("AddPartWithNewVendor OLED/LG -> part 3, vendor 8", [r.part_id, r.vendor_id], [3, 8])
    r = P.GetPart(p.GetPartRequest(part_id=3), timeout=T)
    check("the new part is linked to the new vendor",
          [r.part.part_name, list(r.part.vendor_ids)], ["OLED", [8]])

    want_pairs = [["Nano SIM Tray", "AKM Semiconductor Inc.", 1, 2],
                  ["Nano SIM Tray", "Dynacast International Inc.", 1, 5],
                  ["OLED", "LG", 3, 8],
                  ["Speaker", "Asahi Glass Co Ltd.", 2, 3],
                  ["Speaker", "Daikin Industries Ltd.", 2, 4]]
    r = P.ListPartVendorPairs(p.ListPartVendorPairsRequest(), timeout=T)
    check("ListPartVendorPairs: the tutorial's join, by part name",
          [[x.part_name, x.vendor_name, x.part_id, x.vendor_id] for x in r.pairs], want_pairs)
    pages, token = [], ""
    while True:
        r = P.ListPartVendorPairs(p.ListPartVendorPairsRequest(page_size=2, page_token=token),
                                  timeout=T)
        pages.append([[x.part_name, x.vendor_name, x.part_id, x.vendor_id] for x in r.pairs])
        token = r.next_page_token
        if not token:
            break
    check("ListPartVendorPairs in pages of 2", pages,
          [want_pairs[0:2], want_pairs[2:4], want_pairs[4:]])

    # --- DrawingService -------------------------------------------------------
    png = b"\x89PNG\r\n\x1a\n\x00\xff"
    r = sc.upload_drawing(client, 1, png, "png", timeout=T)
    check("UploadDrawing: 10 bytes for part 1, file name, nothing replaced",
          [r.metadata.size_bytes, r.metadata.file_name, r.replaced],
          [10, "Nano SIM Tray.png", False])
    check("UploadDrawing: the server's SHA-256 is the file's", r.metadata.sha256,
          hashlib.sha256(png).hexdigest())
    r = D.GetDrawingMetadata(d.GetDrawingMetadataRequest(part_id=1), timeout=T)
    check("GetDrawingMetadata: extension and size",
          [r.metadata.file_extension, r.metadata.size_bytes], ["png", 10])
    got = sc.download_drawing(client, 1, read_offset=8, timeout=T)
    check("DownloadDrawing from offset 8: metadata range and bytes",
          [got.metadata.range_offset, got.metadata.range_length, got.data], [8, 2, b"\x00\xff"])

    # A bigger drawing: several chunks each way, from a file.
    rng = random.Random(12)
    big = bytes(rng.getrandbits(8) for _ in range(300_000))
    big_sha = hashlib.sha256(big).hexdigest()
    src = os.path.join(work, "drawing.dwg")
    with open(src, "wb") as f:
        f.write(big)
    r = sc.upload_drawing(client, 1, src, "dwg", chunk_bytes=100_000, timeout=T)
    check("UploadDrawing 300000 bytes in 3 chunks replaces the png",
          [r.metadata.size_bytes, r.metadata.sha256, r.replaced, r.metadata.file_name],
          [300_000, big_sha, True, "Nano SIM Tray.dwg"])
    got = sc.download_drawing(client, 1, timeout=T)
    check("DownloadDrawing to bytes: SHA-256 and size",
          [hashlib.sha256(got.data).hexdigest(), got.sha256, got.size, got.metadata.sha256],
          [big_sha, big_sha, 300_000, big_sha])
    dest = os.path.join(work, "downloaded.dwg")
    got = sc.download_drawing(client, 1, dest, timeout=T)
    with open(dest, "rb") as f:
        check("DownloadDrawing to a file: SHA-256 of the file",
              hashlib.sha256(f.read()).hexdigest(), big_sha)
    got = sc.download_drawing(client, 1, read_offset=70_000, read_limit=100_000, timeout=T)
    check("DownloadDrawing of a range", got.data == big[70_000:170_000], True)
    expect_error("DownloadDrawing past the end",
                 lambda: sc.download_drawing(client, 1, read_offset=300_001, timeout=T),
                 grpc.StatusCode.OUT_OF_RANGE)
    # A header announcing a wrong SHA-256: refused, the stored drawing kept.
    bad = iter([d.UploadDrawingRequest(header=d.DrawingUploadHeader(
                    part_id=1, file_extension="png", sha256="0" * 64)),
                d.UploadDrawingRequest(chunk=png, finish_write=True)])
    expect_error("UploadDrawing with a wrong SHA-256",
                 lambda: D.UploadDrawing(bad, timeout=T), grpc.StatusCode.INVALID_ARGUMENT)
    r = D.GetDrawingMetadata(d.GetDrawingMetadataRequest(part_id=1), timeout=T)
    check("the refused upload left the drawing as it was",
          [r.metadata.sha256, r.metadata.file_extension], [big_sha, "dwg"])
    # An empty drawing: the header alone carries finish_write.
    r = sc.upload_drawing(client, 2, b"", "txt", timeout=T)
    check("UploadDrawing of an empty drawing for part 2",
          [r.metadata.size_bytes, r.metadata.sha256],
          [0, hashlib.sha256(b"").hexdigest()])
    got = sc.download_drawing(client, 2, timeout=T)
    check("DownloadDrawing of the empty drawing", [got.data, got.metadata.size_bytes], [b"", 0])

    r = D.DeleteDrawing(d.DeleteDrawingRequest(part_id=1), timeout=T)
    check("DeleteDrawing 1: one row", r.deleted_rows, 1)
    expect_error("GetDrawingMetadata after the delete",
                 lambda: D.GetDrawingMetadata(d.GetDrawingMetadataRequest(part_id=1), timeout=T),
                 grpc.StatusCode.NOT_FOUND)

    r = P.DeletePart(p.DeletePartRequest(part_id=2), timeout=T)
    check("DeletePart 2: one row, two links, its drawing",
          [r.deleted_rows, r.deleted_links, r.deleted_drawing], [1, 2, True])
    r = V.DeleteVendor(v.DeleteVendorRequest(vendor_id=5), timeout=T)
    check("DeleteVendor 5: one row, its link to part 1", [r.deleted_rows, r.deleted_links], [1, 1])
    r = P.ListParts(p.ListPartsRequest(order_by=p.PART_ORDER_ID_ASC), timeout=T)
    check("after the deletes: parts 1 and 3, part 1 keeps vendor 2 only",
          [[x.part_id, list(x.vendor_ids)] for x in r.parts], [[1, [2]], [3, [8]]])
    r = V.ListVendors(v.ListVendorsRequest(order_by=v.VENDOR_ORDER_ID_ASC), timeout=T)
    check("after the deletes: vendor 5 is gone", ids(r.vendors, "vendor_id"),
          [1, 2, 3, 4, 6, 7, 8])

    # --- Change feed, bulk import and export ---------------------------------
    # A watch from now (no after_sequence) of vendors and links; its first
    # message is the checkpoint.
    watch = client.changes.WatchChanges(cf.WatchChangesRequest(
        kinds=[cf.RESOURCE_KIND_VENDOR, cf.RESOURCE_KIND_VENDOR_PART]), timeout=30)
    first = next(watch)
    check("WatchChanges from now: a first message without events", len(first.events), 0)
    start = first.checkpoint_sequence
    csv = 'vendor_name\nBulk One\n"Bulk, Two"\n'.encode()
    r = V.ImportVendors(iter([v.ImportVendorsRequest(csv_chunk=csv[:15]),
                              v.ImportVendorsRequest(csv_chunk=csv[15:])]), timeout=T)
    v1, v2 = r.summary.first_id, r.summary.last_id
    check("ImportVendors of a CSV in two chunks: 2 vendors, consecutive new ids",
          [r.summary.rows_imported, v1 > 8, v2 - v1], [2, True, 1])
    r = P.ImportParts(iter([p.ImportPartsRequest(parts=[
        p.Part(part_name="Bulk Part A", vendor_ids=[v1, 2]), p.Part(part_name="Bulk Part B")])]),
        timeout=T)
    p1, p2 = r.summary.first_id, r.summary.last_id
    check("ImportParts of rows: 2 parts, 2 links, consecutive new ids",
          [r.summary.rows_imported, r.summary.links_imported, p1 > 3, p2 - p1], [2, 2, True, 1])
    expect_error("ImportParts naming vendor 99: nothing written",
                 lambda: P.ImportParts(iter([p.ImportPartsRequest(parts=[
                     p.Part(part_name="Bulk Part C"), p.Part(part_name="D", vendor_ids=[99])])]),
                     timeout=T),
                 grpc.StatusCode.FAILED_PRECONDITION, reason="VENDOR_NOT_FOUND")
    expect_error("ImportVendors with a blank name in row 2",
                 lambda: V.ImportVendors(iter([v.ImportVendorsRequest(vendors=[
                     v.Vendor(vendor_name="Fine"), v.Vendor(vendor_name=" ")])]), timeout=T),
                 grpc.StatusCode.INVALID_ARGUMENT)
    seen = []
    for m in watch:
        seen.extend((cf.ResourceKind.Name(e.kind), e.vendor_id, e.part_id) for e in m.events)
        if len(seen) >= 4:
            break
    watch.cancel()
    check("WatchChanges: the imports' vendors, then the links, in commit order",
          sorted(seen[:2]) + sorted(seen[2:]),
          [("RESOURCE_KIND_VENDOR", v1, 0), ("RESOURCE_KIND_VENDOR", v2, 0),
           ("RESOURCE_KIND_VENDOR_PART", 2, p1), ("RESOURCE_KIND_VENDOR_PART", v1, p1)])
    replay = client.changes.WatchChanges(cf.WatchChangesRequest(
        after_sequence=start, kinds=[cf.RESOURCE_KIND_PART]), timeout=30)
    names = []
    for m in replay:
        names.extend(e.part.part_name for e in m.events)
        if len(names) >= 2:
            break
    replay.cancel()
    check("WatchChanges resumed after the checkpoint: the imported parts",
          names, ["Bulk Part A", "Bulk Part B"])

    messages = list(V.ExportVendors(v.ExportVendorsRequest(), timeout=T))
    check("ExportVendors: every vendor by id",
          [x.vendor_id for m in messages for x in m.vendors], [1, 2, 3, 4, 6, 7, 8, v1, v2])
    check("ExportVendors: the snapshot's change sequence, past the watch's start",
          messages[0].change_sequence > start, True)
    chunks = V.ExportVendors(v.ExportVendorsRequest(format=b.EXPORT_FORMAT_CSV), timeout=T)
    text = b"".join(m.csv_chunk for m in chunks).decode()
    check("ExportVendors as CSV: header, quoted comma",
          [text.splitlines()[0], text.splitlines()[-1]], ["vendor_id,vendor_name", f'{v2},"Bulk, Two"'])
    messages = list(P.ExportParts(p.ExportPartsRequest(), timeout=T))
    check("ExportParts: parts with their vendor ids",
          [[x.part_id, list(x.vendor_ids)] for m in messages for x in m.parts],
          [[1, [2]], [3, [8]], [p1, sorted([2, v1])], [p2, []]])
    messages = list(P.ExportPartVendorPairs(p.ExportPartVendorPairsRequest(), timeout=T))
    check("ExportPartVendorPairs: by part id, then vendor id",
          [[x.part_id, x.vendor_id] for m in messages for x in m.pairs],
          [[1, 2], [3, 8], [p1, 2], [p1, v1]])

    # --- Coverage: every rpc of the descriptors was called --------------------
    missing = sorted(sc.all_methods() - recorder.called)
    check("every rpc of the generated descriptors was called", missing, [])
    check("28 rpcs in the descriptors", len(sc.all_methods()), 28)
    client.close()
    if failures:
        print(f"{failures} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
