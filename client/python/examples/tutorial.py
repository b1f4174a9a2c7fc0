#!/usr/bin/python3
"""The PostgreSQL Python tutorial's flow through the suppliers service:
insert vendors, update one, add parts linked to vendors (transaction), query
them, call the function and the stored procedure, write and read a drawing
(the BLOB page), delete. Prints what it does; exits non-zero on any error.

    PYTHONPATH=client/python /usr/bin/python3 client/python/examples/tutorial.py \
        --target 127.0.0.1:50051 [--token-file writer.token --ca-file ca.pem]
"""

import argparse
import sys
import uuid

import grpc
from google.protobuf import field_mask_pb2

import suppliers_client as sc
from suppliers_client import part_pb2 as p, vendor_pb2 as v


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--target", default="127.0.0.1:50051",
                    help="HOST:PORT, or dns:///NAME:PORT for every replica of NAME")
    ap.add_argument("--ca-file", help="TLS: the CA of the server's certificate")
    ap.add_argument("--token-file", help="a JWT sent as `authorization: Bearer`")
    args = ap.parse_args()
    T = 10
    with sc.connect(args.target, ca_file=args.ca_file, token_file=args.token_file) as c:
        try:
            # Insert one vendor, then several (executemany).
            three_m = c.vendors.CreateVendor(v.CreateVendorRequest(
                vendor=v.Vendor(vendor_name="3M Co."), request_id=str(uuid.uuid4())),
                timeout=T).vendor
            print(f"inserted vendor {three_m.vendor_id}: {three_m.vendor_name}")
            names = ["AKM Semiconductor Inc.", "Asahi Glass Co Ltd.", "Daikin Industries Ltd.",
                     "Dynacast International Inc.", "Foster Electric Co. Ltd.",
                     "Murata Manufacturing Co. Ltd."]
            batch = c.vendors.BatchCreateVendors(v.BatchCreateVendorsRequest(
                vendors=[v.Vendor(vendor_name=n) for n in names]), timeout=T).vendors
            for x in batch:
                print(f"inserted vendor {x.vendor_id}: {x.vendor_name}")
            ids = {x.vendor_name: x.vendor_id for x in batch}

            # Update (with the etag: only if nobody changed it meanwhile).
            r = c.vendors.UpdateVendor(v.UpdateVendorRequest(
                vendor=v.Vendor(vendor_id=three_m.vendor_id, vendor_name="3M Corp",
                                etag=three_m.etag),
                update_mask=field_mask_pb2.FieldMask(paths=["vendor_name"])), timeout=T)
            print(f"updated {r.updated_rows} row: vendor {r.vendor.vendor_id} is now "
                  f"{r.vendor.vendor_name}")

            # Parts with their vendors, each in one transaction.
            tray = c.parts.CreatePart(p.CreatePartRequest(part=p.Part(
                part_name="SIM Tray", vendor_ids=[three_m.vendor_id,
                                                  ids["AKM Semiconductor Inc."]])),
                timeout=T).part
            speaker = c.parts.CreatePart(p.CreatePartRequest(part=p.Part(
                part_name="Speaker", vendor_ids=[ids["Asahi Glass Co Ltd."],
                                                 ids["Daikin Industries Ltd."]])),
                timeout=T).part
            for part in (tray, speaker):
                print(f"inserted part {part.part_id}: {part.part_name}, vendors "
                      f"{list(part.vendor_ids)}")

            # Query the vendors, a page at a time, by name.
            token, count = "", 0
            while True:
                page = c.vendors.ListVendors(v.ListVendorsRequest(
                    page_size=5, page_token=token), timeout=T)
                count += len(page.vendors)
                token = page.next_page_token
                if not token:
                    break
            print(f"listed {count} vendors in pages of 5")

            # The function get_parts_by_vendor and the procedure add_new_part.
            r = c.parts.ListPartsByVendor(p.ListPartsByVendorRequest(
                vendor_id=ids["AKM Semiconductor Inc."]), timeout=T)
            print("parts of AKM Semiconductor Inc.:", [x.part_name for x in r.parts])
            r = c.parts.AddPartWithNewVendor(p.AddPartWithNewVendorRequest(
                part_name="OLED", vendor_name="LG"), timeout=T)
            print(f"add_new_part: part {r.part_id}, vendor {r.vendor_id}")
            oled_id = r.part_id
            r = c.parts.ListPartVendorPairs(p.ListPartVendorPairsRequest(), timeout=T)
            for x in r.pairs:
                print(f"  {x.part_name} <- {x.vendor_name}")

            # Write a drawing (BLOB) and read it back.
            drawing = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 512
            up = sc.upload_drawing(c, tray.part_id, drawing, "png", timeout=T)
            print(f"uploaded {up.metadata.file_name}: {up.metadata.size_bytes} bytes, "
                  f"sha256 {up.metadata.sha256[:16]}...")
            down = sc.download_drawing(c, tray.part_id, timeout=T)
            ok = down.data == drawing and down.sha256 == up.metadata.sha256
            print(f"downloaded {down.size} bytes, sha256 {'ok' if ok else 'MISMATCH'}")
            if not ok:
                return 1

            # Delete: a part (its links and drawing go with it), a vendor.
            for part_id in (tray.part_id, speaker.part_id, oled_id):
                r = c.parts.DeletePart(p.DeletePartRequest(part_id=part_id), timeout=T)
                print(f"deleted part {part_id}: {r.deleted_rows} row, {r.deleted_links} "
                      f"links, drawing {r.deleted_drawing}")
            r = c.vendors.DeleteVendor(v.DeleteVendorRequest(
                vendor_id=ids["Foster Electric Co. Ltd."]), timeout=T)
            print(f"deleted vendor Foster Electric Co. Ltd.: {r.deleted_rows} row")

            # An error, read through its google.rpc details.
            try:
                c.vendors.CreateVendor(v.CreateVendorRequest(vendor=v.Vendor(vendor_name="")),
                                       timeout=T)
                print("an empty vendor name was accepted")
                return 1
            except grpc.RpcError as e:
                details = sc.error_details(e)
                print(f"empty name: {details.code.name} {details.reason} fields {details.fields}")
        except grpc.RpcError as e:
            details = sc.error_details(e)
            print(f"error: {details.code.name} {details.message} ({details.reason})",
                  file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
