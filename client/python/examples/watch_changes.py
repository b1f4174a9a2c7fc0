#!/usr/bin/python3
"""Follows the change feed (ChangeFeedService.WatchChanges): one line per
committed change of vendors, parts, their links and drawings, made by anyone
(the API, psql). Runs until interrupted, or until --count events; on an error
prints the checkpoint to resume from (--after).

    PYTHONPATH=client/python /usr/bin/python3 client/python/examples/watch_changes.py \
        --target 127.0.0.1:50051 [--after N] [--kinds vendor,part] [--count N]
"""

import argparse
import sys

import grpc

import suppliers_client as sc
from suppliers_client._generated.suppliers.v1 import (
    change_feed_pb2 as cf,
    change_feed_pb2_grpc as cf_grpc,
)

KINDS = {
    "vendor": cf.RESOURCE_KIND_VENDOR,
    "part": cf.RESOURCE_KIND_PART,
    "vendor_part": cf.RESOURCE_KIND_VENDOR_PART,
    "drawing": cf.RESOURCE_KIND_DRAWING,
}


def describe(e):
    op = cf.ChangeOperation.Name(e.operation).removeprefix("CHANGE_OPERATION_").lower()
    kind = cf.ResourceKind.Name(e.kind).removeprefix("RESOURCE_KIND_").lower()
    line = f"{e.sequence} {op} {kind}"
    if e.part_id:
        line += f" part_id={e.part_id}"
    if e.vendor_id:
        line += f" vendor_id={e.vendor_id}"
    which = e.WhichOneof("resource")
    if which == "vendor":
        line += f' "{e.vendor.vendor_name}"'
    elif which == "part":
        line += f' "{e.part.part_name}"'
    elif which == "drawing":
        line += f" {e.drawing.file_extension} {e.drawing.size_bytes} bytes"
    return line


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default="127.0.0.1:50051",
                    help="HOST:PORT, or dns:///NAME:PORT for every replica of NAME")
    ap.add_argument("--after", type=int, default=None,
                    help="resume after this sequence, a checkpoint "
                         "(default: changes from now on)")
    ap.add_argument("--kinds", default="", help="e.g. vendor,part (default: all)")
    ap.add_argument("--count", type=int, default=0, help="stop after N events")
    ap.add_argument("--ca-file", help="TLS: the CA of the server's certificate")
    ap.add_argument("--token-file", help="a JWT sent as `authorization: Bearer`")
    args = ap.parse_args()
    kinds = [KINDS[k] for k in args.kinds.split(",") if k]
    with sc.connect(args.target, ca_file=args.ca_file, token_file=args.token_file) as c:
        changes = cf_grpc.ChangeFeedServiceStub(c.channel)
        # No timeout: a watch lasts until it is cancelled.
        request = cf.WatchChangesRequest(kinds=kinds)
        if args.after is not None:  # absent: from now on; 0: from the start
            request.after_sequence = args.after
        call = changes.WatchChanges(request)
        seen, checkpoint = 0, args.after
        try:
            for message in call:  # a message without events is a heartbeat
                for e in message.events:
                    print(describe(e), flush=True)
                    seen += 1
                    checkpoint = e.sequence
                    if args.count and seen == args.count:
                        call.cancel()
                        return 0
                checkpoint = message.checkpoint_sequence
        except grpc.RpcError as e:
            d = sc.error_details(e)
            reason = d.error_info.reason if d.error_info else ""
            print(f"error: {d.code.name}: {e.details()} ({reason}); "
                  f"resume with --after {checkpoint}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            call.cancel()
            print(f"resume with --after {checkpoint}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
