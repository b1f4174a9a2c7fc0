"""Read replicas end to end (see replica_test.sh, which sets up the primary,
the streaming replica and the server). Every check asserts; the script exits
non-zero at the first failure."""
import argparse
import hashlib
import subprocess
import sys
import threading
import time

import grpc

import suppliers_client as sc
from suppliers_client import part_pb2 as p, vendor_pb2 as v
from suppliers_client.drawings import download_drawing, upload_drawing

T = 10


def ok(what):
    print(f"ok - {what}", flush=True)


def fail(what):
    print(f"FAIL: {what}", file=sys.stderr, flush=True)
    sys.exit(1)


def expect(what, condition, detail=""):
    if not condition:
        fail(f"{what} {detail}")
    ok(what)


def psql(conninfo, sql):
    out = subprocess.run(["psql", "-X", "-qAt", conninfo, "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


def calls(conninfo, fragment):
    """Executions of statements containing `fragment` on that server."""
    return int(psql(conninfo,
                    "SELECT coalesce(sum(calls), 0) FROM pg_stat_statements "
                    f"WHERE query LIKE '%{fragment}%'"))


GET_VENDOR = "FROM vendors WHERE vendor_id = $1"


def eventually(what, predicate, seconds=15):
    deadline = time.time() + seconds
    while time.time() < deadline:
        if predicate():
            ok(what)
            return
        time.sleep(0.2)
    fail(f"{what}: not within {seconds} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--primary", required=True)
    ap.add_argument("--replica", required=True)
    ap.add_argument("--max-lag", type=float, required=True)
    ap.add_argument("--stop-replica", required=True)
    args = ap.parse_args()
    primary, replica = args.primary, args.replica

    with sc.connect(args.target) as c:
        # Seed through the API: writes, on the primary.
        vendor = c.vendors.CreateVendor(v.CreateVendorRequest(
            vendor=v.Vendor(vendor_name="Replica Supplies")), timeout=T).vendor
        part = c.parts.CreatePart(p.CreatePartRequest(part=p.Part(
            part_name="Replica Widget", vendor_ids=[vendor.vendor_id])),
            timeout=T).part
        drawing = bytes(range(256)) * 4096  # 1 MiB
        upload_drawing(c, part.part_id, drawing, "png", timeout=T)

        # Until the probe has seen the replica replay the seed, reads may
        # be on either server; wait for a read to land on the replica.
        def lands_on_replica():
            before = calls(replica, GET_VENDOR)
            c.vendors.GetVendor(v.GetVendorRequest(vendor_id=vendor.vendor_id),
                                timeout=T)
            return calls(replica, GET_VENDOR) > before
        eventually("a GetVendor lands on the replica once it is probed",
                   lands_on_replica)

        # a. Reads run on the replica, and only there.
        rep_before = calls(replica, GET_VENDOR)
        pri_before = calls(primary, GET_VENDOR)
        for _ in range(40):
            got = c.vendors.GetVendor(
                v.GetVendorRequest(vendor_id=vendor.vendor_id), timeout=T)
            assert got.vendor.vendor_name == "Replica Supplies", got
        rep_after = calls(replica, GET_VENDOR)
        pri_after = calls(primary, GET_VENDOR)
        expect("40 GetVendor ran on the replica "
               f"({rep_after - rep_before} executions there)",
               rep_after - rep_before >= 40)
        expect(f"and not on the primary ({pri_after - pri_before})",
               pri_after == pri_before)

        reads = {
            "ListVendors": ("FROM vendors WHERE vendor_name ILIKE",
                            lambda: c.vendors.ListVendors(
                                v.ListVendorsRequest(page_size=10), timeout=T)),
            "BatchGetVendors": ("unnest($1::int[])",
                                lambda: c.vendors.BatchGetVendors(
                                    v.BatchGetVendorsRequest(
                                        vendor_ids=[vendor.vendor_id]),
                                    timeout=T)),
            "ListPartsByVendor": ("get_parts_by_vendor",
                                  lambda: c.parts.ListPartsByVendor(
                                      p.ListPartsByVendorRequest(
                                          vendor_id=vendor.vendor_id),
                                      timeout=T)),
            "ListPartVendorPairs": ("JOIN vendor_parts",
                                    lambda: c.parts.ListPartVendorPairs(
                                        p.ListPartVendorPairsRequest(
                                            page_size=10), timeout=T)),
        }
        for name, (fragment, call) in reads.items():
            before_r, before_p = calls(replica, fragment), calls(primary, fragment)
            for _ in range(5):
                call()
            after_r, after_p = calls(replica, fragment), calls(primary, fragment)
            expect(f"{name} ran on the replica ({after_r - before_r} "
                   f"executions), not the primary ({after_p - before_p})",
                   after_r - before_r >= 5 and after_p == before_p)

        before_r = calls(replica, "substring(drawing_data")
        got = download_drawing(c, part.part_id, timeout=T)
        expect("DownloadDrawing returns the drawing",
               hashlib.sha256(got.data).digest() == hashlib.sha256(drawing).digest())
        expect("and read it on the replica",
               calls(replica, "substring(drawing_data") > before_r)
        before_r = calls(replica, "pruned_through")
        rows = sum(len(m.vendors) for m in c.vendors.ExportVendors(
            v.ExportVendorsRequest(), timeout=T))
        expect(f"ExportVendors streams the vendors ({rows})", rows >= 1)
        expect("from a snapshot on the replica",
               calls(replica, "pruned_through") > before_r)

        # b. Read your writes while the replica replays nothing.
        psql(replica, "SELECT pg_wal_replay_pause()")
        created, call = c.vendors.CreateVendor.with_call(v.CreateVendorRequest(
            vendor=v.Vendor(vendor_name="Written Then Read")), timeout=T)
        trailers = dict(call.trailing_metadata())
        lsn = trailers.get("x-suppliers-commit-lsn", "")
        expect(f"a write answers its commit position ({lsn})", "/" in lsn)
        new_id = created.vendor.vendor_id
        for _ in range(20):
            got = c.vendors.GetVendor(
                v.GetVendorRequest(vendor_id=new_id), timeout=T,
                metadata=[("x-suppliers-min-lsn", lsn)])
            assert got.vendor.vendor_name == "Written Then Read", got
        ok("20 reads with x-suppliers-min-lsn see the write at once")
        for _ in range(5):
            c.vendors.GetVendor(v.GetVendorRequest(vendor_id=new_id), timeout=T,
                                metadata=[("x-suppliers-read-from", "primary")])
        ok("reads with x-suppliers-read-from: primary see it too")
        for header, value in [("x-suppliers-min-lsn", "not-an-lsn"),
                              ("x-suppliers-read-from", "nearest")]:
            try:
                c.vendors.GetVendor(v.GetVendorRequest(vendor_id=new_id),
                                    timeout=T, metadata=[(header, value)])
                fail(f"{header}: {value} was accepted")
            except grpc.RpcError as e:
                expect(f"a malformed {header} is INVALID_ARGUMENT naming it",
                       e.code() == grpc.StatusCode.INVALID_ARGUMENT
                       and header in e.details(), e.details())

        # c. Past the lag bound the paused replica is skipped: plain reads
        # see the new vendor, from the primary.
        time.sleep(args.max_lag + 1.5)
        rep_before = calls(replica, GET_VENDOR)
        for _ in range(30):
            got = c.vendors.GetVendor(v.GetVendorRequest(vendor_id=new_id),
                                      timeout=T)
            assert got.vendor.vendor_name == "Written Then Read", got
        expect("30 plain reads see the write: the lagging replica is skipped",
               calls(replica, GET_VENDOR) == rep_before)
        psql(replica, "SELECT pg_wal_replay_resume()")
        eventually("once replay resumes, reads return to the replica",
                   lands_on_replica)

        # d. The replica stops under a read load: no call fails.
        errors, done = [], threading.Event()
        counts = [0]

        def load():
            while not done.is_set():
                try:
                    c.vendors.GetVendor(
                        v.GetVendorRequest(vendor_id=vendor.vendor_id), timeout=T)
                    counts[0] += 1
                except grpc.RpcError as e:
                    errors.append(f"{e.code()}: {e.details()}")
        threads = [threading.Thread(target=load) for _ in range(4)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        subprocess.run(args.stop_replica, shell=True, check=True,
                       capture_output=True)
        time.sleep(2.0)
        done.set()
        for t in threads:
            t.join()
        expect(f"the replica stopped under load: {counts[0]} reads, "
               f"{len(errors)} errors", not errors and counts[0] > 0,
               "; ".join(errors[:3]))
        pri_before = calls(primary, GET_VENDOR)
        got = download_drawing(c, part.part_id, timeout=T)
        expect("a download after the stop is served (by the primary)",
               got.data == drawing)
        c.vendors.GetVendor(v.GetVendorRequest(vendor_id=vendor.vendor_id),
                            timeout=T)
        expect("reads now run on the primary",
               calls(primary, GET_VENDOR) > pri_before)


if __name__ == "__main__":
    main()
