#!/usr/bin/python3
"""End to end: ChangeFeedService.WatchChanges against a real server and a
throwaway PostgreSQL, with changes made through the API and through psql.

Parts (--part, repeatable; change_feed_test.sh runs each against a server
started with the flags it needs):
  order      gRPC and psql changes (single statements, a multi-statement
             transaction, a rolled-back one, a rolled-back savepoint, two
             sessions committing in the opposite order they started writing)
             arrive on one watch in commit order, transactions consecutive,
             with the expected kinds, operations, ids and names.
  resume     a watcher that disconnects and resumes from its last checkpoint
             gets exactly what a watcher that stayed got; after_sequence
             beyond the newest is OUT_OF_RANGE, negative INVALID_ARGUMENT;
             the kinds filter, with the checkpoint advancing by heartbeats
             (server: --watch_heartbeat=1s).
  fanout     1,000 concurrent watchers (grpc.aio, one process) all receive
             the same next 20 changes in the same order (server:
             --max_watchers above 1000).
  restart    a writer inserts vendors through psql across a restart of the
             cluster under an open watch; the vendor insert events equal the
             rows inserted: no gap, no duplicate.
  stalled    a watcher that stops reading while 100,000 events are
             produced ends with RESOURCE_EXHAUSTED / WATCHER_TOO_SLOW after an
             in-order prefix and resumes without a gap; a fast watcher gets
             everything (resuming if it was ended too); the server's memory
             stays bounded (server: --watch_buffer_events=200).
  empty      on a feed that never had an event the first checkpoint (and an
             export's change_sequence) is 0; resuming from it must still give
             what was committed meanwhile (run on a fresh database).
  retention  with --change_retention=2s an old resume point is OUT_OF_RANGE
             (CHANGE_FEED_RETENTION) once cleaned up, and an ExportVendors'
             change_sequence resumes fine.

Usage: change_feed_test.py --target HOST:PORT --conninfo CONNINFO --part P...
       [--server-pid PID] [--server-log FILE] [--pg-ctl scripts/local-postgres.sh]
(run by change_feed_test.sh with PYTHONPATH=client/python)."""

import argparse
import asyncio
import os
import subprocess
import sys
import threading
import time

import grpc
from google.protobuf import field_mask_pb2

import suppliers_client as sc
from suppliers_client._generated.suppliers.v1 import (
    change_feed_pb2 as cf,
    change_feed_pb2_grpc as cf_grpc,
    drawing_pb2_grpc,
    part_pb2 as p,
    part_pb2_grpc,
    vendor_pb2 as v,
    vendor_pb2_grpc,
)

T = 30  # seconds, unary calls
failures = 0
CONNINFO = None


def log(message):
    print(message, flush=True)


def check(what, got, want):
    global failures
    if got == want:
        log(f"ok - {what}")
        return True
    failures += 1
    g, w = repr(got), repr(want)
    if len(g) > 2000:
        g = g[:2000] + "..."
    if len(w) > 2000:
        w = w[:2000] + "..."
    print(f"FAIL: {what}: got {g}, want {w}", file=sys.stderr, flush=True)
    return False


def expect(what, condition, detail=""):
    global failures
    if condition:
        log(f"ok - {what}")
        return True
    failures += 1
    print(f"FAIL: {what}{': ' + str(detail) if detail != '' else ''}", file=sys.stderr,
          flush=True)
    return False


# --- psql -----------------------------------------------------------------

PSQL = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]


def psql(sql, timeout=60, check_ok=True):
    """Runs SQL in one psql -c (one implicit transaction); returns the
    unaligned output lines."""
    r = subprocess.run(PSQL + [CONNINFO, "-c", sql], capture_output=True, text=True,
                       timeout=timeout)
    if check_ok and r.returncode != 0:
        raise RuntimeError(f"psql failed ({r.returncode}): {sql[:200]}: {r.stderr}")
    return [line for line in r.stdout.splitlines() if line != ""]


def psql_value(sql):
    lines = psql(sql)
    return lines[0] if lines else None


class PsqlSession:
    """An interactive psql session driven over pipes: each run() sends
    statements and waits for them to finish (an \\echo marker after them)."""

    def __init__(self):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-q", "-A", "-t", CONNINFO], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.n = 0

    def run(self, sql):
        self.n += 1
        marker = f"__psql_done_{self.n}__"
        sql = sql.strip()
        if not sql.endswith(";"):
            sql += ";"
        self.proc.stdin.write(sql + "\n\\echo " + marker + "\n")
        self.proc.stdin.flush()
        out = []
        for line in self.proc.stdout:
            line = line.rstrip("\n")
            if line == marker:
                break
            out.append(line)
        else:
            raise RuntimeError(f"psql session ended: {out}")
        errors = [line for line in out if "ERROR:" in line]
        if errors:
            raise RuntimeError(f"psql: {sql[:200]}: {errors}")
        return [line for line in out if line != ""]

    def value(self, sql):
        return self.run(sql)[0]

    def close(self):
        try:
            self.proc.stdin.close()
            self.proc.wait(timeout=10)
        except Exception:  # noqa: BLE001
            self.proc.kill()


# --- events ---------------------------------------------------------------

def norm(e):
    """(kind, operation, vendor_id, part_id, detail) of a ChangeEvent."""
    kind = cf.ResourceKind.Name(e.kind).replace("RESOURCE_KIND_", "")
    op = cf.ChangeOperation.Name(e.operation).replace("CHANGE_OPERATION_", "")
    which = e.WhichOneof("resource")
    detail = None
    if which == "vendor":
        detail = e.vendor.vendor_name
    elif which == "part":
        detail = e.part.part_name
    elif which == "drawing":
        detail = (e.drawing.file_extension, e.drawing.size_bytes)
    return (kind, op, e.vendor_id, e.part_id, detail)


def event_names(events):
    for e in events:
        if e.HasField("vendor"):
            yield e.vendor.vendor_name
        elif e.HasField("part"):
            yield e.part.part_name


def seqs(events):
    return [e.sequence for e in events]


def strictly_increasing(values):
    return all(a < b for a, b in zip(values, values[1:]))


def error_of(call_fn):
    """Runs call_fn(); returns the grpc.RpcError it raised, or None."""
    try:
        call_fn()
    except grpc.RpcError as e:
        return e
    return None


class Watch:
    """One WatchChanges stream, read on a thread into lists."""

    def __init__(self, stub, after=None, kinds=(), timeout=600):
        # after None: from now on (after_sequence absent); 0: from the start.
        self.request = cf.WatchChangesRequest(kinds=list(kinds))
        if after is not None:
            self.request.after_sequence = after
        self.call = stub.WatchChanges(self.request, timeout=timeout)
        self.messages = []
        self.events = []
        self.checkpoint = None
        self.names = set()  # vendor and part names in the events
        self.error = None
        self.ended = False
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            for m in self.call:
                with self.cond:
                    self.messages.append(m)
                    self.events.extend(m.events)
                    self.names.update(event_names(m.events))
                    self.checkpoint = m.checkpoint_sequence
                    self.cond.notify_all()
        except grpc.RpcError as e:
            with self.cond:
                self.error = e
        finally:
            with self.cond:
                self.ended = True
                self.cond.notify_all()

    def wait(self, predicate, timeout=30):
        """Waits until predicate(self) holds (True) or the stream ends or
        the time passes (False)."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if self.ended or remaining <= 0:
                    return predicate(self)
                self.cond.wait(min(remaining, 0.5))
            return True

    def wait_started(self, timeout=30):
        return self.wait(lambda w: w.checkpoint is not None, timeout)

    def has_name(self, name):
        return name in self.names

    def wait_name(self, name, timeout=30):
        return self.wait(lambda w: w.has_name(name), timeout)

    def cancel(self):
        self.call.cancel()
        self.thread.join(10)


class ResumingWatch:
    """A watcher that resumes from its last checkpoint when its stream ends
    with a resumable status (the client side of the feed's contract)."""

    RESUMABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.RESOURCE_EXHAUSTED,
                 grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.INTERNAL,
                 grpc.StatusCode.UNKNOWN)

    def __init__(self, stub, after=None, kinds=(), give_up_after=60):
        self.stub = stub
        self.kinds = list(kinds)
        self.checkpoint = after
        self.events = []
        self.names = set()
        self.ends = []  # (code, reason, message) of every stream that ended
        self.streams = 0
        self.fatal = None
        self.stopped = False
        self.call = None
        self.give_up_after = give_up_after
        self.cond = threading.Condition()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        failing_since = None
        while not self.stopped:
            request = cf.WatchChangesRequest(kinds=self.kinds)
            if self.checkpoint is not None:
                request.after_sequence = self.checkpoint
            with self.cond:
                self.call = self.stub.WatchChanges(request, timeout=600)
                self.streams += 1
            try:
                for m in self.call:
                    failing_since = None
                    with self.cond:
                        self.events.extend(m.events)
                        self.names.update(event_names(m.events))
                        self.checkpoint = m.checkpoint_sequence
                        self.cond.notify_all()
                with self.cond:
                    self.ends.append(("OK", "", ""))
            except grpc.RpcError as e:
                if self.stopped:
                    break
                details = sc.error_details(e)
                with self.cond:
                    self.ends.append((e.code().name, details.reason, e.details()))
                    self.cond.notify_all()
                if e.code() not in self.RESUMABLE:
                    self.fatal = e
                    break
                now = time.monotonic()
                failing_since = failing_since or now
                if now - failing_since > self.give_up_after:
                    self.fatal = e
                    break
                time.sleep(0.2)
        with self.cond:
            self.stopped = True
            self.cond.notify_all()

    def wait(self, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        with self.cond:
            while not predicate(self):
                remaining = deadline - time.monotonic()
                if self.stopped or remaining <= 0:
                    return predicate(self)
                self.cond.wait(min(remaining, 0.5))
            return True

    def has_name(self, name):
        return name in self.names

    def stop(self):
        with self.cond:
            self.stopped = True
            call = self.call
        if call is not None:
            call.cancel()
        self.thread.join(10)


def stubs(channel):
    return (cf_grpc.ChangeFeedServiceStub(channel), vendor_pb2_grpc.VendorServiceStub(channel),
            part_pb2_grpc.PartServiceStub(channel), drawing_pb2_grpc.DrawingServiceStub(channel))


def split_transactions(events, sizes):
    """Cuts events into consecutive groups of the given sizes."""
    groups, i = [], 0
    for n in sizes:
        groups.append(events[i:i + n])
        i += n
    return groups, events[i:]


def seed_feed():
    """Makes sure the feed has an event before the parts that count events
    (part empty checks the feed that never had one)."""
    psql("INSERT INTO vendors (vendor_name) VALUES ('cf seed')")


# --- a. commit order --------------------------------------------------------

def part_order(channel):
    log("# order: gRPC and psql changes on one watch, in commit order")
    W, V, P, D = stubs(channel)
    seed_feed()
    watch = Watch(W)
    expect("a watch from now starts with a checkpoint message", watch.wait_started(),
           watch.error)
    start = watch.checkpoint
    expected = []  # transactions: lists of norm() tuples, in commit order

    # Through the API.
    r = V.CreateVendor(v.CreateVendorRequest(vendor=v.Vendor(vendor_name="cf gRPC Alpha")),
                       timeout=T)
    va, etag_a = r.vendor.vendor_id, r.vendor.etag
    expected.append([("VENDOR", "INSERT", va, 0, "cf gRPC Alpha")])
    vb = V.CreateVendor(v.CreateVendorRequest(vendor=v.Vendor(vendor_name="cf gRPC Beta")),
                        timeout=T).vendor.vendor_id
    expected.append([("VENDOR", "INSERT", vb, 0, "cf gRPC Beta")])
    V.UpdateVendor(v.UpdateVendorRequest(
        vendor=v.Vendor(vendor_id=va, vendor_name="cf gRPC Alpha 2", etag=etag_a),
        update_mask=field_mask_pb2.FieldMask(paths=["vendor_name"])), timeout=T)
    expected.append([("VENDOR", "UPDATE", va, 0, "cf gRPC Alpha 2")])
    pa = P.CreatePart(p.CreatePartRequest(part=p.Part(part_name="cf gRPC Part",
                                                      vendor_ids=[vb, va])),
                      timeout=T).part.part_id
    expected.append([("PART", "INSERT", 0, pa, "cf gRPC Part"),
                     ("VENDOR_PART", "INSERT", va, pa, None),
                     ("VENDOR_PART", "INSERT", vb, pa, None)])
    sc.upload_drawing(D, pa, os.urandom(1000), "png", timeout=T)
    expected.append([("DRAWING", "INSERT", 0, pa, ("png", 1000))])
    sc.upload_drawing(D, pa, os.urandom(2345), "pdf", timeout=T)
    expected.append([("DRAWING", "UPDATE", 0, pa, ("pdf", 2345))])
    r = V.DeleteVendor(v.DeleteVendorRequest(vendor_id=vb), timeout=T)
    check("DeleteVendor removed the vendor and its link", [r.deleted_rows, r.deleted_links],
          [1, 1])
    expected.append([("VENDOR", "DELETE", vb, 0, None),
                     ("VENDOR_PART", "DELETE", vb, pa, None)])

    # Through psql, single statements (each its own transaction).
    vg = int(psql_value("INSERT INTO vendors (vendor_name) VALUES ('cf psql Gamma') "
                        "RETURNING vendor_id"))
    expected.append([("VENDOR", "INSERT", vg, 0, "cf psql Gamma")])
    psql(f"UPDATE vendors SET vendor_name = 'cf psql Gamma 2' WHERE vendor_id = {vg}")
    expected.append([("VENDOR", "UPDATE", vg, 0, "cf psql Gamma 2")])
    pp = int(psql_value("INSERT INTO parts (part_name) VALUES ('cf psql Part') "
                        "RETURNING part_id"))
    expected.append([("PART", "INSERT", 0, pp, "cf psql Part")])
    psql(f"INSERT INTO vendor_parts (vendor_id, part_id) VALUES ({vg}, {pp})")
    expected.append([("VENDOR_PART", "INSERT", vg, pp, None)])
    psql(f"DELETE FROM vendor_parts WHERE vendor_id = {vg} AND part_id = {pp}")
    expected.append([("VENDOR_PART", "DELETE", vg, pp, None)])

    # A multi-statement transaction.
    s = PsqlSession()
    s.run("BEGIN")
    vd = int(s.value("INSERT INTO vendors (vendor_name) VALUES ('cf tx Delta') "
                     "RETURNING vendor_id"))
    s.run(f"INSERT INTO vendor_parts (vendor_id, part_id) VALUES ({vd}, {pp})")
    s.run(f"UPDATE parts SET part_name = 'cf psql Part 2' WHERE part_id = {pp}")
    s.run(f"DELETE FROM vendors WHERE vendor_id = {vg}")
    s.run("COMMIT")
    expected.append([("VENDOR", "INSERT", vd, 0, "cf tx Delta"),
                     ("VENDOR_PART", "INSERT", vd, pp, None),
                     ("PART", "UPDATE", 0, pp, "cf psql Part 2"),
                     ("VENDOR", "DELETE", vg, 0, None)])

    # A rolled-back transaction: no event.
    s.run("BEGIN")
    s.run("INSERT INTO vendors (vendor_name) VALUES ('cf rolled back')")
    s.run(f"UPDATE parts SET part_name = 'cf rolled back' WHERE part_id = {pp}")
    s.run(f"DELETE FROM vendor_parts WHERE part_id = {pp}")
    s.run("ROLLBACK")

    # A rolled-back savepoint inside a committed transaction: only its
    # survivors, still consecutive.
    s.run("BEGIN")
    k1 = int(s.value("INSERT INTO vendors (vendor_name) VALUES ('cf sp kept 1') "
                     "RETURNING vendor_id"))
    s.run("SAVEPOINT sp")
    s.run("INSERT INTO vendors (vendor_name) VALUES ('cf sp dropped')")
    s.run(f"UPDATE parts SET part_name = 'cf sp dropped' WHERE part_id = {pp}")
    s.run("ROLLBACK TO SAVEPOINT sp")
    k2 = int(s.value("INSERT INTO vendors (vendor_name) VALUES ('cf sp kept 2') "
                     "RETURNING vendor_id"))
    s.run("COMMIT")
    expected.append([("VENDOR", "INSERT", k1, 0, "cf sp kept 1"),
                     ("VENDOR", "INSERT", k2, 0, "cf sp kept 2")])
    # One statement changing two rows; then a cascade through psql.
    psql(f"UPDATE vendors SET vendor_name = vendor_name || '!' "
         f"WHERE vendor_id IN ({k1}, {k2})")
    expected.append([("VENDOR", "UPDATE", k1, 0, "cf sp kept 1!"),
                     ("VENDOR", "UPDATE", k2, 0, "cf sp kept 2!")])
    psql(f"DELETE FROM parts WHERE part_id = {pp}")
    expected.append([("PART", "DELETE", 0, pp, None),
                     ("VENDOR_PART", "DELETE", vd, pp, None)])
    s.close()

    # Two sessions: A writes first but commits after B.
    a, b = PsqlSession(), PsqlSession()
    a.run("BEGIN")
    a1 = int(a.value("INSERT INTO vendors (vendor_name) VALUES ('cf session A 1') "
                     "RETURNING vendor_id"))
    b.run("BEGIN")
    b1 = int(b.value("INSERT INTO vendors (vendor_name) VALUES ('cf session B 1') "
                     "RETURNING vendor_id"))
    b.run(f"UPDATE vendors SET vendor_name = 'cf session B 1 upd' WHERE vendor_id = {b1}")
    a.run(f"UPDATE parts SET part_name = 'cf session A' WHERE part_id = {pa}")
    b.run("COMMIT")
    a2 = int(a.value("INSERT INTO vendors (vendor_name) VALUES ('cf session A 2') "
                     "RETURNING vendor_id"))
    a.run("COMMIT")
    a.close()
    b.close()
    expect("session A's first row took the smaller id", a1 < b1, (a1, b1))
    expected.append([("VENDOR", "INSERT", b1, 0, "cf session B 1"),
                     ("VENDOR", "UPDATE", b1, 0, "cf session B 1 upd")])
    expected.append([("VENDOR", "INSERT", a1, 0, "cf session A 1"),
                     ("PART", "UPDATE", 0, pa, "cf session A"),
                     ("VENDOR", "INSERT", a2, 0, "cf session A 2")])

    sentinel = int(psql_value("INSERT INTO vendors (vendor_name) VALUES ('cf order end') "
                              "RETURNING vendor_id"))
    expected.append([("VENDOR", "INSERT", sentinel, 0, "cf order end")])

    expect("the watch received the last change", watch.wait_name("cf order end", 30),
           watch.error)
    events = list(watch.events)
    watch.cancel()
    got = [norm(e) for e in events]
    sizes = [len(t) for t in expected]
    check("as many events as committed changes", len(events), sum(sizes))
    check("sequences strictly increasing", strictly_increasing(seqs(events)), True)
    check("the first event follows the watch's start checkpoint",
          events[0].sequence if events else None, start + 1)
    groups, rest = split_transactions(events, sizes)
    check("nothing after the last change", [norm(e) for e in rest], [])
    # Within a transaction the order of a statement's rows is not defined
    # (a cascade, a multi-row statement): compare each as a sorted list.
    check(f"{len(expected)} transactions in commit order, each with its events",
          [sorted((norm(e) for e in g), key=repr) for g in groups],
          [sorted(t, key=repr) for t in expected])
    check("each transaction's events have consecutive sequences",
          [i for i, g in enumerate(groups)
           if seqs(g) != list(range(g[0].sequence, g[0].sequence + len(g)))], [])
    check("each transaction's events share one commit_time",
          [i for i, g in enumerate(groups)
           if len({(e.commit_time.seconds, e.commit_time.nanos) for e in g}) != 1], [])
    times = [(e.commit_time.seconds, e.commit_time.nanos) for e in events]
    check("commit times never go back", times == sorted(times), True)
    expect("commit times are set (after 2020)", all(t[0] > 1577836800 for t in times))
    names = {n[4] for n in got}
    check("no event of the rolled-back transaction or savepoint",
          sorted(n for n in names if isinstance(n, str) and ("rolled back" in n
                                                             or "dropped" in n)), [])
    b_first = [e.sequence for e in events if norm(e)[2] in (b1,) and norm(e)[0] == "VENDOR"]
    a_first = [e.sequence for e in events if norm(e)[2] in (a1, a2) and norm(e)[0] == "VENDOR"]
    expect("session B (committed first) has the smaller sequences than session A",
           b_first and a_first and max(b_first) < min(a_first), (b_first, a_first))

    # The same from the outbox: a watch resuming from the start point.
    replay = Watch(W, after=start)
    replay.wait_name("cf order end", 30)
    replayed = [(e.sequence, norm(e), e.commit_time.seconds, e.commit_time.nanos)
                for e in replay.events]
    replay.cancel()
    check("a watch resuming from the start reads the same events (history)",
          replayed, [(e.sequence, norm(e), e.commit_time.seconds, e.commit_time.nanos)
                     for e in events])
    check("the resumed watch's first message is the checkpoint it resumed from",
          replay.messages[0].checkpoint_sequence if replay.messages else None, start)


# --- b. resume, errors, kinds -------------------------------------------------

def part_resume(channel):
    log("# resume: disconnect, reconnect from the checkpoint; errors; kinds")
    W, V, P, D = stubs(channel)
    seed_feed()
    full = Watch(W)
    one = Watch(W)
    expect("both watches started", full.wait_started() and one.wait_started())

    for i in range(5):
        psql(f"INSERT INTO vendors (vendor_name) VALUES ('cf resume 1-{i}')")
    expect("the first watcher read the first 5 changes",
           one.wait(lambda w: len(w.events) >= 5, 30), len(one.events))
    one.cancel()
    first_part = list(one.events)
    checkpoint = one.checkpoint
    check("its checkpoint is its last event's sequence", checkpoint,
          first_part[-1].sequence if first_part else None)

    # While it is away: inserts, an update, a delete, a 3-row transaction.
    missed_ids = []
    for i in range(3):
        missed_ids.append(int(psql_value(
            f"INSERT INTO vendors (vendor_name) VALUES ('cf resume 2-{i}') RETURNING vendor_id")))
    psql(f"UPDATE vendors SET vendor_name = 'cf resume 2-0 upd' WHERE vendor_id = {missed_ids[0]}")
    psql(f"DELETE FROM vendors WHERE vendor_id = {missed_ids[1]}")
    psql("INSERT INTO vendors (vendor_name) SELECT 'cf resume 2-tx-' || g "
         "FROM generate_series(1, 3) g")
    missed = 3 + 1 + 1 + 3
    expect("the staying watcher saw them", full.wait(
        lambda w: len(w.events) >= 5 + missed, 30), len(full.events))

    again = Watch(W, after=checkpoint)
    expect("the resumed watcher catches up on what it missed",
           again.wait(lambda w: len(w.events) >= missed, 30), len(again.events))
    check("the resumed watch starts with the checkpoint it resumed from",
          again.messages[0].checkpoint_sequence if again.messages else None, checkpoint)
    # Then live changes.
    for i in range(3):
        psql(f"INSERT INTO vendors (vendor_name) VALUES ('cf resume 3-{i}')")
    psql("INSERT INTO vendors (vendor_name) VALUES ('cf resume end')")
    expect("both see the live changes", full.wait_name("cf resume end", 30)
           and again.wait_name("cf resume end", 30), (full.error, again.error))
    full.cancel()
    again.cancel()
    whole = [(e.sequence, norm(e)) for e in full.events]
    pieced = [(e.sequence, norm(e)) for e in first_part + list(again.events)]
    check("first part + resumed = the uninterrupted watch (no gap, no duplicate)",
          pieced, whole)
    check("no duplicate sequences", len({s for s, _ in pieced}), len(pieced))
    check("the missed events are exactly the ones after the checkpoint",
          [s for s, _ in whole if s > checkpoint][:missed],
          seqs(again.events)[:missed])
    newest = whole[-1][0]

    # Resume points out of range.
    call = W.WatchChanges(cf.WatchChangesRequest(after_sequence=newest), timeout=T)
    m = next(call)
    check("after_sequence = the newest event is fine (first checkpoint = it)",
          m.checkpoint_sequence, newest)
    call.cancel()
    e = error_of(lambda: next(W.WatchChanges(
        cf.WatchChangesRequest(after_sequence=newest + 1), timeout=T)))
    check("after_sequence beyond the newest event: OUT_OF_RANGE",
          e and e.code(), grpc.StatusCode.OUT_OF_RANGE)
    if e:
        d = sc.error_details(e)
        check("  reason CHANGE_FEED_AHEAD", d.reason, "CHANGE_FEED_AHEAD")
        check("  the message names the newest sequence", str(newest) in e.details(), True)
    e = error_of(lambda: next(W.WatchChanges(
        cf.WatchChangesRequest(after_sequence=newest + 1000000), timeout=T)))
    check("after_sequence far beyond the newest event: OUT_OF_RANGE",
          e and e.code(), grpc.StatusCode.OUT_OF_RANGE)
    e = error_of(lambda: next(W.WatchChanges(
        cf.WatchChangesRequest(after_sequence=-1), timeout=T)))
    check("negative after_sequence: INVALID_ARGUMENT", e and e.code(),
          grpc.StatusCode.INVALID_ARGUMENT)
    if e:
        d = sc.error_details(e)
        check("  the message names after_sequence", "after_sequence" in e.details(), True)
        check("  BadRequest names after_sequence", d.fields, ["after_sequence"])
    e = error_of(lambda: next(W.WatchChanges(
        cf.WatchChangesRequest(kinds=[cf.RESOURCE_KIND_VENDOR, 0]), timeout=T)))
    check("kind UNSPECIFIED: INVALID_ARGUMENT naming kinds[1]",
          (e and e.code(), e and sc.error_details(e).fields),
          (grpc.StatusCode.INVALID_ARGUMENT, ["kinds[1]"]))
    e = error_of(lambda: next(W.WatchChanges(cf.WatchChangesRequest(kinds=[42]), timeout=T)))
    check("unknown kind 42: INVALID_ARGUMENT naming kinds[0]",
          (e and e.code(), e and sc.error_details(e).fields),
          (grpc.StatusCode.INVALID_ARGUMENT, ["kinds[0]"]))

    # The kinds filter; the checkpoint still moves by heartbeats (1 s).
    parts_only = Watch(W, kinds=[cf.RESOURCE_KIND_PART, cf.RESOURCE_KIND_PART])
    links_vendors = Watch(W, kinds=[cf.RESOURCE_KIND_VENDOR_PART, cf.RESOURCE_KIND_VENDOR])
    expect("filtered watches started", parts_only.wait_started()
           and links_vendors.wait_started())
    for i in range(3):
        psql(f"INSERT INTO vendors (vendor_name) VALUES ('cf kinds vendor {i}')")
    vendor_head = int(psql_value("SELECT max(last_seq) FROM change_transactions"))
    t0 = time.monotonic()
    moved = parts_only.wait(lambda w: w.checkpoint >= vendor_head, 10)
    expect("a PART-only watcher's checkpoint passes the vendor changes (heartbeat)",
           moved, (parts_only.checkpoint, vendor_head))
    log(f"  (after {time.monotonic() - t0:.1f} s)")
    check("  ...with no events", len(parts_only.events), 0)
    n_msgs = len(parts_only.messages)
    time.sleep(2.6)
    expect("an idle watcher gets heartbeats (>= 2 in 2.6 s at --watch_heartbeat=1s)",
           len(parts_only.messages) - n_msgs >= 2, len(parts_only.messages) - n_msgs)
    s = PsqlSession()
    s.run("BEGIN")
    kv = int(s.value("INSERT INTO vendors (vendor_name) VALUES ('cf kinds V') "
                     "RETURNING vendor_id"))
    kp = int(s.value("INSERT INTO parts (part_name) VALUES ('cf kinds P') RETURNING part_id"))
    s.run(f"INSERT INTO vendor_parts (vendor_id, part_id) VALUES ({kv}, {kp})")
    s.run("COMMIT")
    s.close()
    psql("INSERT INTO vendors (vendor_name) VALUES ('cf kinds end')")
    end_seq = int(psql_value("SELECT max(last_seq) FROM change_transactions"))
    expect("the vendor/link watcher sees the end", links_vendors.wait_name("cf kinds end"))
    expect("the PART watcher's checkpoint reaches the end",
           parts_only.wait(lambda w: w.checkpoint >= end_seq, 10),
           (parts_only.checkpoint, end_seq))
    parts_only.cancel()
    links_vendors.cancel()
    check("the PART-only watcher got only the part",
          [norm(e) for e in parts_only.events], [("PART", "INSERT", 0, kp, "cf kinds P")])
    check("the VENDOR/VENDOR_PART watcher got no part",
          [norm(e)[0] for e in links_vendors.events],
          ["VENDOR"] * 3 + ["VENDOR", "VENDOR_PART", "VENDOR"])
    checkpoints = [m.checkpoint_sequence for m in parts_only.messages]
    check("checkpoints never go back", checkpoints == sorted(checkpoints), True)


# --- d. 1,000 watchers --------------------------------------------------------

async def fanout_async(target, watchers, changes):
    channels = [grpc.aio.insecure_channel(target) for _ in range(4)]
    stubs_ = [cf_grpc.ChangeFeedServiceStub(c) for c in channels]
    started = [0]
    all_started = asyncio.Event()
    got = [None] * watchers
    done_at = [None] * watchers
    errors = []

    async def watcher(i):
        call = stubs_[i % len(stubs_)].WatchChanges(cf.WatchChangesRequest(), timeout=180)
        events = []
        first = True
        try:
            async for m in call:
                if first:
                    first = False
                    started[0] += 1
                    if started[0] == watchers:
                        all_started.set()
                events.extend((e.sequence, norm(e)) for e in m.events)
                if len(events) >= changes:
                    done_at[i] = time.monotonic()
                    got[i] = events
                    call.cancel()
                    return
        except grpc.aio.AioRpcError as e:
            if e.code() != grpc.StatusCode.CANCELLED:
                errors.append((i, e.code().name, e.details()))
                if len(errors) + started[0] >= watchers:
                    all_started.set()

    t0 = time.monotonic()
    tasks = [asyncio.create_task(watcher(i)) for i in range(watchers)]
    try:
        await asyncio.wait_for(all_started.wait(), 90)
    except asyncio.TimeoutError:
        pass
    t_started = time.monotonic() - t0
    check(f"{watchers} watchers started (first message each)", started[0], watchers)
    check("no watcher was refused or failed", errors[:5], [])
    log(f"  ({watchers} watchers open after {t_started:.1f} s)")
    sql = "\n".join(f"INSERT INTO vendors (vendor_name) VALUES ('cf fanout {i}');"
                    for i in range(changes))
    # One psql reading the statements from stdin: 20 transactions.
    proc = await asyncio.create_subprocess_exec(
        *PSQL, CONNINFO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE)
    out, err = await proc.communicate(sql.encode())
    check("psql inserted the changes", (proc.returncode, err.decode()), (0, ""))
    committed = time.monotonic()
    done, pending = await asyncio.wait(tasks, timeout=90)
    for t in pending:
        t.cancel()
    finished = [t for t in done_at if t is not None]
    check(f"all {watchers} watchers received the {changes} changes", len(finished), watchers)
    if finished:
        log(f"  all had them {max(finished) - committed:.3f} s after the last commit "
            f"(median {sorted(finished)[len(finished) // 2] - committed:.3f} s)")
    first = next((g for g in got if g is not None), None)
    check("the changes are the 20 inserts, in order",
          [n[4] for _, n in first or []], [f"cf fanout {i}" for i in range(changes)])
    check("every watcher received the same events in the same order",
          sum(1 for g in got if g == first), watchers)
    for c in channels:
        await c.close()


def part_fanout(target):
    """Runs the watchers in a child process (one process, grpc.aio): with
    grpcio 1.51 the event loop's shutdown can hang after many aio streams
    (grpc/grpc#40989, the poller thread blocked writing to its socket pair),
    so the child leaves with os._exit once it has reported."""
    log("# fanout: 1,000 watchers receive the same changes")
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--target", target,
                        "--conninfo", CONNINFO, "--part", "fanout-child"], timeout=240)
    check("the fanout process passed", r.returncode, 0)


def fanout_child(target):
    try:
        loop = asyncio.new_event_loop()
        loop.run_until_complete(fanout_async(target, 1000, 20))
    except BaseException as e:  # noqa: BLE001
        print(f"FAIL: fanout: {e!r}", file=sys.stderr)
        global failures
        failures += 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(1 if failures else 0)


# --- c. PostgreSQL restart ----------------------------------------------------

def part_restart(channel, pg_ctl, server_log):
    log("# restart: a psql writer across a PostgreSQL restart under an open watch")
    W, V, P, D = stubs(channel)
    seed_feed()
    watch = ResumingWatch(W)
    expect("the watch started", watch.wait(lambda w: w.checkpoint is not None, 30))
    stop = threading.Event()
    attempts = {"ok": 0, "failed": 0}
    lock = threading.Lock()

    def writer(name):
        i = 0
        while not stop.is_set():
            r = subprocess.run(
                PSQL + [CONNINFO, "-c",
                        f"INSERT INTO vendors (vendor_name) VALUES ('cf restart {name}{i}')"],
                capture_output=True, text=True, timeout=30,
                env=dict(os.environ, PGCONNECT_TIMEOUT="2"))
            with lock:
                attempts["ok" if r.returncode == 0 else "failed"] += 1
            i += 1
            if r.returncode != 0:
                time.sleep(0.05)

    # Two writers, each a psql per insert (autocommit).
    threads = [threading.Thread(target=writer, args=(name,), daemon=True) for name in "ab"]
    for thread in threads:
        thread.start()
    time.sleep(2)
    before_restart = attempts["ok"]
    t0 = time.monotonic()
    subprocess.run([pg_ctl, "stop"], check=True, capture_output=True, timeout=60)
    time.sleep(1)
    subprocess.run([pg_ctl, "start"], check=True, capture_output=True, timeout=120)
    log(f"  (cluster stopped and started in {time.monotonic() - t0:.1f} s)")
    ok_at_restart = attempts["ok"]
    time.sleep(3)
    stop.set()
    for thread in threads:
        thread.join(60)
    expect("the writer inserted before and after the restart",
           before_restart > 0 and attempts["ok"] > ok_at_restart, attempts)
    log(f"  (writer: {attempts})")
    psql("INSERT INTO vendors (vendor_name) VALUES ('cf restart end')")
    expect("the watch receives changes after the restart",
           watch.wait(lambda w: w.has_name("cf restart end"), 60),
           (watch.ends, watch.fatal))
    watch.stop()
    log(f"  (streams opened: {watch.streams}; ends: {watch.ends[:-1] or 'none'})")
    check("the watch never failed for good", watch.fatal, None)
    rows = psql("SELECT vendor_id || '|' || vendor_name FROM vendors "
                "WHERE vendor_name LIKE 'cf restart %' ORDER BY vendor_id")
    table = sorted((int(r.split("|", 1)[0]), r.split("|", 1)[1]) for r in rows)
    inserts = [(e.vendor_id, e.vendor.vendor_name) for e in watch.events
               if e.kind == cf.RESOURCE_KIND_VENDOR and e.operation == cf.CHANGE_OPERATION_INSERT
               and e.vendor.vendor_name.startswith("cf restart ")]
    check("no duplicate insert event", len(inserts), len(set(inserts)))
    check("the vendor insert events = the rows inserted (no gap, no duplicate)",
          sorted(inserts), table)
    check("sequences strictly increasing across the restart",
          strictly_increasing(seqs(watch.events)), True)
    if server_log:
        with open(server_log, encoding="utf-8", errors="replace") as f:
            text = f.read()
        expect("the server's feed reconnected (log)",
               "change feed: lost its database connection" in text
               and text.count('"msg":"change feed listening"') >= 2)


# --- e. a stalled watcher -----------------------------------------------------

def memory(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmHWM", "VmRSS"):
                out[key] = int(value.split()[0]) * 1024
    return out


# The stalled watcher's backlog: STALL_EVENTS events whose names carry
# NAME_BYTES bytes each, about 24 MB of names. A server that buffered a
# watcher's backlog (or an unbounded ring) would grow by at least that.
# What it may legitimately hold: the ring (200 events), a page of the outbox
# (1000 events, ~0.5 MB as rows and messages), a message per stream (500
# events, ~0.13 MB), HTTP/2 windows and malloc's per-thread arenas: a few
# MB. Hence the bound of 16 MiB, well under the 24 MB a backlog would take.
STALL_EVENTS = 100_000
NAME_BYTES = 230
MEMORY_BOUND = 16 << 20


def part_stalled(channel, server_pid):
    log("# stalled: a watcher that stops reading while 100,000 events are produced")
    W, V, P, D = stubs(channel)
    seed_feed()
    slow = W.WatchChanges(cf.WatchChangesRequest(), timeout=300)
    first = next(slow)
    start = first.checkpoint_sequence
    fast = ResumingWatch(W, after=start)
    fast.wait(lambda w: w.streams >= 1, 10)
    # 50 events the server can send the stalled watcher before it falls
    # behind: they wait in its HTTP/2 window, unread.
    psql("INSERT INTO vendors (vendor_name) SELECT 'cf stall pre ' || g "
         "FROM generate_series(1, 50) g")
    expect("the fast watcher gets the first 50 events",
           fast.wait(lambda w: w.has_name("cf stall pre 50"), 30))
    time.sleep(0.5)
    before = memory(server_pid)
    samples = []
    sampling = threading.Event()

    def sample():
        while not sampling.is_set():
            samples.append(memory(server_pid)["VmRSS"])
            time.sleep(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    # One transaction of STALL_EVENTS events with long names (the backlog
    # a server that buffered per watcher would hold: >= 20 MB of names).
    t0 = time.monotonic()
    psql(f"INSERT INTO vendors (vendor_name) SELECT 'cf stall ' || g || ' ' || "
         f"repeat('x', {NAME_BYTES}) FROM generate_series(1, {STALL_EVENTS}) g", timeout=120)
    psql("INSERT INTO vendors (vendor_name) VALUES ('cf stall end')")
    log(f"  ({STALL_EVENTS} events committed in {time.monotonic() - t0:.1f} s)")
    expect("the fast watcher gets everything",
           fast.wait(lambda w: w.has_name("cf stall end"), 120), (fast.ends, fast.fatal))
    log(f"  (fast watcher: {len(fast.events)} events in {time.monotonic() - t0:.1f} s; "
        f"ends: {fast.ends})")
    time.sleep(1)
    sampling.set()
    sampler.join()
    after = memory(server_pid)
    rss_growth = max(samples + [after["VmRSS"]]) - before["VmRSS"]
    hwm_growth = after["VmHWM"] - before["VmHWM"]
    log(f"  (server RSS {before['VmRSS'] >> 20} MiB before, peak {max(samples) >> 20} MiB, "
        f"HWM {before['VmHWM'] >> 20} -> {after['VmHWM'] >> 20} MiB)")
    expect(f"server RSS grew < {MEMORY_BOUND >> 20} MiB while the watcher stalled",
           rss_growth < MEMORY_BOUND, f"{rss_growth / 2**20:.1f} MiB")
    expect(f"server VmHWM grew < {MEMORY_BOUND >> 20} MiB", hwm_growth < MEMORY_BOUND,
           f"{hwm_growth / 2**20:.1f} MiB")
    fast.stop()
    fast_events = [(e.sequence, norm(e)) for e in fast.events]
    total = 50 + STALL_EVENTS + 1
    check("the fast watcher: every event once, in order",
          (len(fast_events), strictly_increasing([s for s, _ in fast_events])),
          (total, True))
    check("the fast watcher's events are consecutive sequences",
          [s for s, _ in fast_events] == list(range(start + 1, start + 1 + total)), True)
    for code, reason, _ in fast.ends[:-1]:
        check("the fast watcher ended only with RESOURCE_EXHAUSTED/WATCHER_TOO_SLOW",
              (code, reason), ("RESOURCE_EXHAUSTED", "WATCHER_TOO_SLOW"))

    # The stalled watcher reads again: an in-order prefix, then the end.
    prefix = []
    checkpoint = start
    error = None
    try:
        for m in slow:
            prefix.extend((e.sequence, norm(e)) for e in m.events)
            checkpoint = m.checkpoint_sequence
            if len(prefix) > total:
                break
    except grpc.RpcError as e:
        error = e
    check("the stalled watcher ends with RESOURCE_EXHAUSTED", error and error.code(),
          grpc.StatusCode.RESOURCE_EXHAUSTED)
    if error:
        d = sc.error_details(error)
        check("  reason WATCHER_TOO_SLOW", d.reason, "WATCHER_TOO_SLOW")
        check("  the message says to resume from the checkpoint",
              "checkpoint" in error.details(), True)
    log(f"  (the stalled watcher got {len(prefix)} events before its end)")
    check("what it got before the end is a prefix of the feed, in order",
          prefix, fast_events[:len(prefix)])
    resumed = ResumingWatch(W, after=checkpoint)
    expect("it resumes from its checkpoint to the end",
           resumed.wait(lambda w: w.has_name("cf stall end"), 120), resumed.ends)
    resumed.stop()
    check("prefix + resumed = the whole feed (no gap, no duplicate)",
          prefix + [(e.sequence, norm(e)) for e in resumed.events], fast_events)


# --- the empty feed --------------------------------------------------------

def part_empty(channel):
    """On a database whose feed never had an event, the first checkpoint
    (and an export's change_sequence) is 0; resuming from it must still give
    the events committed meanwhile, as for any other checkpoint."""
    log("# empty: resuming from the checkpoint of an empty feed")
    W, V, P, D = stubs(channel)
    check("the feed is empty", psql_value("SELECT count(*) FROM change_transactions"), "0")
    watch = Watch(W)
    expect("a watch on the empty feed starts", watch.wait_started(), watch.error)
    checkpoint = watch.checkpoint
    watch.cancel()
    log(f"  (its checkpoint: {checkpoint})")
    export = V.ExportVendors(v.ExportVendorsRequest(), timeout=T)
    change_sequence = next(export).change_sequence
    export.cancel()
    log(f"  (ExportVendors' change_sequence: {change_sequence})")
    psql("INSERT INTO vendors (vendor_name) VALUES ('cf empty 1')")
    for what, after in (("the last checkpoint", checkpoint),
                        ("the export's change_sequence", change_sequence)):
        again = Watch(W, after=after)
        got = again.wait_name("cf empty 1", 5)
        again.cancel()
        expect(f"resuming from {what} ({after}) gets the change committed meanwhile",
               got, f"WatchChanges(after_sequence={after}) started after it, "
                    f"events: {[norm(e) for e in again.events]}")


# --- f. retention -------------------------------------------------------------

def part_retention(channel):
    log("# retention: --change_retention=2s")
    W, V, P, D = stubs(channel)
    seed_feed()
    watch = Watch(W)
    watch.wait_started()
    for i in range(3):
        psql(f"INSERT INTO vendors (vendor_name) VALUES ('cf old {i}')")
    expect("the changes arrive", watch.wait(lambda w: len(w.events) >= 3))
    watch.cancel()
    old = watch.events[0].sequence
    check("resuming from the oldest event works before the clean-up",
          next(W.WatchChanges(cf.WatchChangesRequest(after_sequence=old),
                              timeout=T)).checkpoint_sequence, old)
    deadline = time.monotonic() + 15
    pruned = 0
    time.sleep(4.5)
    while time.monotonic() < deadline:
        pruned = int(psql_value("SELECT pruned_through FROM change_feed_state"))
        if pruned >= watch.events[-1].sequence:
            break
        time.sleep(0.5)
    check("the clean-up deleted the old events (pruned_through)", pruned,
          watch.events[-1].sequence)
    check("...and their rows", psql_value("SELECT count(*) FROM change_events"), "0")
    e = error_of(lambda: next(W.WatchChanges(cf.WatchChangesRequest(after_sequence=old),
                                             timeout=T)))
    check("resuming from an old sequence: OUT_OF_RANGE", e and e.code(),
          grpc.StatusCode.OUT_OF_RANGE)
    if e:
        d = sc.error_details(e)
        check("  reason CHANGE_FEED_RETENTION", d.reason, "CHANGE_FEED_RETENTION")
        check("  ErrorInfo names pruned_through", dict(d.error_info.metadata).get(
            "pruned_through"), str(pruned))
    # Resync: an export's change_sequence resumes fine.
    export = V.ExportVendors(v.ExportVendorsRequest(), timeout=T)
    vendors = []
    change_sequence = None
    for m in export:
        if change_sequence is None:
            change_sequence = m.change_sequence
        vendors.extend(m.vendors)
    check("the export's change_sequence is the newest (pruned) sequence", change_sequence,
          pruned)
    check("the export has the vendors of the table",
          [f"{x.vendor_id}|{x.vendor_name}" for x in vendors],
          psql("SELECT vendor_id || '|' || vendor_name FROM vendors ORDER BY vendor_id"))
    again = Watch(W, after=change_sequence)
    expect("a watch from the export's change_sequence starts", again.wait_started(),
           again.error)
    psql("INSERT INTO vendors (vendor_name) VALUES ('cf after export')")
    expect("...and gets the next change", again.wait_name("cf after export"), again.error)
    again.cancel()
    check("...and only it", [norm(e)[4] for e in again.events], ["cf after export"])
    check("its sequence follows change_sequence",
          again.events[0].sequence if again.events else None, change_sequence + 1)


def main():
    global CONNINFO
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--part", action="append", required=True,
                    choices=["order", "resume", "fanout", "fanout-child", "restart", "stalled",
                             "empty", "retention"])
    ap.add_argument("--server-pid", type=int)
    ap.add_argument("--server-log")
    ap.add_argument("--pg-ctl")
    args = ap.parse_args()
    CONNINFO = args.conninfo
    channel = grpc.insecure_channel(args.target)
    grpc.channel_ready_future(channel).result(timeout=10)
    for part in args.part:
        t0 = time.monotonic()
        if part == "order":
            part_order(channel)
        elif part == "resume":
            part_resume(channel)
        elif part == "fanout":
            part_fanout(args.target)
        elif part == "fanout-child":
            fanout_child(args.target)
        elif part == "restart":
            part_restart(channel, args.pg_ctl, args.server_log)
        elif part == "stalled":
            part_stalled(channel, args.server_pid)
        elif part == "empty":
            part_empty(channel)
        elif part == "retention":
            part_retention(channel)
        log(f"# {part}: {time.monotonic() - t0:.1f} s")
    channel.close()
    if failures:
        print(f"{failures} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
