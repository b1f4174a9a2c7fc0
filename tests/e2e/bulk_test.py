#!/usr/bin/python3
"""End to end: the bulk methods (ImportVendors, ImportParts, ExportVendors,
ExportParts, ExportPartVendorPairs) against a real server and a throwaway
PostgreSQL, checked against the tables through psql.

  import     CSV chunks cut at awkward places (inside a quoted field, between
             a doubled quote, between \\r and \\n, inside a UTF-8 character),
             quotes, commas, UTF-8: rows in row order with consecutive ids,
             the summary right; the rows form; ImportParts with vendor_ids
             (CSV "1;2" and messages).
  invalid    all or nothing: bad rows (empty, 256 characters, control
             character, wrong field count, unterminated quote, unknown header
             column, mixed forms, a bad row after 20,000 good ones) are
             INVALID_ARGUMENT naming the row (or the CSV line), an unknown
             vendor FAILED_PRECONDITION naming the row; nothing is written,
             no change event recorded; a client cancel mid-import writes
             nothing and leaves no session busy or idle in transaction.
  export     messages and CSV of the three exports equal the tables; CSV with
             commas and quotes parses back with Python's csv module; a
             snapshot of 50,000 vendors unaffected by deletes/inserts/updates
             made while it streams, change_sequence = the newest sequence at
             its start (and watching from it gives exactly those changes);
             a cancel and a client deadline mid-export leave no cursor or
             transaction behind; the CSV round trip export -> import.
  limits     with every stream place taken (--max_concurrent_streams) one
             more import or export is RESOURCE_EXHAUSTED (TOO_MANY_STREAMS).

Usage: bulk_test.py --target HOST:PORT --conninfo CONNINFO --max-streams N
(run by bulk_test.sh with PYTHONPATH=client/python)."""

import argparse
import csv
import io
import json
import subprocess
import sys
import threading
import time

import grpc

import suppliers_client as sc
from suppliers_client._generated.suppliers.v1 import (
    bulk_pb2 as b,
    change_feed_pb2 as cf,
    change_feed_pb2_grpc as cf_grpc,
    part_pb2 as p,
    part_pb2_grpc,
    vendor_pb2 as v,
    vendor_pb2_grpc,
)

T = 60
failures = 0
CONNINFO = None
PSQL = ["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1"]


def log(message):
    print(message, flush=True)


def check(what, got, want):
    global failures
    if got == want:
        log(f"ok - {what}")
        return True
    failures += 1
    g, w = repr(got), repr(want)
    if len(g) > 1500:
        g = g[:1500] + "..."
    if len(w) > 1500:
        w = w[:1500] + "..."
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


def psql(sql, timeout=120):
    r = subprocess.run(PSQL + [CONNINFO, "-c", sql], capture_output=True, text=True,
                       timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"psql failed: {sql[:200]}: {r.stderr}")
    return [line for line in r.stdout.splitlines() if line != ""]


def value(sql):
    return psql(sql)[0]


def rows(sql):
    """The rows of a query whose columns are named c1..cN, as lists (through
    json_agg, so any text is safe)."""
    out = json.loads("".join(psql(f"SELECT COALESCE(json_agg(q), '[]') FROM ({sql}) q")))
    return [[o[k] for k in sorted(o, key=lambda k: int(k[1:]))] for o in out]


def vendors_table():
    return rows("SELECT vendor_id AS c1, vendor_name AS c2 FROM vendors ORDER BY vendor_id")


def parts_table():
    return rows("SELECT p.part_id AS c1, p.part_name AS c2, "
                "COALESCE((SELECT array_agg(vendor_id ORDER BY vendor_id) FROM vendor_parts vp "
                "WHERE vp.part_id = p.part_id), '{}') AS c3 FROM parts p ORDER BY p.part_id")


def pairs_table():
    return rows("SELECT p.part_id AS c1, p.part_name AS c2, vd.vendor_id AS c3, "
                "vd.vendor_name AS c4 FROM vendor_parts vp "
                "JOIN parts p ON p.part_id = vp.part_id "
                "JOIN vendors vd ON vd.vendor_id = vp.vendor_id "
                "ORDER BY vp.part_id, vp.vendor_id")


def counts():
    """What an import may change: rows of the three tables and the feed."""
    return tuple(int(x) for x in value(
        "SELECT (SELECT count(*) FROM vendors) || ',' || (SELECT count(*) FROM parts) || ',' || "
        "(SELECT count(*) FROM vendor_parts) || ',' || (SELECT count(*) FROM change_events) "
        "|| ',' || (SELECT count(*) FROM change_transactions)").split(","))


def newest_sequence():
    return int(value("SELECT COALESCE(max(last_seq), 0) FROM change_transactions"))


def backends():
    """The database's other client sessions: (pid, state, query)."""
    return rows("SELECT pid AS c1, state AS c2, left(query, 80) AS c3 FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend' ORDER BY pid")


def leftovers(kinds=("COPY", "DECLARE", "FETCH")):
    """Sessions still busy with an import or export, or idle in a
    transaction (the server's pool keeps the others idle)."""
    out = []
    for pid, state, query in backends():
        q = (query or "").lstrip().upper()
        if (state or "").startswith("idle in transaction"):
            out.append((pid, state, query))
        elif state == "active" and q.startswith(kinds):
            out.append((pid, state, query))
    return out


def wait_for(predicate, timeout):
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result or time.monotonic() >= deadline:
            return result
        time.sleep(0.1)


def error_of(fn):
    try:
        fn()
    except grpc.RpcError as e:
        return e
    return None


def csv_text(names, header="vendor_name", line_end="\r\n"):
    out = io.StringIO()
    w = csv.writer(out, lineterminator=line_end)
    w.writerow([header])
    for n in names:
        w.writerow([n])
    return out.getvalue()


def cut(data, points):
    """data cut at the given byte offsets."""
    points = sorted({x for x in points if 0 < x < len(data)})
    chunks, last = [], 0
    for x in points:
        chunks.append(data[last:x])
        last = x
    chunks.append(data[last:])
    return chunks


def import_vendors(V, messages, timeout=T):
    return V.ImportVendors(iter(messages), timeout=timeout).summary


def csv_messages(chunks, request=v.ImportVendorsRequest):
    return [request(csv_chunk=c) for c in chunks]


# --- import ------------------------------------------------------------------

NASTY = ["Acme, Inc.", 'He said "hi"', "Café Zürich", "日本電気株式会社",
         'Ünïcödé, "quoted", and comma', "  padded  ", '"', ",", "é" * 255,
         "Plain Vendor"]


def part_import(V, P):
    log("# import: CSV chunks cut anywhere, rows form, parts with vendor ids")
    text = csv_text(NASTY)
    data = text.encode("utf-8")
    points = [data.find(b"Acme,") + 3,                      # inside a quoted field
              data.find(b'""hi') + 1,                       # between a doubled quote
              data.find(b"\r\n") + 1,                       # between \r and \n
              data.find(b"\r\n", data.find(b"Caf")) + 1,
              data.find("é".encode()) + 1,                  # inside a UTF-8 character
              data.find("日".encode()) + 2]
    points += list(range(data.find(b"Plain"), len(data), 3))  # 3-byte chunks at the end
    chunks = cut(data, points)
    expect("the CSV is cut in the awkward places",
           any(c.endswith(b"\r") for c in chunks) and len(chunks) > 10, len(chunks))
    before = counts()
    s = import_vendors(V, csv_messages(chunks))
    want = [n.strip() for n in NASTY]
    check("ImportVendors (CSV): rows_imported", s.rows_imported, len(NASTY))
    check("ImportVendors (CSV): ids consecutive", s.last_id - s.first_id + 1, len(NASTY))
    check("ImportVendors (CSV): the rows, in row order, ids first..last",
          rows(f"SELECT vendor_id AS c1, vendor_name AS c2 FROM vendors "
               f"WHERE vendor_id BETWEEN {s.first_id} AND {s.last_id} ORDER BY vendor_id"),
          [[s.first_id + i, n] for i, n in enumerate(want)])
    after = counts()
    check("ImportVendors (CSV): one change event per row, in one transaction",
          (after[0] - before[0], after[3] - before[3], after[4] - before[4]),
          (len(NASTY), len(NASTY), 1))

    # LF line ends, a BOM, no final line end, a quoted plain field.
    data = ("\ufeffvendor_name\n\"Quoted Plain\"\nLF Vendor\nNo Final Newline").encode()
    s = import_vendors(V, csv_messages([data[:2], data[2:]]))
    check("ImportVendors (CSV, BOM, LF, no final line end)",
          rows(f"SELECT vendor_name AS c1 FROM vendors WHERE vendor_id BETWEEN {s.first_id} "
               f"AND {s.last_id} ORDER BY vendor_id"),
          [["Quoted Plain"], ["LF Vendor"], ["No Final Newline"]])

    # The rows form, over several messages (one empty).
    names = [f"Rows Form {i}" for i in range(7)]
    msgs = [v.ImportVendorsRequest(vendors=[v.Vendor(vendor_name=n) for n in names[:2]]),
            v.ImportVendorsRequest(),
            v.ImportVendorsRequest(vendors=[v.Vendor(vendor_name=n) for n in names[2:]])]
    s = import_vendors(V, msgs)
    check("ImportVendors (rows): summary", (s.rows_imported, s.last_id - s.first_id + 1), (7, 7))
    check("ImportVendors (rows): the rows in order",
          rows(f"SELECT vendor_id AS c1, vendor_name AS c2 FROM vendors "
               f"WHERE vendor_id BETWEEN {s.first_id} AND {s.last_id} ORDER BY vendor_id"),
          [[s.first_id + i, n] for i, n in enumerate(names)])
    va, vb, vc = s.first_id, s.first_id + 1, s.first_id + 2

    # ImportParts: CSV with "1;2", an empty list, duplicates; columns in any order.
    text = (f'vendor_ids,part_name\r\n"{va};{vb}","Bolt, M3"\r\n,Nut\r\n'
            f'{vb};{vb};{vc},"Washer ""W"""\r\n {vc} ,Spring\r\n')
    data = text.encode()
    s = P.ImportParts(iter([p.ImportPartsRequest(csv_chunk=c)
                            for c in cut(data, range(5, len(data), 11))]), timeout=T).summary
    check("ImportParts (CSV): rows and links", (s.rows_imported, s.links_imported), (4, 5))
    check("ImportParts (CSV): parts with their vendors, in row order",
          rows(f"SELECT p.part_id AS c1, p.part_name AS c2, COALESCE((SELECT array_agg(vendor_id "
               f"ORDER BY vendor_id) FROM vendor_parts vp WHERE vp.part_id = p.part_id), '{{}}') "
               f"AS c3 FROM parts p WHERE part_id BETWEEN {s.first_id} AND {s.last_id} "
               f"ORDER BY part_id"),
          [[s.first_id, "Bolt, M3", [va, vb]], [s.first_id + 1, "Nut", []],
           [s.first_id + 2, 'Washer "W"', [vb, vc]], [s.first_id + 3, "Spring", [vc]]])
    msgs = [p.ImportPartsRequest(parts=[p.Part(part_name="Msg Part A", vendor_ids=[vc, va]),
                                        p.Part(part_name="Msg Part B")]),
            p.ImportPartsRequest(parts=[p.Part(part_name="Msg Part C", vendor_ids=[vb])])]
    s = P.ImportParts(iter(msgs), timeout=T).summary
    check("ImportParts (rows): summary", (s.rows_imported, s.links_imported,
                                          s.last_id - s.first_id + 1), (3, 3, 3))
    check("ImportParts (rows): parts with their vendors",
          rows(f"SELECT p.part_name AS c1, COALESCE((SELECT array_agg(vendor_id ORDER BY "
               f"vendor_id) FROM vendor_parts vp WHERE vp.part_id = p.part_id), '{{}}') AS c2 "
               f"FROM parts p WHERE part_id BETWEEN {s.first_id} AND {s.last_id} "
               f"ORDER BY part_id"),
          [["Msg Part A", [va, vc]], ["Msg Part B", []], ["Msg Part C", [vb]]])
    return va


# --- invalid ---------------------------------------------------------------

def part_invalid(V, P, vendor_id):
    log("# invalid: all or nothing")

    def refused(what, call, code, needle, reason=None):
        before = counts()
        e = error_of(call)
        ok = check(f"{what}: {code.name}", e and e.code(), code)
        if e:
            expect(f"  the message names {needle!r}", needle in (e.details() or ""),
                   e.details())
            if reason:
                check("  ErrorInfo reason", sc.error_details(e).reason, reason)
        check("  nothing written, no change event", counts(), before)
        return ok

    IA, FP = grpc.StatusCode.INVALID_ARGUMENT, grpc.StatusCode.FAILED_PRECONDITION

    def vcsv(text, size=7):
        data = text.encode()
        return lambda: import_vendors(V, csv_messages(cut(data, range(size, len(data), size))))

    refused("CSV row 3 empty", vcsv('vendor_name\nA\nB\n""\nD\n'), IA, "row 3", "INVALID_ROW")
    refused("CSV row 3 only spaces", vcsv("vendor_name\nA\nB\n   \nD\n"), IA, "row 3")
    refused("CSV row 2 of 256 characters", vcsv("vendor_name\nA\n" + "x" * 256 + "\nC\n"),
            IA, "row 2", "INVALID_ROW")
    refused("CSV row 2 with a control character", vcsv('vendor_name\nA\n"B\tC"\n'), IA,
            "row 2")
    refused("CSV row 2 with a newline inside quotes", vcsv('vendor_name\nA\n"B\nC"\n'), IA,
            "row 2")
    refused("CSV row 2 with two fields", vcsv("vendor_name\nA\nB,C\nD\n"), IA, "row 2",
            "INVALID_ROW")
    # Malformed CSV is named by its line (the header is line 1, row N is
    # line N + 1).
    refused("CSV unterminated quote (row 3, line 4)", vcsv('vendor_name\nA\nB\n"C\n'), IA,
            "line 4")
    refused("CSV quote inside an unquoted field (row 2, line 3)", vcsv('vendor_name\nA\nB"x\n'),
            IA, "line 3")
    refused("CSV unknown header column", vcsv("vendor_name,city\nA,Paris\n"), IA, "city")
    refused("CSV header without vendor_name", vcsv("name\nA\n"), IA, "vendor_name")
    refused("rows then CSV in one stream",
            lambda: import_vendors(V, [v.ImportVendorsRequest(vendors=[v.Vendor(vendor_name="A")]),
                                       v.ImportVendorsRequest(csv_chunk=b"vendor_name\nB\n")]),
            IA, "csv_chunk")
    refused("CSV then rows in one stream",
            lambda: import_vendors(V, [v.ImportVendorsRequest(csv_chunk=b"vendor_name\nB\n"),
                                       v.ImportVendorsRequest(vendors=[v.Vendor(vendor_name="A")])]),
            IA, "not both")
    refused("rows and CSV in one message",
            lambda: import_vendors(V, [v.ImportVendorsRequest(
                vendors=[v.Vendor(vendor_name="A")], csv_chunk=b"vendor_name\nB\n")]),
            IA, "csv_chunk")
    refused("rows form: row 3 empty",
            lambda: import_vendors(V, [v.ImportVendorsRequest(vendors=[
                v.Vendor(vendor_name="A"), v.Vendor(vendor_name="B"), v.Vendor()])]),
            IA, "row 3", "INVALID_ROW")
    refused("rows form: numbered across messages (row 4)",
            lambda: import_vendors(V, [
                v.ImportVendorsRequest(vendors=[v.Vendor(vendor_name="A"),
                                                v.Vendor(vendor_name="B")]),
                v.ImportVendorsRequest(vendors=[v.Vendor(vendor_name="C"),
                                                v.Vendor(vendor_name="x" * 256)])]),
            IA, "row 4")
    big = "vendor_name\n" + "".join(f"Good {i}\n" for i in range(20000)) + '""\n'
    refused("CSV with a bad row after 20,000 good ones (row 20001)",
            vcsv(big, 65536), IA, "row 20001")
    refused("ImportParts: unknown vendor in row 2",
            lambda: P.ImportParts(iter([p.ImportPartsRequest(parts=[
                p.Part(part_name="ok", vendor_ids=[vendor_id]),
                p.Part(part_name="bad", vendor_ids=[vendor_id, 99999999])])]), timeout=T),
            FP, "row 2", "VENDOR_NOT_FOUND")
    refused("ImportParts CSV: unknown vendor in row 3",
            lambda: P.ImportParts(iter([p.ImportPartsRequest(csv_chunk=(
                f"part_name,vendor_ids\na,{vendor_id}\nb,\nc,{vendor_id};77777777\n").encode())]),
                timeout=T),
            FP, "row 3", "VENDOR_NOT_FOUND")
    refused("ImportParts CSV: vendor id 'abc' in row 2",
            lambda: P.ImportParts(iter([p.ImportPartsRequest(
                csv_chunk=b"part_name,vendor_ids\na,1\nb,abc\n")]), timeout=T), IA, "row 2")
    refused("ImportParts: vendor id 0 in row 1",
            lambda: P.ImportParts(iter([p.ImportPartsRequest(parts=[
                p.Part(part_name="a", vendor_ids=[0])])]), timeout=T), IA, "row 1")

    # A client cancel mid-import.
    before = counts()
    release = threading.Event()
    sent = threading.Event()

    def requests():
        for i in range(5):
            yield v.ImportVendorsRequest(vendors=[v.Vendor(vendor_name=f"Cancelled {i}-{j}")
                                                  for j in range(1000)])
        sent.set()
        release.wait(30)

    future = V.ImportVendors.future(requests(), timeout=T)
    sent.wait(10)
    copying = wait_for(lambda: [x for x in backends()
                                if x[1] == "active" and x[2].startswith("COPY import_vendor")], 10)
    expect("the import is under way (its COPY is active)", copying, backends())
    check("the client cancels the import", future.cancel(), True)
    release.set()
    left = wait_for(lambda: not leftovers(), 5)
    expect("no session left active in COPY or idle in transaction", left, leftovers())
    check("the cancelled import wrote nothing", counts(), before)


# --- export ------------------------------------------------------------------

def read_export(call):
    messages = list(call)
    return messages


def csv_of(messages):
    chunks = [m.csv_chunk for m in messages]
    return chunks, list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8"), newline="")))


def part_export(V, P, W, V_slow):
    log("# export: messages and CSV equal the tables; snapshot; cancel; round trip")
    # Names CSV must quote, inserted through psql (no trimming there).
    odd = ["Comma, Inc", 'Quote "Q" Co', '"Starts with quote', 'ends with quote"',
           " leading space", "trailing space ", "semi;colon", "Ünïcödé", "a,b,\"c\",d"]
    psql("INSERT INTO vendors (vendor_name) VALUES " +
         ", ".join(f"($q${n}$q$)" for n in odd))
    psql("INSERT INTO parts (part_name) VALUES ($q$Part, \"odd\"$q$)")
    psql("INSERT INTO vendor_parts (vendor_id, part_id) SELECT v.vendor_id, p.part_id "
         "FROM vendors v, parts p WHERE v.vendor_name IN ('Comma, Inc', 'Ünïcödé') "
         "AND p.part_name = 'Part, \"odd\"' ON CONFLICT DO NOTHING")

    table = vendors_table()
    msgs = read_export(V.ExportVendors(v.ExportVendorsRequest(), timeout=T))
    check("ExportVendors (messages) = the table",
          [[x.vendor_id, x.vendor_name] for m in msgs for x in m.vendors], table)
    expect("  every vendor has an etag", all(x.etag for m in msgs for x in m.vendors))
    expect("  at most 1000 vendors a message", max(len(m.vendors) for m in msgs) <= 1000)
    chunks, parsed = csv_of(read_export(V.ExportVendors(
        v.ExportVendorsRequest(format=b.EXPORT_FORMAT_CSV), timeout=T)))
    check("ExportVendors (CSV): header", parsed[0], ["vendor_id", "vendor_name"])
    check("ExportVendors (CSV) parses back with the csv module to the table",
          parsed[1:], [[str(i), n] for i, n in table])
    check("  every chunk ends on a line end", [c[-1:] for c in chunks if c[-1:] != b"\n"], [])

    table = parts_table()
    msgs = read_export(P.ExportParts(p.ExportPartsRequest(), timeout=T))
    check("ExportParts (messages) = the table (vendor ids ascending)",
          [[x.part_id, x.part_name, list(x.vendor_ids)] for m in msgs for x in m.parts], table)
    _, parsed = csv_of(read_export(P.ExportParts(
        p.ExportPartsRequest(format=b.EXPORT_FORMAT_CSV), timeout=T)))
    check("ExportParts (CSV) = the table", parsed,
          [["part_id", "part_name", "vendor_ids"]] +
          [[str(i), n, ";".join(map(str, ids))] for i, n, ids in table])

    table = pairs_table()
    expect("there are pairs to export", len(table) >= 8, len(table))
    msgs = read_export(P.ExportPartVendorPairs(p.ExportPartVendorPairsRequest(), timeout=T))
    check("ExportPartVendorPairs (messages) = the join",
          [[x.part_id, x.part_name, x.vendor_id, x.vendor_name]
           for m in msgs for x in m.pairs], table)
    _, parsed = csv_of(read_export(P.ExportPartVendorPairs(
        p.ExportPartVendorPairsRequest(format=b.EXPORT_FORMAT_CSV), timeout=T)))
    check("ExportPartVendorPairs (CSV) = the join", parsed,
          [["part_id", "part_name", "vendor_id", "vendor_name"]] +
          [[str(a), bb, str(c), d] for a, bb, c, d in table])
    e = error_of(lambda: read_export(V.ExportVendors(v.ExportVendorsRequest(format=7),
                                                     timeout=T)))
    check("an unknown format: INVALID_ARGUMENT naming format",
          (e and e.code(), e and sc.error_details(e).fields),
          (grpc.StatusCode.INVALID_ARGUMENT, ["format"]))

    # A consistent snapshot of 50,000 vendors.
    psql("INSERT INTO vendors (vendor_name) SELECT 'Snapshot ' || g "
         "FROM generate_series(1, 50000) g")
    table = vendors_table()
    newest = newest_sequence()
    call = V.ExportVendors(v.ExportVendorsRequest(), timeout=T)
    first = next(call)
    check("the first message's change_sequence = the newest sequence at the start",
          first.change_sequence, newest)
    top = table[-1][0]
    psql(f"DELETE FROM vendors WHERE vendor_id > {top - 1000} OR vendor_id % 97 = 0")
    psql("INSERT INTO vendors (vendor_name) SELECT 'After Snapshot ' || g "
         "FROM generate_series(1, 500) g")
    psql(f"UPDATE vendors SET vendor_name = vendor_name || ' (renamed)' "
         f"WHERE vendor_id BETWEEN {top - 5000} AND {top - 4000}")
    changed = newest_sequence() - newest
    rest = list(call)
    exported = [[x.vendor_id, x.vendor_name] for m in [first] + rest for x in m.vendors]
    expect("the table changed meanwhile", vendors_table() != table)
    check(f"ExportVendors of {len(table)} vendors = the table as of its start",
          exported == table, True)
    check("  only the first message carries change_sequence",
          [m.change_sequence for m in rest if m.change_sequence], [])
    # Watching from change_sequence gives exactly the changes after it.
    watch = W.WatchChanges(cf.WatchChangesRequest(after_sequence=first.change_sequence),
                           timeout=T)
    events = []
    for m in watch:
        events.extend(m.events)
        if len(events) >= changed:
            break
    watch.cancel()
    check("WatchChanges from change_sequence: the changes made after the snapshot",
          ([x.sequence for x in events][:1], len(events)), ([newest + 1], changed))

    # Cancel mid-export, on a channel whose HTTP/2 window stays at 64 KiB
    # (no BDP probing), so that the export cannot run ahead of its reader
    # into the client's buffers: it waits for the client with its cursor open.
    call = V_slow.ExportVendors(v.ExportVendorsRequest(), timeout=T)
    next(call)
    holding = wait_for(lambda: [x for x in backends() if x[2].lstrip().upper().startswith(
        ("FETCH", "DECLARE"))], 5)
    expect("the export holds its cursor (a session whose query is FETCH/DECLARE)", holding,
           backends())
    call.cancel()
    left = wait_for(lambda: not leftovers(), 5)
    expect("after a cancel no export session is left (FETCH/DECLARE or idle in transaction)",
           left, leftovers())
    # A client deadline expiring mid-export, with a slow reader.
    call = V_slow.ExportVendors(v.ExportVendorsRequest(format=b.EXPORT_FORMAT_CSV), timeout=2)
    read = 0
    e = None
    held = None
    try:
        for _ in call:
            read += 1
            if read == 1:
                held = wait_for(lambda: [x for x in backends() if x[2].lstrip().upper()
                                         .startswith(("FETCH", "DECLARE"))], 1)
            time.sleep(0.5)
    except grpc.RpcError as err:
        e = err
    expect("the slow reader's export holds its cursor", held, backends())
    check(f"a slow reader's deadline ends the export (after {read} messages)",
          e and e.code(), grpc.StatusCode.DEADLINE_EXCEEDED)
    left = wait_for(lambda: not leftovers(), 5)
    expect("after the deadline no export session is left", left, leftovers())

    # CSV round trip: export, strip vendor_id, import, names equal.
    _, parsed = csv_of(read_export(V.ExportVendors(
        v.ExportVendorsRequest(format=b.EXPORT_FORMAT_CSV), timeout=T)))
    names = [name for _, name in parsed[1:]]
    data = csv_text(names, line_end="\n").encode()
    s = import_vendors(V, csv_messages(cut(data, range(65536, len(data), 65536))))
    check(f"CSV round trip: {len(names)} vendors imported", s.rows_imported, len(names))
    imported = rows(f"SELECT vendor_name AS c1 FROM vendors WHERE vendor_id BETWEEN "
                    f"{s.first_id} AND {s.last_id} ORDER BY vendor_id")
    check("CSV round trip: the names, in order (surrounding spaces trimmed by the import)",
          [x[0] for x in imported] == [n.strip() for n in names], True)


# --- limits ------------------------------------------------------------------

def part_limits(V, P, W, max_streams):
    log(f"# limits: --max_concurrent_streams = {max_streams}")
    before = counts()
    release = threading.Event()

    def holding(i):
        yield v.ImportVendorsRequest(vendors=[v.Vendor(vendor_name=f"Held {i}")])
        release.wait(30)

    held = [V.ImportVendors.future(holding(i), timeout=T) for i in range(max_streams)]
    busy = wait_for(lambda: len([x for x in backends() if x[2].startswith("COPY")])
                    >= max_streams, 10)
    expect(f"{max_streams} imports open (their COPYs active)", busy, backends())
    e = error_of(lambda: next(V.ExportVendors(v.ExportVendorsRequest(), timeout=T)))
    check("one more stream (an export): RESOURCE_EXHAUSTED", e and e.code(),
          grpc.StatusCode.RESOURCE_EXHAUSTED)
    if e:
        check("  reason TOO_MANY_STREAMS", sc.error_details(e).reason, "TOO_MANY_STREAMS")
    e = error_of(lambda: import_vendors(V, [v.ImportVendorsRequest(
        vendors=[v.Vendor(vendor_name="One Too Many")])]))
    check("one more stream (an import): RESOURCE_EXHAUSTED", e and e.code(),
          grpc.StatusCode.RESOURCE_EXHAUSTED)
    e = error_of(lambda: list(P.ExportPartVendorPairs(p.ExportPartVendorPairsRequest(),
                                                      timeout=T)))
    check("one more stream (ExportPartVendorPairs): RESOURCE_EXHAUSTED", e and e.code(),
          grpc.StatusCode.RESOURCE_EXHAUSTED)
    watch = W.WatchChanges(cf.WatchChangesRequest(), timeout=T)
    check("a watch is not counted among them", next(watch).checkpoint_sequence > 0, True)
    watch.cancel()
    check("unary calls still work", V.ListVendors(v.ListVendorsRequest(page_size=1),
                                                  timeout=T).vendors[0].vendor_id > 0, True)
    check(f"the {max_streams} imports are cancelled", [f.cancel() for f in held],
          [True] * max_streams)
    release.set()

    def export_ok():
        try:
            return len(list(V.ExportVendors(v.ExportVendorsRequest(), timeout=T))) > 0
        except grpc.RpcError:
            return False
    expect("once they end, an export is admitted again", wait_for(export_ok, 5))
    check("the cancelled imports wrote nothing", counts(), before)
    expect("no session left busy", wait_for(lambda: not leftovers(), 5), leftovers())


def main():
    global CONNINFO
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", required=True)
    ap.add_argument("--conninfo", required=True)
    ap.add_argument("--max-streams", type=int, required=True)
    ap.add_argument("--part", action="append",
                    choices=["import", "invalid", "export", "limits"])
    args = ap.parse_args()
    CONNINFO = args.conninfo
    channel = grpc.insecure_channel(args.target)
    grpc.channel_ready_future(channel).result(timeout=10)
    slow_channel = grpc.insecure_channel(args.target, options=[("grpc.http2.bdp_probe", 0)])
    V = vendor_pb2_grpc.VendorServiceStub(channel)
    P = part_pb2_grpc.PartServiceStub(channel)
    W = cf_grpc.ChangeFeedServiceStub(channel)
    parts = args.part or ["import", "invalid", "export", "limits"]
    vendor_id = None
    for part in parts:
        t0 = time.monotonic()
        if part == "import":
            vendor_id = part_import(V, P)
        elif part == "invalid":
            vendor_id = vendor_id or int(value("SELECT min(vendor_id) FROM vendors"))
            part_invalid(V, P, vendor_id)
        elif part == "export":
            part_export(V, P, W, vendor_pb2_grpc.VendorServiceStub(slow_channel))
        elif part == "limits":
            part_limits(V, P, W, args.max_streams)
        log(f"# {part}: {time.monotonic() - t0:.1f} s")
    channel.close()
    slow_channel.close()
    if failures:
        print(f"{failures} check(s) failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
